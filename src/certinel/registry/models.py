"""The registry: who is who. Certification bodies, labs, certified organizations, and people."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certinel.core.models import TimeStamped

from .choices import (
    AuditorGrade,
    BodyStatus,
    LabStatus,
    OrgStatus,
    PersonRoleKind,
    RoleStatus,
    ScopeItemKind,
    SiteKind,
    SizeClass,
)


class Located(models.Model):
    """Something registered in a region. `region_code` repeats the region's code so that
    jurisdictions (code prefixes) filter without a join. Nothing looks rows up by the region's
    id, so it has no index (a region is deleted only by a reference sync, whose protection
    check may read the table once)."""

    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("行政区划"), db_index=False)
    region_code = models.CharField(_("区划代码"), max_length=6, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[override]
        if self.region_id and not self.region_code:
            self.region_code = self.region.code
        super().save(*args, **kwargs)


class RegisteredSubject(models.Model):
    """A record about one organization, body or lab of the register (the other two links stay
    empty): the serious-violation list, credit files, inspections, complaints and cases."""

    organization = models.ForeignKey("registry.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("获证组织"))
    body = models.ForeignKey("registry.CertificationBody", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("认证机构"))
    lab = models.ForeignKey("registry.Lab", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="+", verbose_name=_("检验检测机构"))

    class Meta:
        abstract = True

    @property
    def subject(self):
        return self.organization or self.body or self.lab


class CertificationBody(Located, TimeStamped):
    """A certification body (认证机构) approved by the national authority (CNCA)."""

    name = models.CharField(_("机构名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=255, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    approval_no = models.CharField(_("批准号"), max_length=32, unique=True, help_text="CNCA-R-2002-001")
    approval_date = models.DateField(_("批准日期"))
    approval_valid_until = models.DateField(_("批准有效期至"), null=True, blank=True)
    accreditation_no = models.CharField(_("认可证书号"), max_length=32, blank=True, help_text="CNAS C001-M")
    address = models.CharField(_("地址"), max_length=255)
    website = models.URLField(_("网站"), blank=True)
    phone = models.CharField(_("办公电话"), max_length=32, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=BodyStatus.choices, default=BodyStatus.APPROVED,
                              db_index=True)
    status_reason = models.TextField(_("状态原因"), blank=True)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    credit_grade = models.CharField(_("信用等级"), max_length=8, blank=True)
    foreign = models.BooleanField(_("境外机构"), default=False)

    class Meta:
        verbose_name = _("认证机构")
        verbose_name_plural = _("认证机构")
        ordering = ["approval_no"]

    def __str__(self) -> str:
        return self.name


class BodyScope(TimeStamped):
    """What a body is approved to certify: a scheme, optionally narrowed to an IAF sector
    (management systems) or a CCC product (compulsory certification)."""

    body = models.ForeignKey(CertificationBody, on_delete=models.PROTECT, related_name="scopes")
    scheme = models.ForeignKey("reference.Scheme", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("认证制度"))
    iaf_sector = models.ForeignKey("reference.IAFSector", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("IAF 行业"))
    ccc_product_code = models.CharField(_("CCC 产品代码"), max_length=8, blank=True)
    granted_on = models.DateField(_("批准日期"))
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("批准范围")
        verbose_name_plural = _("批准范围")
        ordering = ["body", "scheme", "iaf_sector", "ccc_product_code"]
        constraints = [
            models.UniqueConstraint(fields=["body", "scheme", "iaf_sector", "ccc_product_code"],
                                    condition=Q(withdrawn_on__isnull=True), name="bodyscope_active_uniq"),
        ]

    def __str__(self) -> str:
        parts = [self.scheme.code]
        if self.iaf_sector_id:
            parts.append(f"IAF {self.iaf_sector.number:02d}")
        if self.ccc_product_code:
            parts.append(self.ccc_product_code)
        return " / ".join(parts)

    @property
    def region_code(self) -> str:
        return self.body.region_code


class Lab(Located, TimeStamped):
    """An inspection and testing body (检验检测机构) with its CMA qualification."""

    name = models.CharField(_("机构名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=255, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    cma_no = models.CharField(_("资质认定证书编号"), max_length=12, unique=True)
    cma_issued_on = models.DateField(_("发证日期"))
    cma_valid_until = models.DateField(_("有效期至"))
    address = models.CharField(_("地址"), max_length=255)
    phone = models.CharField(_("办公电话"), max_length=32, blank=True)
    fields = models.ManyToManyField("reference.LabField", blank=True, related_name="labs",
                                    verbose_name=_("检验检测领域"))
    status = models.CharField(_("状态"), max_length=16, choices=LabStatus.choices, default=LabStatus.VALID,
                              db_index=True)
    status_reason = models.TextField(_("状态原因"), blank=True)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    credit_grade = models.CharField(_("信用等级"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("检验检测机构")
        verbose_name_plural = _("检验检测机构")
        ordering = ["cma_no"]

    def __str__(self) -> str:
        return self.name


class LabScopeItem(TimeStamped):
    """One line of a lab's qualified scope: the basic requirements every lab meets, plus the
    industry-specific requirements of a field (“基本要求＋行业特殊要求”)."""

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="scope_items")
    kind = models.CharField(_("类型"), max_length=16, choices=ScopeItemKind.choices)
    field = models.ForeignKey("reference.LabField", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("领域"))
    item = models.CharField(_("检验检测对象/项目"), max_length=255)
    standard = models.CharField(_("依据标准"), max_length=255, blank=True)
    granted_on = models.DateField(_("批准日期"))
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("资质认定范围")
        verbose_name_plural = _("资质认定范围")
        ordering = ["lab", "kind", "field", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item}"

    @property
    def region_code(self) -> str:
        return self.lab.region_code


class Organization(Located, TimeStamped):
    """A certified (or to-be-certified) organization, identified by its unified social credit
    code (GB 32100)."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=255, blank=True)
    industry = models.ForeignKey("reference.Industry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("行业"))
    size_class = models.CharField(_("企业规模"), max_length=8, choices=SizeClass.choices, blank=True)
    address = models.CharField(_("注册地址"), max_length=255)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)

    PRIVATE_FIELDS = ("contact_phone", "contact_email")
    # The log is public: contact details enter it only as salted hashes (transparency/privacy.py).
    HISTORY_PERSONAL = ("contact_phone", "contact_email")

    class Meta:
        verbose_name = _("获证组织")
        verbose_name_plural = _("获证组织")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class OrganizationName(models.Model):
    """A former name of an organization, kept so that old certificates and searches find it."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="former_names")
    name = models.CharField(_("曾用名"), max_length=200)
    used_until = models.DateField(_("使用至"))

    class Meta:
        verbose_name = _("曾用名")
        verbose_name_plural = _("曾用名")
        ordering = ["organization", "-used_until"]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.organization.region_code


class Site(Located, TimeStamped):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="sites")
    # Sites are read by their organization only (jurisdictions filter them by the
    # organization's region): no index on their own region code.
    region_code = models.CharField(_("区划代码"), max_length=6, editable=False)
    kind = models.CharField(_("类型"), max_length=16, choices=SiteKind.choices)
    name = models.CharField(_("名称"), max_length=200, blank=True)
    address = models.CharField(_("地址"), max_length=255)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = _("场所")
        ordering = ["organization", "id"]

    def __str__(self) -> str:
        return self.name or self.address


class Person(TimeStamped):
    """A natural person. Personal data is minimised (PIPL): the ID number is kept only as a
    keyed hash (to recognise the same person twice) and its last four characters; phone numbers
    are shown masked except to those entitled to see them."""

    name = models.CharField(_("姓名"), max_length=64)
    name_en = models.CharField(_("英文姓名"), max_length=128, blank=True)
    id_number_hash = models.CharField(_("证件号哈希"), max_length=80, unique=True, null=True, blank=True,
                                      editable=False)
    id_number_tail = models.CharField(_("证件号后四位"), max_length=4, blank=True, editable=False)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    region = models.ForeignKey("reference.Region", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("所在地区"))
    region_code = models.CharField(_("区划代码"), max_length=6, blank=True, db_index=True, editable=False)

    HISTORY_PERSONAL = ("name", "phone", "email", "id_number_tail")
    PRIVATE_FIELDS = ("phone", "email", "id_number_tail")

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # type: ignore[override]
        self.region_code = self.region.code if self.region_id else ""
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        p = self.phone
        return f"{p[:3]}****{p[-4:]}" if len(p) >= 11 else ("****" if p else "")


class PersonRole(TimeStamped):
    """A person's registration or appointment in one capacity: an auditor registered for a
    scheme and employed by a body, a lab's authorised signatory, an organization's chief quality
    officer, a quality expert, an enforcement inspector of a regulator, a qualification reviewer
    in a professional field."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="roles")
    kind = models.CharField(_("身份"), max_length=16, choices=PersonRoleKind.choices, db_index=True)
    registration_no = models.CharField(_("注册/证书编号"), max_length=64, blank=True)
    grade = models.CharField(_("级别"), max_length=16, choices=AuditorGrade.choices, blank=True)
    scheme = models.ForeignKey("reference.Scheme", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("注册领域"))
    field = models.ForeignKey("reference.LabField", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("专业领域"))
    body = models.ForeignKey(CertificationBody, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="people", verbose_name=_("所属认证机构"))
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, null=True, blank=True, related_name="people",
                            verbose_name=_("所属检验检测机构"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="people", verbose_name=_("所属组织"))
    # Inspectors and reviewers belong to a regulator, named by its jurisdiction code.
    authority_code = models.CharField(_("所属监管部门辖区"), max_length=6, blank=True)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    valid_from = models.DateField(_("起始日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RoleStatus.choices, default=RoleStatus.ACTIVE)

    class Meta:
        verbose_name = _("人员身份")
        verbose_name_plural = _("人员身份")
        ordering = ["person", "kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "registration_no"], condition=~Q(registration_no=""),
                                    name="personrole_registration_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_kind_display()}"

    @property
    def region_code(self) -> str:
        for owner in (self.body, self.lab, self.organization):
            if owner is not None:
                return owner.region_code
        return self.authority_code or self.person.region_code


class NameGram(models.Model):
    """The search index of organization names: one row per distinct pair of adjacent
    characters (bigram) of each current, former and English name. Chinese names have no spaces,
    so a substring search of two or more characters looks up its rarest bigrams here, then checks
    the few candidates; see `registry/search.py`."""

    pk = models.CompositePrimaryKey("gram", "organization_id")
    gram = models.BigIntegerField()
    organization_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("名称索引")
        default_permissions = ()
        indexes = [models.Index(fields=["organization_id"], name="namegram_org_idx")]

    def __str__(self) -> str:
        return f"{self.gram}:{self.organization_id}"
