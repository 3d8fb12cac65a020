"""The credit pages, mounted at /credit/: the public list, subject pages and check; the case pages."""

from django.urls import path

from . import views, views_dashboard, views_manage, views_repair

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
    path("cases/fact/new/", views_repair.fact_new, name="fact_new"),
    path("cases/fact/<int:pk>/", views_repair.fact_detail, name="fact"),
    path("cases/publication/<int:pk>/", views_repair.publication_detail, name="publication"),
    path("cases/repair/<int:pk>/", views_repair.repair_detail, name="repair"),
    path("cases/repair/<int:pk>/evidence/<int:n>/", views_repair.evidence, name="evidence"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
]
