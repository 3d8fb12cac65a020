"""Watchlists: a signed-in user's list of suppliers (by unified social credit code), and the
notifications sent when a certificate of one of them changes status, with every delivery
attempt kept so that the user can see what was sent, when, and what went wrong."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("重试中")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败（已放弃）")


class Watchlist(TimeStamped):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="watchlists",
                              verbose_name=_("所有者"))
    name = models.CharField(_("名称"), max_length=100)
    email = models.EmailField(_("通知邮箱"), blank=True)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500, blank=True)
    # The secret that signs webhook bodies, encrypted at rest (credentials.keycrypt), bound
    # to this watchlist; shown to the user once, when it is made.
    webhook_secret = models.BinaryField(_("Webhook 密钥（加密）"), null=True, blank=True, editable=False)
    webhook_secret_kek = models.CharField(max_length=32, blank=True, editable=False)
    language = models.CharField(_("通知语言"), max_length=8, choices=settings.LANGUAGES, default="zh-hans")
    active = models.BooleanField(_("启用"), default=True)

    HISTORY_EXCLUDE = ("webhook_secret", "webhook_secret_kek")
    HISTORY_PERSONAL = ("email",)

    class Meta:
        verbose_name = _("关注列表")
        verbose_name_plural = _("关注列表")
        ordering = ["-active", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.webhook_secret)


class WatchItem(models.Model):
    """A supplier on a watchlist, by its code; it need not be registered yet (a first
    certificate is news too)."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.PROTECT, related_name="items")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    label = models.CharField(_("备注"), max_length=100, blank=True)
    added_at = models.DateTimeField(_("添加时间"), default=timezone.now)

    class Meta:
        verbose_name = _("关注的供应商")
        verbose_name_plural = _("关注的供应商")
        ordering = ["watchlist", "uscc"]
        constraints = [models.UniqueConstraint(fields=["watchlist", "uscc"], name="watchitem_uniq")]
        indexes = [models.Index(fields=["uscc"], name="watchitem_uscc_idx")]

    def __str__(self) -> str:
        return self.uscc


class Notification(models.Model):
    """One change of a certificate's status, for one watchlist (at most once per change)."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.PROTECT, related_name="notifications")
    # The history record of the change; null for a test notification the user asked for.
    change = models.ForeignKey("core.ChangeRecord", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    event = models.CharField(_("事件"), max_length=32)
    status_before = models.CharField(_("变更前状态"), max_length=16, blank=True)
    status_after = models.CharField(_("变更后状态"), max_length=16, blank=True)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["watchlist", "change"], name="notification_once")]

    def __str__(self) -> str:
        return f"{self.watchlist_id}:{self.event}"


class Delivery(models.Model):
    """Sending one notification through one channel, retried with backoff until it succeeds
    or the attempts run out."""

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    target = models.CharField(_("发送到"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("发送")
        verbose_name_plural = _("发送")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.target}"


class DeliveryAttempt(models.Model):
    """One try at a delivery: when, whether it worked, the answer. Append-only."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="log")
    number = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    ok = models.BooleanField(_("成功"))
    http_status = models.PositiveSmallIntegerField(_("HTTP 状态码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="deliveryattempt_uniq")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"
