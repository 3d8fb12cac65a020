"""The supervision pages, mounted at /supervision/."""

from django.urls import include, path

from . import views, views_manage

app_name = "supervision"

urlpatterns: list = [
    path("", views.plan_list, name="plans"),
    path("plans/<str:number>/", views.plan_detail, name="plan"),
    path("plans/<str:number>/inputs.json", views.plan_inputs, name="plan_inputs"),
    path("plans/<str:number>/result.json", views.plan_result, name="plan_result"),
    path("plans/<str:number>/directory.json", views.plan_directory, name="plan_directory"),
    path("rules/", views.rules, name="rules"),
    path("subject/<str:uscc>/", views.subject, name="subject"),
    path("overdue/", views.overdue, name="overdue"),
    path("pass-rates/", views.pass_rates, name="pass_rates"),
    path("manage/", views_manage.index, name="manage"),
    path("manage/plans/<str:number>/", views_manage.plan, name="manage_plan"),
    path("manage/inspections/<int:pk>/", views_manage.inspection, name="manage_inspection"),
    path("manage/inspections/<int:pk>/evidence/<str:item>/", views_manage.evidence, name="manage_evidence"),
    path("manage/inspectors/", views_manage.inspectors, name="manage_inspectors"),
    path("manage/sampling/", views_manage.sampling_tasks, name="manage_sampling"),
    path("sampling/", include("certinel.supervision.urls_sampling")),
]
