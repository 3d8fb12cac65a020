"""The stored transparency log: its full tiles, its signed checkpoints and the witnesses'
cosignatures. Its entries are the history records (`core.ChangeRecord`: each holds its leaf,
leaf hash and index; docs/decisions/0007). All are append-only (model, queryset and database
triggers); see docs/transparency.md for why partial tiles are not stored."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certinel.core.models import AppendOnlyError, AppendOnlyQuerySet


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        default_permissions = ("view",)

    def save(self, *args, **kwargs):  # type: ignore[override]
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only; they cannot be deleted.")


class LogTile(AppendOnlyModel):
    """A full tile (256 hashes) of the tree, as served at tile/<level>/<index>."""

    level = models.PositiveSmallIntegerField(_("层"))
    index = models.BigIntegerField(_("序号"))
    # The Merkle root of the 256 hashes: one hash of the tile above, stored so that a partial
    # tile one level up is a single range query. It comes before the 8 KiB of hashes so that
    # reading it does not read them (SQLite keeps a row's columns in order, the large ones
    # spilling to overflow pages).
    root = models.BinaryField(_("根哈希"), max_length=32)
    hashes = models.BinaryField(_("哈希"), max_length=8192)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("日志瓦片")
        verbose_name_plural = _("日志瓦片")
        ordering = ["level", "index"]
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="transparency_tile_unique")]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index}"


class Checkpoint(AppendOnlyModel):
    """A signed checkpoint (C2SP tlog-checkpoint) the log has issued."""

    size = models.BigIntegerField(_("树大小"), db_index=True)
    root_hash = models.BinaryField(_("根哈希"), max_length=32)
    origin = models.CharField(_("日志标识"), max_length=255)
    note = models.TextField(_("签名文本"))
    key_name = models.CharField(_("密钥名"), max_length=255)
    signed_at = models.DateTimeField(_("签名时间"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["-size", "-id"]

    def __str__(self) -> str:
        return f"{self.origin} @ {self.size}"


class Cosignature(AppendOnlyModel):
    """A witness's signature line over one of the log's checkpoints."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures",
                                   verbose_name=_("检查点"))
    key_name = models.CharField(_("见证者"), max_length=255)
    key_id = models.BigIntegerField(_("密钥编号"))
    line = models.TextField(_("签名行"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("见证签名")
        verbose_name_plural = _("见证签名")
        ordering = ["checkpoint_id", "id"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "key_name", "key_id"],
                                               name="transparency_cosignature_unique")]

    def __str__(self) -> str:
        return f"{self.key_name} on {self.checkpoint_id}"


class AppendLock(models.Model):
    """One row that appenders and the checkpoint signer lock (SELECT ... FOR UPDATE), so that
    two of them never take the same index or sign from a moving tree. It holds no data."""

    id = models.PositiveSmallIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("追加锁")
        default_permissions = ()

    def __str__(self) -> str:
        return "append lock"
