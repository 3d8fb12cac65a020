from django.db import models
from django.utils.translation import gettext_lazy as _


class BodyStatus(models.TextChoices):
    APPROVED = "approved", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")


class LabStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂停")
    REVOKED = "revoked", _("撤销")
    CANCELLED = "cancelled", _("注销")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    DEREGISTERED = "deregistered", _("注销")


class SizeClass(models.TextChoices):
    """Enterprise size (统计上大中小微型企业划分办法)."""

    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class SiteKind(models.TextChoices):
    REGISTERED = "registered", _("注册地址")
    OFFICE = "office", _("办公地址")
    PRODUCTION = "production", _("生产场所")
    SERVICE = "service", _("服务场所")


class ScopeItemKind(models.TextChoices):
    BASIC = "basic", _("基本要求")
    INDUSTRY = "industry", _("行业特殊要求")


class PersonRoleKind(models.TextChoices):
    AUDITOR = "auditor", _("审核员")
    SIGNATORY = "signatory", _("授权签字人")
    CQO = "cqo", _("首席质量官")
    EXPERT = "expert", _("质量专家")
    INSPECTOR = "inspector", _("执法检查人员")
    REVIEWER = "reviewer", _("资质认定评审员")


class AuditorGrade(models.TextChoices):
    TRAINEE = "trainee", _("实习审核员")
    AUDITOR = "auditor", _("审核员")
    SENIOR = "senior", _("高级审核员")


class RoleStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂停")
    ENDED = "ended", _("终止")
    BANNED = "banned", _("禁入")
