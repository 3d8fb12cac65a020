"""The columns of the certificate import template: for each, the `CertificateData` field it
fills, its Chinese and English header names (and the other names people use for it), whether
it is required, how its cells are read, and an example. `docs/import-template.md` describes
the same columns for people; a test keeps the two in step."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# How a column's cells are read (see cells.py).
TEXT, CODE, DATE, INT, STATUS, CODES, PRODUCTS, SITES = (
    "text", "code", "date", "int", "status", "codes", "products", "sites")


@dataclass(frozen=True)
class Column:
    field: str            # the CertificateData attribute; also the English header
    zh: str               # the Chinese header of the template
    kind: str
    required: bool
    example: str
    meaning: str | Promise
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.zh, self.field, *self.aliases)


COLUMNS: tuple[Column, ...] = (
    Column("number", "证书编号", CODE, True, "00126Q30001R0M", _("证书上印的编号，在本机构内唯一。"),
           ("证书号", "certificate_number", "cert_no")),
    Column("scheme", "认证制度", CODE, True, "QMS", _("认证制度代码，例如 QMS、EMS、CCC、ORGANIC。"),
           ("认证项目", "认证类别", "scheme_code")),
    Column("holder_uscc", "统一社会信用代码", CODE, True, "91320102095M34E68C",
           _("获证组织的统一社会信用代码（18 位）。"), ("获证组织统一社会信用代码", "uscc")),
    Column("holder_name", "获证组织名称", TEXT, True, "南京示例精密机械有限公司", _("证书上印的获证组织名称。"),
           ("组织名称", "获证组织", "holder")),
    Column("issued_on", "发证日期", DATE, True, "2026-03-15", _("本次发证（或换证）日期。"),
           ("本次发证日期", "颁证日期", "issue_date")),
    Column("expires_on", "有效期至", DATE, True, "2029-03-14", _("证书有效期的最后一天。"),
           ("证书到期日期", "到期日期", "expiry_date")),
    Column("scope_text", "认证范围", TEXT, True, "精密机械零部件的设计和生产", _("证书上印的认证范围。"),
           ("覆盖范围", "scope")),
    Column("signed_by", "签发人", TEXT, True, "王签发", _("签发证书（或作出本次状态决定）的人。"),
           ("批准人", "signer")),
    Column("status", "证书状态", STATUS, False, "有效",
           _("有效、暂停、撤销、注销或过期（也可写 valid、suspended、revoked、cancelled、expired）；留空为有效。"),
           ("状态",)),
    Column("first_issued_on", "初次发证日期", DATE, False, "2020-03-15", _("首次发证日期；留空时同发证日期。"),
           ("首次发证日期",)),
    Column("standards", "认证依据", TEXT, False, "GB/T 19001-2016", _("认证依据的标准或规范。"),
           ("认证标准", "standard")),
    Column("scope_codes", "范围代码", CODES, False, "17;18",
           _("管理体系的 IAF 行业代码，或 CCC 的目录产品代码；多个用分号隔开。管理体系和 CCC 必填。"),
           ("专业代码", "iaf_codes")),
    Column("products", "产品及型号", PRODUCTS, False, "电动螺丝刀: ES-100, ES-200; 角磨机: AG-9",
           _("产品认证的产品及其型号：产品之间用分号隔开，产品名称与型号之间用冒号，型号之间用逗号。"),
           ("产品",)),
    Column("sites", "覆盖场所", SITES, False, "总部|南京市玄武区示例路1号|设计; 一厂|南京市江宁区示例路8号|生产",
           _("证书覆盖的场所：场所之间用分号隔开，每个场所写“名称|地址|活动”，活动可省略。"),
           ("认证场所",)),
    Column("manufacturer", "生产者（制造商）", TEXT, False, "南京示例电动工具有限公司",
           _("产品认证的生产者（制造商）。"), ("生产者", "制造商")),
    Column("factory", "生产企业", TEXT, False, "南京示例电动工具有限公司一厂", _("产品认证的生产企业（工厂）。"),
           ("生产厂",)),
    Column("factory_address", "生产企业地址", TEXT, False, "南京市江宁区示例路8号", _("生产企业的地址。"), ()),
    Column("status_date", "状态变更日期", DATE, False, "2026-10-08",
           _("最近一次状态变更（暂停、恢复、撤销、注销）的日期；留空为报送当天。"), ()),
    Column("status_reason", "状态变更原因", TEXT, False, "监督审核发现严重不符合",
           _("暂停、撤销、注销的原因（这三种状态必填）；恢复时写明整改情况。"), ("状态原因", "原因")),
    Column("suspended_until", "暂停截止日期", DATE, False, "2027-01-07", _("暂停状态的截止日期（暂停时必填）。"),
           ("暂停期限",)),
    Column("last_surveillance_on", "最近监督日期", DATE, False, "2026-09-20", _("最近一次通过监督审核（检查）的日期。"),
           ("最近一次监督审核日期",)),
    Column("holder_region", "获证组织区划代码", CODE, False, "320102",
           _("获证组织所在区县的行政区划代码（6 位）。平台尚未登记该组织时必填。"), ("区划代码",)),
    Column("holder_address", "获证组织地址", TEXT, False, "南京市玄武区示例路1号",
           _("获证组织的注册地址。平台尚未登记该组织时必填。"), ("组织地址", "注册地址")),
    Column("transferred_from_body", "转出机构批准号", CODE, False, "CNCA-R-2005-971",
           _("从其他机构转入的证书：原发证机构的批准号。"), ()),
    Column("transferred_from_number", "原证书编号", CODE, False, "00125Q20099R1M",
           _("从其他机构转入的证书：原证书编号。"), ()),
    Column("version", "版本", INT, False, "3",
           _("可选：您上次读取时该证书的版本号；平台上的版本不同时拒绝本行，防止覆盖他人的修改。"), ()),
)

BY_FIELD = {c.field: c for c in COLUMNS}
REQUIRED = tuple(c for c in COLUMNS if c.required)
# Headers starting with this are the user's own notes: ignored.
NOTE_PREFIX = "#"

# Fields of errors that are not columns of the template, and the column they belong to.
FIELD_ALIASES = {"uscc": "holder_uscc", "region_code": "holder_region", "name": "holder_name",
                 "address": "holder_address"}
OTHER_FIELDS = {"body": _("发证机构"), "request": _("文件")}


def normalise_header(text: object) -> str:
    """A header as compared: full-width forms folded (NFKC), white space and a trailing
    required-marker asterisk removed, lower case, spaces and hyphens as underscores."""
    value = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    value = value.lstrip("\ufeff").rstrip("*").strip()
    return "_".join(value.lower().replace("-", " ").split())


_LOOKUP: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in _column.names:
        _key = normalise_header(_name)
        assert _key not in _LOOKUP, f"header {_name!r} names two columns"
        _LOOKUP[_key] = _column


def column_for(header: object) -> Column | None:
    return _LOOKUP.get(normalise_header(header))


def known_headers() -> list[str]:
    return [name for c in COLUMNS for name in c.names]
