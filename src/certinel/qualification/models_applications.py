"""Applications for qualification approval (资质认定) and what follows them: the scope items
applied for, the reviewers drawn, the review's findings, the CMA certificate and the post-check
of an approval under notification and commitment (告知承诺).

Staff and signatories (names, ID numbers, phones) and the commitment's signer are personal
data: kept here for the applicant and the regulators, entered in the public log only as salted
hashes (`HISTORY_PERSONAL`, transparency/privacy.py), never on a public page or in the API's
public answers. The published draw names reviewers by a code (`R<id>`), never by name.

Everything changes only through `qualification.services_applications` and
`qualification.services_review`, each change with its history record and log leaf."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped

from .choices import (
    ApplicationKind,
    ApplicationStatus,
    CmaStatus,
    FindingStatus,
    PostCheckStatus,
    Procedure,
    ReviewStage,
)


class Application(TimeStamped):
    """One application of a lab, for one or several qualifications reviewed jointly."""

    number = models.CharField(_("申请编号"), max_length=32, unique=True)
    lab = models.ForeignKey("registry.Lab", on_delete=models.PROTECT, related_name="qualification_applications",
                            verbose_name=_("检验检测机构"))
    region_code = models.CharField(_("区划代码"), max_length=6, db_index=True)
    kind = models.CharField(_("申请类型"), max_length=16, choices=ApplicationKind.choices)
    procedure = models.CharField(_("许可程序"), max_length=16, choices=Procedure.choices,
                                 default=Procedure.GENERAL)
    qualifications = models.JSONField(_("联合评审的资质"), default=list)
    status = models.CharField(_("状态"), max_length=16, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT, db_index=True)
    # The form's parts (JSON, each checked by the service).
    legal_entity = models.JSONField(_("法人主体"), default=dict)
    staff = models.JSONField(_("人员及授权签字人"), default=list)
    site = models.JSONField(_("场所"), default=dict)
    equipment = models.JSONField(_("仪器设备"), default=list)
    management_system = models.JSONField(_("管理体系"), default=dict)
    evidence = models.JSONField(_("证明材料"), default=list)
    commitment_signed_by = models.CharField(_("承诺书签署人"), max_length=64, blank=True)
    commitment_signed_on = models.DateField(_("承诺书签署日期"), null=True, blank=True)
    # Dates and time limits (working days, core.workdays; the edition of procedure.csv applied).
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    accept_due = models.DateField(_("受理期限"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    review_started_on = models.DateField(_("技术评审开始日期"), null=True, blank=True)
    review_told_days = models.PositiveSmallIntegerField(_("告知的技术评审时间（工作日）"), null=True, blank=True)
    review_closed_on = models.DateField(_("技术评审结束日期"), null=True, blank=True)
    decide_due = models.DateField(_("决定期限"), null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    rule_edition = models.CharField(_("适用规则版本"), max_length=16, blank=True)
    status_reason = models.TextField(_("状态原因"), blank=True)
    # The reviewers' draw: the published inputs and the result (supervision.draw's format).
    draw_published = models.JSONField(_("评审员抽取公开输入"), null=True, blank=True)
    draw_result = models.JSONField(_("评审员抽取结果"), null=True, blank=True)
    # The lab's scope lines (registry.LabScopeItem ids) this application's approval granted.
    granted_scope = models.JSONField(_("批准的范围条目"), default=list, blank=True)

    HISTORY_PERSONAL = ("staff", "commitment_signed_by")
    PUBLIC_FIELDS = ("number", "kind", "procedure", "qualifications", "status", "submitted_on", "accepted_on",
                     "decided_on")

    class Meta:
        verbose_name = _("资质认定申请")
        verbose_name_plural = _("资质认定申请")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number


class ApplicationItem(models.Model):
    """One line of the scope applied for: field, object, parameter, standard and clause."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="items",
                                    verbose_name=_("资质认定申请"))
    field = models.ForeignKey("reference.LabField", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("领域"))
    object_name = models.CharField(_("检验检测对象"), max_length=255)
    parameter = models.CharField(_("项目/参数"), max_length=255)
    standard = models.CharField(_("依据标准"), max_length=64)
    clause = models.CharField(_("条款"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("申请范围")
        verbose_name_plural = _("申请范围")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return f"{self.object_name} / {self.parameter} / {self.standard}"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field.code, "object": self.object_name, "parameter": self.parameter,
                "standard": self.standard, "clause": self.clause}


class ReviewAssignment(TimeStamped):
    """A reviewer on an application: drawn, or put in place of a drawn one who withdrew."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="assignments",
                                    verbose_name=_("资质认定申请"))
    reviewer = models.ForeignKey("registry.PersonRole", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("评审员"))
    code = models.CharField(_("评审员代码"), max_length=16)
    active = models.BooleanField(_("在任"), default=True)
    replaced_reason = models.TextField(_("更换原因"), blank=True)
    # The reviewer's own record: on time or late, findings upheld or overturned.
    on_time = models.BooleanField(_("按时完成"), null=True, blank=True)

    class Meta:
        verbose_name = _("评审任务")
        verbose_name_plural = _("评审任务")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.code}"

    @property
    def region_code(self) -> str:
        return self.application.region_code


class Finding(TimeStamped):
    """A nonconformity found in the document review or the on-site assessment, with the lab's
    corrective action and its closing."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="findings",
                                    verbose_name=_("资质认定申请"))
    stage = models.CharField(_("评审阶段"), max_length=16, choices=ReviewStage.choices)
    clause = models.CharField(_("条款"), max_length=64, blank=True)
    description = models.TextField(_("不符合项"))
    corrective_action = models.TextField(_("整改措施"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("评审发现")
        verbose_name_plural = _("评审发现")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.get_stage_display()} {self.pk}"

    @property
    def region_code(self) -> str:
        return self.application.region_code


class CmaCertificate(TimeStamped):
    """The CMA certificate an approval issues: a W3C Verifiable Credential signed by the
    regulator's jurisdiction (`ecert.py`, the credentials app), holding the approved scope
    table; its id and SHA-256 enter the public log with the issue. Superseded or revoked, its
    credential's revocation bit is set."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="certificate",
                                       verbose_name=_("资质认定申请"))
    lab = models.ForeignKey("registry.Lab", on_delete=models.PROTECT, related_name="cma_certificates",
                            verbose_name=_("检验检测机构"))
    number = models.CharField(_("证书编号"), max_length=12)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=16, choices=CmaStatus.choices, default=CmaStatus.VALID)
    document = models.JSONField(_("电子证书"))
    sha256 = models.CharField(_("电子证书 SHA-256"), max_length=64)
    credential_id = models.CharField(_("电子证书标识"), max_length=255, blank=True, db_index=True)

    HISTORY_EXCLUDE = ("document",)

    class Meta:
        verbose_name = _("资质认定电子证书")
        verbose_name_plural = _("资质认定电子证书")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return f"{self.number} ({self.issued_on})"

    @property
    def region_code(self) -> str:
        return self.application.region_code


class PostCheck(TimeStamped):
    """The check of an approval under notification and commitment: due within the months of
    procedure.csv, carried out by an inspection of a supervision plan; a commitment found untrue
    revokes the approval."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="post_check",
                                       verbose_name=_("资质认定申请"))
    due_on = models.DateField(_("核查期限"), db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=PostCheckStatus.choices, default=PostCheckStatus.OPEN)
    checked_on = models.DateField(_("核查日期"), null=True, blank=True)
    note = models.TextField(_("核查说明"), blank=True)
    # The supervision inspection that carries it out (a targeted subject of a plan of labs,
    # services_post_check.py); its published result closes the post-check.
    inspection = models.OneToOneField("supervision.Inspection", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="post_check", verbose_name=_("监督检查任务"))

    class Meta:
        verbose_name = _("告知承诺核查")
        verbose_name_plural = _("告知承诺核查")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.due_on}"

    @property
    def region_code(self) -> str:
        return self.application.region_code
