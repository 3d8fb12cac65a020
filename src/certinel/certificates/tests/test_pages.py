"""The public certificate pages through real requests (and, marked `browser`, in headless
Chromium): search, one certificate with its QR code, verification and the QR landing, a
body's and an organization's certificates, exports, errors, both languages."""

from __future__ import annotations

import io
import re

import pytest

from .test_search import TODAY, World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


def page(client, url: str, *, lang: str = "zh-hans", **params):
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=lang)
    return response, response.content.decode()


def test_search_page_lists_the_newest_with_filters(client, world):
    response, html = page(client, "/certificates/")
    assert response.status_code == 200
    assert "证书查询" in html and html.count('href="/certificates/') >= 6
    assert 'name="q"' in html and 'name="status"' in html and 'name="issued_from"' in html


def test_search_by_two_chinese_characters(client, world):
    _response, html = page(client, "/certificates/", q="华盛")
    assert "共 4 张证书" in html
    assert "TQ2401002E" in html and "WQ2404005Q" in html and "TQ2203004Q" not in html


def test_search_results_only_for_htmx(client, world):
    response = client.get("/certificates/", {"q": "纺织"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "TQ2203004Q" in html
    assert "HX-Request" in response["Vary"]


def test_search_errors_are_shown_in_the_readers_language(client, world):
    _response, zh = page(client, "/certificates/", q="华", region="3")
    assert "请至少输入两个字符" in zh and "区划代码应为两位" in zh
    _response, en = page(client, "/certificates/", lang="en", issued_from="2024-05-02", issued_to="2024-05-01")
    assert 'lang="en"' in en


def test_certificate_page_with_qr_code_and_trail(client, world):
    cert = world.certs["hs_ems"]
    response, html = page(client, f"/certificates/{cert.pk}/")
    assert response.status_code == 200
    assert "TQ2401002E" in html and "监督审核发现严重不符合" in html and "李主任" in html
    assert "<svg" in html and 'class="qr"' in html and "<script" not in html.split("<main", 1)[1]
    assert "/verify/TQ2401002E" in html
    assert "暂停至" in html or "暂停" in html
    assert world.east.approval_no in html


def test_qr_code_encodes_the_verification_address(client, world, settings):
    import segno

    settings.CERTINEL_PUBLIC_URL = "https://certs.example.cn"
    from certinel.certificates.views import qr_svg

    def modules(svg: str) -> str:
        return re.findall(r' d="([^"]+)"', svg)[-1]

    url = "https://certs.example.cn/verify/TQ2401002E"
    expected = modules(segno.make(url, error="m").svg_inline(scale=4, border=2))
    assert modules(str(qr_svg(url))) == expected
    assert modules(str(qr_svg(url + "X"))) != expected
    _response, html = page(client, f"/certificates/{world.certs['hs_ems'].pk}/")
    assert url in html and modules(html.split('class="qr"', 1)[1]) == expected


def test_unknown_certificate_page_is_404(client, world):
    assert client.get("/certificates/999999/").status_code == 404


def test_verify_page_genuine(client, world):
    _response, html = page(client, "/verify/", number="TQ2401001Q", holder="测试华盛电子有限公司")
    assert 'data-outcome="valid"' in html and "证书真实有效" in html
    assert "另有 1 个机构使用同一编号" in html


def test_verify_page_mismatch_in_red(client, world):
    _response, html = page(client, "/verify/", number="WQ2404005Q", holder="测试宏达机电有限公司")
    assert 'data-outcome="mismatch"' in html and "verdict-bad" in html
    assert "上海测试华盛贸易有限公司" in html and "测试宏达机电有限公司" in html and "相似程度" in html


def test_verify_page_not_found_explains(client, world):
    _response, html = page(client, "/verify/", number="NOPE-0001", holder="华盛电子")
    assert 'data-outcome="not_found"' in html
    for text in ("尚未报送", "输入有误", "伪造", "不在本平台登记范围", "12315"):
        assert text in html
    assert world.huasheng.uscc in html


def test_verify_page_several(client, world):
    _response, html = page(client, "/verify/", number="TQ2401001Q")
    assert 'data-outcome="several"' in html and html.count('class="check-head"') == 2


def test_verify_page_not_valid(client, world):
    _response, html = page(client, "/verify/", number="TQ2302003Q")
    assert 'data-outcome="not_valid"' in html and "冒用认证标志" in html


def test_qr_landing_is_prefilled_and_checks_at_once(client, world):
    _response, html = page(client, "/verify/WQ2404005Q")
    assert 'value="WQ2404005Q"' in html and "您通过二维码打开了本页" in html
    assert 'data-outcome="valid"' in html and "您没有输入供应商名称" in html


def test_verify_page_without_a_question(client, world):
    _response, html = page(client, "/verify/")
    assert "证书核验" in html and "data-outcome" not in html and "核验看什么" in html
    _response, html = page(client, "/verify/", holder="测试")
    assert "请输入证书编号" in html or "请填写此项" in html


def test_verify_partial_for_htmx(client, world):
    response = client.get("/verify/", {"number": "WQ2404005Q"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'data-outcome="valid"' in html


def test_body_certificates_page(client, world):
    response, html = page(client, f"/bodies/{world.east.approval_no}/certificates/")
    assert response.status_code == 200
    assert "TQ2401002E" in html and "WQ2404005Q" not in html
    assert 'name="body"' not in html
    _response, html = page(client, f"/bodies/{world.east.approval_no}/certificates/", status="revoked")
    assert "TQ2302003Q" in html and "TQ2401002E" not in html
    assert client.get("/bodies/CNCA-R-1999-999/certificates/").status_code == 404


def test_organization_certificates_page(client, world):
    response, html = page(client, f"/organizations/{world.huasheng.uscc}/certificates/")
    assert response.status_code == 200
    assert "TQ2401001Q" in html and "TQ2401002E" in html
    _response, html = page(client, f"/organizations/{world.jinggong.uscc}/certificates/")
    assert "南京测试精工机械有限公司" in html          # the former name is shown
    assert client.get("/organizations/91000000000000000X/certificates/").status_code == 404


def test_english_pages(client, world):
    for url in ("/certificates/", f"/certificates/{world.certs['hs_qms'].pk}/", "/verify/WQ2404005Q",
                f"/bodies/{world.east.approval_no}/certificates/",
                f"/organizations/{world.huasheng.uscc}/certificates/"):
        response, html = page(client, url, lang="en")
        assert response.status_code == 200, url
        assert 'lang="en"' in html


def test_export_csv_and_excel(client, world):
    response = client.get("/certificates/export/", {"region": "3201", "format": "csv"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("证书编号,") and len(text.splitlines()) == 4
    response = client.get("/certificates/export/", {"q": "华盛", "format": "xlsx"})
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号" and len(rows) == 5
    assert client.get("/certificates/export/", {"q": "华"}).status_code == 400


def test_export_links_carry_the_filters(client, world):
    _response, html = page(client, "/certificates/", q="华盛", status="valid")
    assert "/certificates/export/?q=%E5%8D%8E%E7%9B%9B&amp;status=valid&amp;format=csv" in html


def test_pages_send_no_inline_script(client, world):
    for url in ("/certificates/", "/verify/WQ2404005Q", f"/certificates/{world.certs['hs_qms'].pk}/"):
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (url, tag)
        assert " on" + "click=" not in html


def test_dates_in_the_future_are_fine_for_filters(client, world):
    later = TODAY.replace(year=TODAY.year + 10)
    _response, html = page(client, "/certificates/", expires_from=str(later))
    assert "没有符合条件的证书" in html


# --- in headless Chromium ------------------------------------------------------------------------
# Screenshots go to a temporary folder (CERTINEL_SCREENSHOTS names another).

from urllib.parse import urlparse  # noqa: E402

from certinel.core.testing.browser import CHROMIUM, available  # noqa: E402

NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."




@pytest.fixture
def site(transactional_db, live_server):
    return live_server.url, build_world()


@pytest.fixture
def page_for(browser, site):
    """A new page (zh-CN unless told), failing the test on a CSP violation, a script error or
    a request that leaves the live server."""
    base, _world = site
    host = urlparse(base).netloc
    problems: list[str] = []
    contexts = []

    def make(locale: str = "zh-CN", **options):
        context = browser.new_context(locale=locale, viewport=options.pop("viewport", {"width": 1280, "height": 900}),
                                      **options)
        contexts.append(context)
        tab = context.new_page()
        tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.on("request", lambda r: problems.append(f"external request {r.url}")
               if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
        return tab

    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


def _verify(tab, base: str, number: str, holder: str = "") -> None:
    tab.goto(f"{base}/verify/")
    tab.fill("#v-number", number)
    tab.fill("#v-holder", holder)
    tab.click(".verify-form button[type=submit]")


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_verify_genuine(page_for, site, shots):
    base, _world = site
    tab = page_for()
    _verify(tab, base, "TQ2401001Q", "测试华盛电子有限公司")
    banner = tab.locator("[data-outcome=valid]")
    banner.wait_for()
    assert "证书真实有效" in banner.inner_text()
    assert "/verify/?number=TQ2401001Q" in tab.url            # htmx pushed the address: it can be shared
    assert tab.locator("article.check").count() == 1
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(227, 244, 232)"
    tab.screenshot(path=str(shots / "verify-genuine.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_verify_mismatch_is_red(page_for, site, shots):
    base, _world = site
    tab = page_for()
    _verify(tab, base, "WQ2404005Q", "测试宏达机电有限公司")
    banner = tab.locator("[data-outcome=mismatch]")
    banner.wait_for()
    text = banner.inner_text()
    assert "不一致" in text and "上海测试华盛贸易有限公司" in text and "测试宏达机电有限公司" in text
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(253, 230, 230)"
    assert banner.locator("h2").evaluate("e => getComputedStyle(e).color") == "rgb(163, 22, 26)"
    assert banner.get_attribute("role") == "alert"
    tab.screenshot(path=str(shots / "verify-mismatch.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_verify_not_found(page_for, site, shots):
    base, _world = site
    tab = page_for()
    _verify(tab, base, "TQ9999999Q", "华盛电子")
    banner = tab.locator("[data-outcome=not_found]")
    banner.wait_for()
    for text in ("未找到这张证书", "尚未报送", "输入有误", "伪造", "12315"):
        assert text in banner.inner_text()
    assert tab.locator("text=测试华盛电子有限公司").count() >= 1          # a suggestion to compare with
    tab.screenshot(path=str(shots / "verify-not-found.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_qr_landing_on_a_phone(page_for, site, shots):
    base, _world = site
    tab = page_for(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab.goto(f"{base}/verify/TQ2401002E")
    tab.locator("[data-outcome=not_valid]").wait_for()
    assert tab.input_value("#v-number") == "TQ2401002E"
    assert tab.evaluate("document.activeElement.id") == "v-holder"
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    tab.screenshot(path=str(shots / "qr-landing-phone.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_search_two_chinese_characters(page_for, site, shots):
    base, _world = site
    tab = page_for()
    tab.goto(f"{base}/certificates/")
    tab.fill("#f-q", "华盛")
    tab.click(".filters button[type=submit]")
    tab.wait_for_url("**q=%E5%8D%8E%E7%9B%9B**")
    tab.locator("#cert-results").get_by_text("共 4 张证书").wait_for()
    rows = tab.locator("#cert-results tbody tr")
    assert rows.count() == 4
    assert "TQ2203004Q" not in tab.locator("#cert-results").inner_text()
    tab.select_option("#f-status", "suspended")                   # a change filters at once
    tab.locator("#cert-results").get_by_text("共 1 张证书").wait_for()
    tab.screenshot(path=str(shots / "search-two-characters.png"), full_page=True)
    tab.locator("#cert-results a", has_text="TQ2401002E").click()
    tab.wait_for_url("**/certificates/*/")
    assert tab.locator("svg.qr").count() == 1
    tab.screenshot(path=str(shots / "certificate-detail.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_english_and_the_lists(page_for, site, shots):
    base, world = site
    tab = page_for(locale="en-US")
    tab.goto(f"{base}/verify/WQ2404005Q")
    tab.locator("[data-outcome=valid]").wait_for()
    assert tab.evaluate("document.documentElement.lang") == "en"
    tab.screenshot(path=str(shots / "verify-english.png"), full_page=True)
    tab.goto(f"{base}/bodies/{world.east.approval_no}/certificates/")
    assert tab.locator("tbody tr").count() == 4
    tab.screenshot(path=str(shots / "body-certificates-english.png"), full_page=True)
    zh = page_for()
    zh.goto(f"{base}/organizations/{world.huasheng.uscc}/certificates/")
    assert zh.locator("tbody tr").count() == 2
    zh.screenshot(path=str(shots / "organization-certificates.png"), full_page=True)
