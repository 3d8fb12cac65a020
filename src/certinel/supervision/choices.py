from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    """What a plan draws from: the directory of subjects (一单两库's 检查对象名录库)."""

    ORGANIZATION = "organization", _("获证组织")
    BODY = "body", _("认证机构")
    LAB = "lab", _("检验检测机构")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布，待抽取")
    DRAWN = "drawn", _("已抽取")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已撤销")


class Profile(models.TextChoices):
    SHA256 = "sha256", _("SHA-256")
    RFC3797 = "rfc3797", _("RFC 3797（MD5，兼容）")


class InspectionStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已派员")
    RECORDED = "recorded", _("已录入结果")
    PUBLISHED = "published", _("已公示")


class Outcome(models.TextChoices):
    CONFORMING = "conforming", _("未发现问题")
    NONCONFORMING = "nonconforming", _("发现问题")
    NOT_INSPECTED = "not_inspected", _("无法检查")


class FollowUpKind(models.TextChoices):
    RECTIFICATION = "rectification", _("责令整改")
    SUSPENSION = "suspension", _("暂停证书")
    REFERRAL = "referral", _("移送立案")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")


class SamplingLevel(models.TextChoices):
    NATIONAL = "national", _("国家监督抽查")
    PROVINCIAL = "provincial", _("省级监督抽查")


class SamplingTaskStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    PUBLISHED = "published", _("结果已公布")


class SampleResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
