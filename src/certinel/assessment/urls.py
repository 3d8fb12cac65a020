"""The reports for assessment, mounted at /assessment/."""

from django.urls import path

from . import views

app_name = "assessment"

urlpatterns: list = [
    path("", views.reports, name="reports"),
    path("<int:pk>/<str:kind>/", views.download, name="download"),
    path("verify/", views.verify, name="verify"),
]
