from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintKind(models.TextChoices):
    """A complaint (投诉) asks for a dispute with the subject to be mediated; a report (举报)
    points out a suspected violation (SAMR Order No. 20, articles 3 and 4)."""

    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")


class Channel(models.TextChoices):
    WEB = "web", _("网上表单")
    API = "api", _("接口")
    PHONE = "phone", _("电话登记")


class SubjectKind(models.TextChoices):
    ORGANIZATION = "organization", _("获证组织")
    BODY = "body", _("认证机构")
    LAB = "lab", _("检验检测机构")
    CERTIFICATE = "certificate", _("认证证书")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("待决定是否受理")
    ACCEPTED = "accepted", _("已受理，办理中")
    REJECTED = "rejected", _("不予受理")
    IN_CASE = "in_case", _("已立案查处")
    CLOSED = "closed", _("已办结")


class Outcome(models.TextChoices):
    """How a complaint or report ended (what the complainant is told)."""

    MEDIATED = "mediated", _("调解达成协议")
    MEDIATION_ENDED = "mediation_ended", _("终止调解")
    NO_CLUE = "no_clue", _("经核查未发现违法线索")
    CASE_DECIDED = "case_decided", _("立案查处已作出决定")
    REJECTED = "rejected", _("不予受理")


class CaseSource(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    WARNING = "warning", _("风险预警")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待分派")
    INVESTIGATING = "investigating", _("调查中")
    DECIDED = "decided", _("已作出决定")
    CLOSED = "closed", _("已结案")


class Decision(models.TextChoices):
    NO_VIOLATION = "no_violation", _("未发现违法行为")
    CORRECTION = "correction", _("责令改正")
    PENALTY = "penalty", _("行政处罚")
    TRANSFER = "transfer", _("移送其他机关")


class NoteKind(models.TextChoices):
    NOTE = "note", _("调查记录")
    EVIDENCE = "evidence", _("证据材料")


class RequestKind(models.TextChoices):
    INFORMATION = "information", _("要求说明情况、提供材料")
    SUSPENSION = "suspension", _("要求暂停证书")
    REVOCATION = "revocation", _("要求撤销证书")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")
    WITHDRAWN = "withdrawn", _("已撤回")


class Severity(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DISMISSED = "dismissed", _("已排除")
    IN_CASE = "in_case", _("已立案")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("待列入计划")
    USED = "used", _("已列入计划")


class RewardGrade(models.TextChoices):
    """The grades of a reward for a report (国市监稽规〔2021〕4号, article 11; amounts in
    `data/rewards.csv`)."""

    FIRST = "1", _("一级举报奖励")
    SECOND = "2", _("二级举报奖励")
    THIRD = "3", _("三级举报奖励")


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予奖励")
