from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "certinel.stats"
    label = "stats"
    verbose_name = _("统计、目标与开放数据")
