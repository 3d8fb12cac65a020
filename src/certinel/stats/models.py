"""The statistics' precomputed tables and the responsible units' progress reports.

`DailyFlow` holds, per day and per group (scheme, county region code, body, industry, firm
size) and status class, how many certificates entered and left (exited) that class that day, as the
register's history dates them (the event dates the bodies reported). A count on any date is a
sum over the rows up to that date. `CertificateTrack` keeps what each certificate contributed,
so that a refresh replaces exactly that contribution when the certificate changes; `Watermark`
says how far the refresh has read the history."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatusClass(models.TextChoices):
    """The classes counted: `new` is a flow only (first issue), the others are stocks."""

    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")
    WITHDRAWN = "withdrawn", _("撤销或注销")
    EXPIRED = "expired", _("过期")
    NEW = "new", _("新发")


class DailyFlow(models.Model):
    day = models.DateField(_("日期"))
    scheme_id = models.IntegerField(_("认证制度"))
    region_code = models.CharField(_("区划代码"), max_length=6)
    body_id = models.IntegerField(_("发证机构"))
    industry = models.CharField(_("行业"), max_length=8, blank=True)
    size_class = models.CharField(_("企业规模"), max_length=8, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=StatusClass.choices)
    entered = models.IntegerField(_("进入"), default=0)
    exited = models.IntegerField(_("离开"), default=0)

    class Meta:
        verbose_name = _("证书每日变动")
        verbose_name_plural = _("证书每日变动")
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(
            fields=["day", "scheme_id", "region_code", "body_id", "industry", "size_class", "status"],
            name="stats_dailyflow_key_uniq")]
        indexes = [
            models.Index(fields=["status", "day"], name="stats_flow_status_day_idx"),
            models.Index(fields=["body_id", "status", "day"], name="stats_flow_body_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.status} +{self.entered} -{self.exited}"


class Rollup(models.TextChoices):
    """The roll-ups of `DailyFlow` the dashboards read: by scheme and region, at three levels
    (county, city, province: a question reads the coarsest that answers it), and by scheme and
    body (no region); none keeps industry or firm size."""

    PROVINCE = "province", _("按省")
    CITY = "city", _("按市")
    COUNTY = "county", _("按县区")
    BODY = "body", _("按发证机构")


class _Group(models.Model):
    """The fields a roll-up row has whatever its period: the roll-up, its group and class, and
    how many certificates entered and left the class in the period."""

    kind = models.CharField(_("汇总方式"), max_length=8, choices=Rollup.choices)
    scheme_id = models.IntegerField(_("认证制度"))
    region_code = models.CharField(_("区划代码"), max_length=6, blank=True)
    body_id = models.IntegerField(_("发证机构"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=StatusClass.choices)
    entered = models.IntegerField(_("进入"), default=0)
    exited = models.IntegerField(_("离开"), default=0)

    class Meta:
        abstract = True


class GroupDay(_Group):
    """`DailyFlow` summed over the dimensions a roll-up drops: per day, roll-up, scheme, region
    (the province, city or county code in the region roll-ups; blank in the body roll-up) or body
    (the body roll-up; 0 in the others) and class, how many certificates entered and left it."""

    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("证书每日变动汇总")
        verbose_name_plural = _("证书每日变动汇总")
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["kind", "day", "scheme_id", "region_code", "body_id", "status"],
                                               name="stats_groupday_key_uniq")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.status} +{self.entered} -{self.exited}"


class GroupMonth(_Group):
    """Per month (its last day), roll-up, group and class: the month's entries and exits, and
    the stock at the month's end (`stock`, held for every month up to `Watermark.stocks_through`;
    0 after it). A count on a day is the stock at the month end before it plus the days since."""

    month = models.DateField(_("月末"))
    stock = models.IntegerField(_("月末数量"), default=0)

    class Meta:
        verbose_name = _("证书月度汇总")
        verbose_name_plural = _("证书月度汇总")
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(
            fields=["kind", "month", "scheme_id", "region_code", "body_id", "status"],
            name="stats_groupmonth_key_uniq")]

    def __str__(self) -> str:
        return f"{self.kind} {self.month} {self.status} {self.stock}"


class CertificateTrack(models.Model):
    """What one certificate contributes to DailyFlow: its group and its status timeline
    (`day:class` pairs, ';'-separated; the first is its issue)."""

    certificate_id = models.BigIntegerField(_("证书"), primary_key=True)
    scheme_id = models.IntegerField(_("认证制度"))
    region_code = models.CharField(_("区划代码"), max_length=6)
    body_id = models.IntegerField(_("发证机构"))
    industry = models.CharField(_("行业"), max_length=8, blank=True)
    size_class = models.CharField(_("企业规模"), max_length=8, blank=True)
    timeline = models.TextField(_("状态时间线"))

    class Meta:
        verbose_name = _("证书统计轨迹")
        verbose_name_plural = _("证书统计轨迹")
        default_permissions = ("view",)
        # Firms holding a certificate of a scheme (targets_progress) read one scheme's tracks.
        indexes = [models.Index(fields=["scheme_id", "region_code"], name="stats_track_scheme_idx")]

    def __str__(self) -> str:
        return str(self.certificate_id)


class Watermark(models.Model):
    name = models.CharField(_("名称"), max_length=32, unique=True)
    record_id = models.BigIntegerField(_("已读变更记录"), default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"), null=True, blank=True)
    # The last month end whose stocks `GroupMonth` holds.
    stocks_through = models.DateField(_("月末存量截至"), null=True, blank=True)

    class Meta:
        verbose_name = _("统计刷新位置")
        verbose_name_plural = _("统计刷新位置")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.name


class ProgressReport(models.Model):
    """A responsible unit's own report on a target the register cannot count, entered by a
    regulator: what was done, the figure reached, and an attachment."""

    target_id = models.CharField(_("目标编号"), max_length=32)
    unit = models.CharField(_("责任单位"), max_length=100)
    as_of = models.DateField(_("截至日期"))
    figure = models.DecimalField(_("完成数"), max_digits=14, decimal_places=2, null=True, blank=True)
    narrative = models.TextField(_("进展说明"))
    # The attachment as kept by its digest (`services.ATTACHMENTS`): name, sha256, size, type.
    attachment = models.JSONField(_("附件"), default=dict, blank=True)
    entered_by = models.CharField(_("录入人"), max_length=150)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("责任单位进展报告")
        verbose_name_plural = _("责任单位进展报告")
        ordering = ["target_id", "-as_of", "-id"]
        indexes = [models.Index(fields=["target_id", "as_of"], name="stats_progress_target_idx")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.unit} {self.as_of}"
