"""Complaints and reports (投诉举报), risk warnings, and the cases they become.

A `Complaint` (a complaint or a report) names its subject (a registered organization, body or
lab by its credit code, or a certificate by its number), its facts and evidence files, and,
unless the report is anonymous, its sender's contact (private: kept in the history only as
salted hashes). The sender follows it by a private link (`follow_token`) and a code (kept
hashed). Its time limits come from `cases/data/time_limits.csv` on the working-day calendar.

A `Case` is the handling of a complaint, a report or a `RiskWarning`: assigned, investigated
(`CaseNote`s, `BodyRequest`s to the certification body and their answers), decided, closed.
What follows from the decision is written with it: a credit fact, requests to suspend or revoke
certificates, a `SupervisionItem` for the next inspection plan.

Every kind here is private in the transparency log (its leaves are commitments only): the
penalties a case decides are published through the credit file (`credit.FactPublication`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped
from certinel.registry.models import RegisteredSubject

from .choices import (
    CaseSource,
    CaseStatus,
    Channel,
    ComplaintKind,
    ComplaintStatus,
    Decision,
    ItemStatus,
    NoteKind,
    Outcome,
    RequestKind,
    RequestStatus,
    RewardGrade,
    RewardStatus,
    Severity,
    SubjectKind,
    WarningStatus,
)


class Subject(RegisteredSubject):
    """Whom a complaint, a warning or a case is about."""

    subject_kind = models.CharField(_("对象类型"), max_length=16, choices=SubjectKind.choices)
    subject_code = models.CharField(_("对象代码"), max_length=64, db_index=True,
                                    help_text=_("统一社会信用代码或证书编号"))
    subject_name = models.CharField(_("对象名称"), max_length=200)
    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("证书"))
    region_code = models.CharField(_("负责辖区"), max_length=6, db_index=True)

    class Meta:
        abstract = True


class Complaint(Subject, TimeStamped):
    number = models.CharField(_("编号"), max_length=24, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=ComplaintKind.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    facts = models.TextField(_("事实和理由"))
    evidence = models.JSONField(_("证据材料"), default=list, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    contact_name = models.CharField(_("姓名"), max_length=64, blank=True)
    contact_phone = models.CharField(_("电话"), max_length=32, blank=True)
    contact_email = models.CharField(_("电子邮箱"), max_length=254, blank=True)
    follow_token = models.CharField(_("查询链接"), max_length=64, unique=True)
    code_hash = models.CharField(_("查询码哈希"), max_length=100)
    status = models.CharField(_("状态"), max_length=12, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECEIVED)
    received_on = models.DateField(_("收到日期"))
    accept_due = models.DateField(_("受理决定期限"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    handle_due = models.DateField(_("办理期限"), null=True, blank=True)
    extended = models.BooleanField(_("已延长核查期限"), default=False)
    extension_approved_by = models.CharField(_("延期批准人"), max_length=64, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=16, choices=Outcome.choices, blank=True)
    feedback = models.TextField(_("告知投诉举报人的内容"), blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    time_limits = models.CharField(_("适用的时限版本"), max_length=64, blank=True)
    entered_by = models.CharField(_("登记人"), max_length=150)

    HISTORY_PERSONAL = ("contact_name", "contact_phone", "contact_email")
    # The follow link and the code's hash are secrets: no history record holds them.
    HISTORY_EXCLUDE = ("follow_token", "code_hash")

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["status", "accept_due"], name="cases_complaint_due_idx"),
                   models.Index(fields=["region_code", "status"], name="cases_complaint_region_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def due_on(self):
        """The time limit running now: acceptance, then mediation or the check."""
        if self.status == ComplaintStatus.RECEIVED:
            return self.accept_due
        if self.status == ComplaintStatus.ACCEPTED:
            return self.handle_due
        return None


class RiskWarning(Subject, TimeStamped):
    rule = models.CharField(_("规则"), max_length=32, db_index=True)
    rule_edition = models.CharField(_("规则版本"), max_length=32)
    severity = models.CharField(_("风险等级"), max_length=8, choices=Severity.choices)
    fingerprint = models.CharField(_("指纹"), max_length=64, unique=True)
    evidence = models.JSONField(_("依据"), default=dict)
    found_on = models.DateField(_("发现日期"))
    status = models.CharField(_("状态"), max_length=12, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    reason = models.TextField(_("排除理由"), blank=True)

    class Meta:
        verbose_name = _("风险预警")
        verbose_name_plural = _("风险预警")
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["region_code", "status", "rule"], name="cases_warning_queue_idx")]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_code}"


class Case(Subject, TimeStamped):
    number = models.CharField(_("案件编号"), max_length=24, unique=True)
    source = models.CharField(_("案件来源"), max_length=12, choices=CaseSource.choices)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, null=True, blank=True, related_name="cases",
                                  verbose_name=_("投诉举报"))
    warning = models.ForeignKey(RiskWarning, on_delete=models.PROTECT, null=True, blank=True, related_name="cases",
                                verbose_name=_("风险预警"))
    summary = models.TextField(_("案情摘要"))
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField(_("立案日期"))
    decide_due = models.DateField(_("决定期限"))
    assignee = models.CharField(_("承办人"), max_length=150, blank=True)
    decision = models.CharField(_("处理决定"), max_length=16, choices=Decision.choices, blank=True)
    legal_basis = models.CharField(_("法律依据"), max_length=500, blank=True)
    decision_no = models.CharField(_("决定书文号"), max_length=100, blank=True)
    decision_text = models.TextField(_("决定内容"), blank=True)
    penalty_severity = models.CharField(_("违法情节"), max_length=8, blank=True)
    transfer_to = models.CharField(_("移送机关"), max_length=200, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    signatory = models.CharField(_("签发人"), max_length=64, blank=True)
    credit_fact = models.ForeignKey("credit.CreditFact", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("信用事项"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    authority = models.CharField(_("办案机关"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["region_code", "status", "decide_due"], name="cases_case_queue_idx")]

    def __str__(self) -> str:
        return self.number


class CaseNote(TimeStamped):
    """A step of the investigation: a note, or evidence files with their description."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes", verbose_name=_("案件"))
    kind = models.CharField(_("类型"), max_length=12, choices=NoteKind.choices)
    text = models.TextField(_("内容"))
    evidence = models.JSONField(_("证据材料"), default=list, blank=True)
    author = models.CharField(_("记录人"), max_length=150)
    region_code = models.CharField(_("负责辖区"), max_length=6)

    class Meta:
        verbose_name = _("调查记录")
        verbose_name_plural = _("调查记录")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.pk}"


