"""The public sampling-plan tool through real requests, under /supervision/sampling/ as the
project will include it (this module is the URLconf until then): the form, a plan with its
arrow and 100 % notes, bad input, both languages."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import include, path, reverse

from certinel.api import api

# The tool under the path the project gives it, beside what the portal's base template links to.
urlpatterns = [
    path("supervision/sampling/", include("certinel.supervision.urls_sampling")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("log/", include("certinel.transparency.urls")),
    path("", include("certinel.portal.urls")),
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def get(lang: str = "zh-hans", **params: str):
    return Client(HTTP_ACCEPT_LANGUAGE=lang).get(reverse("sampling-plan"), params)


def cell(html: str, name: str) -> str:
    found = re.search(rf'id="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def test_the_url_and_the_empty_form():
    assert reverse("sampling-plan") == "/supervision/sampling/"
    response = get()
    assert response.status_code == 200
    html = response.content.decode()
    assert "抽样方案查询" in html and 'name="lot_size"' in html and 'id="plan"' not in html
    assert '<option value="II" selected>' in html and '<option value="2.5" selected>' in html
    assert "转移规则" in html and "9.3.3.2" in html


def test_a_plan():
    response = get(lot_size="1000", level="II", aql="2.5", severity="normal")
    assert response.status_code == 200
    html = response.content.decode()
    assert [cell(html, n) for n in ("code-letter", "sample-size", "accept", "reject")] == ["J", "80", "5", "6"]
    assert "正常检验一次抽样方案（表 2-A）" in html and "箭头" not in html.split('id="plan"')[1].split("</section>")[0]


def test_arrows_and_full_inspection_are_explained():
    html = get(lot_size="5", level="II", aql="0.65", severity="normal").content.decode()
    assert [cell(html, n) for n in ("code-letter", "sample-size", "accept", "reject")] == ["F", "5", "0", "1"]
    assert "表 1 给出的字码是 A" in html and "改用字码 F" in html
    assert "100% 检验" in html
    tightened = get(lot_size="600000", level="III", aql="0.025", severity="tightened").content.decode()
    assert [cell(tightened, n) for n in ("code-letter", "sample-size")] == ["S", "3150"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lot_size": "0", "level": "II", "aql": "2.5", "severity": "normal"}, "批量须为 1 或更大的整数。"),
        ({"lot_size": "abc", "level": "II", "aql": "2.5", "severity": "normal"}, "批量须为 1 或更大的整数。"),
        ({"lot_size": "", "level": "II", "aql": "2.5", "severity": "normal"}, "请输入批量。"),
        ({"lot_size": "100", "level": "IV", "aql": "2.5", "severity": "normal"}, "IV"),
        ({"lot_size": "100", "level": "II", "aql": "3", "severity": "normal"}, "3"),
        ({"lot_size": "100", "level": "II", "aql": "2.5", "severity": "strict"}, "strict"),
    ],
)
def test_bad_input_is_shown_beside_its_field(params, message):
    response = get(**params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field-error"' in html and message in html and 'id="plan"' not in html


def test_input_is_escaped():
    html = get(lot_size="<script>", level="II", aql="2.5", severity="normal").content.decode()
    assert "<script>" not in html.split("<main")[1]


def test_english():
    response = get("en", lot_size="1000", level="II", aql="2.5", severity="reduced")
    html = response.content.decode()
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert "Sampling plan" in main and "Reduced inspection" in main and "Switching rules" in main
    assert [cell(html, n) for n in ("code-letter", "sample-size", "accept", "reject")] == ["J", "32", "3", "4"]
    assert not CJK.search(main), CJK.findall(main)[:20]
    arrow = get("en", lot_size="5", level="II", aql="0.65", severity="normal").content.decode()
    main = arrow.split('<main id="main"')[1].split("</main>")[0]
    assert "100 % inspection" in main and not CJK.search(main)
    bad = get("en", lot_size="0", level="II", aql="2.5", severity="normal").content.decode()
    assert "The lot size is a whole number, 1 or more." in bad
