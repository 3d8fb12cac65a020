from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "certinel.supervision"
    label = "supervision"
    verbose_name = _("双随机监管与监督抽查")
