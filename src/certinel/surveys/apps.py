from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "certinel.surveys"
    label = "surveys"
    verbose_name = _("企业认证状况调查")
