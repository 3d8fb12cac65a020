"""Choices offered by the filter forms, from the reference code lists (cached briefly)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import get_language

from certinel.reference.choices import IndustryLevel, RegionLevel

TTL = 600


def _local(name: str, name_en: str) -> str:
    return name_en if (get_language() or "").startswith("en") and name_en else name


def _cached(key: str, build):
    full = f"portal:options:{key}:{get_language()}"
    value = cache.get(full)
    if value is None:
        value = build()
        cache.set(full, value, TTL)
    return value


def regions() -> list[tuple[str, str]]:
    """Provinces and cities as (code prefix, name), for the region filter's suggestions."""
    from certinel.reference.models import Region

    def build():
        rows = Region.objects.current().filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY]).order_by("code")
        return [(r.prefix, _local(r.name, r.name_en)) for r in rows]

    return _cached("regions", build)


def schemes() -> list[tuple[str, str]]:
    from certinel.reference.models import Scheme

    return _cached("schemes", lambda: [(s.code, _local(s.name, s.name_en))
                                       for s in Scheme.objects.filter(active=True).order_by("family", "code")])


def iaf_sectors() -> list[tuple[str, str]]:
    from certinel.reference.models import IAFSector

    return _cached("iaf", lambda: [(str(s.number), f"{s.number:02d} {_local(s.name, s.name_en)}")
                                   for s in IAFSector.objects.order_by("number")])


def lab_fields() -> list[tuple[str, str]]:
    from certinel.reference.models import LabField

    return _cached("labfields", lambda: [(f.code, _local(f.name, f.name_en))
                                         for f in LabField.objects.order_by("code")])


def industries() -> list[tuple[str, str]]:
    """GB/T 4754 sections and divisions, for the industry filter."""
    from certinel.reference.models import Industry

    def build():
        rows = (Industry.objects.filter(level__in=[IndustryLevel.SECTION, IndustryLevel.DIVISION])
                .order_by("code", "-edition"))
        seen: dict[str, str] = {}
        for r in rows:
            seen.setdefault(r.code, f"{r.code} {_local(r.name, r.name_en)}")
        return sorted(seen.items(), key=lambda kv: (not kv[0].isalpha(), kv[0]))

    return _cached("industries", build)


def region_path(code: str) -> str:
    """'江苏省 南京市 玄武区' for 320102: the names of the province, city and county."""
    from certinel.reference.models import Region

    if not code:
        return ""
    wanted = [c for c in (code[:2] + "0000", code[:4] + "00", code) if c]
    names = {r.code: _local(r.name, r.name_en) for r in Region.objects.current().filter(code__in=set(wanted))}
    parts: list[str] = []
    for c in dict.fromkeys(wanted):
        if c in names and names[c] not in parts:
            parts.append(names[c])
    return " ".join(parts) or code
