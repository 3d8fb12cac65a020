from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "certinel.transparency"
    label = "transparency"
    verbose_name = _("透明日志")

    def ready(self) -> None:
        from certinel.core.history import subscribe_batch

        from .services import append_change_records

        # Every history record goes into the log, in the transaction that writes it.
        subscribe_batch(append_change_records)
