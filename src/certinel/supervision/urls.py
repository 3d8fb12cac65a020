"""The supervision pages, mounted at /supervision/."""

from django.urls import path  # noqa: F401

app_name = "supervision"

# The sampling-plan tool's pages join under sampling/ (urls_sampling) once they exist.
urlpatterns: list = []
