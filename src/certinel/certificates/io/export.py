"""Export of the public fields of certificates: CSV (UTF-8 with a byte-order mark, so that
Excel opens it), XLSX (openpyxl write-only), JSON lines and Parquet (pyarrow).

Rows are read from the database in chunks and written as they come, so memory stays bounded
however many certificates a province has. The status is the status on read
(`lifecycle.effective_status`): a certificate past its expiry is exported as expired even if
the scheduled job has not run yet, and the status filter uses the same rule in SQL.

Spreadsheet formats escape text that a spreadsheet would run as a formula (safety.py).
Callers: `certinel export` (`ExportFilters`), and the portal's and the API's downloads of a
certificate search (`search_queryset`, `check_format`, `export_response`): every format from
every door, with the exact number of certificates the file holds counted before it is written
(`X-Total-Count`), where the search's own pages stop counting at 10,000."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

from certinel.certificates.choices import CertificateStatus
from certinel.certificates.filters import CertificateFilters
from certinel.certificates.lifecycle import effective_status
from certinel.certificates.models import Certificate
from certinel.core.dates import add_months
from certinel.core.regions import within_region

from .safety import spreadsheet_safe

FORMATS = ("csv", "xlsx", "jsonl", "parquet")
FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel (XLSX)", "jsonl": "JSON Lines", "parquet": "Parquet"}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "parquet": "application/vnd.apache.parquet"}
CHUNK = 2000
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header

# The public fields, in order: key (JSON lines, Parquet, English headers), Chinese header, type.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("number", "证书编号", "str"),
    ("scheme", "认证制度", "str"),
    ("scheme_name", "认证制度名称", "str"),
    ("standards", "认证依据", "str"),
    ("holder_name", "获证组织名称", "str"),
    ("holder_uscc", "统一社会信用代码", "str"),
    ("body_name", "发证机构", "str"),
    ("body_approval_no", "发证机构批准号", "str"),
    ("scope_text", "认证范围", "str"),
    ("scope_codes", "范围代码", "list"),
    ("first_issued_on", "初次发证日期", "date"),
    ("issued_on", "发证日期", "date"),
    ("expires_on", "有效期至", "date"),
    ("status", "证书状态", "str"),
    ("status_label", "证书状态名称", "str"),
    ("status_changed_on", "状态变更日期", "date"),
    ("suspended_until", "暂停截止日期", "date"),
    ("region_code", "区划代码", "str"),
    ("region_name", "所在地区", "str"),
)
KEYS = tuple(k for k, _zh, _t in FIELDS)


class ExportError(ValueError):
    pass


class UnknownFormat(ExportError):
    def __init__(self, fmt: str) -> None:
        self.format = fmt
        super().__init__(f"Unknown format {fmt[:40]!r}: the format is one of {', '.join(FORMATS)}.")


class TooManyForXlsx(ExportError):
    def __init__(self, total: int) -> None:
        self.total = total
        super().__init__(f"{total:,} certificates are more than an XLSX sheet holds ({XLSX_MAX_ROWS:,} rows): "
                         "narrow the filters, or export as CSV, JSON lines or Parquet.")


def check_format(fmt: str) -> str:
    """`fmt` when it is one of FORMATS; UnknownFormat otherwise (never a silent default)."""
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    return fmt


@dataclass
class ExportFilters:
    region: str = ""   # a region code prefix: 32 (province), 3201 (city), 320102 (county)
    scheme: str = ""   # scheme code
    status: str = ""   # effective status
    body: str = ""     # approval number of the issuing body

    def validate(self) -> None:
        if self.region and not (self.region.isdigit() and len(self.region) in (2, 4, 6)):
            raise ExportError("region is a 2-, 4- or 6-digit administrative division code (e.g. 32, 3201).")
        if self.status and self.status not in CertificateStatus.values:
            raise ExportError(f"status is one of {', '.join(CertificateStatus.values)}.")


def _missed_surveillance(on: dt.date) -> Q:
    """Valid certificates whose surveillance is overdue beyond their scheme's grace."""
    from certinel.reference.models import Scheme

    missed = Q(pk__in=[])
    for scheme_id, grace in Scheme.objects.values_list("pk", "surveillance_grace_days"):
        missed |= Q(scheme_id=scheme_id, next_surveillance_due__lt=on - dt.timedelta(days=grace))
    return missed


