"""Downloads of a certificate search, from the portal and from the open API: every format the
docs name (CSV, XLSX, JSON lines, Parquet) with its content type and file name, read back with
the library that reads it; an unknown format is a clear 400 (translated on the portal); and the
count a download states, and the page that offers it shows, is exact, also past the 10,000
where the search's pages stop counting. Given / when / then; names and codes are fictional."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import random

import pytest

from certinel.certificates import selectors
from certinel.certificates.reporting import report_certificates
from certinel.core.testing.builders import SYSTEM, body_with_scopes, certificate_data
from certinel.reference.generators import make_uscc

from .test_search import World, build_world

NANJING = {"TQ2401001Q", "TQ2401002E", "TQ2302003Q"}  # the world's certificates in 3201
FORMATS = {  # format: (content type, how to read the numbers and statuses back)
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


@pytest.fixture
def world(db) -> World:
    return build_world()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def rows_of(fmt: str, content: bytes, *, headers: str = "zh") -> list[dict]:
    """The file's rows as dicts by English key, read with the library made for the format."""
    number, status = ("证书编号", "证书状态") if headers == "zh" else ("number", "status")
    if fmt == "csv":
        table = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        return [{"number": r[number], "status": r[status]} for r in table]
    if fmt == "jsonl":
        return [json.loads(line) for line in content.decode("utf-8").splitlines()]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        head, *rest = list(sheet.iter_rows(values_only=True))
        return [{"number": r[head.index(number)], "status": r[head.index(status)]} for r in rest]
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(content)).to_pylist()


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("door", ["portal", "api"])
def test_every_format_from_both_doors(client, world, fmt, door):
    url = "/certificates/export/" if door == "portal" else "/api/v1/certificates/export"
    response = client.get(url, {"region": "3201", "format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == FORMATS[fmt]
    assert response["Content-Disposition"] == \
        f'attachment; filename="certificates-{dt.date.today():%Y%m%d}.{fmt}"'
    assert response["X-Total-Count"] == "3"
    rows = rows_of(fmt, body_of(response))
    assert {r["number"] for r in rows} == NANJING
    statuses = {r["number"]: r["status"] for r in rows}
    # The status is today's, in words in spreadsheets, as a code in JSON lines and Parquet.
    assert statuses["TQ2401002E"] in ("suspended", "暂停")
    assert statuses["TQ2302003Q"] in ("revoked", "撤销")


def test_parquet_keeps_real_dates_and_lists(client, world):
    import pyarrow.parquet as pq

    content = body_of(client.get("/api/v1/certificates/export", {"number": "TQ2401002E", "format": "parquet"}))
    table = pq.read_table(io.BytesIO(content))
    assert str(table.schema.field("expires_on").type) == "date32[day]"
    assert table.to_pylist()[0]["scope_codes"] == ["18"]


def test_english_pages_download_english_headers(client, world):
    response = client.get("/certificates/export/", {"region": "3201", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert body_of(response).decode("utf-8-sig").splitlines()[0].startswith("number,scheme,")
    api = client.get("/api/v1/certificates/export", {"region": "3201", "format": "xlsx", "headers": "en"})
    assert {r["number"] for r in rows_of("xlsx", body_of(api), headers="en")} == NANJING


def test_a_download_follows_every_filter_of_the_search(client, world):
    for query in ({"q": "华盛"}, {"q": world.huasheng.uscc[:8]}, {"status": "suspended"}, {"scheme": "EMS"},
                  {"body": world.west.approval_no}, {"number": "tq2401001q"},
                  {"issued_from": (dt.date.today() - dt.timedelta(days=95)).isoformat()}):
        page = client.get("/api/v1/certificates", {**query, "page_size": 100}).json()
        download = client.get("/api/v1/certificates/export", {**query, "format": "jsonl"})
        numbers = sorted(json.loads(line)["number"] for line in body_of(download).decode().splitlines())
        assert numbers == sorted(i["number"] for i in page["items"]), query
        assert download["X-Total-Count"] == str(page["total"]), query


@pytest.mark.parametrize("bad", ["parquett", "pdf", "CSV", "xls"])
def test_an_unknown_format_is_a_clear_400(client, world, bad):
    api = client.get("/api/v1/certificates/export", {"region": "3201", "format": bad})
    assert api.status_code == 400
    assert api.json()["code"] == "unknown_format" and "csv, xlsx, jsonl, parquet" in api.json()["message"]
    portal = client.get("/certificates/export/", {"region": "3201", "format": bad})
    assert portal.status_code == 400 and portal["Content-Type"].startswith("text/plain")
    assert f"没有“{bad}”这种导出格式" in portal.content.decode() and "Parquet" in portal.content.decode()
    english = client.get("/certificates/export/", {"format": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and f"There is no export format “{bad}”" in english.content.decode()


def test_the_results_page_offers_every_format(client, world):
    html = client.get("/certificates/", {"region": "3201"}).content.decode()
    for fmt in FORMATS:
        assert f"region=3201&amp;format={fmt}" in html
    assert "导出全部 3 张证书的公开信息" in html


def _register(count: int) -> None:
    """`count` certificates held in Nanjing, reported through the reporting engine."""
    rng = random.Random(11)
    body = body_with_scopes(schemes=("QMS",))
    holders = [make_uscc("320102", rng) for _ in range(40)]
    items = []
    for n in range(count):
        data = certificate_data(holder=_Holder(holders[n % 40]), number=f"BIG{n:07d}Q")
        items.append(dataclasses.replace(data, holder_region="320102", holder_address="示例路 1 号"))
    assert report_certificates(actor=SYSTEM, body=body, items=items).ok


@pytest.mark.django_db
def test_a_name_matching_very_many_holders_downloads_the_best_matching_and_says_so(client):
    rng = random.Random(12)
    body = body_with_scopes(schemes=("QMS",))
    cap = selectors.NAME_ORG_CAP
    items = []
    for n in range(cap + 1):
        holder = _Holder(make_uscc("320102", rng))
        holder.name = f"南京华兴{n:05d}制造有限公司"
        items.append(dataclasses.replace(certificate_data(holder=holder, number=f"HX{n:07d}Q"),
                                         holder_region="320102", holder_address="示例路 2 号"))
    assert report_certificates(actor=SYSTEM, body=body, items=items).ok
    html = client.get("/certificates/", {"q": "华兴"}).content.decode()
    assert f"导出名称最匹配的 {cap:,} 家组织的全部 {cap:,} 张证书的公开信息" in html
    assert f"共 {cap + 1:,} 张证书" not in html and f"共 {cap:,} 张证书" not in html  # no false exact count
    response = client.get("/api/v1/certificates/export", {"q": "华兴", "format": "jsonl"})
    assert response["X-Total-Count"] == str(cap) and len(body_of(response).splitlines()) == cap


class _Holder:
    def __init__(self, uscc: str) -> None:
        self.uscc, self.name = uscc, f"南京示例{uscc[-4:]}制造有限公司"


@pytest.mark.django_db
def test_past_10000_the_page_and_the_download_state_the_exact_total(client):
    total = selectors.COUNT_CAP + 7
    _register(total)
    # The search's pages stop counting at 10,000 …
    assert client.get("/api/v1/certificates", {"region": "3201"}).json()["total_display"] == "10,000+"
    # … the page that offers the download says exactly how many it holds …
    html = client.get("/certificates/", {"region": "32"}).content.decode()
    assert f"共 {total:,} 张证书" in html and f"导出全部 {total:,} 张证书的公开信息" in html
    assert "10,000+" not in html
    # … and the download holds them all and says so.
    response = client.get("/api/v1/certificates/export", {"region": "32", "format": "csv"})
    assert response["X-Total-Count"] == str(total)
    assert len(body_of(response).decode("utf-8-sig").splitlines()) == total + 1


# --- in a browser ----------------------------------------------------------------------------

# The browser and live-server fixtures of the certificate pages' tests.
from .test_pages import NO_CHROMIUM, available, page_for, site  # noqa: E402, F401


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_browser_downloads_what_the_page_says(page_for, site, shots, tmp_path, fmt):  # noqa: F811
    base, _world = site
    tab = page_for()
    tab.goto(f"{base}/certificates/?region=3201")
    tab.locator("#cert-results").get_by_text("导出全部 3 张证书的公开信息").wait_for()
    with tab.expect_download() as info:
        tab.locator("#cert-results .export-links a", has_text=FORMAT_LABELS[fmt]).click()
    download = info.value
    assert download.suggested_filename == f"certificates-{dt.date.today():%Y%m%d}.{fmt}"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert {r["number"] for r in rows_of(fmt, saved.read_bytes())} == NANJING
    tab.screenshot(path=str(shots / f"search-download-{fmt}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_english_page_offers_the_downloads_in_english(page_for, site):  # noqa: F811
    base, _world = site
    tab = page_for(locale="en-US")
    tab.goto(f"{base}/certificates/?region=3201")
    tab.locator("#cert-results").get_by_text("Export the public fields of all 3 certificates").wait_for()
    assert tab.locator("#cert-results .export-links a").count() == 4


FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "jsonl": "JSON Lines", "parquet": "Parquet"}
