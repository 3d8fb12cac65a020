from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "certinel.credit"
    label = "credit"
    verbose_name = _("信用监管")

    def ready(self) -> None:
        from certinel.core.history import subscribe_batch

        from .automatic import on_records

        # The facts of Certinel's own events, in the transaction that writes them (after the
        # transparency log's subscriber: this app comes later in INSTALLED_APPS).
        subscribe_batch(on_records)
