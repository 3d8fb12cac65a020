from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    VALID = "valid", _("有效")
    WITHDRAWN = "withdrawn", _("已撤回")
