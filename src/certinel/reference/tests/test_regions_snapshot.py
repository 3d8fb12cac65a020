"""The tool that turns a published division list into a snapshot file."""

from __future__ import annotations

import json

import pytest

from certinel.reference.tools.regions_snapshot import main, normalise

CODES = {
    "110000": "北京市", "110100": "市辖区", "110101": "东城区",
    "420000": "湖北省", "420100": "武汉市", "420102": "江岸区", "420101": "市辖区", "429004": "仙桃市",
    "500000": "重庆市", "500100": "市辖区", "500200": "县", "500101": "万州区", "500229": "城口县",
    "320000": "江苏省", "320500": "苏州市", "320508": "姑苏区", "320571": "苏州工业园区",
    "810000": "香港特别行政区", "810001": "中西区",
}


def test_normalise():
    rows = {r["code"]: r for r in normalise(CODES)}
    assert rows["110100"] == {"code": "110100", "name": "北京市", "name_en": "Beijing", "level": "2",
                              "parent_code": "110000"}
    assert rows["500229"]["parent_code"] == "500100" and "500200" not in rows
    assert rows["429000"]["name"] == "省直辖县级行政区划" and rows["429004"]["parent_code"] == "429000"
    assert "320571" not in rows and "420101" not in rows  # statistics-only / 市辖区
    assert "810001" not in rows and rows["810000"]["level"] == "1"
    assert rows["320500"]["name_en"] == "Suzhou"


def test_orphan_is_an_error():
    with pytest.raises(ValueError, match="320508 姑苏区: no city-level row 320500"):
        normalise({"320000": "江苏省", "320508": "姑苏区"})


def test_main_writes_a_snapshot(tmp_path, capsys):
    dist = tmp_path / "dist"
    dist.mkdir()
    rows = [{"code": c, "name": n} for c, n in CODES.items()]
    for stem in ("province", "city", "area"):
        (dist / f"{stem}.json").write_text(json.dumps(rows if stem == "area" else []), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["--format", "pcc", str(dist), str(out), "--drop", "320571"]) == 0
    assert out.read_text(encoding="utf-8").startswith("code,name,name_en,level,parent_code\n")
    assert "rows (province 5" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--format", "pcc", str(dist), str(out), "--drop", "999999"])
