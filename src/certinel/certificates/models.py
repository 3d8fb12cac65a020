"""The certificate register: certificates of every scheme family, their e-certificates and
transfers. A certificate's public trail of events is its history records (`trail.py`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import CertificateStatus, TransferParty, TransferState


class Certificate(models.Model):
    """A certificate as its body last reported it. `status` is the stored state; expiry and
    missed surveillance are applied by a scheduled job and are also computed on read
    (`selectors.effective_status`), so a reader never sees a stale "valid"."""

    # Looked up through the unique (number, body) below, which begins with it.
    number = models.CharField(_("证书编号"), max_length=64)
    # No index of their own on the foreign keys and the status and date columns: the composite
    # indexes below begin with them, and every index costs each reported certificate a write
    # (docs/performance.md lists each index with the queries that need it).
    scheme = models.ForeignKey("reference.Scheme", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("认证制度"), db_index=False)
    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, related_name="certificates",
                             verbose_name=_("发证机构"), db_index=False)
    holder = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="certificates",
                               verbose_name=_("获证组织"), db_index=False)
    holder_name = models.CharField(_("证书上的组织名称"), max_length=200)
    # Indexed by certificate_holder_uscc_idx (a plain index: a field's db_index would also make
    # PostgreSQL's pattern index for LIKE, which no query uses).
    holder_uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    # The holder's region, repeated so that jurisdictions filter without a join.
    region_code = models.CharField(_("区划代码"), max_length=6)
    standards = models.CharField(_("认证依据"), max_length=255, blank=True)
    scope_text = models.TextField(_("认证范围"))
    # IAF sector numbers (management systems) or CCC / product / service category codes.
    scope_codes = models.JSONField(_("范围代码"), default=list, blank=True)
    products = models.JSONField(_("产品及型号"), default=list, blank=True)
    sites = models.JSONField(_("覆盖场所"), default=list, blank=True)
    manufacturer = models.CharField(_("生产者（制造商）"), max_length=200, blank=True)
    factory = models.CharField(_("生产企业"), max_length=200, blank=True)
    factory_address = models.CharField(_("生产企业地址"), max_length=255, blank=True)
    first_issued_on = models.DateField(_("初次发证日期"))
    issued_on = models.DateField(_("本次发证日期"))
    expires_on = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=16, choices=CertificateStatus.choices,
                              default=CertificateStatus.VALID)
    status_reason = models.TextField(_("状态原因"), blank=True)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    suspended_until = models.DateField(_("暂停截止日期"), null=True, blank=True)
    last_surveillance_on = models.DateField(_("最近监督日期"), null=True, blank=True)
    next_surveillance_due = models.DateField(_("下次监督截止"), null=True, blank=True)
    signed_by = models.CharField(_("签发人"), max_length=64)
    # Indexed by certificate_transferred_idx, only where it is set (a few certificates in a
    # thousand).
    transferred_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="transferred_to", verbose_name=_("转自证书"),
                                         db_index=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    reported_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    HISTORY_EXCLUDE = ("version", "reported_at", "created_at")

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_on", "-id"]
        # Number first: it serves every look-up by number (verification, its fingerprint, the
        # search, the import), with or without the body.
        constraints = [models.UniqueConstraint(fields=["number", "body"], name="certificate_number_body_uniq")]
        # Pages come in issue order straight from an index whose leading columns are the
        # filter (docs/verification.md, "Performance").
        indexes = [
            models.Index(fields=["holder", "status"], name="certificate_holder_idx"),
            models.Index(fields=["status", "expires_on", "region_code"], name="certificate_status_expiry_idx"),
            models.Index(fields=["-issued_on", "-id"], name="certificate_issued_idx"),
            models.Index(fields=["body", "-issued_on", "-id"], name="certificate_body_issued_idx"),
            models.Index(fields=["body", "status", "-issued_on", "-id"], name="certificate_body_status_idx"),
            models.Index(fields=["region_code", "-issued_on", "-id"], name="certificate_region_issued_idx"),
            models.Index(fields=["region_code", "status", "-issued_on", "-id"], name="certificate_region_status_idx"),
            models.Index(fields=["scheme", "-issued_on", "-id"], name="certificate_scheme_issued_idx"),
            models.Index(fields=["scheme", "status", "-issued_on", "-id", "region_code"],
                         name="certificate_scheme_status_idx"),
            models.Index(fields=["status", "-issued_on", "-id"], name="certificate_status_issued_idx"),
            models.Index(fields=["status", "next_surveillance_due", "expires_on"], name="certificate_surveillance_idx"),
            models.Index(fields=["expires_on", "region_code"], name="certificate_expiry_region_idx"),
            models.Index(fields=["holder_uscc"], name="certificate_holder_uscc_idx"),
            models.Index(fields=["transferred_from"], condition=models.Q(transferred_from__isnull=False),
                         name="certificate_transferred_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class CertificateCredential(models.Model):
    """An electronic certificate (a signed W3C Verifiable Credential) issued for one version of a
    certificate. A later change of the certificate's content (renewal, scope, corrections)
    supersedes it: its revocation bit is set and the next request issues a new one."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="credentials")
    version = models.PositiveIntegerField(_("证书版本"))
    credential_id = models.CharField(_("凭证标识"), max_length=255, unique=True)
    issued_at = models.DateTimeField(_("签发时间"), default=timezone.now)

    class Meta:
        verbose_name = _("电子证书")
        verbose_name_plural = _("电子证书")
        ordering = ["certificate", "version"]
        constraints = [models.UniqueConstraint(fields=["certificate", "version"], name="certcredential_version_uniq")]

    def __str__(self) -> str:
        return self.credential_id


