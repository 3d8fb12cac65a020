from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "certinel.qualification"
    label = "qualification"
    verbose_name = _("检验检测资质认定与报告核验")

    def ready(self) -> None:
        from .warnings import register

        register()  # the test-report signals as risk-warning rules (cases.rules.RULES)
