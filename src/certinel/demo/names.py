"""Invented names that read as real: companies (region word + trade name + industry word +
legal form, some with an English name and a former name), people, addresses, phone numbers.

Everything is drawn from one `random.Random`, so a seed gives the same names every time.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from .words import (
    AREA_CODES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    INDUSTRY_WORDS,
    LEGAL_FORMS,
    PARK_WORDS,
    ROAD_KINDS,
    ROAD_WORDS,
    SURNAMES,
    TRADE_CHARS,
)

_ETHNIC = ("蒙古", "回族", "藏族", "维吾尔", "苗族", "彝族", "壮族", "布依", "朝鲜", "满族", "侗族", "瑶族", "白族",
           "土家", "哈尼", "哈萨克", "傣族", "黎族", "傈僳", "佤族", "畲族", "拉祜", "水族", "东乡", "纳西", "景颇",
           "柯尔克孜", "土族", "达斡尔", "仫佬", "羌族", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
           "塔吉克", "怒族", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京族", "塔塔尔", "独龙",
           "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各族")
_AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")
_SUFFIXES = ("特别行政区", "省", "市", "地区", "盟", "林区", "新区", "区", "县", "旗")


def short_name(name: str) -> str:
    """The name a place goes by in company names: 江苏省 → 江苏, 苏州市 → 苏州, 延边朝鲜族自治州 → 延边;
    a one-character result keeps its suffix (沛县 stays 沛县)."""
    for suffix in _AUTONOMOUS:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            cuts = [i for token in _ETHNIC if (i := stem.find(token)) >= 2]
            return stem[: min(cuts)] if cuts else stem
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Place:
    """A county-level region with the names of the places above it."""

    code: str
    province: str
    province_en: str
    city: str
    city_en: str
    county: str

    @property
    def city_code(self) -> str:
        return self.code[:4]

    @property
    def province_short(self) -> str:
        return short_name(self.province)

    @property
    def city_short(self) -> str:
        return short_name(self.city)

    @property
    def county_short(self) -> str:
        return short_name(self.county)

    @property
    def is_district(self) -> bool:
        return self.county.endswith("区")

    @property
    def full(self) -> str:
        """Province, city and county as written in an address (a municipality once)."""
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.county}"


@dataclass(frozen=True)
class CompanyName:
    name: str
    name_en: str
    industry_code: str
    manufacturing: bool
    trade: str = ""
    trade_en: str = ""


class _Weighted:
    """Draw from a weighted list quickly (cumulative weights computed once)."""

    def __init__(self, items: Sequence, weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))

    def draw(self, rng: random.Random):
        return rng.choices(self.items, cum_weights=self.cum)[0]


_TRADE = _Weighted([(c, p) for c, p, _ in TRADE_CHARS], [w for _, _, w in TRADE_CHARS])
_INDUSTRY = _Weighted(INDUSTRY_WORDS, [w for *_, w in INDUSTRY_WORDS])
_FORMS = _Weighted(LEGAL_FORMS, [w for _, _, w, _ in LEGAL_FORMS])
_SURNAME = _Weighted([s for s, _ in SURNAMES], [w for _, w in SURNAMES])
_ROAD_KIND = _Weighted([k for k, _ in ROAD_KINDS], [w for _, w in ROAD_KINDS])


class Namer:
    """Makes names; all randomness comes from `rng`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def trade_name(self) -> tuple[str, str]:
        """A trade name (字号) of two characters, sometimes three, and its pinyin."""
        count = 3 if self.rng.random() < 0.12 else 2
        chars: list[tuple[str, str]] = []
        while len(chars) < count:
            c = _TRADE.draw(self.rng)
            if c not in chars:
                chars.append(c)
        return "".join(c for c, _ in chars), "".join(p for _, p in chars).capitalize()

    def _form(self, manufacturing: bool, size_class: str) -> tuple[str, str]:
        while True:
            form, form_en, _, factory = _FORMS.draw(self.rng)
            if factory and not manufacturing:
                continue
            if form.startswith("集团") and size_class not in ("large", "medium"):
                continue
            return form, form_en

    def _region_word(self, place: Place, size_class: str) -> tuple[str, bool]:
        """The region word in front of the name, or (city, True) for a name that carries its
        city in brackets after the trade name."""
        r = self.rng.random()
        if size_class in ("large", "medium") and r < 0.25:
            return place.province_short, False
        if r < 0.47:
            return place.city_short, False
        if r < 0.55:
            return place.city, False
        if r < 0.70 and not place.is_district:
            return place.county_short if self.rng.random() < 0.7 else place.county, False
        if r < 0.80 and place.is_district and place.city != place.province:
            return f"{place.city}{place.county}", False
        if r < 0.92:
            return place.city_short, True
        return place.city_short, False

    def company(self, place: Place, *, size_class: str = "", english: bool = False,
                industry: str | None = None) -> CompanyName:
        """A company of `place`; `industry` names its industry word (default: drawn)."""
        if industry is None:
            word, industry_code, industry_en, manufacturing, _ = _INDUSTRY.draw(self.rng)
        else:
            word, industry_code, industry_en, manufacturing, _ = next(w for w in INDUSTRY_WORDS if w[0] == industry)
        trade, trade_en = self.trade_name()
        return self._assemble(place, trade, trade_en, (word, industry_code, industry_en, manufacturing),
                              size_class=size_class, english=english)

    def _assemble(self, place: Place, trade: str, trade_en: str, industry: tuple[str, str, str, bool], *,
                  size_class: str, english: bool) -> CompanyName:
        word, industry_code, industry_en, manufacturing = industry
        form, form_en = self._form(manufacturing, size_class)
        region, bracketed = self._region_word(place, size_class)
        name = f"{trade}{word}（{region}）{form}" if bracketed else f"{region}{trade}{word}{form}"
        name_en = ""
        if english:
            # The English name says the place the Chinese one does (the province or the city).
            where = (place.province_en if region == place.province_short else place.city_en) or place.province_en
            name_en = " ".join(part for part in (where, trade_en, industry_en, form_en) if part)
        return CompanyName(name, name_en, industry_code, manufacturing, trade, trade_en)

    def former_name(self, place: Place, current: CompanyName) -> str:
        """A plausible earlier name of the same company: the factory it was before it became
        a company, the same trade name in another line of business, or another trade name."""
        for _ in range(20):
            r = self.rng.random()
            if r < 0.25 and current.manufacturing and current.name.endswith("有限公司"):
                former = current.name.removesuffix("股份有限公司").removesuffix("有限公司") + "厂"
            elif r < 0.6:
                word, code, en, manufacturing, _ = _INDUSTRY.draw(self.rng)
                former = self._assemble(place, current.trade, current.trade_en, (word, code, en, manufacturing),
                                        size_class="", english=False).name
            else:
                former = self.company(place).name
            if former != current.name:
                return former
        return f"{current.name}（原）"

    def person(self) -> str:
        given = GIVEN_MALE if self.rng.random() < 0.55 else GIVEN_FEMALE
        count = 2 if self.rng.random() < 0.7 else 1
        return _SURNAME.draw(self.rng) + "".join(self.rng.choice(given) for _ in range(count))

    def address(self, place: Place) -> str:
        road = f"{self.rng.choice(ROAD_WORDS)}{_ROAD_KIND.draw(self.rng)}"
        number = self.rng.choice((self.rng.randint(1, 99), self.rng.randint(100, 999), self.rng.randint(1, 30)))
        if self.rng.random() < 0.3:
            return f"{place.full}{place.county_short}{self.rng.choice(PARK_WORDS)}{road}{number}号"
        if self.rng.random() < 0.25:
            building, floor, room = self.rng.randint(1, 20), self.rng.randint(1, 30), self.rng.randint(1, 9)
            return f"{place.full}{road}{number}号{building}幢{floor}0{room}室"
        return f"{place.full}{road}{number}号"

    def landline(self, place: Place) -> str:
        area = AREA_CODES.get(place.city_code, f"0{self.rng.randint(300, 999)}")
        return f"{area}-{self.rng.randint(2, 8)}{self.rng.randint(0, 9_999_999):07d}"

    def mobile(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999_999_999):09d}"
