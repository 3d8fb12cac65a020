"""Validation of the identifiers the registry deals in. Pure functions: each returns the parsed
identifier or raises `IdentifierError`, whose messages name the 1-based character position and
the reason in English (`message_en`) and Chinese (`message_zh`).

- unified social credit code (统一社会信用代码), GB 32100-2015 with amendment No. 1: 18
  characters; department, category, GB/T 2260 region, GB 11714 organization code (with its
  own check character) and a mod-31 check character;
- CB approval numbers (认证机构批准书编号): CNCA-R-YYYY-NNN, and CNCA-RF-YYYY-NN for
  foreign-invested bodies;
- CMA qualification certificate numbers (检验检测机构资质认定证书编号): 12 digits;
- CCC certificate numbers (强制性产品认证证书编号): 16 digits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, …
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714

# Registration department (position 1) -> (name, allowed category codes at position 2).
DEPARTMENTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "1": ("机构编制", "institutional staffing", {"1": "机关", "2": "事业单位",
                                          "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", "foreign affairs", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", "justice administration", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                                           "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", "culture", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", "civil affairs", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", "tourism", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
                            "9": "其他"}),
    "7": ("宗教", "religious affairs", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", "trade unions", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", "industry and commerce", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", "CMC reform and staffing office", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", "agriculture", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织",
                              "9": "其他"}),
    "Y": ("其他", "other", {"1": "其他"}),
}
# Province-level prefixes of GB/T 2260 ("10" with 0000 is the national level).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
})
# CMA digits 3-4: the issuing authority (00 CNCA, then the provinces in this order).
CMA_AUTHORITIES = (
    "国家认监委", "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)
CMA_FIELDS = 22  # digits 5-6: professional field category 00-21 (see data/lab-fields)
CMA_INDUSTRY_DEPARTMENTS = 35  # digits 7-8: industry authority 00-34
CCC_FIRST_YEAR = 2001
CB_FIRST_YEAR = 2002


class IdentifierError(ValueError):
    """`position` is 1-based; `reason` is English, `reason_zh` Chinese."""

    def __init__(self, value: str, position: int, reason: str, reason_zh: str = "") -> None:
        self.value, self.position, self.reason, self.reason_zh = value, position, reason, reason_zh or reason
        super().__init__(self.message_en)

    @property
    def message_en(self) -> str:
        return f"position {self.position}: {self.reason}"

    @property
    def message_zh(self) -> str:
        return f"第{self.position}位：{self.reason_zh}"

    def message(self, lang: str = "en") -> str:
        return self.message_zh if lang.startswith("zh") else self.message_en

    def localized(self) -> str:
        """The message in the active Django language: Chinese for zh-*, English otherwise
        (also when translation is turned off)."""
        from django.utils.translation import get_language

        return self.message(get_language() or "en")


def _fail(value: str, position: int, en: str, zh: str) -> IdentifierError:
    return IdentifierError(value, position, en, zh)


def _check_length(value: str, length: int) -> None:
    if len(value) < length:
        raise _fail(value, len(value) + 1, f"too short: {len(value)} characters, {length} expected",
                    f"长度不足：共{len(value)}位，应为{length}位")
    if len(value) > length:
        raise _fail(value, length + 1, f"too long: {len(value)} characters, {length} expected",
                    f"长度超出：共{len(value)}位，应为{length}位")


def _check_digits(value: str, start: int = 1) -> None:
    for i, ch in enumerate(value, start):
        if not ("0" <= ch <= "9"):
            raise _fail(value, i, f"'{ch}' is not a digit", f"“{ch}”不是数字")


# --- unified social credit code ---------------------------------------------------------------

@dataclass(frozen=True)
class USCC:
    code: str
    department: str
    category: str
    region: str
    organization_code: str
    check: str

    @property
    def department_name(self) -> str:
        return DEPARTMENTS[self.department][0]

    @property
    def category_name(self) -> str:
        return DEPARTMENTS[self.department][2][self.category]


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organization code body."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check(first17: str) -> str:
    """GB 32100 mod-31 check character of the first 17 characters."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def _uscc_characters(value: str) -> None:
    for i, ch in enumerate(value, 1):
        if ch in USCC_CHARSET:
            continue
        if ch.upper() in USCC_CHARSET:
            raise _fail(value, i, f"'{ch}' is lower case; use capital letters", f"“{ch}”为小写字母，应使用大写字母")
        if ch.upper() in "IOZSV":
            raise _fail(value, i, f"'{ch}' is never used (no I, O, Z, S or V)",
                        f"“{ch}”不得使用（不使用I、O、Z、S、V）")
        raise _fail(value, i, f"'{ch}' is not a digit or capital letter", f"“{ch}”不是数字或大写英文字母")


