from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyStatus(models.TextChoices):
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("已轮换停用")
    COMPROMISED = "compromised", _("已泄露吊销")


class StatusPurpose(models.TextChoices):
    """The purposes of a Bitstring Status List entry (W3C `statusPurpose`)."""

    REVOCATION = "revocation", _("撤销")
    SUSPENSION = "suspension", _("暂停")