def effective_status_q(status: str, on: dt.date) -> Q:
    """The certificates whose status on `on` (as `effective_status` computes it) is `status`."""
    live = Q(status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED])
    missed = Q(status=CertificateStatus.VALID, expires_on__gte=on) & _missed_surveillance(on)
    if status == CertificateStatus.EXPIRED:
        return Q(status=CertificateStatus.EXPIRED) | (live & Q(expires_on__lt=on))
    if status == CertificateStatus.SUSPENDED:
        return Q(status=CertificateStatus.SUSPENDED, expires_on__gte=on) | missed
    if status == CertificateStatus.VALID:
        return Q(status=CertificateStatus.VALID, expires_on__gte=on) & ~_missed_surveillance(on)
    return Q(status=status)


def export_queryset(filters: ExportFilters, *, on: dt.date | None = None,
                    base: QuerySet[Certificate] | None = None) -> QuerySet[Certificate]:
    filters.validate()
    on = on or timezone.localdate()
    qs = base if base is not None else Certificate.objects.all()
    if filters.region:
        qs = qs.filter(within_region(filters.region))
    if filters.scheme:
        qs = qs.filter(scheme__code__iexact=filters.scheme.strip())
    if filters.body:
        qs = qs.filter(body__approval_no=filters.body.strip())
    if filters.status:
        qs = qs.filter(effective_status_q(filters.status, on))
    return qs


def search_queryset(filters: CertificateFilters, *, on: dt.date | None = None) -> QuerySet[Certificate]:
    """Every certificate a search's filters match: what a download of that search holds
    (`search_download`)."""
    return search_download(filters, on=on)[0]


def search_download(filters: CertificateFilters, *, on: dt.date | None = None
                    ) -> tuple[QuerySet[Certificate], bool]:
    """Every certificate a search's filters match (the portal's and the API's search, whose
    pages stop at the first 10,000), and whether a holder name matched more organizations
    than a download takes: it then holds the certificates of the `selectors.NAME_ORG_CAP`
    best matching ones, as the search ranks them. `page` and `page_size` do not matter. The
    queryset's count is exact and, shaped as the search's own conditions are (codes and dates
    as index ranges), fast enough for a province's register."""
    from certinel.certificates import selectors
    from certinel.reference.models import Scheme
    from certinel.registry.models import Organization
    from certinel.registry.search import organization_ids_matching

    on = on or timezone.localdate()
    qs = Certificate.objects.all()
    if filters.number:
        qs = qs.filter(number__in=selectors.number_variants(filters.number))
    if filters.body:
        body = selectors.body_for(filters.body)
        if body is None:
            return qs.none(), False
        qs = qs.filter(body_id=body.pk)
    if filters.scheme:
        scheme_id = Scheme.objects.filter(code__iexact=filters.scheme).values_list("pk", flat=True).first()
        if scheme_id is None:
            return qs.none(), False
        qs = qs.filter(scheme_id=scheme_id)
    if filters.region:
        qs = qs.filter(within_region(filters.region))
    for name, lookup in (("issued_from", "issued_on__gte"), ("issued_to", "issued_on__lte"),
                         ("expires_from", "expires_on__gte"), ("expires_to", "expires_on__lte")):
        if getattr(filters, name):
            qs = qs.filter(**{lookup: getattr(filters, name)})
    capped = False
    if filters.holder_code:
        qs = qs.filter(holder_uscc=filters.holder_code)
    elif filters.holder_code_prefix:
        prefix = filters.holder_code_prefix
        qs = qs.filter(holder_uscc__gte=prefix, holder_uscc__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))
    elif filters.q:
        orgs = Organization.objects.all()
        if filters.region:
            orgs = orgs.filter(within_region(filters.region))
        found = organization_ids_matching(filters.q, orgs, offset=0, limit=selectors.NAME_ORG_CAP)
        qs = qs.filter(holder_id__in=found.ids)
        capped = len(found.ids) >= selectors.NAME_ORG_CAP and (
            found.total > len(found.ids) or found.total_is_lower_bound)
    if filters.status:
        qs = qs.filter(selectors.effective_status_q(filters.status, on))
    return qs, capped


