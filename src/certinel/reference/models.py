"""Reference code lists. Each row names the dated edition (source) it was loaded from; the
data files live in `reference/data/` and `certinel reference sync` loads them."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import IndustryLevel, RegionLevel, SchemeFamily, ScopeKind, SelfDeclarationMode


class RegionQuerySet(models.QuerySet["Region"]):
    def current(self, on: dt.date | None = None) -> RegionQuerySet:
        on = on or dt.date.today()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)


class Region(models.Model):
    """An administrative division (GB/T 2260), effective-dated: a code may be renamed, retired
    and later reused for another place, so (code, valid_from) identifies a row."""

    code = models.CharField(_("代码"), max_length=6, db_index=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent_code = models.CharField(_("上级代码"), max_length=6, blank=True, db_index=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("不含当日；为空表示现行有效"))
    source = models.CharField(_("来源版本"), max_length=64)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="region_code_from_uniq")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """The code prefix that every place inside this one starts with."""
        prefixes = {RegionLevel.PROVINCE: self.code[:2], RegionLevel.CITY: self.code[:4]}
        return prefixes.get(RegionLevel(self.level), self.code)


class Industry(models.Model):
    """National economic industry classification (GB/T 4754-2017)."""

    code = models.CharField(_("代码"), max_length=5)
    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=IndustryLevel.choices)
    parent_code = models.CharField(_("上级代码"), max_length=5, blank=True)
    edition = models.CharField(_("版本"), max_length=32, default="GB/T 4754-2017")

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["edition", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="industry_edition_code_uniq")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IAFSector(models.Model):
    """One of the 39 IAF scope sectors (IAF ID 1)."""

    number = models.PositiveSmallIntegerField(_("序号"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=200)
    nace = models.CharField(_("对应 NACE 代码"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("IAF 行业")
        verbose_name_plural = _("IAF 行业")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number:02d} {self.name}"


class Standard(models.Model):
    code = models.CharField(_("标准号"), max_length=64, unique=True)
    equivalent = models.CharField(_("等同国际标准"), max_length=64, blank=True)
    title = models.CharField(_("标准名称"), max_length=255)
    title_en = models.CharField(_("英文名称"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("标准")
        verbose_name_plural = _("标准")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Scheme(models.Model):
    """A certification scheme with its lifecycle parameters as data."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    family = models.CharField(_("类别"), max_length=16, choices=SchemeFamily.choices)
    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200)
    scope_kind = models.CharField(_("范围代码类型"), max_length=16, choices=ScopeKind.choices)
    standards = models.ManyToManyField(Standard, blank=True, related_name="schemes", verbose_name=_("依据标准"))
    validity_months = models.PositiveSmallIntegerField(_("有效期（月）"))
    surveillance_interval_months = models.PositiveSmallIntegerField(_("监督间隔（月）"))
    surveillance_grace_days = models.PositiveSmallIntegerField(_("监督宽限期（天）"), default=0)
    max_suspension_months = models.PositiveSmallIntegerField(_("最长暂停期（月）"))
    # Certificate numbers of this scheme must match this regular expression (blank: any).
    number_pattern = models.CharField(_("证书编号格式"), max_length=200, blank=True)
    source = models.CharField(_("依据"), max_length=255, blank=True)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("认证制度")
        verbose_name_plural = _("认证制度")
        ordering = ["family", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CCCEdition(models.Model):
    """An edition of the CCC catalogue (强制性产品认证目录)."""

    code = models.CharField(_("版本"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    effective_from = models.DateField(_("施行日期"))
    source = models.CharField(_("依据"), max_length=255)

    class Meta:
        verbose_name = _("CCC 目录版本")
        verbose_name_plural = _("CCC 目录版本")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls, on: dt.date | None = None) -> CCCEdition | None:
        on = on or dt.date.today()
        return cls.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


class CCCCategory(models.Model):
    edition = models.ForeignKey(CCCEdition, on_delete=models.PROTECT, related_name="categories")
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("CCC 产品大类")
        verbose_name_plural = _("CCC 产品大类")
        ordering = ["edition", "number"]
        constraints = [models.UniqueConstraint(fields=["edition", "number"], name="ccc_category_uniq")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class CCCProduct(models.Model):
    """A product in one edition of the catalogue. The same `code` across editions is the same
    product; a code missing from a later edition has left CCC management."""

    edition = models.ForeignKey(CCCEdition, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(CCCCategory, on_delete=models.PROTECT, related_name="products")
    number = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("产品代码"), max_length=8)
    name = models.CharField(_("产品名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=255, blank=True)
    self_declaration = models.BooleanField(_("自我声明"), default=False,
                                           help_text=_("适用“型式试验+自我声明”评价方式"))
    self_declaration_mode = models.CharField(
        _("自我声明程序"), max_length=1, blank=True, choices=SelfDeclarationMode.choices)
    # Every catalogue code of the product, space-separated (`code` is the first); a product of
    # the catalogue may stand for several codes, e.g. 低压元器件 (0302 … 0309).
    codes = models.CharField(_("全部产品代码"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("CCC 产品")
        verbose_name_plural = _("CCC 产品")
        ordering = ["edition", "number"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="ccc_product_uniq")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def code_list(self) -> list[str]:
        return self.codes.split() if self.codes else [self.code]


class LabField(models.Model):
    """A professional field of inspection and testing (检验检测专业领域), used for lab scopes
    and for the fields of qualification reviewers."""

    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("检验检测领域")
        verbose_name_plural = _("检验检测领域")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CodeListVersion(models.Model):
    """Which edition of each code list is loaded, and the checksum of its data file."""

    name = models.CharField(_("代码表"), max_length=32)
    edition = models.CharField(_("版本"), max_length=64)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)

    class Meta:
        verbose_name = _("代码表版本")
        verbose_name_plural = _("代码表版本")
        constraints = [models.UniqueConstraint(fields=["name", "edition"], name="codelist_version_uniq")]

    def __str__(self) -> str:
        return f"{self.name} {self.edition}"
