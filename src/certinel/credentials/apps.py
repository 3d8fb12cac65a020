from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "certinel.credentials"
    label = "credentials"
    verbose_name = _("电子证书")

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the checks)
