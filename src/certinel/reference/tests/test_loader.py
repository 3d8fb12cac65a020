"""The loader against the real data files and against broken or extended copies of them."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest

from certinel.reference.loader import LoaderError, sync_all, sync_ccc, sync_regions
from certinel.reference.models import (
    CCCCategory,
    CCCEdition,
    CCCProduct,
    CodeListVersion,
    IAFSector,
    Industry,
    LabField,
    Region,
    Scheme,
)

pytestmark = pytest.mark.usefixtures("empty_reference")


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_loads_every_list_with_expected_counts():
    counts = sync_all()
    assert counts["industries"] == 117 and counts["iaf"] == 39 and counts["lab_fields"] == 22
    assert counts["schemes"] == Scheme.objects.count() == 40
    assert Industry.objects.filter(level=1).count() == 20 and Industry.objects.filter(level=2).count() == 97
    assert CCCCategory.objects.count() == 17 and counts["ccc"] == CCCProduct.objects.count()
    assert IAFSector.objects.get(number=28).nace == "F 41, 42, 43"
    assert LabField.objects.get(code="00").name == "食品"
    current = Region.objects.current(dt.date(2023, 1, 1))
    assert current.filter(level=1).count() == 34
    assert 330 <= current.filter(level=2).count() <= 345
    assert 2800 <= current.filter(level=3).count() <= 2900
    assert CodeListVersion.objects.filter(name="regions").count() == 5


def test_second_run_changes_nothing_and_skips():
    sync_all()
    before = {(r.code, r.valid_from): (r.name, r.valid_to) for r in Region.objects.all()}
    out = StringIO()
    assert sync_all(stdout=out)["regions"] == len(before)
    assert "regions: unchanged" in out.getvalue()
    assert {(r.code, r.valid_from): (r.name, r.valid_to) for r in Region.objects.all()} == before
    forced = StringIO()
    sync_all(stdout=forced, force=True)
    assert "regions: loaded" in forced.getvalue() and Region.objects.count() == len(before)


def test_regions_are_effective_dated():
    sync_all()
    old = Region.objects.get(code="320602")  # 崇川区 before the 2020 Nantong merger
    assert (old.name, old.valid_from, old.valid_to) == ("崇川区", dt.date(2015, 9, 30), dt.date(2022, 3, 22))
    new = Region.objects.get(code="320613")
    assert (new.name, new.valid_from, new.valid_to) == ("崇川区", dt.date(2022, 3, 22), None)
    renamed = list(Region.objects.filter(code="360402").order_by("valid_from"))
    assert [(r.name, r.valid_to) for r in renamed] == [("庐山区", dt.date(2019, 11, 25)), ("濂溪区", None)]
    assert renamed[1].valid_from == dt.date(2019, 11, 25)


def test_municipalities_and_province_administered_counties():
    sync_all()
    today = Region.objects.current()
    beijing = today.get(code="110100")
    assert (beijing.name, beijing.level, beijing.parent_code) == ("北京市", 2, "110000")
    assert today.get(code="500229").parent_code == "500100"  # a Chongqing county under the city row
    assert not today.filter(name="市辖区").exists()
    group = today.get(code="429000")
    assert (group.name, group.level) == ("省直辖县级行政区划", 2)
    assert today.get(code="659000").name == "自治区直辖县级行政区划"
    assert today.get(code="429004").parent_code == "429000"
    assert set(today.filter(code__in=["710000", "810000", "820000"]).values_list("level", flat=True)) == {1}


def test_jiangsu_is_complete():
    sync_all()
    jiangsu = Region.objects.current().filter(code__startswith="32")
    assert jiangsu.filter(level=2).count() == 13
    assert jiangsu.filter(level=3).count() == 95
    assert jiangsu.get(code="320500").name_en == "Suzhou"


def test_bad_file_is_refused_with_file_line_and_field_and_writes_nothing(data_copy):
    append(data_copy / "iaf" / "iaf-id1.csv", "40,,Extra,\n")
    with pytest.raises(LoaderError) as info:
        sync_all(data_dir=data_copy)
    error = info.value
    assert (error.file, error.line, error.field) == ("iaf/iaf-id1.csv", 41, "name")
    assert str(error) == "iaf/iaf-id1.csv, line 41, field 'name': a value is required"
    assert Region.objects.count() == 0 and CodeListVersion.objects.count() == 0


@pytest.mark.parametrize(("folder", "file", "old", "new", "expected"), [
    ("regions", "2019-11-25.csv", "320100,南京市,Nanjing,2,320000", "3201X0,南京市,Nanjing,2,320000",
     "field 'code': '3201X0' is not a 6-digit code"),
    ("regions", "2019-11-25.csv", "320102,玄武区,,3,320100", "320102,玄武区,,3,329900",
     "field 'parent_code': 329900 is not a level-2 row of this file"),
    ("industries", "gbt4754-2017.csv", "13,农副食品加工业", "1X,农副食品加工业", "is not a level-2 code"),
    ("schemes", "schemes.csv", "GB/T 24001-2016,36", "GB/T 99999-2016,36",
     "field 'standards': 'GB/T 99999-2016' is not in the standards list"),
    ("schemes", "schemes.csv", "EMS,management", "EMS,nonsense", "field 'family': 'nonsense' is not one of"),
    ("ccc", "2020.csv", ",0101,0101,电线组件,", ",0101,0101 0104,电线组件,", "product code 0104 appears twice"),
    ("ccc", "2020.csv", ",0501,0501,电钻,A,", ",0501,0501,电钻,C,", "field 'self_declaration': 'C' is not one of"),
])
def test_validation_errors(data_copy, folder, file, old, new, expected):
    replace_in(data_copy / folder / file, old, new)
    with pytest.raises(LoaderError, match=expected) as info:
        sync_all(data_dir=data_copy)
    assert info.value.file == f"{folder}/{file}" and info.value.line and info.value.line > 1
    assert CodeListVersion.objects.count() == 0


def test_structural_file_errors(data_copy):
    (data_copy / "ccc" / "2024.csv").write_text("category_number\n", encoding="utf-8")
    with pytest.raises(LoaderError, match=r"not declared in ccc/editions\.csv"):
        sync_ccc(data_dir=data_copy)
    (data_copy / "ccc" / "2024.csv").unlink()
    replace_in(data_copy / "iaf" / "iaf-id1.csv", "number,name,name_en,nace", "number,name,name_en,nace,colour")
    with pytest.raises(LoaderError, match="field 'colour': unknown column"):
        sync_all(data_dir=data_copy)
    replace_in(data_copy / "iaf" / "iaf-id1.csv", "number,name,name_en,nace,colour", "number,name,name_en,nace")
    (data_copy / "lab-fields" / "cma-fields.csv").write_bytes("code,name,name_en\n00,\xff\n".encode("latin-1"))
    with pytest.raises(LoaderError, match="not UTF-8"):
        sync_all(data_dir=data_copy)
    (data_copy / "lab-fields" / "cma-fields.csv").write_text("code,name\n00,食品\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="field 'name_en': column missing from the header"):
        sync_all(data_dir=data_copy)
    (data_copy / "lab-fields" / "cma-fields.csv").write_text("code,name,name_en\n00,食品\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="line 2: 2 values for 3 columns"):
        sync_all(data_dir=data_copy)
    (data_copy / "lab-fields" / "editions.csv").write_text("edition,file,source\nX,missing.csv,s\n", encoding="utf-8")
    with pytest.raises(LoaderError, match=r"lab-fields/missing\.csv does not exist"):
        sync_all(data_dir=data_copy)


def test_a_new_ccc_edition_keeps_the_old_one(data_copy):
    sync_all(data_dir=data_copy)
    rows = (data_copy / "ccc" / "2020.csv").read_text(encoding="utf-8").splitlines()
    kept = [r for r in rows if ",0503," not in r and ",0506," not in r]
    kept.append("17,家用燃气器具,Domestic gas appliances,200,2499,2499,测试新增产品,,no")
    (data_copy / "ccc" / "2030.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    append(data_copy / "ccc" / "editions.csv", "2030,2030.csv,测试目录,2030-01-01,test edition\n")
    out = StringIO()
    sync_all(data_dir=data_copy, stdout=out)
    assert "ccc: loaded" in out.getvalue() and "regions: unchanged" in out.getvalue()
    assert CCCEdition.objects.count() == 2
    assert CCCProduct.objects.filter(edition__code="2020").count() == len(rows) - 1
    assert CodeListVersion.objects.filter(name="ccc").count() == 2


def test_a_new_region_edition_closes_and_opens_rows(data_copy):
    sync_all(data_dir=data_copy)
    snapshot = (data_copy / "regions" / "2022-03-22.csv").read_text(encoding="utf-8")
    snapshot = snapshot.replace("320508,姑苏区,,3,320500", "320508,测试区,,3,320500")
    snapshot = snapshot.replace("320585,太仓市,,3,320500\n", "")
    (data_copy / "regions" / "2030-01-01.csv").write_text(snapshot, encoding="utf-8")
    append(data_copy / "regions" / "editions.csv", "2030-01-01,2030-01-01.csv,2030-01-01,test edition\n")
    before = Region.objects.count()
    assert sync_regions(data_dir=data_copy) == before + 1
    gusu = list(Region.objects.filter(code="320508").order_by("valid_from"))
    assert [(r.name, r.valid_to) for r in gusu][-2:] == [("姑苏区", dt.date(2030, 1, 1)), ("测试区", None)]
    assert Region.objects.filter(code="320585", valid_to=dt.date(2030, 1, 1)).exists()
    assert Region.objects.current(dt.date(2031, 1, 1)).filter(code="320585").count() == 0


def test_removing_an_edition_removes_its_rows(data_copy):
    sync_all(data_dir=data_copy)
    (data_copy / "regions" / "2015-09-30.csv").unlink()
    replace_in(data_copy / "regions" / "editions.csv", "2015-09-30,2015-09-30.csv", "XX")
    rows = (data_copy / "regions" / "editions.csv").read_text(encoding="utf-8").splitlines()
    (data_copy / "regions" / "editions.csv").write_text(
        "\n".join(r for r in rows if not r.startswith("XX")) + "\n", encoding="utf-8")
    sync_regions(data_dir=data_copy)
    assert not Region.objects.filter(valid_from=dt.date(2015, 9, 30)).exists()
    assert not CodeListVersion.objects.filter(name="regions", edition="2015-09-30").exists()
