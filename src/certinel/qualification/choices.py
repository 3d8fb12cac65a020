from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    VALID = "valid", _("有效")
    WITHDRAWN = "withdrawn", _("已撤回")


class ApplicationKind(models.TextChoices):
    FIRST = "first", _("首次申请")
    RENEWAL = "renewal", _("延续申请")
    CHANGE = "change", _("变更申请")
    EXTENSION = "extension", _("扩项申请")


class Procedure(models.TextChoices):
    GENERAL = "general", _("一般程序")
    COMMITMENT = "commitment", _("告知承诺程序")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交，待受理")
    ACCEPTED = "accepted", _("已受理")
    REVIEWING = "reviewing", _("技术评审中")
    REVIEWED = "reviewed", _("评审已结束，待决定")
    APPROVED = "approved", _("准予许可")
    REFUSED = "refused", _("不予许可")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    REVOKED = "revoked", _("许可已撤销")


class ReviewStage(models.TextChoices):
    DOCUMENT = "document", _("文件评审")
    ONSITE = "onsite", _("现场评审")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    CLOSED = "closed", _("已整改关闭")


class PostCheckStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    TRUE = "true", _("承诺属实")
    FALSE = "false", _("承诺不实")


class CmaStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")
    SUPERSEDED = "superseded", _("已换发")
