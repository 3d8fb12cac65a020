"""The list of seriously illegal and dishonest subjects (严重违法失信名单, SAMR Order No. 44).

A regulator first serves a notice (`ListNotice`: the facts, the heavier penalty they drew and
the subject's right to state its case), then decides to list the subject (`ListEntry`). The
notice is private (the subject has not been listed and may never be); the entry is public from
the day it is decided: who, why, on what penalty, by which authority, and its dates. Both
change only through `credit.services`, each change with its history record and log leaf."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped
from certinel.registry.models import RegisteredSubject

from .choices import (
    CreditSubjectKind,
    EntryStatus,
    FactKind,
    FactStatus,
    NoticeStatus,
    PublicationStatus,
    RepairStatus,
    RiskClass,
    Severity,
    SubjectKind,
)


class SubjectRef(RegisteredSubject):
    """Whom a public record is about: one organization, body or lab, with its code and name as
    they were when the decision was made."""

    # Each kind is also the name of the field that points at the subject.
    subject_kind = models.CharField(_("主体类型"), max_length=16, choices=SubjectKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    subject_name = models.CharField(_("主体名称"), max_length=200)
    region_code = models.CharField(_("区划代码"), max_length=6, db_index=True)

    class Meta:
        abstract = True


class Subject(SubjectRef):
    """Who a notice or an entry is about, and the violation and penalty it rests on."""

    violation = models.TextField(_("严重违法失信行为"))
    basis = models.CharField(_("违反的规定"), max_length=255)
    penalty_decision_no = models.CharField(_("行政处罚决定书文号"), max_length=100)
    penalty = models.CharField(_("较重行政处罚"), max_length=255)
    authority = models.CharField(_("作出决定的机关"), max_length=200)

    class Meta:
        abstract = True


class ListNotice(Subject, TimeStamped):
    """A notice served before listing: the subject may state its case until `statement_until`."""

    served_on = models.DateField(_("告知日期"))
    statement_until = models.DateField(_("陈述申辩截止"))
    statement = models.TextField(_("当事人陈述申辩"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.OPEN)
    policy = models.CharField(_("依据的期限规则"), max_length=32)

    class Meta:
        verbose_name = _("列入前告知")
        verbose_name_plural = _("列入前告知")
        ordering = ["-served_on", "-id"]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.penalty_decision_no})"


class ListEntry(Subject, TimeStamped):
    """A subject on the list, from the decision to its removal."""

    notice = models.OneToOneField(ListNotice, on_delete=models.PROTECT, related_name="entry",
                                  verbose_name=_("列入前告知"))
    decision_no = models.CharField(_("列入决定书文号"), max_length=100)
    listed_on = models.DateField(_("列入日期"))
    earliest_removal_on = models.DateField(_("最早可申请移出日期"))
    expires_on = models.DateField(_("期满移出日期"))
    status = models.CharField(_("状态"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.LISTED)
    removal_request = models.TextField(_("提前移出申请"), blank=True)
    removal_requested_on = models.DateField(_("申请日期"), null=True, blank=True)
    ended_on = models.DateField(_("移出日期"), null=True, blank=True)
    end_reason = models.TextField(_("移出理由"), blank=True)
    policy = models.CharField(_("依据的期限规则"), max_length=32)
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    # The subject's own application text may hold commercial detail: the public log keeps a
    # salted hash of it (the regulator reads it here).
    HISTORY_PERSONAL = ("removal_request",)

    class Meta:
        verbose_name = _("严重违法失信名单条目")
        verbose_name_plural = _("严重违法失信名单")
        ordering = ["-listed_on", "-id"]
        indexes = [models.Index(fields=["status", "expires_on"], name="credit_entry_status_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.decision_no})"


# --- Credit files and risk classes (issue 13) -------------------------------------------------------

class CreditSubject(RegisteredSubject):
    """Whom a fact or a class is about: an organization, body or lab, or a practitioner (a
    registered person: auditor, signatory). `region_code` is the subject's region when the row
    was written, which decides which regulators see it."""

    subject_kind = models.CharField(_("主体类型"), max_length=16, choices=CreditSubjectKind.choices)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("从业人员"))
    region_code = models.CharField(_("区划代码"), max_length=6, blank=True)

    class Meta:
        abstract = True

    @property
    def subject(self):
        return self.organization or self.body or self.lab or self.person

    @property
    def subject_id(self) -> int | None:
        return getattr(self, f"{self.subject_kind}_id", None)


class CreditFact(CreditSubject, TimeStamped):
    """One fact of a subject's credit file: what happened, when, on which decision, from which
    source. Regulators record facts (by form, API or file); Certinel records the facts its own
    events make (a certificate suspended or revoked, a listing, late reporting), each linked to
    the history record it came from, so that an event replayed never makes a second fact."""

    kind = models.CharField(_("事项类别"), max_length=32, choices=FactKind.choices)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    occurred_on = models.DateField(_("发生日期"))
    source = models.CharField(_("信息来源"), max_length=64)
    decision_no = models.CharField(_("决定书文号"), max_length=100, blank=True)
    authority = models.CharField(_("作出决定的机关"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    recorded_by = models.CharField(_("记录人"), max_length=150)
    change_record = models.ForeignKey("core.ChangeRecord", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("来源变更记录"))
    status = models.CharField(_("状态"), max_length=16, choices=FactStatus.choices, default=FactStatus.RECORDED)

    class Meta:
        verbose_name = _("信用事项")
        verbose_name_plural = _("信用档案")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["change_record", "kind"], condition=models.Q(change_record__isnull=False),
                                    name="creditfact_change_record_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on} ({self.decision_no or self.source})"


class CreditClass(CreditSubject):
    """A subject's current credit risk class, computed from its facts by the scorecard in force.
    One row per subject; each change of it is a history record (the history of its classes).
    Private: only regulators of the subject's region see it (SAMR 2022 No. 6)."""

    grade = models.CharField(_("信用风险分类"), max_length=1, choices=RiskClass.choices)
    score = models.IntegerField(_("得分"))
    scorecard = models.CharField(_("评分规则版本"), max_length=64)
    facts_counted = models.IntegerField(_("计入的事项数"), default=0)
    explanation = models.JSONField(_("评分说明"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("信用风险分类")
        verbose_name_plural = _("信用风险分类")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=[name], condition=models.Q(**{f"{name}__isnull": False}),
                                    name=f"creditclass_{name}_uniq")
            for name in ("organization", "body", "lab", "person")
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind}:{self.subject_id} {self.grade}"


