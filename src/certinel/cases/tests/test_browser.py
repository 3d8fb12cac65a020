"""The public complaint form in headless Chromium: a report sent without an account, the
follow link and code it gives, and the follow page opened with them; in Chinese and English.
Then (in Chinese) the regulator's warning queue with its charts."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from certinel.core.testing.browser import CHROMIUM, available
from certinel.core.testing.builders import build_org

NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not available(), reason=NO_CHROMIUM)]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_browser_report_then_follow(browser, transactional_db, live_server, shots, tmp_path, locale):
    from django.core.cache import cache

    cache.clear()
    org = build_org(region_code="320102")
    evidence = tmp_path / "照片.png"
    evidence.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    base, host = live_server.url, urlparse(live_server.url).netloc
    problems: list[str] = []
    context = browser.new_context(locale=locale, viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    tab.on("request", lambda r: problems.append(r.url) if urlparse(r.url).netloc not in (host, "") else None)
    try:
        if locale.startswith("en"):
            tab.goto(f"{base}/")
            tab.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
        tab.goto(f"{base}/cases/")
        tab.check("input[name=kind][value=report]")
        tab.fill("#id_subject", org.uscc)
        tab.fill("#id_facts", "该企业的认证证书与实际生产范围不符。")
        tab.set_input_files("#id_evidence", str(evidence))
        tab.check("#id_anonymous")
        tab.screenshot(path=str(shots / f"cases-form-{locale}.png"), full_page=True)
        tab.click("#complaint-form button[type=submit]")
        tab.wait_for_url(f"{base}/cases/submitted/")
        code = tab.inner_text("#follow-code").strip()
        number = tab.inner_text("#complaint-number").strip()
        assert len(code) == 8 and number.startswith("JB")
        tab.screenshot(path=str(shots / f"cases-submitted-{locale}.png"), full_page=True)
        tab.click("#follow-link")
        tab.fill("#id_code", code)
        tab.click("main form button[type=submit]")
        tab.locator("#follow-result").wait_for()
        shown = tab.inner_text("#follow-result")
        assert number in shown and org.name in shown
        assert ("Awaiting" in shown or "awaiting" in shown) if locale.startswith("en") else "待决定是否受理" in shown
        tab.screenshot(path=str(shots / f"cases-follow-{locale}.png"), full_page=True)
        if locale == "zh-CN":
            check_warning_charts(tab, base, shots)
    finally:
        context.close()
    assert not problems, problems



def check_warning_charts(tab, base: str, shots) -> None:
    """A regulator's warning queue: both charts drawn (SVG) from the tables beside them, and the
    tables' numbers equal to the queue's counts. Run inside the Chinese form test, to share its
    live server and database (a Chromium test of its own would cost a setup and a flush)."""
    from certinel.accounts.models import Role
    from certinel.cases.models import RiskWarning
    from certinel.core.testing.builders import build_user

    from .test_charts import plant

    plant()
    user = build_user(Role.REGULATOR, jurisdiction_code="32")
    tab.goto(f"{base}/login/")
    tab.fill("#id_username", user.username)
    tab.fill("#id_password", "test-password-123")
    tab.get_by_role("button", name="登录").click()
    tab.goto(f"{base}/cases/manage/warnings/")
    for by in ("rule", "region"):
        chart = tab.locator(f"#chart-{by}[data-drawn]")
        chart.wait_for()
        assert chart.locator("svg").count() == 1 and chart.locator("svg path").count() > 3
        drawn = int(chart.get_attribute("data-drawn"))
        total = int(tab.inner_text(f"#table-{by} tfoot [data-total]"))
        assert drawn == total == RiskWarning.objects.filter(status="open").count() == \
            tab.locator("#warnings tbody tr").count()
    cells = tab.locator("#table-rule tfoot td").all_inner_texts()
    assert cells == [str(RiskWarning.objects.filter(rule="hopping").count()),
                     str(RiskWarning.objects.filter(rule="mills").count()), "4"]
    tab.screenshot(path=str(shots / "cases-warning-charts-zh.png"), full_page=True)
