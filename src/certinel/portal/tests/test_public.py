"""The public pages through the test client: they render for everyone, search finds what it
should (two Chinese characters, codes), filters explain their errors, private data stays
private."""

from __future__ import annotations

import re

import pytest
from django.test import Client

ROLES = ["regulator", "regulator_far", "cb_operator", "lab_operator", "org_user", "admin"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


def pages(world) -> list[str]:
    return ["/", "/search/?q=星河", "/search/?q=星", "/bodies/", "/labs/", "/organizations/",
            "/organizations/?q=示例&region=32&page_size=2", f"/bodies/{world.body.approval_no}/",
            f"/labs/{world.lab.cma_no}/", f"/organizations/{world.org.uscc}/", f"/bodies/{world.body_far.pk}/"]


@pytest.mark.parametrize("who", [None, *ROLES])
def test_every_public_page_renders_for_everyone(db, world, client_for, who):
    client = client_for(who) if who else Client()
    for url in pages(world):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="zh-Hans">' in html
        assert not INLINE_SCRIPT.search(html), f"inline script on {url}"
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_search_with_two_chinese_characters(db, world):
    html = Client().get("/search/", {"q": "星河"}).content.decode()
    assert "南京星河精密科技有限公司" in html
    assert f"/organizations/{world.org.uscc}/" in html


def test_search_finds_former_names_and_all_kinds(db, world):
    html = Client().get("/search/", {"q": "电子"}).content.decode()
    assert "南京星河精密科技有限公司" in html  # known as 南京星河电子有限公司 before
    html = Client().get("/search/", {"q": "远方"}).content.decode()
    for name in ("北京远方认证有限公司", "北京远方检测中心", "北京远方科技有限公司"):
        assert name in html


@pytest.mark.parametrize("attr", ["body.approval_no", "lab.cma_no", "org.uscc", "body.uscc"])
def test_search_by_code(db, world, attr):
    kind, field = attr.split(".")
    obj = getattr(world, kind)
    html = Client().get("/search/", {"q": getattr(obj, field)}).content.decode()
    assert obj.name in html


def test_one_character_asks_for_two(db, world):
    response = Client().get("/search/", {"q": "星"})
    assert response.status_code == 200
    assert "请至少输入两个字符" in response.content.decode()


def test_nothing_found_explains_what_it_can_mean(db, world):
    html = Client().get("/search/", {"q": "没有这家公司"}).content.decode()
    assert "没有找到与“没有这家公司”相关的机构或组织" in html
    assert "尚未报送" in html


def test_htmx_gets_only_the_results(db, world):
    response = Client().get("/search/", {"q": "星河"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "南京星河精密科技有限公司" in html
    assert "HX-Request" in response["Vary"]
    partial = Client().get("/organizations/", {"q": "星河"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="list-results"' in partial and "南京星河精密科技有限公司" in partial


def test_history_restore_gets_the_whole_page(db, world):
    response = Client().get("/search/", {"q": "星河"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(("url", "present", "absent"), [
    ("/bodies/?region=11", "北京远方认证有限公司", "江苏恒信"),
    ("/bodies/?scheme=QMS&iaf_sector=19", "江苏恒信", "北京远方认证"),
    ("/labs/?field=02", "苏州青禾", "北京远方检测"),
    ("/organizations/?industry=C", "南京星河精密科技有限公司", "南京示例食品"),
    ("/organizations/?size=medium&region=3205", "苏州示例纺织有限公司", "南京示例"),
])
def test_list_filters(db, world, url, present, absent):
    html = Client().get(url).content.decode()
    assert present in html and absent not in html


@pytest.mark.parametrize(("url", "message"), [
    ("/organizations/?region=3x", "区划代码应为两位（省）、四位（市）或六位（区县）数字"),
    ("/organizations/?q=星", "请至少输入两个字符"),
    ("/organizations/?industry=99999", "国民经济行业分类"),
    ("/bodies/?iaf_sector=77", "IAF 行业代码应为 1 到 39 之间的整数"),
    ("/bodies/?status=closed", "请从列表中选择"),
])
def test_bad_filters_are_explained_beside_the_field(db, world, url, message):
    html = Client().get(url).content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "<table" not in html


def test_a_bad_page_number_is_explained(db, world):
    html = Client().get("/labs/?page=0").content.decode()
    assert "页码应为从 1 开始的整数" in html and "<table" not in html


def test_pagination_keeps_the_filters(db, world):
    html = Client().get("/organizations/", {"q": "示例", "page_size": 2}).content.decode()
    assert "第 1 / 2 页" in html
    assert "?q=%E7%A4%BA%E4%BE%8B&amp;page_size=2&amp;page=2" in html
    second = Client().get("/organizations/", {"q": "示例", "page_size": 2, "page": 2}).content.decode()
    assert "第 2 / 2 页" in second
    beyond = Client().get("/organizations/", {"q": "示例", "page_size": 2, "page": 7}).content.decode()
    assert "这一页没有结果" in beyond


def test_no_results_explains_itself(db, world):
    html = Client().get("/bodies/", {"q": "不存在", "region": "44"}).content.decode()
    assert "没有符合条件的结果" in html and "清除全部条件" in html


def test_body_detail_shows_approval_scopes_and_only_counts_people(db, world):
    html = Client().get(f"/bodies/{world.body.approval_no}/").content.decode()
    for text in ("CNCA-R-2004-117", "CNAS C117-M", "质量管理体系认证", "17", "基础金属及金属制品", "0101",
                 "电线组件", "江苏省 南京市 玄武区", "025-83000000", "审核员"):
        assert text in html, text
    assert "李审核" not in html and "13700002222" not in html


def test_lab_detail_shows_basic_and_industry_scope(db, world):
    html = Client().get(f"/labs/{world.lab.cma_no}/").content.decode()
    for text in (world.lab.cma_no, "2029-02-28", "基本要求", "食品中铅的测定", "行业特殊要求", "水泥胶砂强度", "建材"):
        assert text in html, text


def test_organization_detail_keeps_contact_data_private(db, world, client_for):
    url = f"/organizations/{world.org.uscc}/"
    public = Client().get(url).content.decode()
    for text in ("南京星河电子有限公司", "使用至 2024-01-15", "计算机、通信和其他电子设备制造业", "小型", "一号工厂"):
        assert text in public, text
    assert "13812345678" not in public and "contact@xinghe" not in public and "138****" not in public
    assert "联系方式属于非公开信息" in public
    for who, sees in (("org_user", True), ("regulator", True), ("regulator_far", False), ("cb_operator", False)):
        html = client_for(who).get(url).content.decode()
        assert ("13812345678" in html) is sees, who


def test_people_and_phones_for_those_entitled(db, world, client_for):
    url = f"/bodies/{world.body.approval_no}/"
    own = client_for("cb_operator").get(url).content.decode()
    assert "李审核" in own and "13700002222" in own
    far = client_for("cb_operator_far").get(url).content.decode()
    assert "李审核" not in far


@pytest.mark.parametrize("url", ["/bodies/CNCA-R-1999-001/", "/labs/123456789012/", "/organizations/nope/",
                                 "/bodies/99999999999999999999999/", "/no-such-page/"])
def test_unknown_records_get_a_helpful_404(db, world, url):
    response = Client().get(url)
    assert response.status_code == 404
    assert "没有找到这个页面或记录" in response.content.decode()


def test_demo_banner_follows_the_setting(db, world, settings):
    settings.CERTINEL_DEMO = True
    assert "演示数据，均为虚构" in Client().get("/").content.decode()
    settings.CERTINEL_DEMO = False
    assert "演示数据，均为虚构" not in Client().get("/").content.decode()


def test_language_switch_to_english_and_back(db, world):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/bodies/"})
    assert response.status_code == 302 and response["Location"] == "/bodies/"
    html = client.get("/bodies/").content.decode()
    assert '<html lang="en">' in html
    assert "Certification bodies" in html and "Quality Certification Information Platform" in html
    assert "Jiangsu Hengxin Quality Certification Centre" in html  # English names in English
    assert "Valid" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "认证机构" in client.get("/bodies/").content.decode()


def test_english_filter_errors(db, world):
    html = Client().get("/organizations/?q=x", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Enter at least two characters" in html


def test_static_assets_are_found(db, world):
    from django.contrib.staticfiles import finders

    assert finders.find("portal/portal.css") and finders.find("portal/portal.js")
    assert finders.find("vendor/htmx/htmx.min.js"), "htmx comes from node_modules (npm install)"


@pytest.mark.urls("certinel.portal.tests.urls_all")
def test_links_to_certificate_pages_when_they_are_mounted(db, world, client_for):
    home = Client().get("/").content.decode()
    assert 'href="/verify/"' in home and 'href="/certificates/"' in home
    body = Client().get(f"/bodies/{world.body.approval_no}/").content.decode()
    assert f'href="/bodies/{world.body.approval_no}/certificates/"' in body
    org = Client().get(f"/organizations/{world.org.uscc}/").content.decode()
    assert f'href="/organizations/{world.org.uscc}/certificates/"' in org
    assert 'href="/watch/"' in client_for("org_user").get("/").content.decode()
    assert 'href="/watch/"' not in home


def test_no_links_to_pages_that_are_not_mounted(db, world):
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("certificates:list")
    except NoReverseMatch:
        assert 'href="/certificates/"' not in Client().get("/").content.decode()
