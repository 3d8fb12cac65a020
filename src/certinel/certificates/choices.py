from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    # Another body reported taking the certificate over; it stays in force until the old body
    # or the holder confirms, or the objection period passes (docs/decisions/0004-transfers.md).
    TRANSFER_PENDING = "transfer_pending", _("转换待确认")
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
    TRANSFER_REQUESTED = "transfer_requested", _("申请转换认证机构")
    TRANSFERRED = "transferred", _("转换认证机构")
    TRANSFER_REFUSED = "transfer_refused", _("转换被拒绝")
    TRANSFER_WITHDRAWN = "transfer_withdrawn", _("转换撤回")
    CORRECTED = "corrected", _("信息更正")


# The statuses a body reports; "transfer pending" is the register's own.
REPORTED_STATUSES = (CertificateStatus.VALID, CertificateStatus.SUSPENDED, CertificateStatus.REVOKED,
                     CertificateStatus.CANCELLED, CertificateStatus.EXPIRED)
# The statuses in which a certificate is in force: verification answers "valid" for them.
IN_FORCE = frozenset({CertificateStatus.VALID, CertificateStatus.TRANSFER_PENDING})
# The events of a transfer between bodies (not counted in a body's reporting delays).
TRANSFER_EVENTS = (EventKind.TRANSFER_REQUESTED, EventKind.TRANSFERRED, EventKind.TRANSFER_REFUSED,
                   EventKind.TRANSFER_WITHDRAWN)


class TransferState(models.TextChoices):
    """Where a transfer between bodies stands (`transitions.TRANSFER`)."""

    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DEEMED_CONFIRMED = "deemed_confirmed", _("异议期满，视为确认")
    OBJECTED = "objected", _("有异议，未转换")
    WITHDRAWN = "withdrawn", _("新证书已失效，转换撤回")
    LAPSED = "lapsed", _("原证书已另行终止")


class TransferParty(models.TextChoices):
    """Who settled a transfer."""

    OLD_BODY = "old_body", _("原发证机构")
    HOLDER = "holder", _("获证组织")
    REGISTRY = "registry", _("平台")


# Transfers that did not take place: the new certificate is not the old one's successor.
TRANSFER_NOT_MADE = (TransferState.OBJECTED, TransferState.WITHDRAWN)
