"""The serious-violation list's public pages, mounted at /credit/."""

from django.urls import path

from . import views, views_dashboard, views_manage

app_name = "credit"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("subject/<str:uscc>/", views.subject, name="subject"),
    path("check/", views.check, name="check"),
    path("check/answer/", views.check_answer, name="answer"),
    path("cases/", views_manage.cases, name="cases"),
    path("cases/notice/new/", views_manage.notice_new, name="notice_new"),
    path("cases/notice/<int:pk>/", views_manage.notice_detail, name="notice"),
    path("cases/entry/<int:pk>/", views_manage.entry_detail, name="entry"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
]