class BodyRequest(TimeStamped):
    """What a case asks of a certification body (to explain, to suspend or revoke a certificate)
    and the body's answer."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="requests", verbose_name=_("案件"))
    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("认证机构"))
    kind = models.CharField(_("类型"), max_length=12, choices=RequestKind.choices)
    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("证书"))
    text = models.TextField(_("要求"))
    due_on = models.DateField(_("答复期限"))
    status = models.CharField(_("状态"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    answer = models.TextField(_("答复"), blank=True)
    complied = models.BooleanField(_("已照办"), null=True, blank=True)
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    answered_by = models.CharField(_("答复人"), max_length=150, blank=True)
    region_code = models.CharField(_("负责辖区"), max_length=6)

    class Meta:
        verbose_name = _("向认证机构的要求")
        verbose_name_plural = _("向认证机构的要求")
        ordering = ["case", "id"]
        indexes = [models.Index(fields=["body", "status"], name="cases_request_body_idx")]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_kind_display()}"


class SupervisionItem(TimeStamped):
    """A subject a case asks the next inspection plan to cover (a note for the plan's author)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervision_items",
                             verbose_name=_("案件"))
    subject_kind = models.CharField(_("对象类型"), max_length=16, choices=SubjectKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    subject_name = models.CharField(_("对象名称"), max_length=200)
    region_code = models.CharField(_("负责辖区"), max_length=6, db_index=True)
    reason = models.TextField(_("理由"))
    status = models.CharField(_("状态"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.OPEN)

    class Meta:
        verbose_name = _("下次抽查关注对象")
        verbose_name_plural = _("下次抽查关注对象")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.uscc} ({self.case_id})"


class Reward(TimeStamped):
    """A reward proposed for the report a case came from, once the case decided a penalty: its
    grade, the fines and confiscations it is counted on, the amount and the rule's edition and
    source (`reward_rules`), then the approval or refusal with its reasons. Nothing here names
    the reporter: the reward is told to them on their private follow page only."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="reward", verbose_name=_("案件"))
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="rewards",
                                  verbose_name=_("投诉举报"))
    grade = models.CharField(_("奖励等级"), max_length=2, choices=RewardGrade.choices)
    fines = models.DecimalField(_("罚没款金额（元）"), max_digits=16, decimal_places=2)
    amount = models.DecimalField(_("奖励金额（元）"), max_digits=16, decimal_places=2)
    needs_finance = models.BooleanField(_("须商同级财政部门确定"), default=False)
    rules_edition = models.CharField(_("适用的奖励标准版本"), max_length=64)
    basis = models.TextField(_("奖励依据"))
    status = models.CharField(_("状态"), max_length=12, choices=RewardStatus.choices, default=RewardStatus.PROPOSED)
    proposed_by = models.CharField(_("提出人"), max_length=150)
    proposed_on = models.DateField(_("提出日期"))
    decided_by = models.CharField(_("审批人"), max_length=150, blank=True)
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    reason = models.TextField(_("审批理由"), blank=True)
    region_code = models.CharField(_("负责辖区"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("举报奖励")
        verbose_name_plural = _("举报奖励")
        ordering = ["-proposed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.get_grade_display()}"


class VerificationMiss(models.Model):
    """An aggregate counter of "not found" verifications: one row per hour and number pattern
    (`cases.misses.number_pattern`: the number with its digits and letters masked, or the body
    code a CCC number embeds), with a fixed-size sketch of how many distinct networks asked.
    Nothing about who asked is kept: no address, no network, no number as typed.
    Counts, not records of change: the row is updated in place (one upsert per miss)."""

    hour = models.DateTimeField(_("小时"))
    pattern = models.CharField(_("编号模式"), max_length=40)
    misses = models.PositiveIntegerField(_("未查到次数"), default=0)
    # A 256-bit sketch of the requesters' networks (`misses.network_bit`): one bit per keyed hash
    # of a /24 (IPv4) or /48 (IPv6) network, the key drawn at random for each UTC day and never
    # stored here; four signed 64-bit words, ORed in the same upsert.
    net0 = models.BigIntegerField(_("来源网络草图第一段"), default=0)
    net1 = models.BigIntegerField(_("来源网络草图第二段"), default=0)
    net2 = models.BigIntegerField(_("来源网络草图第三段"), default=0)
    net3 = models.BigIntegerField(_("来源网络草图第四段"), default=0)

    class Meta:
        verbose_name = _("证书查验未查到计数")
        verbose_name_plural = _("证书查验未查到计数")
        constraints = [models.UniqueConstraint(fields=["hour", "pattern"], name="cases_verification_miss_uniq")]
        indexes = [models.Index(fields=["pattern", "hour"], name="cases_miss_pattern_hour_idx")]

    def __str__(self) -> str:
        return f"{self.pattern} · {self.hour:%Y-%m-%d %H}:00 · {self.misses}"
