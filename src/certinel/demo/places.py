"""Where the demo's organizations are: the county-level regions of the reference code lists
(GB/T 2260, current edition), with weights that spread firms plausibly (the big economies and
provincial capitals get more)."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from certinel.reference.models import Region

from .names import Place

# Rough shares of enterprises by province (percent), for the national data set.
PROVINCE_WEIGHTS = {
    "44": 13.0, "32": 10.0, "33": 9.0, "37": 8.0, "41": 5.0, "35": 4.5, "51": 4.2, "42": 4.0, "13": 4.0,
    "34": 3.6, "43": 3.5, "31": 3.5, "11": 3.5, "36": 2.5, "61": 2.5, "21": 2.5, "50": 2.2, "45": 2.0,
    "53": 2.0, "12": 1.5, "14": 1.5, "52": 1.5, "23": 1.2, "22": 1.0, "15": 1.0, "65": 1.0, "62": 0.8,
    "46": 0.8, "64": 0.3, "63": 0.2, "54": 0.1,
}
# Shares of the demo province's cities (percent), by rough size of their economies.
CITY_WEIGHTS = {
    "3205": 22, "3201": 15, "3202": 12, "3204": 9, "3206": 9, "3203": 7, "3210": 5, "3209": 5, "3212": 5,
    "3211": 4, "3208": 3.5, "3207": 3, "3213": 3.5,
}
# County-level places with more firms than their neighbours.
COUNTY_BOOST = {"320583": 3.0, "320281": 2.5, "320582": 2.0, "320581": 2.0, "320115": 2.0, "320506": 1.5,
                "320505": 1.5, "320612": 1.2, "320282": 1.5, "320412": 1.5}


def _jitter(code: str, low: float = 0.6, high: float = 1.4) -> float:
    """A stable pseudo-random factor per code (the same on every run and machine)."""
    return low + (high - low) * (zlib.crc32(code.encode()) % 1000) / 999


@dataclass
class PlaceBook:
    """County-level places with their weights, and a quick weighted draw."""

    places: list[Place]
    weights: list[float]

    def __post_init__(self) -> None:
        self._cum = list(accumulate(self.weights))
        self._cities: dict[str, PlaceBook] = {}

    def draw(self, rng: random.Random) -> Place:
        return rng.choices(self.places, cum_weights=self._cum)[0]

    def split(self, total: int) -> list[tuple[Place, int]]:
        """`total` organizations shared out over the places by weight (largest remainders)."""
        whole = sum(self.weights)
        exact = [total * w / whole for w in self.weights]
        counts = [int(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
        for i in order[: total - sum(counts)]:
            counts[i] += 1
        return [(p, n) for p, n in zip(self.places, counts, strict=True) if n]

    def in_city(self, city_code: str) -> PlaceBook:
        if city_code not in self._cities:
            pairs = [(p, w) for p, w in zip(self.places, self.weights, strict=True) if p.code.startswith(city_code)]
            self._cities[city_code] = PlaceBook([p for p, _ in pairs], [w for _, w in pairs])
        return self._cities[city_code]


def _current_regions(prefix: str) -> list[Region]:
    return list(Region.objects.current().filter(code__startswith=prefix).order_by("code"))


def _places(regions: Iterable[Region]) -> list[Place]:
    by_code = {r.code: r for r in regions}
    places = []
    for region in by_code.values():
        if region.level != 3:
            continue
        city = by_code.get(region.parent_code)
        province = by_code.get(region.code[:2] + "0000")
        if city is None or province is None:
            continue
        places.append(Place(region.code, province.name, province.name_en, city.name, city.name_en, region.name))
    return places


def province_book(prefix: str) -> PlaceBook:
    """The county-level places of one province, weighted by city share and capital status."""
    places = _places(_current_regions(prefix))
    weights = []
    for p in places:
        city = CITY_WEIGHTS.get(p.city_code, 0.0) if prefix == "32" else 0.0
        if not city:
            city = 3.0 if p.city_code.endswith("01") else 1.0
        cities_places = sum(1 for q in places if q.city_code == p.city_code)
        weights.append(city / cities_places * COUNTY_BOOST.get(p.code, 1.0) * _jitter(p.code))
    return PlaceBook(places, weights)


def national_books() -> list[tuple[str, float, PlaceBook]]:
    """Every province with counties, its share, and its places."""
    regions = list(Region.objects.current().order_by("code"))
    by_province: dict[str, list[Region]] = {}
    for r in regions:
        by_province.setdefault(r.code[:2], []).append(r)
    books = []
    for prefix, rows in sorted(by_province.items()):
        places = _places(rows)
        if not places:
            continue
        weights = [(3.0 if p.city_code.endswith("01") else 1.0) * _jitter(p.code) for p in places]
        books.append((prefix, PROVINCE_WEIGHTS.get(prefix, 0.5), PlaceBook(places, weights)))
    return books
