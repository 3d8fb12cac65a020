"""The sampling-plan tool, to be included under /supervision/sampling/ (no namespace): its one
view is named `sampling-plan`."""

from django.urls import path

from . import views_sampling

urlpatterns = [
    path("", views_sampling.sampling_plan, name="sampling-plan"),
]
