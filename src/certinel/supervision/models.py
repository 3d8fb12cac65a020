"""Random inspections (双随机、一公开) and supervision sampling (监督抽查).

A regulator publishes a `Plan`: the inspection items, the directory of subjects frozen when it
is published (its hash and a copy without personal data: `PlanDirectory`), the strata by credit
class with their counts, and the public random source named in advance. Once the source's value
exists it is entered, and the draw runs from the published inputs alone (`supervision.draw`):
anyone can re-run it. Each drawn subject becomes an `Inspection` with its inspectors, results
per item (`ItemResult`), follow-up measures (`FollowUp`) and a publication date held against
the time limit in working days.

Supervision sampling: a `SamplingTask` (national or provincial, a product, a period) and its
`SampleBatch`es, each tested by a registered lab; pass rates are counted from them.

Everything changes only through `supervision.services*`, each change with its history record
and log leaf. Public kinds: plans, inspections (the drawn subject, its inspectors' directory
codes, the published result), sampling tasks and batches. Private: the inspector directory
(names), item results and follow-ups before they are published in the inspection's summary."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped
from certinel.registry.models import RegisteredSubject

from .choices import (
    FollowUpKind,
    FollowUpStatus,
    InspectionStatus,
    Outcome,
    PlanStatus,
    Profile,
    SampleResult,
    SamplingLevel,
    SamplingTaskStatus,
    SubjectKind,
)


class Inspector(TimeStamped):
    """One person of the directory of inspectors (执法检查人员名录库). The public copy of a
    plan's directory names an inspector by `code` only."""

    code = models.CharField(_("编号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    region_code = models.CharField(_("所属区划"), max_length=6, db_index=True)
    fields = models.JSONField(_("专业领域"), default=list, blank=True)
    # Declared conflicts of interest: credit codes of subjects the inspector may not inspect.
    conflicts = models.JSONField(_("申报的利害关系"), default=list, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    user = models.OneToOneField("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="inspector", verbose_name=_("账号"))

    HISTORY_PERSONAL = ("name",)

    class Meta:
        verbose_name = _("执法检查人员")
        verbose_name_plural = _("执法检查人员名录")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Plan(TimeStamped):
    number = models.CharField(_("计划编号"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    region_code = models.CharField(_("实施区划"), max_length=6, db_index=True)
    authority = models.CharField(_("实施机关"), max_length=200)
    subject_kind = models.CharField(_("检查对象类型"), max_length=16, choices=SubjectKind.choices)
    items = models.JSONField(_("检查事项"), default=list)
    item_class = models.CharField(_("事项类别"), max_length=8, default="general")
    # The share to draw per credit class, in percent ({"A": "3", …, "-": "10"}), within the rules.
    ratios = models.JSONField(_("抽查比例"), default=dict)
    rules = models.CharField(_("适用的细则版本"), max_length=64, blank=True)
    starts_on = models.DateField(_("检查开始日期"))
    ends_on = models.DateField(_("检查结束日期"))
    source_description = models.TextField(_("公开随机源"))
    source_available_after = models.DateTimeField(_("随机值产生时间"))
    source_values = models.JSONField(_("随机值"), default=list, blank=True)
    profile = models.CharField(_("抽取算法"), max_length=8, choices=Profile.choices, default=Profile.SHA256)
    strata = models.JSONField(_("分层"), default=list, blank=True)
    directory_hash = models.CharField(_("名录哈希"), max_length=64, blank=True)
    result_hash = models.CharField(_("结果哈希"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    created_by = models.CharField(_("制定人"), max_length=150)

    class Meta:
        verbose_name = _("双随机抽查计划")
        verbose_name_plural = _("双随机抽查计划")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.number


class PlanDirectory(models.Model):
    """The published inputs of a plan's draw (the frozen directories, strata, rules, source) and,
    once drawn, its result: canonical JSON, whose SHA-256 the plan holds. Kept apart from the
    plan so that its history records carry the hashes, not a million lines."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="directory",
                                verbose_name=_("计划"))
    inputs = models.TextField(_("抽取输入"))
    result = models.TextField(_("抽取结果"), blank=True)
    # The plan's secret key: a stratum's pool is published as keyed commitments of its
    # subjects' credit codes (a credit class is never public, SAMR 2022 No. 6), and `members`
    # maps each commitment back to its subject. Neither is ever published or logged.
    key = models.CharField(_("承诺密钥"), max_length=64, blank=True)
    members = models.JSONField(_("承诺与主体的对应"), default=dict, blank=True)

    class Meta:
        verbose_name = _("抽取输入与结果")
        verbose_name_plural = _("抽取输入与结果")

    def __str__(self) -> str:
        return f"{self.plan_id}"


class Inspection(RegisteredSubject, TimeStamped):
    """One drawn subject: who inspects it, what they found, and when the result was published.

    Which stratum (credit class) a subject was drawn from, and its place in that pool, would
    reveal its credit class: they are kept here for regulators and left out of the history and
    the log. The inspectors' codes are in the log only as salted hashes (the draw's result
    pairs each team with a stratum's commitment)."""

    HISTORY_EXCLUDE = ("stratum", "position")
    HISTORY_PERSONAL = ("inspectors",)

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("计划"))
    stratum = models.CharField(_("分层"), max_length=8)
    position = models.PositiveIntegerField(_("名录中的位置"))
    drawn_order = models.PositiveIntegerField(_("抽中顺序"))
    subject_kind = models.CharField(_("检查对象类型"), max_length=16, choices=SubjectKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    subject_name = models.CharField(_("检查对象"), max_length=200)
    region_code = models.CharField(_("区划代码"), max_length=6)
    inspectors = models.JSONField(_("检查人员编号"), default=list)
    status = models.CharField(_("状态"), max_length=16, choices=InspectionStatus.choices,
                              default=InspectionStatus.ASSIGNED)
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    outcome = models.CharField(_("检查结果"), max_length=16, choices=Outcome.choices, blank=True)
    summary = models.TextField(_("公示的检查结果"), blank=True)
    publish_due = models.DateField(_("公示期限"))
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    late_reason = models.TextField(_("逾期公示理由"), blank=True)
    # A subject added to a drawn plan for a targeted check (not drawn), checked on this one item
    # (an item of class `targeted` in items.csv: the post-check of a qualification approval under
    # notification and commitment); empty for a drawn subject.
    targeted = models.CharField(_("定向检查事项"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("检查任务")
        verbose_name_plural = _("检查任务")
        ordering = ["plan", "drawn_order"]
        constraints = [models.UniqueConstraint(fields=["plan", "uscc"], name="supervision_inspection_plan_uscc")]
        indexes = [models.Index(fields=["status", "publish_due"], name="supervision_insp_due_idx")]

    def __str__(self) -> str:
        return f"{self.plan.number} · {self.subject_name}"

    @property
    def items_to_record(self) -> list[str]:
        """The items this inspection records: its targeted item, or the plan's items."""
        return [self.targeted] if self.targeted else list(self.plan.items)


def evidence_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.DATA_DIR / "supervision-evidence", base_url=None)


def evidence_name(instance: ItemResult, filename: str) -> str:
    digest = instance.evidence_sha256
    return f"{digest[:2]}/{digest}"


class ItemResult(TimeStamped):
    """The finding on one inspection item (private until the inspection's summary is published)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="results",
                                   verbose_name=_("检查任务"))
    item_code = models.CharField(_("检查事项"), max_length=16)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    findings = models.TextField(_("检查发现"), blank=True)
    # Kept by its SHA-256 under DATA_DIR/supervision-evidence/, never under MEDIA_ROOT (which a
    # web server may publish) and never by the name it was sent with.
    evidence = models.FileField(_("证据材料"), storage=evidence_storage, upload_to=evidence_name, blank=True)
    evidence_sha256 = models.CharField(_("证据哈希"), max_length=64, blank=True)
    recorded_by = models.CharField(_("录入人"), max_length=150)

    # The file's place in storage is no part of the record: its hash is.
    HISTORY_EXCLUDE = ("evidence",)

    class Meta:
        verbose_name = _("检查事项结果")
        verbose_name_plural = _("检查事项结果")
        ordering = ["inspection", "item_code"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item_code"],
                                               name="supervision_result_item_uniq")]

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item_code}"


class FollowUp(TimeStamped):
    """A measure after a finding: rectification by a deadline, suspension of certificates
    (through the certificate services), or referral to a case."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="follow_ups",
                                   verbose_name=_("检查任务"))
    kind = models.CharField(_("处理措施"), max_length=16, choices=FollowUpKind.choices)
    due_on = models.DateField(_("整改期限"), null=True, blank=True)
    details = models.TextField(_("说明"))
    certificates = models.JSONField(_("涉及证书"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    closed_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("后续处理")
        verbose_name_plural = _("后续处理")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.inspection_id})"


class SamplingTask(TimeStamped):
    """A supervision sampling task (监督抽查任务): a product, a level, a period."""

    number = models.CharField(_("任务编号"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("抽查级别"), max_length=12, choices=SamplingLevel.choices)
    region_code = models.CharField(_("组织实施区划"), max_length=6, db_index=True)
    authority = models.CharField(_("组织实施机关"), max_length=200)
    product = models.CharField(_("产品"), max_length=200)
    # CCC product category codes: a failed sample suspends the holder's CCC certificates whose
    # scope names one of them.
    product_codes = models.JSONField(_("产品类别代码"), default=list, blank=True)
    period = models.CharField(_("抽查期次"), max_length=16)  # e.g. 2026Q4
    status = models.CharField(_("状态"), max_length=12, choices=SamplingTaskStatus.choices,
                              default=SamplingTaskStatus.OPEN)

    class Meta:
        verbose_name = _("监督抽查任务")
        verbose_name_plural = _("监督抽查任务")
        ordering = ["-period", "number"]

    def __str__(self) -> str:
        return self.number


class SampleBatch(TimeStamped):
    """One sampled batch of a producer's product, tested by a registered lab."""

    task = models.ForeignKey(SamplingTask, on_delete=models.PROTECT, related_name="batches",
                             verbose_name=_("抽查任务"))
    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("受检企业"))
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    producer_name = models.CharField(_("受检企业名称"), max_length=200)
    region_code = models.CharField(_("区划代码"), max_length=6)
    product_name = models.CharField(_("样品名称"), max_length=200)
    model = models.CharField(_("规格型号"), max_length=100, blank=True)
    batch_no = models.CharField(_("批号"), max_length=64)
    lot_size = models.PositiveIntegerField(_("批量"))
    sampled_on = models.DateField(_("抽样日期"))
    inspection_level = models.CharField(_("检验水平"), max_length=4, default="II")
    aql = models.CharField(_("AQL"), max_length=8)
    severity = models.CharField(_("检验严格度"), max_length=10, default="normal")
    code_letter = models.CharField(_("样本量字码"), max_length=1)
    sample_size = models.PositiveIntegerField(_("样本量"))
    accept = models.PositiveIntegerField(_("接收数 Ac"))
    reject = models.PositiveIntegerField(_("拒收数 Re"))
    lab = models.ForeignKey("registry.Lab", on_delete=models.PROTECT, related_name="+", verbose_name=_("承检机构"))
    report_no = models.CharField(_("检验报告编号"), max_length=64)
    tested_on = models.DateField(_("检验日期"))
    nonconforming = models.PositiveIntegerField(_("不合格品数"))
    failed_items = models.TextField(_("不合格项目"), blank=True)
    result = models.CharField(_("结论"), max_length=8, choices=SampleResult.choices)
    suspended = models.JSONField(_("因此暂停的证书"), default=list, blank=True)

    class Meta:
        verbose_name = _("抽查批次")
        verbose_name_plural = _("抽查批次")
        ordering = ["task", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "uscc", "batch_no"],
                                               name="supervision_batch_uniq")]

    def __str__(self) -> str:
        return f"{self.task.number} · {self.producer_name} · {self.batch_no}"
