from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchConfig(AppConfig):
    name = "certinel.watch"
    label = "watch"
    verbose_name = _("供应商关注")

    def ready(self) -> None:
        from certinel.core.history import subscribe

        from .notify import on_change

        subscribe(on_change)
