"""The complaint and case pages, mounted at /cases/."""

from django.urls import path

from . import views, views_manage

app_name = "cases"

urlpatterns = [
    path("", views.submit, name="submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("follow/<str:token>/", views.follow, name="follow"),
    path("manage/", views_manage.queue, name="queue"),
    path("manage/complaint/new/", views_manage.complaint_new, name="complaint_new"),
    path("manage/complaint/<int:pk>/", views_manage.complaint_detail, name="complaint"),
    path("manage/complaint/<int:pk>/evidence/<int:n>/", views_manage.complaint_evidence, name="complaint_evidence"),
    path("manage/case/<int:pk>/", views_manage.case_detail, name="case"),
    path("manage/note/<int:pk>/evidence/<int:n>/", views_manage.note_evidence, name="note_evidence"),
    path("manage/warnings/", views_manage.warnings, name="warnings"),
    path("manage/warnings/chart.csv", views_manage.warnings_chart_csv, name="warnings_csv"),
    path("manage/warning/<int:pk>/", views_manage.warning_detail, name="warning"),
    path("requests/", views_manage.body_requests, name="requests"),
    path("requests/<int:pk>/", views_manage.request_detail, name="request"),
]
