"""A test-only URLconf: the log mounted at /log/, as the integrator will mount it."""

from django.urls import include, path

urlpatterns = [path("log/", include("certinel.transparency.urls"))]
