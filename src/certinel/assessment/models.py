"""A region's report for assessment (考核报告): the figures of a quarter or a year, computed once
into a JSON document (`content`), rendered as a PDF and an Excel workbook, the three files kept
by their SHA-256 under the data directory. Each generation is one row and one history record
whose after-snapshot carries the three digests, so the log leaf fixes them. A re-generation
after the data changed is a new version; the old one is kept."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentReport(models.Model):
    HISTORY_PERSONAL = ("generated_by",)

    region_code = models.CharField(_("区划代码"), max_length=6, db_index=True)
    period = models.CharField(_("报告期"), max_length=8)  # 2026Q3 or 2026
    version = models.PositiveIntegerField(_("版本"), default=1)
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.CharField(_("生成人"), max_length=150)
    figures_sha256 = models.CharField(_("数据摘要"), max_length=64)
    content_sha256 = models.CharField(_("报告摘要"), max_length=64, unique=True)
    pdf_sha256 = models.CharField(_("PDF 摘要"), max_length=64, db_index=True)
    xlsx_sha256 = models.CharField(_("Excel 摘要"), max_length=64, db_index=True)
    content_size = models.PositiveIntegerField(_("报告大小"), default=0)
    pdf_size = models.PositiveIntegerField(_("PDF 大小"), default=0)
    xlsx_size = models.PositiveIntegerField(_("Excel 大小"), default=0)

    class Meta:
        verbose_name = _("考核报告")
        verbose_name_plural = _("考核报告")
        default_permissions = ("view",)
        ordering = ["region_code", "-period", "-version"]
        constraints = [models.UniqueConstraint(fields=["region_code", "period", "version"],
                                               name="assessment_report_version_uniq")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period} v{self.version}"
