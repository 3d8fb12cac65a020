"""The report's files, rendered only from its JSON document (so they can be rebuilt byte for
byte): an A4 PDF (fpdf2, with Noto Sans SC from npm, else the Chinese font the e-certificate
printout loads: `report_font`) and an Excel workbook (openpyxl: a cover sheet, then one sheet per
part, the figures as numbers). Neither file carries its own log index: the history record that
fixes the files' digests is written after them (`certinel assessment verify` and the
verification page answer it)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

FAMILY = {"ccc": "强制性产品认证", "product": "自愿性产品认证", "management": "管理体系认证", "service": "服务认证"}
FLOW = (("new", "新发"), ("suspended", "暂停"), ("withdrawn", "撤销或注销"), ("expired", "过期"))
STOCK = (("valid", "有效"), ("suspended", "暂停"), ("withdrawn", "撤销或注销"), ("expired", "过期"))
LEVEL = {"national": "国家监督抽查", "provincial": "省级监督抽查"}
OUTCOME = {"conforming": "未发现问题", "nonconforming": "发现问题", "not_inspected": "无法检查", "": "未填写"}


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _generated(document: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(document["generated_at"])


def title(document: dict[str, Any]) -> str:
    region = document["region"]
    period = document["period"]["code"]
    kind = "季度" if "Q" in period else "年度"
    when = f"{period[:4]}年第{period[5]}季度" if "Q" in period else f"{period}年"
    return f"{region['name'] or region['code']}{when}认证认可{kind}考核报告"


def _cover_rows(document: dict[str, Any], content_sha256: str) -> list[tuple[str, Any]]:
    region, period = document["region"], document["period"]
    return [
        ("地区 Region", f"{region['name']} {region['code']}".strip()),
        ("报告期 Period", f"{period['code']}（{period['start']} 至 {period['end']}）"),
        ("数据截至 As of", document["as_of"]),
        ("版本 Version", document["version"]),
        ("生成时间 Generated at", document["generated_at"]),
        ("报告 SHA-256 Report digest", content_sha256),
        ("数据 SHA-256 Figures digest", document["figures_sha256"]),
        ("日志序号 Log index", "见核验页面（certinel assessment verify）"),
    ]


def _target_rows(document: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for t in document["targets"]:
        rows.append([t["id"], t["title"], t["target"], t["actual"], t["percent"], t["forecast"], t["due"],
                     _text(t["met"]) if t["met"] is not None else "—",
                     "；".join(t["responsible"]["lead"]), "；".join(t["responsible"]["co_operating"]),
                     f"{t['source']} {t['clause']}"])
    return rows


def _report_rows(document: dict[str, Any]) -> list[list[Any]]:
    return [[t["id"], r["unit"], r["as_of"], r["figure"], r["narrative"], r["attachment_sha256"]]
            for t in document["targets"] for r in t["unit_reports"]]


TARGET_HEAD = ["目标编号", "目标", "目标值", "实际值", "完成率（%）", "预测", "期限", "是否完成", "牵头单位",
               "配合单位", "依据"]
REPORT_HEAD = ["目标编号", "责任单位", "报告日期", "报告数值", "进展情况", "附件 SHA-256"]
SAMPLING_HEAD = ["抽查级别", "期次", "批次", "合格批次", "合格率（%）", "目标（%）", "是否达标", "目标依据"]


def _sampling_rows(document: dict[str, Any]) -> list[list[Any]]:
    return [[LEVEL.get(s["level"], s["level"]), "、".join(s["periods"]) or "—", s["batches"], s["passed"],
             s["rate"], s["target"], _text(s["meets_target"]) if s["meets_target"] is not None else "—",
             s["target_source"]] for s in document["supervision"]["sampling"]]


def _stat_rows(document: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    head = ["制度类别", *(f"期末{name}" for _k, name in STOCK), *(f"期内{name}" for _k, name in FLOW)]
    stats = document["statistics"]
    rows = [[FAMILY.get(r["family"], r["family"]), *(r[k] for k, _n in STOCK),
             *(r[f"{k}_in_period"] for k, _n in FLOW)] for r in stats["by_family"]]
    rows.append(["合计", *(stats["at_end"][k] for k, _n in STOCK), *(stats["in_period"][k] for k, _n in FLOW)])
    return head, rows


# --- PDF ----------------------------------------------------------------------------------------

def report_font() -> tuple[str, int]:
    """The setting `CERTINEL_PDF_CJK_FONT` when set, else Noto Sans SC from npm (a sans face
    suits tables, and its single font file subsets several times faster than a collection's),
    else the e-certificate printout's choice (`credentials.pdf.cjk_font`)."""
    from django.conf import settings

    from certinel.credentials.pdf import cjk_font

    if not getattr(settings, "CERTINEL_PDF_CJK_FONT", ""):
        npm_font = (Path(settings.NODE_MODULES) / "@expo-google-fonts/noto-sans-sc/400Regular"
                    / "NotoSansSC_400Regular.ttf")
        if npm_font.is_file():
            return str(npm_font), 0
    return cjk_font()


def render_pdf(document: dict[str, Any], content_sha256: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path, index = report_font()
    pdf = FPDF(format="A4", orientation="L", unit="mm")
    pdf.set_creation_date(_generated(document))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("cjk", "", path, collection_font_number=index)
    pdf.set_title(title(document))
    pdf.set_subject(content_sha256)
    pdf.set_creator("Certinel")
    pdf.add_page()

    def heading(text: str, size: float = 13) -> None:
        pdf.set_font("cjk", "", size)
        pdf.multi_cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)

    def table(head: list[str], rows: list[list[Any]], widths: list[float] | None = None) -> None:
        pdf.set_font("cjk", "", 7.5)
        with pdf.table(col_widths=widths, line_height=4.2, text_align="LEFT", first_row_as_headings=True,
                       headings_style=FontFace(emphasis=None, fill_color=(230, 234, 240))) as tab:
            for values in [head, *rows]:
                row = tab.row()
                for value in values:
                    row.cell(_text(value))
        pdf.ln(3)

    heading(title(document), 16)
    table(["项目", "内容"], [list(r) for r in _cover_rows(document, content_sha256)], [60, 200])
    heading("一、认证统计 Statistics")
    head, rows = _stat_rows(document)
    table(head, rows)
    heading("二、目标进展与责任单位 Targets and responsible units")
    table(TARGET_HEAD, _target_rows(document) or [["—"] * len(TARGET_HEAD)],
          [24, 40, 16, 16, 16, 16, 18, 14, 30, 40, 43])
    heading("三、责任单位进展报告 Units' progress reports")
    table(REPORT_HEAD, _report_rows(document) or [["—"] * len(REPORT_HEAD)], [28, 36, 20, 18, 100, 71])
    heading("四、监督检查与监督抽查 Supervision")
    insp = document["supervision"]["inspections"]
    table(["检查结果", "数量"], [[OUTCOME.get(k, k), v] for k, v in insp["by_outcome"].items()]
          + [["本期公示合计", insp["published"]], ["逾期公示", insp["published_late"]]], [80, 40])
    table(SAMPLING_HEAD, _sampling_rows(document), [30, 40, 20, 20, 22, 20, 20, 101])
    pdf.set_font("cjk", "", 7)
    pdf.multi_cell(0, 4, f"报告 SHA-256：{content_sha256}。"
                   "持有本文件者可在核验页面上传文件核对其是否由本登记系统签发并记入日志。",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- Excel --------------------------------------------------------------------------------------

def render_xlsx(document: dict[str, Any], content_sha256: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    generated = _generated(document).astimezone(dt.UTC).replace(tzinfo=None)
    wb = Workbook()
    wb.properties.created = generated
    wb.properties.creator = "Certinel"
    wb.properties.title = title(document)

    def sheet(name: str, head: list[str], rows: list[list[Any]], *, first: bool = False) -> None:
        ws = wb.active if first else wb.create_sheet()
        ws.title = name
        ws.append(head)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_cell(v) for v in row])

    sheet("封面", ["项目", "内容"], [list(r) for r in _cover_rows(document, content_sha256)], first=True)
    head, rows = _stat_rows(document)
    sheet("认证统计", head, rows)
    sheet("目标进展", TARGET_HEAD, _target_rows(document))
    sheet("进展报告", REPORT_HEAD, _report_rows(document))
    insp = document["supervision"]["inspections"]
    sheet("监督检查", ["检查结果", "数量"], [[OUTCOME.get(k, k), v] for k, v in insp["by_outcome"].items()]
          + [["本期公示合计", insp["published"]], ["逾期公示", insp["published_late"]]])
    sheet("监督抽查", SAMPLING_HEAD, _sampling_rows(document))
    raw = io.BytesIO()
    wb.save(raw)
    return _fixed_zip(raw.getvalue(), generated)


def _cell(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would read as a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same archive with every member dated `when` (openpyxl dates them now), so the
    workbook depends on the document only."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl writes the time of saving there
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + when.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            dst.writestr(member, data)
    return out.getvalue()
