"""The public complaint form in headless Chromium: a report sent without an account, the
follow link and code it gives, and the follow page opened with them; in Chinese and English."""

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
    finally:
        context.close()
    assert not problems, problems