def export_count(queryset: QuerySet[Certificate]) -> int:
    """How many certificates an export of `queryset` writes: exactly."""
    return queryset.order_by().count()


def _region_names(on: dt.date) -> dict[str, str]:
    from certinel.reference.models import Region

    return dict(Region.objects.current(on).values_list("code", "name"))


def _status_fields(cert: Certificate, on: dt.date) -> tuple[str, dt.date | None, dt.date | None]:
    """Status, status date and suspension end as of `on`: what the scheduled job would write."""
    scheme = cert.scheme
    status, why = effective_status(cert, scheme, on)
    if why == "expired":
        return status, min(cert.expires_on + dt.timedelta(days=1), on), None
    if why == "surveillance_missed" and cert.next_surveillance_due is not None:
        day = min(cert.next_surveillance_due + dt.timedelta(days=scheme.surveillance_grace_days + 1), on)
        return status, day, add_months(day, scheme.max_suspension_months)
    return status, cert.status_changed_on, cert.suspended_until


def export_rows(queryset: QuerySet[Certificate], *, on: dt.date | None = None,
                chunk_size: int = CHUNK) -> Iterator[dict[str, Any]]:
    """The public fields of each certificate, one dict per certificate, read in chunks."""
    on = on or timezone.localdate()
    regions = _region_names(on)
    labels = {s.value: str(s.label) for s in CertificateStatus}
    qs = queryset.select_related("scheme", "body").order_by("pk")
    for cert in qs.iterator(chunk_size=chunk_size):
        status, changed_on, until = _status_fields(cert, on)
        yield {
            "number": cert.number, "scheme": cert.scheme.code, "scheme_name": cert.scheme.name,
            "standards": cert.standards, "holder_name": cert.holder_name, "holder_uscc": cert.holder_uscc,
            "body_name": cert.body.name, "body_approval_no": cert.body.approval_no, "scope_text": cert.scope_text,
            "scope_codes": [str(c) for c in cert.scope_codes or []], "first_issued_on": cert.first_issued_on,
            "issued_on": cert.issued_on, "expires_on": cert.expires_on, "status": status,
            "status_label": labels.get(status, status), "status_changed_on": changed_on, "suspended_until": until,
            "region_code": cert.region_code, "region_name": regions.get(cert.region_code, ""),
        }


# --- writers --------------------------------------------------------------------------------


def _headers(language: str) -> list[str]:
    return [zh if language == "zh" else key for key, zh, _t in FIELDS]


def _flat(row: dict[str, Any]) -> list[Any]:
    """A row for a spreadsheet: lists joined with ;, text escaped."""
    out = []
    for key in KEYS:
        value = row[key]
        if isinstance(value, list):
            value = ";".join(value)
        out.append(spreadsheet_safe(value))
    return out


