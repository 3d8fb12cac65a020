"""Test reports from a CSV file (UTF-8, with or without BOM, or GB18030), one report a row:

  number, issued_on, sample_received_on, client_name, object, parameters, signatory,
  pdf_sha256, sample_no, results_sha256, status, status_reason, status_date, correction

`parameters` lists "parameter|standard" pairs separated by ";" (铅含量|GB 5009.12-2017;
镉含量|GB 5009.15-2014). Dates are YYYY-MM-DD. `status` is valid (default) or withdrawn;
`correction` is yes/true/1 for a deliberate correction. `sample_no` is the lab's sample number and
`results_sha256` the SHA-256 of the results as the lab computed it. The last eight columns may
be left out.
Rows are numbered as in a spreadsheet: the header is row 1."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from certinel.core.errors import ErrorList, FieldError

from .data import ReportData

REQUIRED = ("number", "issued_on", "sample_received_on", "client_name", "object", "parameters", "signatory")
OPTIONAL = ("pdf_sha256", "sample_no", "results_sha256", "status", "status_reason", "status_date", "correction")
TRUE = {"yes", "true", "1", "是"}
FALSE = {"", "no", "false", "0", "否"}


class FileRejected(Exception):
    """The file as a whole cannot be read (encoding, header)."""


@dataclass
class ParsedFile:
    items: list[ReportData]
    errors: list[FieldError]


def decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected(_("The file is neither UTF-8 nor GB18030 text."))


def _date(errors: ErrorList, name: str, value: str, row: int, *, required: bool) -> dt.date | None:
    value = value.strip()
    if not value:
        if required:
            errors.add(name, _("A date is required (YYYY-MM-DD)."), "required", row)
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.add(name, _("'%(value)s' is not a date like 2026-03-15.") % {"value": value}, "invalid_date", row)
        return None


def _parameters(errors: ErrorList, value: str, row: int) -> list[dict[str, str]]:
    out = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        parameter, sep, standard = part.partition("|")
        if not sep or not parameter.strip() or not standard.strip():
            errors.add("parameters", _("'%(value)s' is not \"parameter|standard\".") % {"value": part},
                       "invalid_parameter", row)
            continue
        out.append({"parameter": parameter.strip(), "standard": standard.strip()})
    return out


def parse(content: bytes) -> ParsedFile:
    """Every row as a ReportData, and every error of form found (row, field, reason)."""
    text = decode(content)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FileRejected(_("The header lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise FileRejected(_("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)})
    reader.fieldnames = header
    errors = ErrorList()
    items: list[ReportData] = []
    for row, values in enumerate(reader, start=2):
        if None in values:
            errors.add("row", _("The row has more cells than the header."), "extra_cells", row)
            continue
        cells = {k: (v or "").strip() for k, v in values.items()}
        if not any(cells.values()):
            continue
        before = len(errors.errors)
        issued = _date(errors, "issued_on", cells["issued_on"], row, required=True)
        received = _date(errors, "sample_received_on", cells["sample_received_on"], row, required=True)
        status_date = _date(errors, "status_date", cells.get("status_date", ""), row, required=False)
        parameters = _parameters(errors, cells["parameters"], row)
        correction = cells.get("correction", "").lower()
        if correction not in TRUE | FALSE:
            errors.add("correction", _("'%(value)s' is not yes or no.") % {"value": correction}, "invalid_choice",
                       row)
        if len(errors.errors) > before or issued is None or received is None:
            continue
        items.append(ReportData(number=cells["number"], issued_on=issued, sample_received_on=received,
                                client_name=cells["client_name"], object_name=cells["object"], parameters=parameters,
                                signatory_name=cells["signatory"], pdf_sha256=cells.get("pdf_sha256", ""),
                                sample_no=cells.get("sample_no", ""), results_sha256=cells.get("results_sha256", ""),
                                status=cells.get("status", "") or "valid",
                                status_reason=cells.get("status_reason", ""), status_date=status_date,
                                correction=correction in TRUE, row=row))
    return ParsedFile(items, errors.errors)
