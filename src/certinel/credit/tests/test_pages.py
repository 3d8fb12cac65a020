"""The serious-violation list's public pages through real requests (and, marked `browser`, in
headless Chromium): the published list shows entries in force and nothing else, a subject's
page, the joint punishment check with its answers and errors, the signed answer that verifies
offline, both languages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.core.testing.browser import CHROMIUM, available
from certinel.core.testing.builders import actor_for, build_lab, build_org, build_user
from certinel.credit import services
from certinel.credit.answers import AnswerInvalid, check_answer
from certinel.credit.models import ListEntry
from certinel.registry.models import Organization
from certinel.transparency.note import Ed25519Signer

pytestmark = pytest.mark.django_db

ORIGIN = "certinel.test/log"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class World:
    listed: Organization
    removed: Organization
    clean: Organization
    entry: ListEntry
    lab_entry: ListEntry
    ended: ListEntry


def _list(actor, subject_uscc: str, n: int, *, served_days_ago: int = 40, listed_days_ago: int = 30) -> ListEntry:
    today = timezone.localdate()
    notice = services.notice_serve(
        actor=actor, uscc=subject_uscc, violation=f"伪造认证证书并出具虚假检验报告（第{n}次）",
        basis="《认证认可条例》第六十二条", penalty_decision_no=f"苏市监罚〔2026〕{n}号",
        penalty="罚款二十万元并吊销营业执照", authority="江苏省市场监督管理局",
        served_on=today - dt.timedelta(days=served_days_ago))
    return services.entry_decide(actor=actor, notice=notice, decision_no=f"苏市监严列〔2026〕{n}号",
                                 listed_on=today - dt.timedelta(days=listed_days_ago))


def build_world() -> World:
    regulator = actor_for(build_user(Role.REGULATOR, jurisdiction_code="32"))
    listed = build_org(name="金陵伪证制造有限公司", region_code="320102")
    removed = build_org(name="秦淮已移出贸易有限公司", region_code="320104")
    clean = build_org(name="守信精密机械有限公司", region_code="320102")
    lab = build_lab(name="栖霞虚假检测技术有限公司", region_code="320113")
    entry = _list(regulator, listed.uscc, 1)
    ended = _list(regulator, listed.uscc, 2, served_days_ago=60, listed_days_ago=50)
    services.entry_annul(actor=regulator, entry=ended, reason="行政处罚决定已被撤销")
    gone = _list(regulator, removed.uscc, 3)
    services.entry_annul(actor=regulator, entry=gone, reason="行政处罚决定已被撤销")
    lab_entry = _list(regulator, lab.uscc, 4)
    return World(listed, removed, clean, entry, lab_entry, ListEntry.objects.get(pk=ended.pk))


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def signer(settings, monkeypatch) -> Ed25519Signer:
    for name in ("CERTINEL_LOG_SIGNING_KEY", "CERTINEL_LOG_SIGNING_KEY_FILE", "CERTINEL_LOG_VERIFIER_KEYS",
                 "CERTINEL_LOG_ORIGIN"):
        monkeypatch.delenv(name, raising=False)
    key = Ed25519Signer.generate(ORIGIN)
    settings.CERTINEL_LOG_ORIGIN = ORIGIN
    settings.CERTINEL_LOG_SIGNING_KEY = key.signer_key
    settings.CERTINEL_LOG_SIGNING_KEY_FILE = ""
    settings.CERTINEL_LOG_VERIFIER_KEYS = ""
    return key


@pytest.fixture
def no_signer(settings, monkeypatch) -> None:
    for name in ("CERTINEL_LOG_SIGNING_KEY", "CERTINEL_LOG_SIGNING_KEY_FILE", "CERTINEL_LOG_VERIFIER_KEYS"):
        monkeypatch.delenv(name, raising=False)
        setattr(settings, name, "")


def get(path: str, lang: str = "zh-hans", **params) -> tuple[int, str]:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = client.get(path, params)
    return response.status_code, response.content.decode()


def broken(code: str) -> str:
    """The code with a wrong check character."""
    return code[:17] + ("0" if code[17] != "0" else "1")


# --- The list ----------------------------------------------------------------------------------


def test_the_list_publishes_entries_in_force_only(world):
    status, html = get("/credit/")
    assert status == 200
    assert "金陵伪证制造有限公司" in html and world.listed.uscc in html and "栖霞虚假检测技术有限公司" in html
    for shown in ("苏市监严列〔2026〕1号", "苏市监罚〔2026〕1号", "罚款二十万元并吊销营业执照", "江苏省市场监督管理局",
                  "伪造认证证书并出具虚假检验报告（第1次）", world.entry.listed_on.isoformat(),
                  world.entry.earliest_removal_on.isoformat(), world.entry.expires_on.isoformat(), "列入中",
                  "获证组织", "检验检测机构"):
        assert shown in html, shown
    # Annulled entries are no longer published: neither the other subject nor the ended entry.
    assert "秦淮已移出贸易有限公司" not in html and world.removed.uscc not in html
    assert "苏市监严列〔2026〕2号" not in html and "苏市监严列〔2026〕3号" not in html
    # What the list is, its source and its periods (from list_policy.csv: 12 and 36 months).
    assert "国家市场监督管理总局令第44号" in html and "12 个月" in html and "36 个月" in html
    assert f'href="/credit/subject/{world.listed.uscc}/"' in html


def test_the_list_filters_by_name_code_and_region(world):
    _status, html = get("/credit/", q="金陵伪证")
    assert "金陵伪证制造有限公司" in html and "栖霞虚假检测技术有限公司" not in html
    _status, html = get("/credit/", q=world.lab_entry.uscc.lower())
    assert "栖霞虚假检测技术有限公司" in html and "金陵伪证制造有限公司" not in html
    _status, html = get("/credit/", region="320113")
    assert "栖霞虚假检测技术有限公司" in html and "金陵伪证制造有限公司" not in html
    _status, html = get("/credit/", region="11")
    assert "没有符合条件的结果" in html
    status, html = get("/credit/", region="3")
    assert status == 200 and "区划代码应为两位" in html


def test_the_list_pages(world):
    _status, html = get("/credit/", page_size="1")
    assert "第 1 / 2 页" in html and 'rel="next"' in html
    _status, html = get("/credit/", page_size="1", page="2")
    assert "第 2 / 2 页" in html and 'rel="prev"' in html


def test_the_list_answers_htmx_with_its_results_only(world):
    response = Client().get("/credit/", {"q": "金陵"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "金陵伪证制造有限公司" in html


# --- A subject's page ----------------------------------------------------------------------------


def test_a_listed_subjects_page_shows_its_entries_in_force_and_counts_the_ended(world):
    status, html = get(f"/credit/subject/{world.listed.uscc}/")
    assert status == 200
    assert "金陵伪证制造有限公司" in html and "苏市监严列〔2026〕1号" in html and "在严重违法失信名单中" in html
    assert "《认证认可条例》第六十二条" in html and world.entry.expires_on.isoformat() in html
    # The annulled entry is counted, not shown.
    assert "苏市监严列〔2026〕2号" not in html and "第2次" not in html and "另有 1 条已移出" in html


def test_a_removed_subjects_page_says_it_is_not_listed_and_shows_nothing_of_it(world):
    status, html = get(f"/credit/subject/{world.removed.uscc.lower()}/")
    assert status == 200
    assert "该主体目前不在严重违法失信名单中" in html and "另有 1 条已移出" in html
    assert "苏市监严列〔2026〕3号" not in html and "罚款二十万元" not in html
    _status, html = get(f"/credit/subject/{world.clean.uscc}/")
    assert "守信精密机械有限公司" in html and "不在严重违法失信名单中" in html and "已移出" not in html


def test_a_code_that_is_not_one_has_no_page(world):
    assert get(f"/credit/subject/{broken(world.clean.uscc)}/")[0] == 404
    assert get("/credit/subject/ABC/")[0] == 404


# --- The check -----------------------------------------------------------------------------------


def test_the_check_form(world, signer):
    status, html = get("/credit/check/")
    assert status == 200 and 'name="codes"' in html and 'name="purpose"' in html and 'method="get"' in html
    for label in ("行政许可", "政府采购", "工程招投标", "表彰奖励", "财政资金与政策扶持", "告知承诺", "重点监管"):
        assert label in html
    assert "核查结果：" not in html
    assert "certinel credit check-answer" in html and "/log/key" in html


def test_the_check_answers_eligible_and_not_eligible(world, signer):
    codes = f"{world.clean.uscc}\n\n {world.listed.uscc.lower()} \n"
    status, html = get("/credit/check/", codes=codes, purpose="procurement")
    assert status == 200 and "核查结果：政府采购" in html
    results = html.split('id="results"')[1]
    assert results.index(world.clean.uscc) < results.index(world.listed.uscc)
    assert "符合条件" in results and "不符合条件" in results and "其中 1 个不符合条件" in results
    assert "在审查行政许可、资质、资格" in results and "SAMR Order No. 44" in results
    assert world.entry.expires_on.isoformat() in results and "苏市监严列〔2026〕1号" in results
    # The removed subject is eligible again.
    _status, html = get("/credit/check/", codes=world.removed.uscc, purpose="procurement")
    assert "其中 0 个不符合条件" in html and "不符合条件</span>" not in html
    # A purpose no measure of the entry names.
    _status, html = get("/credit/check/", codes=world.listed.uscc, purpose="awards", lang="en")
    assert "Not awarded honorary titles" in html and "Not eligible" in html and "Awards and commendations" in html


def test_the_check_names_each_bad_code_with_its_position_and_reason(world, signer):
    bad = broken(world.clean.uscc)
    status, html = get("/credit/check/", codes=f"{world.listed.uscc}\n{bad}\nABC", purpose="licensing")
    assert status == 200 and 'id="results"' not in html
    assert f"第 2 行 {bad}：第18位：校验码应为" in html
    assert "第 3 行 ABC：第1位：登记管理部门代码" in html or "第 3 行 ABC：第" in html
    assert "2 行不是有效的统一社会信用代码" in html
    _status, html = get("/credit/check/", codes=bad, purpose="licensing", lang="en")
    assert f"Line 1, {bad}: position 18: check character should be" in html


def test_the_check_refuses_an_unknown_purpose_and_no_codes(world, signer):
    status, html = get("/credit/check/", codes=world.listed.uscc, purpose="lottery")
    assert status == 200 and "没有这一核查用途" in html and 'id="results"' not in html
    _status, html = get("/credit/check/", codes="\n  \n", purpose="licensing")
    assert "请至少输入一个统一社会信用代码" in html
    _status, html = get("/credit/check/", codes=world.listed.uscc, purpose="")
    assert "请选择核查用途" in html


def test_the_signed_answer_verifies_offline(world, signer):
    query = {"codes": f"{world.clean.uscc}\n{world.listed.uscc}", "purpose": "procurement"}
    _status, html = get("/credit/check/", **query)
    link = re.search(r'href="(/credit/check/answer/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    response = Client().get(link)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="credit-answer-{day}.txt"'
    note = response.content
    checked = check_answer(note, vkey=signer.verifier.vkey)
    assert checked.register == ORIGIN
    assert [(a["uscc"], a["eligible"], a["purpose"]) for a in checked.answers] == [
        (world.clean.uscc, True, "procurement"), (world.listed.uscc, False, "procurement")]
    assert checked.answers[1]["measures"][0]["until"] == world.entry.expires_on.isoformat()
    # The key the page names is the one /log/key publishes, and it verifies the file.
    published = Client().get("/log/key").content.decode().strip()
    assert published == signer.verifier.vkey and published in html
    assert check_answer(note, vkey=published).answers == checked.answers
    with pytest.raises(AnswerInvalid):
        check_answer(note.replace(b'"eligible":false', b'"eligible":true'), vkey=published)
    with pytest.raises(AnswerInvalid):
        check_answer(note, vkey=Ed25519Signer.generate(ORIGIN).verifier.vkey)


def many_codes(n: int) -> list[str]:
    import random

    from certinel.reference.generators import make_uscc

    rng = random.Random(44)
    return [make_uscc("320102", rng) for _ in range(n)]


def test_a_long_list_is_checked_by_post_and_its_answer_signed_by_post(world, signer):
    codes = [*many_codes(1500), world.listed.uscc]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/credit/check/", {"codes": "\r\n".join(codes), "purpose": "tendering"})
    html = response.content.decode()
    assert response.status_code == 200 and "核查 1501 个代码，其中 1 个不符合条件" in html
    # The table lists only the code that is not eligible.
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert world.listed.uscc in table and codes[0] not in table and "下表只列出不符合条件的 1 个代码" in html
    # The download is a form that sends the codes again (an address would be too long).
    assert 'action="/credit/check/answer/"' in html and "/credit/check/answer/?" not in html
    sent = re.search(r'<textarea name="codes" hidden>([^<]*)</textarea>', html).group(1)
    response = client.post("/credit/check/answer/", {"codes": sent, "purpose": "tendering"})
    checked = check_answer(response.content, vkey=signer.verifier.vkey)
    assert len(checked.answers) == 1501 and [a["uscc"] for a in checked.answers if not a["eligible"]] == [
        world.listed.uscc]


def test_more_than_ten_thousand_codes_are_refused(world, signer):
    codes = many_codes(10_001)
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post("/credit/check/", {"codes": "\n".join(codes),
                                                                           "purpose": "tendering"})
    html = response.content.decode()
    assert "一次最多核查 10,000 个代码，您输入了 10,001 个" in html and 'id="results"' not in html


def test_a_subject_pages_link_fills_the_form_without_checking(world, signer):
    _status, html = get(f"/credit/subject/{world.listed.uscc}/")
    assert f'href="/credit/check/?codes={world.listed.uscc}"' in html
    status, html = get("/credit/check/", codes=world.listed.uscc)
    assert status == 200 and world.listed.uscc in html and 'id="results"' not in html
    assert "请选择核查用途" not in html and "field-error" not in html


def test_the_signed_answer_needs_a_valid_query(world, signer):
    response = Client().get("/credit/check/answer/", {"codes": broken(world.listed.uscc), "purpose": "licensing"})
    assert response.status_code == 400 and "校验码应为" in response.content.decode()


def test_without_a_signing_key_the_check_says_so_instead_of_failing(world, no_signer):
    query = {"codes": world.listed.uscc, "purpose": "procurement"}
    status, html = get("/credit/check/", **query)
    assert status == 200 and "不符合条件" in html
    assert "暂时无法下载签名的核查结果" in html and "/credit/check/answer/" not in html
    response = Client().get("/credit/check/answer/", query, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503 and "尚未配置透明日志的签名密钥" in response.content.decode()
    assert "不符合条件" in response.content.decode()


# --- Both languages ------------------------------------------------------------------------------


def test_the_pages_in_english_have_no_chinese_words_of_their_own(world, signer):
    from django.apps import apps

    from certinel.credit.policy import measures
    from certinel.portal.tests.test_english import Data, _strings, texts_of

    bad = broken(world.clean.uscc)
    # What the register holds is data: the entries, the reference lists' names that have no
    # English name (the region suggestions), the measures' legal sources (titles of laws).
    values = [v for e in ListEntry.objects.all() for v in (
        e.subject_name, e.violation, e.basis, e.penalty, e.penalty_decision_no, e.authority, e.decision_no)]
    values += [v for m in apps.get_app_config("reference").get_models() for v in _strings(m, translated_names=False)]
    values += [m.basis for m in measures()]
    data = Data(values)
    pages = ["/credit/", "/credit/?q=ABC", "/credit/?region=3", f"/credit/subject/{world.listed.uscc}/",
             f"/credit/subject/{world.removed.uscc}/", "/credit/check/",
             "/credit/check/?" + urlencode({"codes": f"{world.clean.uscc}\n{world.listed.uscc}", "purpose": "awards"}),
             "/credit/check/?" + urlencode({"codes": f"{bad}\nX", "purpose": "x"})]
    problems = []
    for path in pages:
        status, html = get(path, lang="en")
        assert status == 200, path
        assert '>Serious violations</a>' in html  # the navigation
        for text in texts_of(html):
            left = data.uncovered(text) if CJK.search(text) else ""
            if left and text != "中文" and "简体中文" not in text:
                problems.append(f"{path}: {text[:120]!r} ({left})")
    assert not problems, "\n".join(dict.fromkeys(problems))
    _status, html = get("/credit/", lang="en")
    assert "SAMR Order No. 44" in html and "12 months" in html and "36 months" in html


def test_the_navigation_lists_the_pages(world):
    _status, html = get("/")
    assert '<a href="/credit/">失信名单</a>' in html
    for page in ("/credit/", "/credit/check/"):
        _status, html = get(page)
        assert '<a href="/credit/" aria-current="page">失信名单</a>' in html
    _status, html = get("/credit/")
    assert 'href="/credit/check/"' in html


# --- In headless Chromium ------------------------------------------------------------------------
# Screenshots go to a temporary folder (CERTINEL_SCREENSHOTS names another).

NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."




@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_a_buyer_checks_suppliers_and_keeps_the_signed_answer(browser, transactional_db, live_server,
                                                                        shots, signer):
    world = build_world()
    base, host = live_server.url, urlparse(live_server.url).netloc
    problems: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    tab.on("request", lambda r: problems.append(f"external request {r.url}")
           if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
    try:
        tab.goto(f"{base}/")
        tab.click("nav.site-nav a[href='/credit/']")
        tab.wait_for_url(f"{base}/credit/")
        tab.click("main a[href='/credit/check/']")
        tab.wait_for_url(f"{base}/credit/check/")
        tab.fill("#id_codes", f"{world.clean.uscc}\n{world.listed.uscc}\n{broken(world.removed.uscc)}")
        tab.select_option("#id_purpose", "procurement")
        tab.click("form.credit-form button[type=submit]")
        tab.locator("#bad-codes").wait_for()
        assert "第 3 行" in tab.locator("#bad-codes").inner_text()
        tab.screenshot(path=str(shots / "credit-check-bad-code.png"), full_page=True)
        tab.fill("#id_codes", f"{world.clean.uscc}\n{world.listed.uscc}")
        tab.click("form.credit-form button[type=submit]")
        tab.locator("#results").wait_for()
        results = tab.locator("#results").inner_text()
        assert "核查结果：政府采购" in results and "不符合条件" in results and "符合条件" in results
        tab.screenshot(path=str(shots / "credit-check.png"), full_page=True)
        with tab.expect_download() as info:
            tab.click("#results a[download]")
        download = info.value
        assert download.suggested_filename == f"credit-answer-{timezone.localdate().isoformat()}.txt"
        note = Path(download.path()).read_bytes()
        checked = check_answer(note, vkey=signer.verifier.vkey)
        assert [a["eligible"] for a in checked.answers] == [True, False]
        tab.click(f"#results a[href='/credit/subject/{world.listed.uscc}/']")
        tab.wait_for_url(f"{base}/credit/subject/{world.listed.uscc}/")
        assert "苏市监严列〔2026〕1号" in tab.content()
        tab.screenshot(path=str(shots / "credit-subject.png"), full_page=True)
        tab.goto(f"{base}/credit/")
        tab.screenshot(path=str(shots / "credit-list.png"), full_page=True)
        # A list too long for an address goes by POST (the script switches the form), and its
        # signed answer too.
        tab.goto(f"{base}/credit/check/")
        tab.fill("#id_codes", "\n".join([*many_codes(400), world.listed.uscc]))
        tab.select_option("#id_purpose", "supervision")
        tab.click("form.credit-form button[type=submit]")
        tab.locator("#results").wait_for()
        assert tab.url == f"{base}/credit/check/"
        assert "核查 401 个代码，其中 1 个不符合条件" in tab.locator("#results").inner_text()
        with tab.expect_download() as info:
            tab.click("#results form button[type=submit]")
        checked = check_answer(Path(info.value.path()).read_bytes(), vkey=signer.verifier.vkey)
        assert len(checked.answers) == 401 and checked.answers[-1]["eligible"] is False
    finally:
        context.close()
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    try:
        query = urlencode({"codes": f"{world.clean.uscc}\n{world.listed.uscc}", "purpose": "licensing"})
        tab.goto(f"{base}/credit/check/?{query}")
        results = tab.locator("#results").inner_text()
        assert "Result: Administrative licensing" in results and "Not eligible" in results
        tab.screenshot(path=str(shots / "credit-check-en.png"), full_page=True)
    finally:
        context.close()
    assert not problems, problems
