"""The project's URLs plus the certificate and watch pages, as the integrated site mounts
them: the portal's navigation links to them when they exist."""

from django.urls import include, path

from certinel.urls import urlpatterns as project

urlpatterns = [
    path("", include("certinel.certificates.urls")),
    path("watch/", include("certinel.watch.urls")),
    *project,
]
