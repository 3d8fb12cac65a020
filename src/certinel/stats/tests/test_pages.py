"""The statistics pages: the numbers in their tables (readable without JavaScript) are the
API's; a body's view for its operator and the regulators of its region only; both languages.
The charts in headless Chromium: each renders and sums to its table. Given / when / then."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest

from certinel.accounts.models import Role
from certinel.certificates import services
from certinel.core.testing.browser import CHROMIUM, available
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data
from certinel.stats.refresh import stats_refresh

TODAY = dt.date.today()


def plant():
    body = body_with_scopes()
    nanjing, suzhou = build_org(region_code="320102"), build_org(region_code="320505")
    a = services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=nanjing, issued_on=TODAY - dt.timedelta(days=100)))
    services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=suzhou, scheme="EMS", issued_on=TODAY - dt.timedelta(days=60)))
    services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(
        holder=suzhou, issued_on=TODAY - dt.timedelta(days=40)))
    services.certificate_suspend(actor=SYSTEM, certificate=a, until=TODAY + dt.timedelta(days=30), reason="不符合",
                                 signed_by="李", occurred_on=TODAY - dt.timedelta(days=10))
    stats_refresh()
    return body


def cells(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_overview_tables_hold_the_apis_numbers(client, db):
    plant()
    html = client.get("/stats/").content.decode()
    api = client.get("/api/v1/stats/counts?region=320000&by=city").json()
    rows = cells(html, "table-regions")
    # By city, the most valid certificates first: Suzhou (2 valid), then Nanjing (1 suspended).
    by_code = {r["city"]: r for r in api["rows"]}
    assert [[r[0], *map(int, r[1:])] for r in rows] == [
        [name, by_code[code]["valid"], by_code[code]["suspended"], by_code[code]["withdrawn"],
         by_code[code]["expired"]] for name, code in (("苏州市", "320500"), ("南京市", "320100"))]
    assert '<a href="?region=320500">苏州市</a>' in html
    assert "/api/v1/stats/download/counts?region=320000&amp;by=city&amp;" in html
    trend = client.get("/api/v1/stats/trend?region=320000").json()
    assert int(cells(html, "table-trend")[-1][1]) == trend[-1]["valid"] == 2
    assert 'id="target-JS-EnMS-1K"' in html and "省質監局" in html
    assert "/api/v1/stats/download/counts?" in html
    english = client.get("/stats/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1,000 or more energy management system certificates" in english


def test_overview_drills_down_from_province_to_city_to_county(client, db):
    plant()
    city = client.get("/stats/?region=320500").content.decode()
    api = client.get("/api/v1/stats/counts?region=320500&by=county").json()
    assert [r["county"] for r in api["rows"]] == ["320505"]
    rows = cells(city, "table-regions")
    assert [int(v) for v in rows[0][1:]] == [api["rows"][0][k] for k in ("valid", "suspended", "withdrawn", "expired")]
    assert '<a href="?region=320505">' in city and '<a href="?region=320000">江苏省</a>' in city
    assert "/api/v1/stats/download/counts?region=320500&amp;by=county&amp;" in city
    county = client.get("/stats/?region=320505").content.decode()
    assert '<a href="?region=320500">苏州市</a>' in county
    assert [int(v) for v in cells(county, "table-regions")[0][1:]] == [2, 0, 0, 0]
    assert 'href="?region=320505"' not in county  # the county itself: no lower level
    assert client.get("/stats/?region=32").status_code == 404
    english = client.get("/stats/?region=320500", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "By county" in english and "boundary" in english


def test_body_view_for_its_operator_and_regulators_only(client, db):
    body = plant()
    operator = build_user(Role.CB_OPERATOR, body=body)
    client.force_login(operator)
    html = client.get("/stats/body/").content.decode()
    assert [r[:3] for r in cells(html, "table-schemes")] == [["EMS", "1", "0"], ["QMS", "1", "1"]]
    assert sum(int(r[-1]) for r in cells(html, "table-monthly")) == 3
    assert sum(int(r[1]) for r in cells(html, "table-lag")) == 4  # three issues and a suspension
    assert 'id="open-warnings">0<' in html
    other = build_user(Role.CB_OPERATOR, body=body_with_scopes())
    client.force_login(other)
    assert client.get(f"/stats/body/?body={body.approval_no}").status_code == 403
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="32"))
    assert client.get(f"/stats/body/?body={body.approval_no}").status_code == 200
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="31"))
    assert client.get(f"/stats/body/?body={body.approval_no}").status_code == 403
    assert client.get("/stats/body/?body=NOPE").status_code == 404
    client.logout()
    assert client.get("/stats/body/").status_code == 302


def test_sampling_page_names_the_targets(client, db):
    html = client.get("/stats/sampling/").content.decode()
    assert 'data-target="90"' in html and 'data-target="95"' in html
    assert client.get("/api/v1/stats/download/pass_rates?format=csv").status_code == 200


NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_charts_render_and_equal_their_tables_and_the_api(browser, transactional_db, live_server, shots,
                                                                   client):
    plant()
    base, host = live_server.url, urlparse(live_server.url).netloc
    problems: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1400})
    tab = context.new_page()
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    tab.on("request", lambda r: problems.append(r.url) if urlparse(r.url).netloc not in (host, "") else None)
    try:
        tab.goto(f"{base}/stats/")
        api = client.get("/api/v1/stats/counts?region=320000&by=city").json()
        for name, expected in (("trend", None), ("regions", sum(r["valid"] + r["suspended"] for r in api["rows"]))):
            chart = tab.locator(f"#chart-{name}[data-drawn]")
            chart.wait_for()
            assert chart.locator("svg").count() == 1 and chart.locator("svg path").count() > 2
            if expected is not None:
                assert float(chart.get_attribute("data-drawn")) == expected
        valid = [int(v) for v in tab.locator("#table-regions tbody td:nth-of-type(1)").all_inner_texts()]
        assert valid == sorted((r["valid"] for r in api["rows"]), reverse=True)
        assert int(tab.inner_text("[data-total=valid]")) == api["totals"]["valid"]
        tab.screenshot(path=str(shots / "stats-overview-zh.png"), full_page=True)
        # Down to a city: its counties, drawn from their table.
        tab.click("#table-regions a[href='?region=320500']")
        tab.wait_for_url("**/stats/?region=320500")
        chart = tab.locator("#chart-regions[data-drawn]")
        chart.wait_for()
        county = client.get("/api/v1/stats/counts?region=320500&by=county").json()
        assert float(chart.get_attribute("data-drawn")) == sum(r["valid"] + r["suspended"] for r in county["rows"])
        tab.screenshot(path=str(shots / "stats-city-zh.png"), full_page=True)
    finally:
        context.close()
    assert not problems, problems