# --- Published facts and credit repair (SAMR Order No. 45; 信用修复) --------------------------------

class FactPublication(SubjectRef, TimeStamped):
    """A fact of a subject's credit file published on its public credit page: an administrative
    penalty (its display period fixed by its severity, `display_policy.csv`) or an award. Public
    from the day it is published; only what the regulator wrote for the public is shown, never
    the file's other facts or the subject's class. A display ends when a repair is granted, when
    its maximum period has run (the scheduled job), or when its fact is annulled."""

    fact = models.OneToOneField(CreditFact, on_delete=models.PROTECT, related_name="publication",
                                verbose_name=_("信用事项"))
    kind = models.CharField(_("事项类别"), max_length=32, choices=FactKind.choices)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices)
    decision_no = models.CharField(_("决定书文号"), max_length=100)
    authority = models.CharField(_("作出决定的机关"), max_length=200)
    decided_on = models.DateField(_("决定日期"))
    summary = models.TextField(_("公示内容"))
    published_on = models.DateField(_("公示日期"))
    repair_from = models.DateField(_("最短公示期满日期"), null=True, blank=True)
    display_until = models.DateField(_("公示截止日期"), null=True, blank=True)
    policy = models.CharField(_("依据的期限规则"), max_length=32, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=PublicationStatus.choices,
                              default=PublicationStatus.DISPLAYED)
    ended_on = models.DateField(_("停止公示日期"), null=True, blank=True)
    # The subject's public pledge, made in the repair request that was granted (published
    # with the outcome; the request itself and its evidence stay private).
    pledge = models.TextField(_("信用承诺"), blank=True)

    class Meta:
        verbose_name = _("信用信息公示")
        verbose_name_plural = _("信用信息公示")
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["status", "display_until"], name="credit_pub_status_until_idx")]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.decision_no})"


class RepairRequest(SubjectRef, TimeStamped):
    """A subject's request for credit repair (信用修复) of a published penalty: what it did to
    correct it, its evidence files and its pledge. Private: its subject's users and the
    regulators of its region see it; only the outcome (the display ended, with the pledge) is
    public."""

    publication = models.ForeignKey(FactPublication, on_delete=models.PROTECT, related_name="repair_requests",
                                    verbose_name=_("信用信息公示"))
    statement = models.TextField(_("纠正失信行为的情况"))
    pledge = models.TextField(_("信用承诺"))
    # [{"name", "sha256", "size", "content_type"}]: the files are kept by their digest
    # (`credit/evidence.py`), outside any folder a web server publishes.
    evidence = models.JSONField(_("证明材料"), default=list)
    requested_on = models.DateField(_("申请日期"))
    status = models.CharField(_("状态"), max_length=16, choices=RepairStatus.choices, default=RepairStatus.PENDING)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    reason = models.TextField(_("决定理由"), blank=True)

    class Meta:
        verbose_name = _("信用修复申请")
        verbose_name_plural = _("信用修复申请")
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.publication.decision_no})"
