"""The upload page of journey 7: an operator of a certification body uploads a CSV or XLSX
file of the body's certificates, as a dry run (check only) or a real run (all or nothing),
then sees the summary or every bad row (row, column, reason) and downloads the report.

Only operators of a body may use it, for their own body. The upload is size-limited before it
is read (the request's declared length is checked first, CSRF after that, since checking the
token reads the upload) and its content is sniffed (readers.py). Reports are kept for
REPORT_DAYS in DATA_DIR/import-reports/<body id>/ (not under MEDIA_ROOT, which a web server
may publish), named by an unguessable token, and served only to the body's operators."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from certinel.accounts.models import Role
from certinel.accounts.permissions import can
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted
from certinel.core.models import Via
from certinel.registry.models import CertificationBody

from .io import FileRejected, import_file, write_report
from .io.columns import COLUMNS
from .io.report import write_rejection
from .io.safety import spreadsheet_safe
from .models import Certificate
from .summary import outcome_message

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
REPORT_DAYS = 7
SHOWN_ERRORS = 500
# What a multipart request adds to the file: boundaries, the other fields, the CSRF token.
MULTIPART_ALLOWANCE = 8 * 1024
TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def max_upload_bytes() -> int:
    return int(getattr(settings, "CERTINEL_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_message() -> str:
    limit = filesizeformat(max_upload_bytes())
    return _("文件超过上限 %(limit)s。请拆分后分批上传，或使用命令行导入。") % {"limit": limit}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("证书数据文件"),
                           help_text=gettext_lazy("CSV（UTF-8 或 GB18030 编码）或 Excel .xlsx，列见下方导入模板。"))
    mode = forms.ChoiceField(label=gettext_lazy("方式"), widget=forms.RadioSelect, initial="dry_run",
                             choices=[("dry_run", gettext_lazy("试运行：检查每一行，不写入")),
                                      ("write", gettext_lazy("正式导入：全部通过才写入，有错则全部不写入"))])
    sheet = forms.CharField(label=gettext_lazy("工作表名称"), required=False, max_length=100,
                            help_text=gettext_lazy("Excel 文件可选：要读取的工作表；留空读取第一个工作表。"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large_message())
        return upload


def _own_body(request: HttpRequest) -> CertificationBody:
    user = request.user
    body = getattr(user, "body", None)
    if (getattr(user, "role", None) != Role.CB_OPERATOR or body is None
            or not can(user, "report", "certificate", Certificate(body=body))):  # type: ignore[arg-type]
        raise PermissionDenied(_("只有认证机构的操作员可以为本机构报送证书。"))
    return body


def _reports_dir(body: CertificationBody) -> Path:
    folder = Path(settings.DATA_DIR) / "import-reports" / str(body.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - REPORT_DAYS * 86400
    for path in folder.glob("*.*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _too_large(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > max_upload_bytes() + MULTIPART_ALLOWANCE


@never_cache
@login_required
@csrf_exempt  # checked in _upload, after the size check: checking the token reads the whole upload
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    body = _own_body(request)
    if request.method == "POST" and _too_large(request):
        return _render_form(request, body, UploadForm(), status=413, page_error=too_large_message())
    return _upload(request, body)


@csrf_protect
def _upload(request: HttpRequest, body: CertificationBody) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _render_form(request, body, form, status=400 if request.method == "POST" else 200)
    upload_file = form.cleaned_data["file"]
    dry_run = form.cleaned_data["mode"] == "dry_run"
    actor = Actor.for_user(request.user, via=Via.IMPORT,  # type: ignore[arg-type]
                           request_id=getattr(request, "request_id", ""))
    folder = _reports_dir(body)
    _sweep(folder)
    token = secrets.token_urlsafe(16)
    try:
        result = import_file(upload_file.file, actor=actor, body=body, name=upload_file.name,
                             sheet=form.cleaned_data["sheet"] or None, max_bytes=max_upload_bytes(),
                             dry_run=dry_run)
    except FileRejected as exc:
        write_rejection(exc, folder / f"{token}.json", name=upload_file.name)
        write_rejection(exc, folder / f"{token}.csv", name=upload_file.name)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None
    else:
        write_report(result, folder / f"{token}.json")
        write_report(result, folder / f"{token}.csv")
    return redirect("certificates_import:result", token=token)


def _render_form(request: HttpRequest, body: CertificationBody, form: UploadForm, *, status: int,
                 page_error: str = "") -> HttpResponse:
    return render(request, "certificates/import/upload.html",
                  {"body": body, "form": form, "columns": COLUMNS, "max_size": filesizeformat(max_upload_bytes()),
                   "page_error": page_error}, status=status)


def _report_path(body: CertificationBody, token: str, suffix: str) -> Path:
    if not TOKEN.match(token):
        raise Http404()
    path = _reports_dir(body) / f"{token}.{suffix}"
    if not path.is_file():
        raise Http404(_("报告不存在或已过期（保留 %(days)d 天）。") % {"days": REPORT_DAYS})
    return path


@never_cache
@login_required
@require_GET
def result(request: HttpRequest, token: str) -> HttpResponse:
    body = _own_body(request)
    report = json.loads(_report_path(body, token, "json").read_text(encoding="utf-8"))
    errors = report.get("errors") or (report.get("rejected") or {}).get("errors") or []
    context = {"body": body, "report": report, "token": token, "errors": errors[:SHOWN_ERRORS], "days": REPORT_DAYS,
               "more_errors": max(len(errors) - SHOWN_ERRORS, 0), "rejected": report.get("rejected")}
    if report.get("ok"):
        counts = {k: int(report.get(k) or 0) for k in ("created", "updated", "unchanged")}
        context["outcome"] = outcome_message(dry_run=bool(report.get("dry_run")), **counts)
        context["changes"] = counts["created"] + counts["updated"]
    return render(request, "certificates/import/result.html", context)


@login_required
@require_GET
def download(request: HttpRequest, token: str, fmt: str) -> FileResponse:
    body = _own_body(request)
    path = _report_path(body, token, fmt)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=f"import-report-{token[:8]}.{fmt}",
                            content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def template(request: HttpRequest, fmt: str) -> HttpResponse:
    """An empty template: the Chinese headers and one example row."""
    _own_body(request)
    headers = [c.zh for c in COLUMNS]
    example = [spreadsheet_safe(c.example) for c in COLUMNS]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([headers, example])
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "证书"
        sheet.append(headers)
        sheet.append(example)
        for column in sheet.columns:
            for cell in column:
                cell.number_format = "@"  # text: codes keep their digits
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument."
                                                             "spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="certificates-template.{fmt}"'
    return response
