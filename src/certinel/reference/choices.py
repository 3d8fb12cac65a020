from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    CITY = 2, _("地级")
    COUNTY = 3, _("县级")


class SchemeFamily(models.TextChoices):
    CCC = "ccc", _("强制性产品认证")
    PRODUCT = "product", _("自愿性产品认证")
    MANAGEMENT = "management", _("管理体系认证")
    SERVICE = "service", _("服务认证")


class ScopeKind(models.TextChoices):
    """What a certificate's scope codes are under a scheme."""

    IAF = "iaf", _("IAF 行业代码")
    CCC_PRODUCT = "ccc_product", _("CCC 产品")
    PRODUCT = "product", _("产品类别")
    SERVICE = "service", _("服务类别")


class IndustryLevel(models.IntegerChoices):
    SECTION = 1, _("门类")
    DIVISION = 2, _("大类")
    GROUP = 3, _("中类")
    CLASS = 4, _("小类")


class SelfDeclarationMode(models.TextChoices):
    """The two self-declaration procedures of the CCC catalogue (2020 revision)."""

    A = "A", _("自我声明程序A（自选实验室型式试验+自我声明）")
    B = "B", _("自我声明程序B（指定实验室型式试验+自我声明）")
