from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "certinel.transparency"
    label = "transparency"
    verbose_name = _("透明日志")
    # Every history record is its own entry of the log: `core.history` has it logged
    # (`services.log_records`) in the transaction that writes it.
