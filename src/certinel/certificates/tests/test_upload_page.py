"""The upload page (journey 7): who may use it, dry runs and real runs from a browser, the
error table, report downloads, CSRF, the size limit and sniffing. The page's URLs are mounted
here under /report/ next to the project's own."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import include, path
from openpyxl import load_workbook

from certinel.accounts.models import Role
from certinel.certificates.io.columns import COLUMNS
from certinel.certificates.io.rows import RowParser
from certinel.certificates.models import Certificate
from certinel.core.testing.builders import body_with_scopes, build_lab, build_org, build_user
from certinel.reference.generators import make_uscc
from certinel.urls import urlpatterns as project_urls

urlpatterns = [path("report/", include("certinel.certificates.urls_import")), *project_urls]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
SAMPLES = Path(__file__).resolve().parents[4] / "docs" / "samples"
HEADER = ("证书编号,认证制度,统一社会信用代码,获证组织名称,获证组织区划代码,获证组织地址,发证日期,有效期至,"
          "认证范围,签发人,范围代码")
_rng = random.Random(31)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"), ccc_products=("0701",))


@pytest.fixture
def operator(body):
    return build_user(Role.CB_OPERATOR, body=body)


@pytest.fixture
def signed_in(client, operator):
    client.force_login(operator)
    return client


def csv_file(codes: list[str], name: str = "certs.csv") -> SimpleUploadedFile:
    lines = [HEADER]
    for n, code in enumerate(codes, start=1):
        lines.append(f"WEB{n:06d}Q,QMS,{make_uscc('320102', _rng)},南京示例网页{n}有限公司,320102,示例路{n}号,"
                     f"2026-10-01,2029-09-30,机械零部件的设计和生产,王签发,{code}")
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("gb18030"), content_type="text/csv")


def upload(client, file, mode: str = "dry_run", **extra):
    return client.post("/report/", {"file": file, "mode": mode, **extra})


# --- Who may use it --------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/report/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.REGULATOR, Role.ORG_USER, Role.ADMIN, Role.LAB_OPERATOR])
def test_only_operators_of_a_body_may_report(client, role):
    binding = {Role.REGULATOR: {"jurisdiction_code": "32"}, Role.ORG_USER: {"organization": build_org()},
               Role.LAB_OPERATOR: {"lab": build_lab()}}.get(role, {})
    client.force_login(build_user(role, **binding))
    assert client.get("/report/").status_code == 403
    assert upload(client, csv_file(["17"])).status_code == 403
    assert client.get("/report/template.csv").status_code == 403
    assert not Certificate.objects.exists()


def test_the_form_and_the_documented_columns(signed_in, body):
    response = signed_in.get("/report/")
    text = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert 'enctype="multipart/form-data"' in text and "csrfmiddlewaretoken" in text
    assert body.approval_no in text and "scope_codes" in text and "统一社会信用代码" in text
    assert "/report/template.xlsx" in text


# --- Dry runs, real runs, reports ---------------------------------------------------------------


def test_a_dry_run_with_bad_rows_shows_each_by_row_column_and_reason(signed_in):
    response = upload(signed_in, csv_file(["17", "45", "18"]))
    assert response.status_code == 302
    page = signed_in.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "试运行发现 1 处问题" in text
    assert "<td class=\"mono\">3</td><td>范围代码</td>" in text and "不是 IAF 行业代码" in text
    assert not Certificate.objects.exists()


def test_a_real_run_writes_and_the_reports_download(signed_in, body):
    with (SAMPLES / "certificates-sample.xlsx").open("rb") as f:
        response = upload(signed_in, SimpleUploadedFile("sample.xlsx", f.read()), mode="write", sheet="证书")
    page = signed_in.get(response["Location"])
    assert "全部数据已写入：新增 6 条，变更 0 条，0 条无变化。" in page.content.decode()
    assert Certificate.objects.filter(body=body).count() == 6
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    report = json.loads(b"".join(signed_in.get(f"/report/results/{token}.json").streaming_content))
    assert report["written"] and report["created"] == 6 and report["file"]["sheet"] == "证书"
    download = signed_in.get(f"/report/results/{token}.csv")
    assert download["Content-Disposition"].startswith("attachment") and download["Cache-Control"] == "no-store"
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert len(lines) == 7 and lines[1][2] == "created"
    again = upload(signed_in, SimpleUploadedFile("sample.csv", (SAMPLES / "certificates-sample-gb18030.csv")
                                                .read_bytes()), mode="write")
    resent = signed_in.get(again["Location"]).content.decode()
    assert "没有任何变化：6 条证书与登记册完全一致，本次没有写入任何数据。" in resent and "全部数据已写入" not in resent
    assert Certificate.objects.filter(body=body).count() == 6

    stranger = Client()
    stranger.force_login(build_user(Role.CB_OPERATOR, body=body_with_scopes()))
    assert stranger.get(response["Location"]).status_code == 404
    assert stranger.get(f"/report/results/{token}.json").status_code == 404


def test_a_real_run_with_a_bad_row_writes_nothing(signed_in):
    response = upload(signed_in, csv_file(["17", "18", "88"]), mode="write")
    text = signed_in.get(response["Location"]).content.decode()
    assert "整个文件都没有写入" in text and not Certificate.objects.exists()


def test_a_file_that_is_no_table_is_refused_with_its_reason(signed_in):
    response = upload(signed_in, SimpleUploadedFile("certs.csv", b"MZ\x90\x00" + bytes(100)), mode="write")
    text = signed_in.get(response["Location"]).content.decode()
    assert "文件未导入" in text and "可执行程序" in text
    header = upload(signed_in, SimpleUploadedFile("h.csv", "证书编号,备注栏\n".encode()))
    text = signed_in.get(header["Location"]).content.decode()
    assert "备注栏" in text and "缺少必填列" in text


def test_unknown_and_malformed_report_tokens_are_404(signed_in):
    assert signed_in.get("/report/results/AAAAAAAAAAAAAAAAAAAAAA/").status_code == 404
    assert signed_in.get("/report/results/AAAAAAAAAAAAAAAAAAAAAA.csv").status_code == 404
    assert signed_in.get("/report/results/..%2F..%2Fsecret/").status_code == 404
    assert signed_in.get("/report/results/AAAAAAAAAAAAAAAAAAAAAA.txt").status_code == 404


def test_old_reports_are_removed(signed_in, body, settings):
    folder = Path(settings.DATA_DIR) / "import-reports" / str(body.pk)
    folder.mkdir(parents=True)
    old = folder / "OLDOLDOLDOLDOLDOLDOLD0.json"
    old.write_text("{}")
    os.utime(old, (time.time() - 8 * 86400,) * 2)
    upload(signed_in, csv_file(["17"]))
    assert not old.exists() and len(list(folder.glob("*.json"))) == 1


# --- CSRF, size, template ----------------------------------------------------------------------


def test_an_upload_without_the_csrf_token_is_refused(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert upload(client, csv_file(["17"]), mode="write").status_code == 403
    client.get("/report/")
    token = client.cookies["csrftoken"].value
    response = upload(client, csv_file(["17"]), mode="write", csrfmiddlewaretoken=token)
    assert response.status_code == 302 and Certificate.objects.count() == 1


def test_files_over_the_limit_are_refused_before_they_are_read(signed_in, settings):
    settings.CERTINEL_IMPORT_MAX_BYTES = 2000
    big = csv_file(["17"] * 200)
    response = upload(signed_in, big)
    assert response.status_code == 413 and "上限" in response.content.decode()
    settings.CERTINEL_IMPORT_MAX_BYTES = 500
    small = csv_file(["17"] * 5)
    response = upload(signed_in, small)
    assert response.status_code == 400 and "上限" in response.content.decode()
    assert not Certificate.objects.exists()


def test_an_invalid_form_is_shown_again(signed_in):
    response = signed_in.post("/report/", {"mode": "everything"})
    assert response.status_code == 400 and "field-error" in response.content.decode()


def test_the_templates_have_every_column(signed_in):
    text = signed_in.get("/report/template.csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert len(RowParser(header).present) == len(header) == len(COLUMNS)
    response = signed_in.get("/report/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == header and sheet["A2"].number_format == "@"
    assert signed_in.get("/report/template.pdf").status_code == 404
