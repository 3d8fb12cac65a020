from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")
    EXPIRED = "expired", _("过期")


class EventKind(models.TextChoices):
    ISSUED = "issued", _("颁发")
    SURVEILLANCE_PASSED = "surveillance_passed", _("监督审核通过")
    SURVEILLANCE_MISSED = "surveillance_missed", _("未按期监督")
    SUSPENDED = "suspended", _("暂停")
    REINSTATED = "reinstated", _("恢复")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")
    EXPIRED = "expired", _("过期")
    RENEWED = "renewed", _("再认证换证")
    SCOPE_CHANGED = "scope_changed", _("范围变更")
    TRANSFERRED = "transferred", _("转换认证机构")
    CORRECTED = "corrected", _("信息更正")
