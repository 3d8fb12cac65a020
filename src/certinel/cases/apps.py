from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "certinel.cases"
    label = "cases"
    verbose_name = _("风险预警与投诉举报案件")

    def ready(self) -> None:
        from certinel.core.history import subscribe_batch

        from .services_warnings import mark_due

        # Certificates or bodies changed (an import, a decision): the warning rules are due at the
        # scheduler's next pass. Only a flag is set here, so that the import is not slowed.
        subscribe_batch(mark_due)
