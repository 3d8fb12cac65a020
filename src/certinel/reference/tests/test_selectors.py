"""Selectors over the loaded reference data (loaded once for the suite; see testing.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.reference import selectors
from certinel.reference.choices import SchemeFamily, ScopeKind
from certinel.reference.loader import sync_all
from certinel.reference.models import CCCEdition, CCCProduct

pytestmark = pytest.mark.usefixtures("reference_data")


def test_region_current_follows_the_dates():
    assert selectors.region_current("320613").name == "崇川区"
    assert selectors.region_current("320613", dt.date(2021, 1, 1)) is None
    assert selectors.region_current("320602", dt.date(2021, 1, 1)).name == "崇川区"
    assert selectors.region_current("320602") is None
    assert [r.name for r in selectors.region_history("360402")] == ["庐山区", "濂溪区"]
    assert selectors.region_exists("320508") and not selectors.region_exists("329999")


def test_region_children_and_prefix():
    cities = selectors.region_children("320000")
    assert cities.count() == 13 and cities.first().code == "320100"
    assert [r.code for r in selectors.region_children("320500")][:2] == ["320505", "320506"]
    assert selectors.regions_in("3205").count() == 10  # Suzhou itself and its 9 county-level units
    assert selectors.regions_in("32", level=2).count() == 13


def test_region_descendants_cover_chongqing_counties():
    under_city = set(selectors.region_descendants("500100").values_list("code", flat=True))
    assert "500229" in under_city and "500101" in under_city
    assert selectors.region_descendants("320000").filter(level=3).count() == 95
    assert not selectors.region_descendants("320508").exists()
    assert not selectors.region_descendants("999999").exists()


def test_region_path_and_full_name():
    assert [r.code for r in selectors.region_path("320508")] == ["320000", "320500", "320508"]
    assert selectors.region_full_name("320508") == "江苏省 苏州市 姑苏区"
    assert selectors.region_full_name("110101") == "北京市 东城区"


def test_classifications():
    assert selectors.industry_by_code("C").name == "制造业"
    assert selectors.industry_by_code("36").parent_code == "C"
    assert selectors.industry_sections().count() == 20
    assert selectors.iaf_sector(33).name_en == "Information technology"
    assert selectors.lab_field_by_code("20").name == "综合"
    assert selectors.industry_by_code("ZZ") is None


def test_schemes():
    ccc = selectors.scheme_by_code("CCC")
    assert (ccc.validity_months, ccc.surveillance_interval_months, ccc.max_suspension_months) == (60, 12, 12)
    assert ccc.scope_kind == ScopeKind.CCC_PRODUCT
    qms = selectors.scheme_by_code("QMS")
    assert [s.code for s in qms.standards.all()] == ["GB/T 19001-2016"]
    assert qms.standards.get().equivalent == "ISO 9001:2015"
    assert selectors.schemes_by_family(SchemeFamily.SERVICE).count() == 13
    assert selectors.scheme_by_code("JIANGSU-BOUTIQUE").family == SchemeFamily.PRODUCT
    assert selectors.scheme_by_code("NOPE") is None


def test_ccc_product_in_force():
    product = selectors.ccc_product_in_force("0702", dt.date(2021, 1, 1))
    assert product.name == "电风扇" and product.edition.code == "2020"
    assert selectors.ccc_product_in_force("0305").name == "低压元器件"  # one of several codes
    assert selectors.ccc_product_in_force("0702", dt.date(2019, 1, 1)) is None  # before the edition
    assert selectors.ccc_product_in_force("0502") is None  # left CCC before 2020
    assert selectors.ccc_code_exists("0501") and not selectors.ccc_code_exists("9999")
    five = CCCProduct.objects.get(edition__code="2020", code="0501")
    assert five.self_declaration and five.self_declaration_mode == "A"


def test_ccc_removed_and_added_between_editions(data_copy):
    rows = (data_copy / "ccc" / "2020.csv").read_text(encoding="utf-8").splitlines()
    kept = [r for r in rows if ",0503," not in r]
    kept.append("17,家用燃气器具,Domestic gas appliances,200,2499,2499,测试新增产品,,no")
    (data_copy / "ccc" / "2030.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    with (data_copy / "ccc" / "editions.csv").open("a", encoding="utf-8") as fh:
        fh.write("2030,2030.csv,测试目录,2030-01-01,test edition\n")
    sync_all(data_dir=data_copy)
    assert [p.code for p in selectors.ccc_products_removed("2020")] == ["0503"]
    assert [p.code for p in selectors.ccc_products_added("2020")] == ["2499"]
    assert selectors.ccc_product_in_force("0503", dt.date(2025, 1, 1)).edition.code == "2020"
    assert selectors.ccc_product_in_force("0503", dt.date(2030, 6, 1)) is None
    assert selectors.ccc_edition_current(dt.date(2030, 6, 1)) == CCCEdition.objects.get(code="2030")
    assert selectors.ccc_products_removed("2030") == []
    assert selectors.ccc_product("0503", edition="2020").name == "电动砂轮机"


def test_code_list_versions():
    names = set(selectors.code_list_versions().values_list("name", flat=True))
    assert names == {"regions", "industries", "iaf", "lab_fields", "standards", "schemes", "ccc"}
