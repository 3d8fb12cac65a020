"""Accounts: every user has one role; a role other than administrator is bound to what it acts
for (an organization, a body, a lab) or, for regulators, to a jurisdiction."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORG_USER = "org_user", _("获证组织用户")
    CB_OPERATOR = "cb_operator", _("认证机构操作员")
    LAB_OPERATOR = "lab_operator", _("检验检测机构操作员")
    REGULATOR = "regulator", _("监管人员")
    ADMIN = "admin", _("系统管理员")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.ORG_USER)
    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="users", verbose_name=_("所属组织"))
    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="users", verbose_name=_("所属认证机构"))
    lab = models.ForeignKey("registry.Lab", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="users", verbose_name=_("所属检验检测机构"))
    # A regulator's jurisdiction: a province (2-digit prefix), city (4) or county (6) code.
    jurisdiction_code = models.CharField(_("辖区代码"), max_length=6, blank=True,
                                         help_text=_("省级两位、市级四位、区县六位，例如 32、3201、320102"))

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_role_binding",
                condition=(
                    models.Q(role="org_user", body__isnull=True, lab__isnull=True)
                    | models.Q(role="cb_operator", organization__isnull=True, lab__isnull=True)
                    | models.Q(role="lab_operator", organization__isnull=True, body__isnull=True)
                    | models.Q(role="regulator", organization__isnull=True, body__isnull=True, lab__isnull=True)
                    | models.Q(role="admin", organization__isnull=True, body__isnull=True, lab__isnull=True)
                ),
            )
        ]

    @property
    def is_regulator(self) -> bool:
        return self.role == Role.REGULATOR

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    """A certification body's key for the reporting API. Only a hash is stored; the key is
    shown once, when it is made. Keys look like `ck_<prefix>_<secret>`."""

    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, related_name="api_keys",
                             verbose_name=_("认证机构"))
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_keys", verbose_name=_("创建人"))
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    HISTORY_EXCLUDE = ("key_hash", "last_used_at")

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.name} (ck_{self.prefix}_…)"

    @property
    def region_code(self) -> str:
        return self.body.region_code

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new (full key, prefix, hash)."""
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        full = f"ck_{prefix}_{secret}"
        return full, prefix, _hash_key(full)

    def matches(self, full_key: str) -> bool:
        return secrets.compare_digest(self.key_hash, _hash_key(full_key))
