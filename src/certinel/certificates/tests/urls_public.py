"""A URLconf for tests: the site's own, plus the certificate pages, the certificate API and
the watchlist pages wherever the site does not mount them (yet). Use it with
`@pytest.mark.urls("certinel.certificates.tests.urls_public")`."""

from __future__ import annotations

from django.apps import apps
from django.urls import include, path
from ninja import NinjaAPI

from certinel import api as site_api_module
from certinel import urls as site
from certinel.certificates.api import router
from certinel.core.errors import DomainError


def _site_namespaces() -> set[str]:
    return {getattr(p, "namespace", None) for p in site.urlpatterns}


def _certificate_api() -> list:
    if any(r is router for _prefix, r in site_api_module.api._routers):
        return []
    api = NinjaAPI(title="Certinel open API (test mount)", version="1-test", urls_namespace="api-v1-certificates",
                   docs_url=None)
    api.add_exception_handler(DomainError, site_api_module.domain_error)
    from ninja.errors import AuthenticationError, ValidationError

    api.add_exception_handler(ValidationError, site_api_module.validation_error)
    api.add_exception_handler(AuthenticationError, site_api_module.auth_error)
    api.add_router("/", router, url_name_prefix="test")
    return [path("api/v1/", api.urls)]


urlpatterns = [*_certificate_api()]
if "certificates" not in _site_namespaces():
    urlpatterns.append(path("", include("certinel.certificates.urls")))
if apps.is_installed("certinel.watch") and "watch" not in _site_namespaces():
    urlpatterns.append(path("watch/", include("certinel.watch.urls")))
urlpatterns += site.urlpatterns
