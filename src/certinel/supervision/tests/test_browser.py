"""The supervision pages in headless Chromium: anyone re-runs a plan's draw in the browser and
sees that it gives the published result; a regulator signs in and records an inspection's
result through the form; the pages in both languages, with screenshots (to a temporary folder
unless CERTINEL_SCREENSHOTS names another)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest

from certinel.accounts.models import Role
from certinel.core.testing.browser import CHROMIUM, available
from certinel.core.testing.builders import build_lab, build_org, build_user
from certinel.supervision.choices import InspectionStatus
from certinel.supervision.models import Inspection
from certinel.supervision.services_inspections import ItemFinding, inspection_publish, inspection_record
from certinel.supervision.services_sampling import sampling_task_publish

from .factories import TODAY, drawn_plan, inspectors, orgs, regulator
from .test_pages import sampling_task

NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."
pytestmark = [pytest.mark.browser, pytest.mark.skipif(not available(), reason=NO_CHROMIUM)]


def _world():
    reg = regulator("32")
    orgs(8)
    inspectors(reg, 5)
    plan = drawn_plan(reg, ratios={"A": "5", "B": "20", "C": "60", "D": "100", "-": "40"})
    done = plan.inspections.order_by("drawn_order").first()
    done = inspection_record(
        actor=reg,
        inspection=done,
        inspected_on=plan.starts_on,
        summary="未发现问题",
        findings=[ItemFinding("ORG-01", "conforming"), ItemFinding("ORG-02", "conforming")],
    )
    inspection_publish(actor=reg, inspection=done)
    lab, maker = build_lab(region_code="320105"), build_org(region_code="320106")
    task = sampling_task(reg, "JS-CC-2026-01", "2026年电热水壶省级监督抽查", lab, [(maker, 0), (maker, 9)])
    sampling_task_publish(actor=reg, task=task)
    user = build_user(Role.REGULATOR, jurisdiction_code="32")
    return plan, user


def _watch(tab, host: str, problems: list[str]) -> None:
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on(
        "request",
        lambda r: (
            problems.append(f"external request {r.url}")
            if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:")
            else None
        ),
    )


def _rerun(tab, base: str, plan) -> str:
    """Open the plan's page, re-run its draw and give the verdict."""
    tab.goto(f"{base}/supervision/plans/{plan.number}/")
    tab.click("#rerun-button")
    verdict = tab.locator("#rerun-verdict")
    verdict.wait_for()
    return verdict.inner_text()


def _sign_in(tab, base: str, user, path: str) -> None:
    tab.goto(f"{base}/login/?next={path}")
    tab.fill("#id_username", user.username)
    tab.fill("#id_password", "test-password-123")
    tab.click("main form button[type=submit]")
    tab.wait_for_url(f"{base}{path}")


def test_browser_anyone_reruns_the_draw_and_a_regulator_records_a_result(browser, transactional_db, live_server, shots):
    plan, user = _world()
    base, host = live_server.url, urlparse(live_server.url).netloc
    problems: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    _watch(tab, host, problems)
    try:
        tab.goto(f"{base}/")
        tab.click("nav.site-nav a[href='/supervision/']")
        tab.wait_for_url(f"{base}/supervision/")
        tab.screenshot(path=str(shots / "supervision-plans.png"), full_page=True)
        tab.click(f"main a[href='/supervision/plans/{plan.number}/']")
        tab.wait_for_url(f"{base}/supervision/plans/{plan.number}/")
        assert "结果一致" in _rerun(tab, base, plan)
        assert tab.locator("#rerun").get_attribute("data-outcome") == "same"
        assert plan.result_hash in tab.locator("#rerun-out").inner_text()
        tab.screenshot(path=str(shots / "supervision-plan-rerun.png"), full_page=True)
        tab.goto(f"{base}/supervision/pass-rates/")
        tab.screenshot(path=str(shots / "supervision-pass-rates.png"), full_page=True)
        # A regulator signs in and records a result through the form.
        inspection = plan.inspections.filter(status=InspectionStatus.ASSIGNED).order_by("drawn_order").first()
        url = f"/supervision/manage/inspections/{inspection.pk}/"
        _sign_in(tab, base, user, url)
        tab.fill("#id_inspected_on", (TODAY - dt.timedelta(days=12)).isoformat())
        tab.fill("#id_summary", "认证标志使用不规范，已责令整改")
        tab.select_option("#id_outcome_ORG-01", "conforming")
        tab.select_option("#id_outcome_ORG-02", "nonconforming")
        tab.click("button[value=record]")
        tab.locator("#id_findings_ORG-02 ~ .field-error").wait_for()
        tab.screenshot(path=str(shots / "supervision-record-error.png"), full_page=True)
        tab.fill("#id_findings_ORG-02", "宣传册超范围使用认证标志")
        tab.click("button[value=record]")
        tab.locator(".message-success").wait_for()
        assert "已录入检查结果" in tab.locator(".message-success").inner_text()
        tab.screenshot(path=str(shots / "supervision-inspection-recorded.png"), full_page=True)
        tab.goto(f"{base}/supervision/manage/plans/{plan.number}/")
        tab.screenshot(path=str(shots / "supervision-manage-plan.png"), full_page=True)
        tab.goto(f"{base}/supervision/manage/")
        tab.select_option("#id_subject_kind", "lab")
        assert tab.locator("fieldset[data-kind=organization]").is_hidden()
        assert tab.locator("fieldset[data-kind=lab]").is_visible()
        tab.screenshot(path=str(shots / "supervision-manage.png"), full_page=True)
    finally:
        context.close()
    recorded = Inspection.objects.get(pk=inspection.pk)
    assert recorded.status == InspectionStatus.RECORDED and recorded.outcome == "nonconforming"
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    _watch(tab, host, problems)
    try:
        assert "Same result" in _rerun(tab, base, plan)
        tab.screenshot(path=str(shots / "supervision-plan-rerun-en.png"), full_page=True)
        tab.goto(f"{base}/supervision/pass-rates/")
        tab.screenshot(path=str(shots / "supervision-pass-rates-en.png"), full_page=True)
        _sign_in(tab, base, user, f"/supervision/manage/inspections/{recorded.pk}/")
        tab.screenshot(path=str(shots / "supervision-inspection-en.png"), full_page=True)
        tab.goto(f"{base}/supervision/manage/")
        tab.screenshot(path=str(shots / "supervision-manage-en.png"), full_page=True)
    finally:
        context.close()
    assert not problems, problems
