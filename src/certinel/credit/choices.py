from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    ORGANIZATION = "organization", _("获证组织")
    BODY = "body", _("认证机构")
    LAB = "lab", _("检验检测机构")


class EntryStatus(models.TextChoices):
    """A subject's place on the list of seriously illegal and dishonest subjects."""

    LISTED = "listed", _("列入中")
    REMOVAL_REQUESTED = "removal_requested", _("已申请提前移出")
    REMOVED_EARLY = "removed_early", _("已提前移出")
    EXPIRED = "expired", _("期满移出")
    ANNULLED = "annulled", _("已撤销列入")


# While one of these, the entry is in force: published, and its measures apply.
IN_FORCE = (EntryStatus.LISTED, EntryStatus.REMOVAL_REQUESTED)


class NoticeStatus(models.TextChoices):
    """The notice given to a subject before a decision to list it."""

    OPEN = "open", _("陈述申辩期")
    DECIDED = "decided", _("已决定列入")
    DROPPED = "dropped", _("不予列入")


# --- Credit files and risk classes ---------------------------------------------------------------

class CreditSubjectKind(models.TextChoices):
    """Whom a credit fact or a risk class is about: the subjects of the list, and practitioners."""

    ORGANIZATION = "organization", _("获证组织")
    BODY = "body", _("认证机构")
    LAB = "lab", _("检验检测机构")
    PERSON = "person", _("从业人员")


class FactKind(models.TextChoices):
    """What a fact in a credit file records (issue 13; SAMR Order No. 39 for test reports)."""

    ADMINISTRATIVE_PENALTY = "administrative_penalty", _("行政处罚")
    INSPECTION_FAILED = "inspection_failed", _("监督检查不合格")
    INSPECTION_PASSED = "inspection_passed", _("监督检查合格")
    SAMPLING_FAILED = "sampling_failed", _("抽查检验不合格")
    COMPLAINT_UPHELD = "complaint_upheld", _("投诉举报查证属实")
    CERTIFICATE_SUSPENDED = "certificate_suspended", _("认证证书被暂停")
    CERTIFICATE_REVOKED = "certificate_revoked", _("认证证书被撤销")
    LATE_REPORTING = "late_reporting", _("未按时报送信息")
    UNTRUE_REPORT = "untrue_report", _("出具不实检验检测报告")
    FALSE_REPORT = "false_report", _("出具虚假检验检测报告")
    COMMITMENT_KEPT = "commitment_kept", _("告知承诺如实履行")
    COMMITMENT_BROKEN = "commitment_broken", _("告知承诺不实或未履行")
    # A qualification reviewer's own record (qualification.services_review, when a review closes).
    REVIEW_LATE = "review_late", _("技术评审未在告知时限内完成")
    REVIEW_FINDINGS_UPHELD = "review_findings_upheld", _("评审发现经整改确认")
    SERIOUS_VIOLATION_LISTED = "serious_violation_listed", _("列入严重违法失信名单")
    AWARD = "award", _("表彰奖励")


class Severity(models.TextChoices):
    MINOR = "minor", _("轻微")
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")


class FactStatus(models.TextChoices):
    RECORDED = "recorded", _("有效")
    ANNULLED = "annulled", _("已撤销")


class RiskClass(models.TextChoices):
    """Credit risk classes (SAMR 2022 No. 6): an internal reference for supervision."""

    A = "A", _("A 类（信用风险低）")
    B = "B", _("B 类（信用风险一般）")
    C = "C", _("C 类（信用风险较高）")
    D = "D", _("D 类（信用风险高）")


# --- Published facts and credit repair (SAMR Order No. 45; 信用修复) --------------------------------

# The kinds of fact a regulator may publish on a subject's public credit page.
PUBLISHABLE_KINDS = (FactKind.ADMINISTRATIVE_PENALTY, FactKind.AWARD)


class PublicationStatus(models.TextChoices):
    """A published fact on the subject's public credit page."""

    DISPLAYED = "displayed", _("公示中")
    REPAIRED = "repaired", _("信用修复后停止公示")
    EXPIRED = "expired", _("公示期满")
    WITHDRAWN = "withdrawn", _("撤销公示")


class RepairStatus(models.TextChoices):
    """A subject's request for credit repair of a published penalty."""

    PENDING = "pending", _("待决定")
    APPROVED = "approved", _("准予修复")
    REFUSED = "refused", _("不予修复")
