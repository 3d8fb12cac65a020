from django.contrib import admin
from django.urls import include, path

from certinel.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("certinel.credentials.urls")),
    path("", include("certinel.certificates.urls_ecert")),
    path("report/", include("certinel.certificates.urls_import")),
    path("log/", include("certinel.transparency.urls")),
    path("watch/", include("certinel.watch.urls")),
    path("credit/", include("certinel.credit.urls")),
    path("supervision/", include("certinel.supervision.urls")),
    path("cases/", include("certinel.cases.urls")),
    path("stats/", include("certinel.stats.urls")),
    path("assessment/", include("certinel.assessment.urls")),
    path("surveys/", include("certinel.surveys.urls")),
    path("reports/", include("certinel.qualification.urls")),
    path("qualification/", include("certinel.qualification.urls_applications")),
    path("", include("certinel.certificates.urls")),
    path("", include("certinel.portal.urls")),
]
