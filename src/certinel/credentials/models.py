"""Signing keys, Bitstring Status Lists and the register of issued credentials.

An issuer is a certification body (`body`, its DID `did:web:<host>:bodies:<approval no>`) or a
regulator's jurisdiction (`jurisdiction`, a region code; its DID
`did:web:<host>:regulators:<code>`), which signs the CMA certificates it decides: each key, list
and issued credential belongs to exactly one of the two."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import KeyStatus, StatusPurpose

BODIES, REGULATORS = "bodies", "regulators"  # the did:web path segment of each kind of issuer

STATUS_LIST_SIZE = 131_072  # 16 KiB of bits: the minimum the W3C spec asks for, for herd privacy


def one_issuer(prefix: str) -> models.CheckConstraint:
    """A row belongs to a body or to a jurisdiction, never both or neither."""
    return models.CheckConstraint(condition=(Q(body__isnull=False) & Q(jurisdiction="")) |
                                  (Q(body__isnull=True) & ~Q(jurisdiction="")), name=f"{prefix}_one_issuer")


def issuer_of(row: models.Model) -> tuple[str, str]:
    """(path segment, identifier) of the issuer a key, list or issued credential belongs to:
    ("bodies", approval number) or ("regulators", region code)."""
    if row.body_id:
        return BODIES, row.body.approval_no
    return REGULATORS, row.jurisdiction


class SigningKey(models.Model):
    """An Ed25519 key with which a certification body signs its e-certificates. The private
    key is kept only encrypted (see keycrypt.py) and is never shown."""

    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="signing_keys", verbose_name=_("认证机构"))
    jurisdiction = models.CharField(_("签发监管辖区"), max_length=6, blank=True, db_index=True,
                                    help_text=_("监管部门作为签发者时的辖区代码（与认证机构二选一）"))
    sequence = models.PositiveIntegerField(_("序号"))
    fragment = models.CharField(_("密钥标识"), max_length=32, help_text=_("DID URL 片段，如 key-1"))
    public_key_multibase = models.CharField(_("公钥 (Multikey)"), max_length=64, unique=True)
    private_key_encrypted = models.BinaryField(_("私钥密文"), editable=False)
    kek_id = models.CharField(_("密钥加密密钥标识"), max_length=32, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=KeyStatus.choices, default=KeyStatus.ACTIVE,
                              db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    compromised_since = models.DateTimeField(_("泄露起始时间"), null=True, blank=True)
    revocation_reason = models.TextField(_("吊销原因"), blank=True)

    HISTORY_EXCLUDE = ("private_key_encrypted",)

    class Meta:
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")
        ordering = ["body", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["body", "sequence"], name="signingkey_body_seq_uniq"),
            models.UniqueConstraint(fields=["body", "fragment"], name="signingkey_body_fragment_uniq"),
            models.UniqueConstraint(fields=["body"], condition=Q(status=KeyStatus.ACTIVE),
                                    name="signingkey_one_active_per_body"),
            models.UniqueConstraint(fields=["jurisdiction", "sequence"], condition=Q(body__isnull=True),
                                    name="signingkey_jurisdiction_seq_uniq"),
            models.UniqueConstraint(fields=["jurisdiction"], condition=Q(status=KeyStatus.ACTIVE, body__isnull=True),
                                    name="signingkey_one_active_per_jurisdiction"),
            one_issuer("signingkey"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer[1]}#{self.fragment}"

    def __repr__(self) -> str:
        return f"<SigningKey {self.pk} {self.fragment} {self.status} {self.public_key_multibase}>"

    @property
    def region_code(self) -> str:
        return self.body.region_code if self.body_id else self.jurisdiction

    @property
    def issuer(self) -> tuple[str, str]:
        return issuer_of(self)


class StatusList(models.Model):
    """One Bitstring Status List of a body for one purpose. Entries are handed out in a
    shuffled order (an affine permutation of the indexes) so that an index says nothing about
    when a credential was issued. `credential` is the last signed BitstringStatusListCredential,
    republished on every change."""

    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="status_lists", verbose_name=_("认证机构"))
    jurisdiction = models.CharField(_("签发监管辖区"), max_length=6, blank=True, db_index=True,
                                    help_text=_("监管部门作为签发者时的辖区代码（与认证机构二选一）"))
    purpose = models.CharField(_("用途"), max_length=16, choices=StatusPurpose.choices)
    number = models.PositiveIntegerField(_("编号"))
    host = models.CharField(_("发布主机"), max_length=255, help_text=_("列表 URL 与签发者 DID 所用的主机名"))
    scheme = models.CharField(_("发布协议"), max_length=8, default="https",
                              help_text=_("列表 URL 的协议（http 或 https），取自部署的公开地址"))
    size = models.PositiveIntegerField(_("容量"), default=STATUS_LIST_SIZE)
    allocated = models.PositiveIntegerField(_("已分配"), default=0)
    perm_a = models.PositiveBigIntegerField(editable=False)
    perm_b = models.PositiveBigIntegerField(editable=False)
    credential = models.JSONField(_("已签名状态列表凭证"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    # The signed list, its publication time and the allocation counter change with every issue
    # and status change (whose own records say what changed); the secret permutation stays out.
    HISTORY_EXCLUDE = ("credential", "published_at", "allocated", "perm_a", "perm_b")

    class Meta:
        verbose_name = _("状态列表")
        verbose_name_plural = _("状态列表")
        ordering = ["body", "purpose", "number"]
        constraints = [models.UniqueConstraint(fields=["body", "purpose", "number"],
                                               name="statuslist_body_purpose_number_uniq"),
                       models.UniqueConstraint(fields=["jurisdiction", "purpose", "number"],
                                               condition=Q(body__isnull=True),
                                               name="statuslist_jurisdiction_purpose_number_uniq"),
                       one_issuer("statuslist")]

    def __str__(self) -> str:
        return f"{self.issuer[1]}/{self.purpose}/{self.number}"

    @property
    def region_code(self) -> str:
        return self.body.region_code if self.body_id else self.jurisdiction

    @property
    def issuer(self) -> tuple[str, str]:
        return issuer_of(self)

    def index_for(self, n: int) -> int:
        """The n-th index handed out: a bijection of [0, size) since perm_a is odd and size a
        power of two."""
        return (self.perm_a * n + self.perm_b) % self.size


class StatusEntry(models.Model):
    """An index of a status list allocated to one credential, with the bit's current value."""

    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries",
                                    verbose_name=_("状态列表"))
    index = models.PositiveIntegerField(_("位置"))
    credential_id = models.CharField(_("凭证标识"), max_length=255, db_index=True)
    value = models.BooleanField(_("已置位"), default=False)
    allocated_at = models.DateTimeField(_("分配时间"), default=timezone.now, editable=False)
    changed_at = models.DateTimeField(_("变更时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("状态位")
        verbose_name_plural = _("状态位")
        ordering = ["status_list", "index"]
        constraints = [models.UniqueConstraint(fields=["status_list", "index"], name="statusentry_list_index_uniq")]

    def __str__(self) -> str:
        return f"{self.status_list}#{self.index}"

    @property
    def region_code(self) -> str:
        return self.status_list.region_code


class IssuedCredential(models.Model):
    """A credential as it was signed: which key, when, which status entries, the JSON."""

    credential_id = models.CharField(_("凭证标识"), max_length=255, db_index=True)
    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="issued_credentials", verbose_name=_("认证机构"))
    jurisdiction = models.CharField(_("签发监管辖区"), max_length=6, blank=True, db_index=True,
                                    help_text=_("监管部门作为签发者时的辖区代码（与认证机构二选一）"))
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="issued_credentials",
                                    verbose_name=_("签名密钥"))
    signed_at = models.DateTimeField(_("签发时间"), db_index=True)
    revocation_entry = models.ForeignKey(StatusEntry, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("撤销状态位"))
    suspension_entry = models.ForeignKey(StatusEntry, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name=_("暂停状态位"))
    document = models.JSONField(_("凭证"))

    HISTORY_EXCLUDE = ("document",)

    class Meta:
        verbose_name = _("已签发电子证书")
        verbose_name_plural = _("已签发电子证书")
        ordering = ["-signed_at", "-id"]
        constraints = [one_issuer("issuedcredential")]

    def __str__(self) -> str:
        return self.credential_id

    @property
    def region_code(self) -> str:
        return self.body.region_code if self.body_id else self.jurisdiction
