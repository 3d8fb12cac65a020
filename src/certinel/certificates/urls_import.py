"""The upload page of certificate reporting, to be included under `/report/`:

    path("report/", include("certinel.certificates.urls_import"))
"""

from django.urls import path, re_path

from . import views_import

app_name = "certificates_import"
urlpatterns = [
    path("", views_import.upload, name="upload"),
    re_path(r"^results/(?P<token>[A-Za-z0-9_-]{22})/$", views_import.result, name="result"),
    re_path(r"^results/(?P<token>[A-Za-z0-9_-]{22})\.(?P<fmt>csv|json)$", views_import.download, name="download"),
    re_path(r"^template\.(?P<fmt>csv|xlsx)$", views_import.template, name="template"),
]
