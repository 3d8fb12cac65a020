"""The verify page in headless Chromium: a citizen verifies a report by number, then by
uploading its PDF, and sees the signals of a doubtful one; screenshots to a temporary folder
unless CERTINEL_SCREENSHOTS names another."""

from __future__ import annotations

import hashlib
from urllib.parse import urlparse

import pytest

from certinel.core.testing.browser import CHROMIUM, available
from certinel.core.testing.builders import SYSTEM
from certinel.qualification.reporting import report_test_reports

from .factories import lab_with_scope, report_data

NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not available(), reason=NO_CHROMIUM)]
PDF = b"%PDF-1.7\n" + "检验检测报告正文".encode() * 200 + b"\n%%EOF\n"


def test_browser_anyone_verifies_a_report_by_number_and_by_its_pdf(browser, transactional_db, live_server, shots,
                                                                    tmp_path):
    lab = lab_with_scope()
    report_test_reports(actor=SYSTEM, lab=lab, items=[
        report_data("R-1", pdf_sha256=hashlib.sha256(PDF).hexdigest()),
        report_data("R-2", parameters=[{"parameter": "砷含量", "standard": "GB 5009.11-2014"}])])
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    base, host = live_server.url, urlparse(live_server.url).netloc
    problems: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("request", lambda r: problems.append(f"external request {r.url}")
           if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
    try:
        tab.goto(f"{base}/reports/verify/")
        tab.fill("#id_lab", lab.cma_no)
        tab.fill("#id_number", "R-2")
        tab.click("#by-number button[type=submit]")
        tab.locator("#verdict").wait_for()
        assert "报告真实" in tab.locator("#verdict").inner_text()
        assert tab.locator("tr.out-of-scope").count() == 1
        assert tab.locator("li[data-code=parameter_outside_scope]").count() == 1
        # The report's QR code, sized for printing, with its SVG and PNG to download.
        qr = tab.locator("#report-qr svg.qr")
        assert qr.is_visible() and qr.bounding_box()["width"] == 176
        png = tab.request.get(base + tab.locator("#report-qr a", has_text="PNG").get_attribute("href"))
        assert png.status == 200 and png.headers["content-type"] == "image/png"
        tab.screenshot(path=str(shots / "reports-verify-flags.png"), full_page=True)
        tab.goto(f"{base}/reports/verify/")
        tab.set_input_files("#id_pdf", str(pdf))
        tab.click("#by-pdf button[type=submit]")
        tab.locator("#verdict").wait_for()
        verdict = tab.locator("#verdict").inner_text()
        assert "R-1" in verdict and "未发现疑点" in verdict
        tab.screenshot(path=str(shots / "reports-verify-pdf.png"), full_page=True)
    finally:
        context.close()
    assert not problems, problems
