"""Test reports' public pages, mounted at /reports/."""

from django.urls import path

from . import views

app_name = "qualification"

urlpatterns: list = [
    path("verify/", views.verify, name="verify"),
]
