"""The base model and the history of every change.

`ChangeRecord` is append-only: the model refuses updates and deletes, its queryset refuses
bulk updates and deletes, and database triggers (migrations 0002 and 0004) refuse them too, so
that not even raw SQL through the application's connection rewrites history.

A record is also the transparency log's entry for its change (docs/decisions/0007): it holds
its leaf (the canonical JSON the log publishes), the leaf's hash and its index in the log, set
when it is written (`certinel.transparency.services.log_records`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(RuntimeError):
    """Raised when code tries to rewrite or remove a history record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise AppendOnlyError("History records are append-only; they cannot be updated.")

    def delete(self):  # type: ignore[override]
        raise AppendOnlyError("History records are append-only; they cannot be deleted.")


class Via(models.TextChoices):
    WEB = "web", _("门户")
    API = "api", _("接口")
    ADMIN = "admin", _("管理后台")
    IMPORT = "import", _("导入")
    CLI = "cli", _("命令行")
    TASK = "task", _("定时任务")
    SYSTEM = "system", _("系统")


class ChangeRecord(models.Model):
    """Who changed what, when, from what to what, and why: one row per change."""

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    actor_label = models.CharField(_("操作人标识"), max_length=150)
    via = models.CharField(_("渠道"), max_length=16, choices=Via.choices)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    action = models.CharField(_("事件"), max_length=64, db_index=True)
    # Indexed by change_object_idx below.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("对象类型"), db_index=False)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=255)
    # The jurisdiction the change belongs to (a region code), so regulators see their own.
    region_code = models.CharField(_("行政区划"), max_length=6, blank=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("变更后"), null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("原因"), blank=True)
    # The transparency log's entry: its position (unique; empty only for a record written
    # before the log took every record, that the log never took: the monitor reports those),
    # the leaf's hash (tiles' right edge, proofs by hash) and, last, the leaf's bytes.
    log_index = models.BigIntegerField(_("日志序号"), null=True, blank=True, editable=False)
    leaf_hash = models.BinaryField(_("叶哈希"), max_length=32, null=True, blank=True, db_index=True)
    leaf = models.BinaryField(_("日志叶"), null=True, blank=True)
    # A certificate action written before its leaf carried the event (docs/decisions/0007):
    # the event as its body reported it, {kind, occurred_on, signed_by, delay_days, details},
    # kept from the old trail. Empty for every record written since (read `certificates.trail`).
    legacy_event = models.JSONField(_("原证书事件"), null=True, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "time"], name="change_object_idx")]
        # Partial, so that adding it to a table of existing records does not rebuild the table
        # (SQLite); every query by position names a position, which implies IS NOT NULL.
        constraints = [models.UniqueConstraint(fields=["log_index"], condition=models.Q(log_index__isnull=False),
                                               name="change_log_index_unique")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        from .actions import action_label

        return f"{self.time:%Y-%m-%d %H:%M} {action_label(self.action)} {self.object_repr}"

    def save(self, *args, **kwargs):  # type: ignore[override]
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("History records are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise AppendOnlyError("History records are append-only; they cannot be deleted.")

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
