"""The subject's public credit page (published penalties while displayed, awards, list entries,
never the class), the regulator's fact form and `POST /api/v1/credit/facts`, and the repair
flow on the case pages: through real requests, and (marked `browser`) in headless Chromium."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create
from certinel.core.actor import Actor
from certinel.core.history import history_for
from certinel.core.testing.browser import CHROMIUM, available
from certinel.core.testing.builders import build_body, build_org, build_user
from certinel.credit.choices import PublicationStatus, RepairStatus
from certinel.credit.models import CreditClass, CreditFact, FactPublication, RepairRequest
from certinel.credit.services_facts import fact_record
from certinel.credit.services_repair import fact_publish, publications_expire

from .factories import listed, regulator

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n% receipt of the fine\n%%EOF\n"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def penalty(
    reg: Actor,
    uscc: str,
    *,
    days_ago: int,
    severity: str = "general",
    no: str = "宁市监罚〔2025〕21号",
    summary: str = "未按规定使用认证标志，罚款一万元",
) -> FactPublication:
    fact = fact_record(
        actor=reg,
        subject=uscc,
        kind="administrative_penalty",
        severity=severity,
        occurred_on=TODAY - dt.timedelta(days=days_ago + 10),
        decision_no=no,
        authority="南京市市场监督管理局",
    )
    return fact_publish(actor=reg, fact=fact, summary=summary, on=TODAY - dt.timedelta(days=days_ago))


def recorded_award(reg: Actor, uscc: str, no: str = "宁政奖〔2026〕3号") -> CreditFact:
    return fact_record(
        actor=reg,
        subject=uscc,
        kind="award",
        severity="minor",
        occurred_on=TODAY,
        decision_no=no,
        authority="南京市人民政府",
    )


def award(reg: Actor, uscc: str) -> FactPublication:
    return fact_publish(actor=reg, fact=recorded_award(reg, uscc), summary="南京市质量奖")


# --- the public credit page ---------------------------------------------------------------------------


def test_the_public_page_shows_displayed_penalties_awards_and_entries_but_never_the_class():
    org = build_org(name="玄武守法电子有限公司", region_code="320102")
    reg = regulator("32")
    shown = penalty(reg, org.uscc, days_ago=30)
    ended = penalty(reg, org.uscc, days_ago=400, no="宁市监罚〔2024〕5号", summary="已期满的处罚")
    publications_expire()
    award(reg, org.uscc)
    listed(reg, org.uscc, listed_on=TODAY - dt.timedelta(days=5))
    assert CreditClass.objects.filter(organization=org).exists()
    html = Client().get(f"/credit/subject/{org.uscc}/").content.decode()
    assert shown.decision_no in html and shown.summary in html and "南京市质量奖" in html
    assert ended.summary not in html and "宁市监罚〔2024〕5号" not in html
    assert "在严重违法失信名单中" in html
    cls = CreditClass.objects.get(organization=org)
    assert "信用风险" not in html and f"{cls.score}" not in html.split('id="penalties"')[0][-200:]
    assert "A 类" not in html and "D 类" not in html


def test_a_display_past_its_maximum_is_not_shown_before_the_job_runs():
    org = build_org()
    late = penalty(regulator(), org.uscc, days_ago=370)
    assert late.status == PublicationStatus.DISPLAYED
    html = Client().get(f"/credit/subject/{org.uscc}/").content.decode()
    assert late.summary not in html and "没有公示中的行政处罚信息" in html


def test_the_public_page_in_english():
    org = build_org()
    penalty(regulator(), org.uscc, days_ago=30)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get(f"/credit/subject/{org.uscc}/").content.decode()
    assert "Published administrative penalties" in html and "Awards" in html


# --- the regulator's form and the API -------------------------------------------------------------------


def test_a_regulator_records_a_fact_by_form_and_publishes_it():
    org = build_org(region_code="320102")
    reg = signed_in(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    assert reg.get("/credit/cases/fact/new/").status_code == 200
    bad = reg.post(
        "/credit/cases/fact/new/",
        {
            "subject": org.uscc,
            "kind": "award",
            "severity": "minor",
            "occurred_on": (TODAY + dt.timedelta(days=2)).isoformat(),
            "decision_no": "x",
            "authority": "y",
        },
    )
    assert bad.status_code == 200 and "field-error" in bad.content.decode() and not CreditFact.objects.exists()
    done = reg.post(
        "/credit/cases/fact/new/",
        {
            "subject": org.uscc,
            "kind": "administrative_penalty",
            "severity": "general",
            "occurred_on": TODAY.isoformat(),
            "decision_no": "宁市监罚〔2026〕1号",
            "authority": "南京市市场监督管理局",
        },
    )
    fact = CreditFact.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/credit/cases/fact/{fact.pk}/"
    page = reg.get(done["Location"]).content.decode()
    assert 'value="publish"' in page
    published = reg.post(done["Location"], {"action": "publish", "summary": "未按规定标注认证标志"})
    pub = FactPublication.objects.get()
    assert published.status_code == 302 and published["Location"] == f"/credit/cases/publication/{pub.pk}/"
    assert "未按规定标注认证标志" in Client().get(f"/credit/subject/{org.uscc}/").content.decode()
    assert 'value="publish"' not in reg.get(done["Location"]).content.decode()


def test_others_may_not_record_or_publish_on_the_pages():
    org = build_org(region_code="320102")
    fact = recorded_award(regulator(), org.uscc)
    own = signed_in(build_user(Role.ORG_USER, organization=org))
    outsider = signed_in(build_user(Role.REGULATOR, jurisdiction_code="33"))
    assert own.get("/credit/cases/fact/new/").status_code == 403
    assert own.post(f"/credit/cases/fact/{fact.pk}/", {"action": "publish", "summary": "x"}).status_code == 403
    assert outsider.get(f"/credit/cases/fact/{fact.pk}/").status_code == 404
    assert not FactPublication.objects.exists()


FACT = {
    "kind": "administrative_penalty",
    "severity": "serious",
    "occurred_on": TODAY.isoformat(),
    "decision_no": "宁市监罚〔2026〕40号",
    "authority": "南京市市场监督管理局",
}


def test_the_api_records_a_fact_for_a_signed_in_regulator():
    org = build_org(region_code="320102")
    reg = signed_in(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    answer = reg.post("/api/v1/credit/facts", {**FACT, "subject": org.uscc}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    fact = CreditFact.objects.get()
    assert body["id"] == fact.pk and body["status"] == "recorded" and body["subject_kind"] == "organization"
    assert history_for(fact).get().via == "api"
    again = reg.post("/api/v1/credit/facts", {**FACT, "subject": org.uscc}, content_type="application/json")
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "duplicate"


def test_the_api_refuses_whom_the_matrix_refuses():
    org = build_org(region_code="320102")
    payload = json.dumps({**FACT, "subject": org.uscc})
    anonymous = Client().post("/api/v1/credit/facts", payload, content_type="application/json")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthorized"
    for user in (build_user(Role.REGULATOR, jurisdiction_code="33"), build_user(Role.ORG_USER, organization=org)):
        assert signed_in(user).post("/api/v1/credit/facts", payload, content_type="application/json").status_code == 403
    body = build_body()
    key = api_key_create(actor=Actor.for_user(build_user(Role.CB_OPERATOR, body=body)), body=body, name="erp")[1]
    by_key = Client().post(
        "/api/v1/credit/facts", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert by_key.status_code == 403
    reg = signed_in(build_user(Role.REGULATOR, jurisdiction_code="32"))
    automatic = reg.post(
        "/api/v1/credit/facts",
        {**FACT, "subject": org.uscc, "kind": "certificate_revoked"},
        content_type="application/json",
    )
    unknown = reg.post(
        "/api/v1/credit/facts", {**FACT, "subject": "91320102MA1XXXXXX9"}, content_type="application/json"
    )
    assert automatic.status_code == 422 and unknown.status_code == 404
    assert not CreditFact.objects.exists()


def test_the_api_checks_a_sessions_csrf_token():
    org = build_org(region_code="320102")
    client = Client(enforce_csrf_checks=True)
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="32"))
    refused = client.post("/api/v1/credit/facts", {**FACT, "subject": org.uscc}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    client.get("/credit/cases/fact/new/")  # the page sets the cookie
    token = client.cookies["csrftoken"].value
    done = client.post(
        "/api/v1/credit/facts", {**FACT, "subject": org.uscc}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert done.status_code == 201


# --- repair on the pages ------------------------------------------------------------------------------


def test_repair_requested_with_evidence_and_decided_on_the_pages(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    org = build_org(region_code="320102")
    pub = penalty(regulator("32"), org.uscc, days_ago=100)
    own = signed_in(build_user(Role.ORG_USER, organization=org))
    reg = signed_in(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    url = f"/credit/cases/publication/{pub.pk}/"
    assert 'enctype="multipart/form-data"' in own.get(url).content.decode()
    assert 'enctype="multipart/form-data"' not in reg.get(url).content.decode()
    wrong = own.post(
        url,
        {"statement": "已缴清罚款", "pledge": "守法经营", "evidence": [SimpleUploadedFile("x.pdf", b"MZ not a pdf")]},
    )
    assert wrong.status_code == 400 and "field-error" in wrong.content.decode() and not RepairRequest.objects.exists()
    done = own.post(
        url,
        {
            "statement": "已缴清罚款",
            "pledge": "守法经营",
            "evidence": [SimpleUploadedFile("缴款凭证.pdf", PDF), SimpleUploadedFile("b.pdf", PDF)],
        },
    )
    request = RepairRequest.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/credit/cases/repair/{request.pk}/"
    assert len(request.evidence) == 2 and request.evidence[0]["name"] == "缴款凭证.pdf"
    file = reg.get(f"/credit/cases/repair/{request.pk}/evidence/0/")
    assert file.status_code == 200 and file.content == PDF and file["Content-Type"] == "application/pdf"
    assert file["X-Content-Type-Options"] == "nosniff" and "attachment" in file["Content-Disposition"]
    assert own.post(f"/credit/cases/repair/{request.pk}/", {"action": "approve", "text": "自己批"}).status_code == 403
    empty = reg.post(f"/credit/cases/repair/{request.pk}/", {"action": "approve", "text": ""})
    assert empty.status_code == 200 and "field-error" in empty.content.decode()
    assert reg.post(f"/credit/cases/repair/{request.pk}/", {"action": "approve", "text": "材料齐全"}).status_code == 302
    request.refresh_from_db()
    pub.refresh_from_db()
    assert request.status == RepairStatus.APPROVED and pub.status == PublicationStatus.REPAIRED
    html = Client().get(f"/credit/subject/{org.uscc}/").content.decode()
    assert pub.summary not in html and "守法经营" in html and "材料齐全" not in html


def test_others_see_no_request_and_its_evidence():
    from certinel.credit.evidence import EvidenceFile
    from certinel.credit.services_repair import repair_request

    org = build_org(region_code="320102")
    pub = penalty(regulator("32"), org.uscc, days_ago=100)
    own_user = build_user(Role.ORG_USER, organization=org)
    request = repair_request(
        actor=Actor.for_user(own_user),
        publication=pub,
        statement="s",
        pledge="p",
        evidence=[EvidenceFile("a.pdf", PDF)],
    )
    for user in (
        build_user(Role.ORG_USER, organization=build_org()),
        build_user(Role.REGULATOR, jurisdiction_code="33"),
    ):
        client = signed_in(user)
        assert client.get(f"/credit/cases/repair/{request.pk}/").status_code == 404
        assert client.get(f"/credit/cases/repair/{request.pk}/evidence/0/").status_code == 404
        assert client.get(f"/credit/cases/publication/{pub.pk}/").status_code == 404
    assert signed_in(own_user).get(f"/credit/cases/repair/{request.pk}/evidence/5/").status_code == 404
    assert Client().get(f"/credit/cases/repair/{request.pk}/").status_code == 302  # to the sign-in page


def test_the_page_says_why_no_request_can_be_made_yet():
    org = build_org(region_code="320102")
    reg = regulator("32")
    early = penalty(reg, org.uscc, days_ago=10)
    own = signed_in(build_user(Role.ORG_USER, organization=org))
    page = own.get(f"/credit/cases/publication/{early.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' not in page and early.repair_from.isoformat() in page
    assert own.post(f"/credit/cases/publication/{early.pk}/", {"statement": "s", "pledge": "p"}).status_code == 403
    blocked = penalty(reg, org.uscc, days_ago=400, severity="serious", no="宁市监罚〔2025〕77号")
    entry = listed(reg, org.uscc, listed_on=TODAY - dt.timedelta(days=3), penalty_decision_no="宁市监罚〔2025〕77号")
    page = own.get(f"/credit/cases/publication/{blocked.pk}/").content.decode()
    assert entry.decision_no in page and 'enctype="multipart/form-data"' not in page


def test_an_upload_too_large_is_refused_before_it_is_read(settings):
    settings.CERTINEL_CREDIT_EVIDENCE_MAX_BYTES = 1000
    org = build_org(region_code="320102")
    pub = penalty(regulator("32"), org.uscc, days_ago=100)
    own = signed_in(build_user(Role.ORG_USER, organization=org))
    answer = own.post(
        f"/credit/cases/publication/{pub.pk}/", {"statement": "s", "pledge": "p"}, CONTENT_LENGTH=str(10 * 1024 * 1024)
    )
    assert answer.status_code == 413 and not RepairRequest.objects.exists()


def test_the_cases_page_lists_pending_requests_and_displays():
    from certinel.credit.evidence import EvidenceFile
    from certinel.credit.services_repair import repair_request

    org = build_org(region_code="320102")
    reg_actor = regulator("32")
    pub = penalty(reg_actor, org.uscc, days_ago=100)
    unpublished = recorded_award(reg_actor, org.uscc, "宁政奖〔2026〕9号")
    request = repair_request(
        actor=Actor.for_user(build_user(Role.ORG_USER, organization=org)),
        publication=pub,
        statement="s",
        pledge="p",
        evidence=[EvidenceFile("a.pdf", PDF)],
    )
    page = signed_in(build_user(Role.REGULATOR, jurisdiction_code="3201")).get("/credit/cases/").content.decode()
    assert f"/credit/cases/repair/{request.pk}/" in page and f"/credit/cases/publication/{pub.pk}/" in page
    assert f"/credit/cases/fact/{unpublished.pk}/" in page and "/credit/cases/fact/new/" in page
    own_page = signed_in(build_user(Role.ORG_USER, organization=org)).get("/credit/cases/").content.decode()
    assert f"/credit/cases/repair/{request.pk}/" in own_page and f"/credit/cases/fact/{unpublished.pk}/" not in own_page


# --- in headless Chromium --------------------------------------------------------------------------------

NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_the_public_page_and_a_repair_from_request_to_decision(
    browser, transactional_db, live_server, shots, tmp_path
):
    org = build_org(name="鼓楼整改电器有限公司", region_code="320102")
    reg_user = build_user(Role.REGULATOR, username="reg-nanjing", jurisdiction_code="3201")
    reg_user.set_password("a-long-password-2026")
    reg_user.save()
    own_user = build_user(Role.ORG_USER, username="org-gulou", organization=org)
    own_user.set_password("a-long-password-2026")
    own_user.save()
    pub = penalty(Actor.for_user(reg_user), org.uscc, days_ago=100)
    award(Actor.for_user(reg_user), org.uscc)
    receipt = tmp_path / "缴款凭证.pdf"
    receipt.write_bytes(PDF)
    base, host = live_server.url, urlparse(live_server.url).netloc
    problems: list[str] = []

    def watch(tab) -> None:
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        tab.on(
            "request",
            lambda r: (
                problems.append(f"external request {r.url}")
                if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:")
                else None
            ),
        )

    def sign_in(tab, username: str) -> None:
        tab.goto(f"{base}/login/")
        tab.fill("#id_username", username)
        tab.fill("#id_password", "a-long-password-2026")
        tab.get_by_role("button", name="登录").click()
        tab.wait_for_load_state()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    watch(tab)
    try:
        tab.goto(f"{base}/credit/subject/{org.uscc}/")
        assert pub.summary in tab.locator("#penalties").inner_text()
        assert "南京市质量奖" in tab.locator("#awards").inner_text()
        tab.screenshot(path=str(shots / "credit-subject-published.png"), full_page=True)
        sign_in(tab, "org-gulou")
        tab.goto(f"{base}/credit/cases/publication/{pub.pk}/")
        tab.fill("#id_statement", "已缴清罚款，更换了全部标志")
        tab.fill("#id_pledge", "本单位承诺守法诚信经营")
        tab.set_input_files("#id_evidence", str(receipt))
        tab.screenshot(path=str(shots / "credit-repair-request.png"), full_page=True)
        tab.click("#repair button[type=submit]")
        tab.wait_for_url(f"{base}/credit/cases/repair/*/")
        assert "缴款凭证.pdf" in tab.locator("#evidence").inner_text()
    finally:
        context.close()
    request = RepairRequest.objects.get()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    watch(tab)
    try:
        sign_in(tab, "reg-nanjing")
        tab.goto(f"{base}/credit/cases/")
        tab.click(f"#repairs a[href='/credit/cases/repair/{request.pk}/']")
        tab.wait_for_url(f"{base}/credit/cases/repair/{request.pk}/")
        tab.click("#decide button[value=approve]")  # no reasons: refused by the service, said on the page
        tab.locator(".field-error").wait_for()
        tab.fill("#id_text", "罚款已缴清，材料属实")
        tab.screenshot(path=str(shots / "credit-repair-decide.png"), full_page=True)
        tab.click("#decide button[value=approve]")
        tab.wait_for_url(f"{base}/credit/cases/repair/{request.pk}/")
        assert "准予修复" in tab.locator(".page-head").inner_text()
        tab.goto(f"{base}/credit/subject/{org.uscc}/")
        assert pub.summary not in tab.locator("#penalties").inner_text()
        assert "本单位承诺守法诚信经营" in tab.locator("#pledges").inner_text()
        tab.screenshot(path=str(shots / "credit-subject-repaired.png"), full_page=True)
    finally:
        context.close()
    assert not problems, problems
