"""The survey pages, mounted at /surveys/."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.firm_list, name="list"),
    path("<int:pk>/", views.firm_answer, name="answer"),
    path("manage/", views.manage_list, name="manage"),
    path("manage/new/", views.manage_new, name="new"),
    path("manage/<int:pk>/", views.manage_detail, name="detail"),
    path("manage/<int:pk>/edit/", views.manage_edit, name="edit"),
    path("manage/<int:pk>/results/", views.manage_results, name="results"),
]