def _uscc_region(value: str, region_exists: Callable[[str], bool] | None) -> None:
    region = value[2:8]
    for i, ch in enumerate(region, 3):
        if not ch.isdigit():
            raise _fail(value, i, f"'{ch}' is not a digit; positions 3-8 are a region code",
                        f"“{ch}”不是数字；第3-8位为行政区划码")
    national = region == "100000"
    if region[:2] not in PROVINCES and not national:
        raise _fail(value, 3, f"'{region[:2]}' is not a province code of GB/T 2260",
                    f"“{region[:2]}”不是GB/T 2260的省级代码")
    if not national and region_exists is not None and not region_exists(region):
        raise _fail(value, 3, f"region {region} is not in GB/T 2260", f"行政区划码{region}不在GB/T 2260中")


def validate_uscc(value: str, *, region_exists: Callable[[str], bool] | None = None) -> USCC:
    """Check a unified social credit code; `region_exists(code)` optionally checks positions 3-8
    against GB/T 2260 (e.g. `certinel.reference.selectors.region_exists`)."""
    value = value.strip()
    if not value:
        raise _fail(value, 1, "empty value", "内容为空")
    _uscc_characters(value)
    _check_length(value, 18)
    department = DEPARTMENTS.get(value[0])
    if department is None:
        raise _fail(value, 1, f"registration department code '{value[0]}' does not exist (1-9, A, N, Y)",
                    f"登记管理部门代码“{value[0]}”不存在（应为1-9、A、N、Y）")
    if value[1] not in department[2]:
        allowed = ", ".join(department[2])
        raise _fail(value, 2, f"category code '{value[1]}' is not used by department '{value[0]}' "
                    f"({department[1]}: {allowed})",
                    f"机构类别代码“{value[1]}”不属于登记管理部门“{value[0]}”（{department[0]}：{allowed}）")
    _uscc_region(value, region_exists)
    expected_org = org_code_check(value[8:16])
    if value[16] != expected_org:
        raise _fail(value, 17, f"organization code check character should be {expected_org}, is {value[16]}",
                    f"组织机构代码校验码应为{expected_org}，实为{value[16]}")
    expected = uscc_check(value[:17])
    if value[17] != expected:
        raise _fail(value, 18, f"check character should be {expected}, is {value[17]}",
                    f"校验码应为{expected}，实为{value[17]}")
    return USCC(value, value[0], value[1], value[2:8], value[8:17], value[17])


# --- CB approval numbers ----------------------------------------------------------------------

@dataclass(frozen=True)
class CBApproval:
    code: str
    foreign_invested: bool
    year: int
    serial: int


def _expect(value: str, position: int, expected: str) -> None:
    ch = value[position - 1] if position <= len(value) else ""
    if ch == expected:
        return
    if not ch:
        raise _fail(value, position, f"too short: '{expected}' expected here", f"长度不足：此处应为“{expected}”")
    if ch.upper() == expected:
        raise _fail(value, position, f"'{ch}' is lower case; use '{expected}'", f"“{ch}”为小写，应为“{expected}”")
    raise _fail(value, position, f"'{expected}' expected, found '{ch}'", f"此处应为“{expected}”，实为“{ch}”")


def validate_cb_approval(value: str, *, today: dt.date | None = None) -> CBApproval:
    """CNCA-R-YYYY-NNN (domestic bodies) or CNCA-RF-YYYY-NN (foreign-invested bodies)."""
    value = value.strip()
    for i, ch in enumerate("CNCA-R", 1):
        _expect(value, i, ch)
    foreign = value[6:7] in ("F", "f")
    if foreign:
        _expect(value, 7, "F")
    pos = 8 if foreign else 7
    _expect(value, pos, "-")
    year_text = value[pos:pos + 4]
    _check_digits(year_text, pos + 1)
    if len(year_text) < 4:
        raise _fail(value, pos + 1 + len(year_text), "too short: a 4-digit year is expected", "长度不足：应为4位年份")
    year = int(year_text)
    this_year = (today or dt.date.today()).year
    if not CB_FIRST_YEAR <= year <= this_year:
        raise _fail(value, pos + 1, f"year {year} is outside {CB_FIRST_YEAR}-{this_year}",
                    f"年份{year}不在{CB_FIRST_YEAR}-{this_year}之间")
    _expect(value, pos + 5, "-")
    serial_text = value[pos + 5:]
    digits = 2 if foreign else 3
    _check_digits(serial_text, pos + 6)
    if len(serial_text) != digits:
        where = pos + 6 + min(len(serial_text), digits)
        raise _fail(value, where, f"the serial number has {digits} digits, found {len(serial_text)}",
                    f"流水号应为{digits}位，实为{len(serial_text)}位")
    if int(serial_text) == 0:
        raise _fail(value, pos + 6, "the serial number starts at 1", "流水号从1开始")
    return CBApproval(value, foreign, year, int(serial_text))


