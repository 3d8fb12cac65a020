from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "certinel.core"
    label = "core"
    verbose_name = _("历史与审计")

    def ready(self) -> None:
        from . import db  # noqa: F401 (registers the `any` lookup)