class CertificateTransfer(models.Model):
    """A holder's move from one body to another, as the accepting body reported it: the new
    certificate names the old one. The old certificate stays in force, "transfer pending",
    until its body or the holder confirms (it ends as transferred), objects (it stays valid),
    or the objection period passes without objection (it ends). The period is the policy in
    force on the day of the request (`policy.transfer_policy`), kept with the request."""

    source = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="transfers_out",
                               verbose_name=_("原证书"))
    target = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="transfers_in",
                               verbose_name=_("新证书"))
    from_body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("原发证机构"))
    to_body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("转入机构"))
    holder = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("获证组织"))
    # The holder's region, for jurisdictions (as on the certificate).
    region_code = models.CharField(_("区划代码"), max_length=6)
    state = models.CharField(_("状态"), max_length=16, choices=TransferState.choices, default=TransferState.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    requested_on = models.DateField(_("申请日期"))
    # The last day to answer; the scheduled job ends the old certificate after it.
    deadline = models.DateField(_("异议截止日期"))
    objection_days = models.PositiveIntegerField(_("异议期（天）"))
    policy = models.CharField(_("适用规则"), max_length=64)
    decided_on = models.DateField(_("处理日期"), null=True, blank=True)
    decided_by = models.CharField(_("处理方"), max_length=16, choices=TransferParty.choices, blank=True)
    signed_by = models.CharField(_("签字人"), max_length=64, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    HISTORY_EXCLUDE = ("version",)

    class Meta:
        verbose_name = _("证书转换")
        verbose_name_plural = _("证书转换")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source"], condition=models.Q(state="pending"),
                                               name="certificatetransfer_one_pending")]
        indexes = [models.Index(fields=["state", "deadline"], name="certtransfer_pending_idx")]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class ReportedRow(models.Model):
    """The fingerprint of the file row that last left a certificate as it is: a digest of the
    row's cells as the file had them (under the file's columns) and the certificate's version
    after that row. A file sent again with the same row, for a certificate that has not changed
    since, is "unchanged" without the row being read and checked again (the import's resend
    path, `certificates.io.importer`). Not history: nothing in it is anything the register says;
    it only saves work, and a row it does not recognise takes the full path."""

    certificate = models.OneToOneField(Certificate, on_delete=models.CASCADE, primary_key=True, related_name="+")
    digest = models.BinaryField(_("行摘要"), max_length=16)
    version = models.PositiveIntegerField(_("证书版本"))

    class Meta:
        verbose_name = _("报送行摘要")
        verbose_name_plural = _("报送行摘要")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.certificate_id} v{self.version}"
