"""Test reports issued by labs (检验检测报告), reported so that anyone can verify them.

What is public (the report's existence, its lab, number, dates, object, parameters and
standards, status) is what a verifier needs. The client's name is commercial information and
the signatory's name personal data: both are kept here for the lab and the regulators, and
enter the public log only as salted hashes (`HISTORY_PERSONAL`, transparency/privacy.py); the
public page and API never show them. The PDF itself is never stored: only its SHA-256. Nor are
the results: only the SHA-256 the lab computed of them, with the lab's sample number, so that
the same sample reported twice with different results can be seen; that digest enters the log
only salted too (results are few and guessable, and the client's)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped

from .choices import ReportStatus


class TestReport(TimeStamped):
    """One report a lab issued, as the lab reported it."""

    __test__ = False  # not a pytest test class

    lab = models.ForeignKey("registry.Lab", on_delete=models.PROTECT, related_name="test_reports",
                            verbose_name=_("检验检测机构"), db_index=False)
    number = models.CharField(_("报告编号"), max_length=64)
    issued_on = models.DateField(_("签发日期"))
    sample_received_on = models.DateField(_("样品接收日期"))
    client_name = models.CharField(_("委托方"), max_length=200)
    object_name = models.CharField(_("检验检测对象"), max_length=255)
    # [{"parameter": "…", "standard": "…"}, …]
    parameters = models.JSONField(_("检验检测项目及依据标准"), default=list)
    signatory_name = models.CharField(_("授权签字人"), max_length=64)
    # The lab's registered signatory of that name, when the registry has one.
    signatory = models.ForeignKey("registry.PersonRole", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("授权签字人登记"), db_index=False)
    pdf_sha256 = models.CharField(_("报告文件 SHA-256"), max_length=64, blank=True, db_index=True)
    # The lab's own sample number, and the SHA-256 of the results as the lab computed it.
    sample_no = models.CharField(_("样品编号"), max_length=64, blank=True)
    results_sha256 = models.CharField(_("检验检测结果 SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.VALID)
    status_reason = models.TextField(_("状态原因"), blank=True)
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    HISTORY_PERSONAL = ("client_name", "signatory_name", "results_sha256")

    class Meta:
        verbose_name = _("检验检测报告")
        verbose_name_plural = _("检验检测报告")
        ordering = ["lab", "number"]
        constraints = [models.UniqueConstraint(fields=["lab", "number"], name="testreport_lab_number_uniq")]
        # The other reports of a sample (verification and `report_duplicate_sample`): only reports
        # that name their sample are indexed.
        indexes = [models.Index(fields=["lab", "sample_no"], condition=~models.Q(sample_no=""),
                                name="testreport_lab_sample")]

    def __str__(self) -> str:
        return self.number

    @property
    def region_code(self) -> str:
        return self.lab.region_code


from .models_applications import (  # noqa: E402,F401  (the applications' models, in their own module)
    Application,
    ApplicationItem,
    CmaCertificate,
    Finding,
    PostCheck,
    ReviewAssignment,
)
