"""The base model and the history of every change.

`ChangeRecord` is append-only: the model refuses updates and deletes, its queryset refuses
bulk updates and deletes, and database triggers (migrations 0002 and 0004) refuse them too, so
that not even raw SQL through the application's connection rewrites history.

A record is also the transparency log's entry for its change (docs/decisions/0007): it holds
its leaf (the canonical JSON the log publishes), the leaf's hash and its index in the log, set
when it is written (`certinel.transparency.services.log_records`). Its before and after are
read from its leaf; a record whose leaf does not hold them keeps them in a `PrivateDetail`.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
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

    # --- what the leaf holds ------------------------------------------------------------------

    @property
    def leaf_data(self) -> dict[str, Any] | None:
        """The leaf, parsed (once per instance, again only if the leaf is replaced); None for a
        record with no leaf (one written before the log took every record, or not yet logged)."""
        leaf = self.leaf
        cached = self.__dict__.get("_leaf_data")
        if cached is not None and cached[0] is leaf:
            return cached[1]
        data = None if leaf is None else json.loads(bytes(leaf))
        self.__dict__["_leaf_data"] = (leaf, data)
        return data

    @property
    def before(self) -> Any:
        """The object's fields before the change (only those that changed, for an edit; None for
        a creation). Read from the leaf; for a private kind, a record whose leaf holds only
        digests of them (too large for an entry) or a record with no leaf, from its
        `PrivateDetail`. A record made by `change_record` keeps the values it was given."""
        return self._members()[0]

    @before.setter
    def before(self, value: Any) -> None:
        # An unsaved record (the constructor sets it so) starts from nothing; a saved one from
        # what it holds.
        self._members(fresh=self._state.adding)[0] = value

    @property
    def after(self) -> Any:
        """The object's fields after the change (see `before`)."""
        return self._members()[1]

    @after.setter
    def after(self, value: Any) -> None:
        self._members(fresh=self._state.adding)[1] = value

    def _members(self, *, fresh: bool = False) -> list[Any]:
        members = self.__dict__.get("_before_after")
        if members is None:
            members = self.__dict__["_before_after"] = [None, None] if fresh else self._read_members()
        return members

    def _read_members(self) -> list[Any]:
        leaf = self.leaf_data
        if leaf is not None and leaf.get("type") != PRIVATE_TYPE:
            before, after = leaf.get("before"), leaf.get("after")
            if not (_is_digest(before) or _is_digest(after)):
                return [before, after]
        detail = self._detail()
        if detail is not None:
            # Its text is what the full leaf was made from: `canonical_of` gives it as it is.
            self.__dict__["_canonical"] = {"before": detail.canonical("before"), "after": detail.canonical("after")}
            return [detail.value("before"), detail.value("after")]
        if leaf is not None and leaf.get("type") != PRIVATE_TYPE:
            return [leaf.get("before"), leaf.get("after")]  # digests, and nothing that they are digests of
        return [None, None]

    def _detail(self) -> PrivateDetail | None:
        if self.pk is None:
            return None
        try:
            return self.detail  # type: ignore[attr-defined,no-any-return]
        except PrivateDetail.DoesNotExist:
            return None

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


PRIVATE_TYPE = "private"  # a private kind's leaf type (transparency.privacy.PRIVATE_TYPE)


def _is_digest(value: Any) -> bool:
    """Whether a leaf's before or after is the SHA-256 that replaced a value too large for
    an entry (`transparency.leaf._leaf`)."""
    return (isinstance(value, dict) and len(value) == 1 and isinstance(value.get("sha256"), str)
            and len(value["sha256"]) == 64)


class PrivateDetail(models.Model):
    """The before and after of a history record whose leaf does not hold them: a record of a
    private kind (its leaf is a salted commitment), a record whose before and after were too
    large for a log entry (its leaf holds their SHA-256) and a record written before the log
    took every record (no leaf). One row per such record, keyed by it, written with it; the
    texts are the canonical JSON (RFC 8785) the record's full leaf was made from, so that
    whoever holds the salt rebuilds that leaf and checks the commitment (`certinel log verify`).
    Append-only, like the records."""

    record = models.OneToOneField(ChangeRecord, on_delete=models.PROTECT, primary_key=True, related_name="detail",
                                  verbose_name=_("变更记录"))
    before = models.TextField(_("变更前"), null=True, blank=True)
    after = models.TextField(_("变更后"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("变更详情")
        verbose_name_plural = _("变更详情")
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.record_id)

    def save(self, *args, **kwargs):  # type: ignore[override]
        if not self._state.adding:
            raise AppendOnlyError("History records are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise AppendOnlyError("History records are append-only; they cannot be deleted.")

    def canonical(self, name: str) -> bytes:
        """The canonical JSON of the record's before or after, as the full leaf holds it."""
        text = getattr(self, name)
        return b"null" if text is None else text.encode()

    def value(self, name: str) -> Any:
        text = getattr(self, name)
        return None if text is None else json.loads(text)