# --- CMA certificate numbers ------------------------------------------------------------------

@dataclass(frozen=True)
class CMANumber:
    code: str
    year: int
    authority: str
    field: str
    industry_department: str
    serial: int

    @property
    def authority_name(self) -> str:
        return CMA_AUTHORITIES[int(self.authority)]


def validate_cma(value: str, *, today: dt.date | None = None) -> CMANumber:
    """YY (year of issue) AA (issuing authority: 00 CNCA, 01-31 provinces) FF (professional field
    00-21) DD (industry authority 00-34) NNNN (serial from 0001)."""
    value = value.strip()
    if not value:
        raise _fail(value, 1, "empty value", "内容为空")
    _check_digits(value)
    _check_length(value, 12)
    this_year = (today or dt.date.today()).year
    year = 2000 + int(value[:2])
    if year > this_year:
        raise _fail(value, 1, f"year of issue {year} is in the future", f"发证年份{year}晚于当前年份")
    if int(value[2:4]) >= len(CMA_AUTHORITIES):
        raise _fail(value, 3, f"issuing authority code {value[2:4]} does not exist (00-{len(CMA_AUTHORITIES) - 1})",
                    f"发证机关代码{value[2:4]}不存在（应为00-{len(CMA_AUTHORITIES) - 1}）")
    if int(value[4:6]) >= CMA_FIELDS:
        raise _fail(value, 5, f"professional field code {value[4:6]} does not exist (00-{CMA_FIELDS - 1})",
                    f"专业领域类别代码{value[4:6]}不存在（应为00-{CMA_FIELDS - 1}）")
    if int(value[6:8]) >= CMA_INDUSTRY_DEPARTMENTS:
        raise _fail(value, 7, f"industry authority code {value[6:8]} does not exist "
                    f"(00-{CMA_INDUSTRY_DEPARTMENTS - 1})",
                    f"行业主管部门代码{value[6:8]}不存在（应为00-{CMA_INDUSTRY_DEPARTMENTS - 1}）")
    if value[8:] == "0000":
        raise _fail(value, 9, "the serial number starts at 0001", "发证流水号从0001开始")
    return CMANumber(value, year, value[2:4], value[4:6], value[6:8], int(value[8:]))


# --- CCC certificate numbers ------------------------------------------------------------------

@dataclass(frozen=True)
class CCCNumber:
    code: str
    year: int
    body: str
    product_code: str
    serial: int


def validate_ccc_number(value: str, *, today: dt.date | None = None,
                        product_exists: Callable[[str], bool] | None = None) -> CCCNumber:
    """YYYY (year of issue) BB (designated CB code) PPPP (catalogue product code) SSSSSS (serial);
    `product_exists(code)` optionally checks the product code against the CCC catalogue."""
    value = value.strip()
    if not value:
        raise _fail(value, 1, "empty value", "内容为空")
    _check_digits(value)
    _check_length(value, 16)
    this_year = (today or dt.date.today()).year
    year = int(value[:4])
    if not CCC_FIRST_YEAR <= year <= this_year:
        raise _fail(value, 1, f"year {year} is outside {CCC_FIRST_YEAR}-{this_year}",
                    f"年份{year}不在{CCC_FIRST_YEAR}-{this_year}之间")
    if value[4:6] == "00":
        raise _fail(value, 5, "certification body code 00 does not exist", "认证机构代码00不存在")
    product = value[6:10]
    if product[:2] == "00" or product[2:] == "00":
        raise _fail(value, 7 if product[:2] == "00" else 9, f"{product} is not a catalogue product code",
                    f"{product}不是目录产品代码")
    if product_exists is not None and not product_exists(product):
        raise _fail(value, 7, f"product code {product} is not in the CCC catalogue", f"产品代码{product}不在CCC目录中")
    if value[10:] == "000000":
        raise _fail(value, 11, "the serial number starts at 000001", "流水号从000001开始")
    return CCCNumber(value, year, value[4:6], product, int(value[10:]))


VALIDATORS: dict[str, Callable[..., object]] = {
    "uscc": validate_uscc, "cma": validate_cma, "cb-approval": validate_cb_approval,
    "ccc-number": validate_ccc_number,
}
CB_APPROVAL_PATTERN = re.compile(r"^CNCA-R(?:-\d{4}-\d{3}|F-\d{4}-\d{2})$")
