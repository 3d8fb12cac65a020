"""The statistics pages, mounted at /stats/."""

from django.urls import path

from . import views

app_name = "stats"

urlpatterns: list = [
    path("", views.overview, name="overview"),
    path("body/", views.body_view, name="own"),
    path("sampling/", views.sampling, name="sampling"),
]