def csv_chunks(rows: Iterable[dict[str, Any]], *, headers: str = "zh", batch: int = 500) -> Iterator[bytes]:
    """CSV as UTF-8 with a byte-order mark, in pieces of `batch` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers(headers))
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    it = iter(rows)
    while piece := list(islice(it, batch)):
        buffer.seek(0)
        buffer.truncate()
        for row in piece:
            writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v
                             for v in _flat(row)])
        yield buffer.getvalue().encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def jsonl_chunks(rows: Iterable[dict[str, Any]], *, batch: int = 500) -> Iterator[bytes]:
    it = iter(rows)
    while piece := list(islice(it, batch)):
        yield "".join(json.dumps(r, ensure_ascii=False, default=_json_default) + "\n" for r in piece).encode("utf-8")


def write_xlsx(rows: Iterable[dict[str, Any]], out: str | Path | IO[bytes], *, headers: str = "zh") -> int:
    """Dates become Excel dates (shown yyyy-mm-dd); text is escaped (`_flat`), so openpyxl
    never takes it for a formula; control characters, which the format forbids, are dropped."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("证书" if headers == "zh" else "certificates")
    sheet.append(_headers(headers))
    count = 0
    for row in rows:
        count += 1
        if count > XLSX_MAX_ROWS:
            raise ExportError(f"An XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; export as CSV or Parquet.")
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in _flat(row)])
    book.save(out)
    return count


def parquet_schema() -> Any:
    import pyarrow as pa

    types = {"str": pa.string(), "date": pa.date32(), "list": pa.list_(pa.string())}
    return pa.schema([(key, types[kind]) for key, _zh, kind in FIELDS])


def write_parquet(rows: Iterable[dict[str, Any]], out: str | Path | IO[bytes], *, batch: int = 10000) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    it = iter(rows)
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        while piece := list(islice(it, batch)):
            writer.write_table(pa.Table.from_pylist(piece, schema=schema))
            count += len(piece)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


def _counting(rows: Iterable[dict[str, Any]], counter: list[int],
              progress: Callable[[int], None] | None) -> Iterator[dict[str, Any]]:
    for row in rows:
        counter[0] += 1
        if progress is not None and counter[0] % 1000 == 0:
            progress(counter[0])
        yield row


def write_export(rows: Iterable[dict[str, Any]], fmt: str, out: IO[bytes], *, headers: str = "zh",
                 progress: Callable[[int], None] | None = None) -> int:
    """Write rows in `fmt` to a binary file; returns how many."""
    check_format(fmt)
    counter = [0]
    counted = _counting(rows, counter, progress)
    if fmt == "csv":
        for piece in csv_chunks(counted, headers=headers):
            out.write(piece)
    elif fmt == "jsonl":
        for piece in jsonl_chunks(counted):
            out.write(piece)
    elif fmt == "xlsx":
        write_xlsx(counted, out, headers=headers)
    else:
        write_parquet(counted, out)
    if progress is not None:
        progress(counter[0])
    return counter[0]


def export_response(queryset: QuerySet[Certificate], fmt: str, *, filename: str = "certificates",
                    headers: str = "zh", on: dt.date | None = None, total: int | None = None) -> HttpResponseBase:
    """An HTTP download of the export: streamed for CSV and JSON lines; XLSX and Parquet are
    written to a temporary file first (their formats need the whole file) and then streamed.
    `total`, the exact count when the caller has it, is sent as `X-Total-Count`; an XLSX of
    more rows than a sheet holds is refused (TooManyForXlsx) before anything is written."""
    check_format(fmt)
    if fmt == "xlsx":
        total = export_count(queryset) if total is None else total
        if total > XLSX_MAX_ROWS:
            raise TooManyForXlsx(total)
    name = f"{filename}.{fmt}"
    rows = export_rows(queryset, on=on)
    if fmt in ("csv", "jsonl"):
        chunks = csv_chunks(rows, headers=headers) if fmt == "csv" else jsonl_chunks(rows)
        response: StreamingHttpResponse = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so removes) it
        write_export(rows, fmt, spool, headers=headers)
        spool.seek(0)
        response = FileResponse(spool, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
    response["X-Content-Type-Options"] = "nosniff"
    if total is not None:
        response["X-Total-Count"] = str(total)
    return response


__all__ = ["CONTENT_TYPES", "FIELDS", "FORMATS", "FORMAT_NAMES", "ExportError", "ExportFilters", "TooManyForXlsx",
           "UnknownFormat", "check_format", "effective_status_q", "export_count", "export_queryset",
           "export_response", "export_rows", "search_download", "search_queryset", "write_export"]
