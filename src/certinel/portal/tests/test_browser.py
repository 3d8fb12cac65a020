"""The portal in headless Chromium against a live server: search in Chinese as you type,
open a detail page, switch the language, work without JavaScript, a regulator's decision, the
API documentation offline. Screenshots go to a temporary folder (CERTINEL_SCREENSHOTS names
another)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from certinel.core.testing.browser import CHROMIUM, available

from .data import PASSWORD, build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not available(), reason=f"Chromium is not installed at {CHROMIUM}: install Debian's "
                                               "'chromium' package (make browser) to run the browser tests."),
]




@pytest.fixture
def site(transactional_db, live_server):
    world = build_world()
    return live_server.url, world


@pytest.fixture
def page_for(browser, site):
    """A new page (zh-CN unless told), failing the test on a CSP violation or a request that
    leaves the live server."""
    base, _world = site
    host = urlparse(base).netloc
    problems: list[str] = []
    contexts = []

    def make(locale: str = "zh-CN", **options):
        context = browser.new_context(locale=locale, viewport=options.pop("viewport", {"width": 1280, "height": 900}),
                                      **options)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("request", lambda r: problems.append(f"external request {r.url}")
                if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


def test_search_in_chinese_as_you_type_then_open_the_organization(site, page_for, shots):
    base, world = site
    page = page_for()
    page.goto(base + "/")
    assert page.evaluate("typeof window.htmx") == "object", "htmx is served from static files"
    header = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header == "rgb(11, 74, 139)", "portal.css is served"
    page.locator("#q").press_sequentially("星河", delay=60)
    result = page.locator("#search-results a", has_text="南京星河精密科技有限公司")
    result.wait_for()
    assert "/search/?q=" in page.url  # the address follows the search, so back and reload work
    page.screenshot(path=shots / "search-zh.png", full_page=True)

    result.click()
    page.wait_for_url(f"**/organizations/{world.org.uscc}/")
    assert page.locator("h1").inner_text() == "南京星河精密科技有限公司"
    assert page.get_by_text("南京星河电子有限公司").is_visible()
    assert page.get_by_text("联系方式属于非公开信息").is_visible()
    page.screenshot(path=shots / "organization-zh.png", full_page=True)


def test_switch_the_language(site, page_for, shots):
    base, world = site
    page = page_for()
    page.goto(f"{base}/bodies/{world.body.approval_no}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert not page.locator(".lang-form button").is_visible(), "the select submits itself with JavaScript"
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Approved scopes").is_visible()
    assert page.get_by_role("link", name="Certified organizations").is_visible()
    page.screenshot(path=shots / "body-en.png", full_page=True)
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.get_by_role("heading", name="批准的认证范围").is_visible()


def test_pages_work_without_javascript(site, page_for, shots):
    base, _world = site
    page = page_for(java_script_enabled=False)
    page.goto(base + "/")
    page.fill("#q", "青禾")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**/search/?q=*")
    page.get_by_role("link", name="苏州青禾检测技术有限公司").click()
    assert page.get_by_role("heading", name="资质认定范围").is_visible()
    assert page.get_by_text("水泥胶砂强度").is_visible()
    page.screenshot(path=shots / "lab-zh-nojs.png", full_page=True)
    page.get_by_role("button", name="切换").wait_for()
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def test_filters_explain_errors_on_a_phone(site, page_for, shots):
    base, _world = site
    page = page_for(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(base + "/organizations/?region=3x&q=星")
    assert page.get_by_text("区划代码应为两位（省）、四位（市）或六位（区县）数字").first.is_visible()
    assert page.get_by_text("请至少输入两个字符").first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
    page.screenshot(path=shots / "organizations-errors-mobile.png", full_page=True)
    page.fill("#f-region", "3201")
    page.fill("#f-q", "示例")
    page.get_by_role("button", name="筛选").click()
    page.get_by_text("南京示例机械制造有限公司").first.wait_for()
    assert page.get_by_text("区划代码应为两位").count() == 0
    page.select_option("#f-size", "small")  # a choice applies at once, keeping the typed text
    page.get_by_text("没有符合条件的结果").wait_for()
    assert page.input_value("#f-q") == "示例" and "size=small" in page.url
    page.screenshot(path=shots / "organizations-mobile.png", full_page=True)


def test_a_regulator_suspends_a_body(site, page_for, shots):
    base, world = site
    page = page_for()
    page.goto(base + "/login/")
    page.fill("#id_username", world.users["regulator"].username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{base}/bodies/{world.body.approval_no}/decide/")
    page.get_by_label("暂停").check()
    page.get_by_label("理由").fill("监督检查发现审核记录不实")
    page.screenshot(path=shots / "decide-zh.png", full_page=True)
    page.get_by_role("button", name="确认决定").click()
    page.wait_for_url(f"**/bodies/{world.body.approval_no}/")
    assert page.locator(".status-block .badge").inner_text() == "暂停"
    assert page.get_by_text("已暂停：江苏恒信质量认证中心有限公司。").is_visible()
    page.goto(base + "/changes/")
    assert page.locator("#list-results").get_by_text("认证机构暂停").first.is_visible()
    page.screenshot(path=shots / "changes-zh.png", full_page=True)


def test_the_api_documentation_renders_offline(site, page_for, shots, settings):
    base, _world = site
    if "ninja" not in settings.INSTALLED_APPS:  # the deployment needs it; see docs/api.md
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "ninja"]
    page = page_for()
    page.goto(base + "/api/v1/docs")
    page.locator(".opblock").first.wait_for(timeout=15000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/organizations").count() >= 1
    page.screenshot(path=shots / "api-docs.png", full_page=False)
