"""Organization name search: substring semantics (after normalisation), ranking, former and
English names, two-character queries, region filters, paging, and no false positives or
negatives against a brute-force scan of a few thousand generated names."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from certinel.demo.names import Namer, Place
from certinel.reference.models import Region
from certinel.registry import search
from certinel.registry.models import NameGram, Organization, OrganizationName
from certinel.registry.search import (
    SearchResult,
    grams,
    index_organization,
    normalise,
    organization_ids_matching,
)

pytestmark = pytest.mark.django_db

PLACES = [
    Place("320102", "江苏省", "Jiangsu", "南京市", "Nanjing", "玄武区"),
    Place("320106", "江苏省", "Jiangsu", "南京市", "Nanjing", "鼓楼区"),
    Place("320505", "江苏省", "Jiangsu", "苏州市", "Suzhou", "虎丘区"),
    Place("320583", "江苏省", "Jiangsu", "苏州市", "Suzhou", "昆山市"),
    Place("320281", "江苏省", "Jiangsu", "无锡市", "Wuxi", "江阴市"),
    Place("330106", "浙江省", "Zhejiang", "杭州市", "Hangzhou", "西湖区"),
]


@pytest.fixture
def regions() -> dict[str, Region]:
    """The regions the test organizations are registered in (created if the reference lists
    are not loaded)."""
    found = {}
    for p in PLACES:
        region = Region.objects.current().filter(code=p.code).first() or Region.objects.create(
            code=p.code, name=p.county, level=3, parent_code=p.code[:4] + "00", valid_from=dt.date(2000, 1, 1),
            source="test")
        found[p.code] = region
    return found


_serial = itertools.count(1)


def _org(regions, name: str, *, code: str = "320102", name_en: str = "", former: tuple[str, ...] = ()) -> Organization:
    org = Organization.objects.create(uscc=f"91{code}MA{next(_serial):08d}", name=name, name_en=name_en,
                                      region=regions[code], region_code=code, address="测试地址")
    for i, old in enumerate(former):
        OrganizationName.objects.create(organization=org, name=old, used_until=dt.date(2020, 1, 1 + i))
    index_organization(org)
    return org


def _find(q: str, base=None, *, offset: int = 0, limit: int = 100) -> SearchResult:
    return organization_ids_matching(q, base if base is not None else Organization.objects.all(),
                                     offset=offset, limit=limit)


def test_substrings_anywhere_in_the_name(regions):
    a = _org(regions, "南京鑫淼精密机械有限公司")
    b = _org(regions, "苏州精密机械制造有限公司", code="320505")
    c = _org(regions, "南京技科科技有限公司")
    assert _find("鑫淼").ids == [a.pk]
    assert set(_find("精密机械").ids) == {a.pk, b.pk}
    assert _find("淼精密机").ids == [a.pk]
    assert _find("精密有限").ids == []
    assert _find("技科科技").ids == [c.pk]
    assert _find("科技科").ids == []  # both of its bigrams are in c's name, the substring is not
    assert _find("不存在的名称").ids == [] and _find("不存在的名称").total == 0


def test_two_character_queries(regions):
    a = _org(regions, "南京瀚钰科技有限公司")
    b = _org(regions, "瀚钰（江阴）新材料有限公司", code="320281")
    _org(regions, "南京钰瀚科技有限公司")  # the same characters, the other way round
    result = _find("瀚钰")
    assert set(result.ids) == {a.pk, b.pk} and result.total == 2 and not result.total_is_lower_bound


def test_normalisation_brackets_case_and_spaces(regions):
    a = _org(regions, "华峰精工（昆山）有限公司", code="320583", name_en="Kunshan Huafeng Precision Co., Ltd.")
    assert _find("华峰精工(昆山)").ids == [a.pk]  # half-width brackets find full-width ones
    assert _find("（昆山）").ids == [a.pk]
    assert _find("HUAFENG precision").ids == [a.pk]  # case and spaces do not matter
    assert _find("huafengprecision").ids == [a.pk]
    assert normalise("  Ａ Ｂ（１） ") == "ab(1)"


def test_english_and_former_names(regions):
    a = _org(regions, "南京新名称科技有限公司", former=("南京旧名称电子有限公司",), name_en="Nanjing Xinmingcheng Tech")
    assert _find("旧名称电子").ids == [a.pk]
    assert _find("xinmingcheng").ids == [a.pk]
    assert _find("新名称").ids == [a.pk]
    b = _org(regions, "南京旧名称贸易有限公司")
    # A match in the current name ranks before a match only in a former name, however short.
    assert _find("旧名称").ids == [b.pk, a.pk]


def test_ranking_exact_then_prefix_then_shorter(regions):
    long_ = _org(regions, "江苏华兴建设工程集团有限公司华兴分公司")
    contains = _org(regions, "南京华兴建设有限公司")
    prefix_long = _org(regions, "华兴建设工程咨询（南京）有限公司")
    prefix_short = _org(regions, "华兴建设有限公司")
    exact = _org(regions, "华兴建设")
    assert _find("华兴建设").ids == [exact.pk, prefix_short.pk, prefix_long.pk, contains.pk, long_.pk]


def test_region_filters_narrow_the_results(regions):
    nanjing = _org(regions, "南京星辰机械有限公司", code="320106")
    suzhou = _org(regions, "苏州星辰机械有限公司", code="320505")
    hangzhou = _org(regions, "杭州星辰机械有限公司", code="330106")
    base = Organization.objects.all()
    assert set(_find("星辰机械", base.filter(region_code__startswith="32")).ids) == {nanjing.pk, suzhou.pk}
    assert _find("星辰机械", base.filter(region_code__startswith="3201")).ids == [nanjing.pk]
    assert _find("星辰机械", base.filter(region_code="330106")).ids == [hangzhou.pk]
    assert _find("星辰机械", base.filter(region_code__startswith="3202")).ids == []
    assert _find("星辰", base.filter(region_code__startswith="33", name__startswith="杭州")).ids == [hangzhou.pk]
    # The same as a range of codes (which an index serves on SQLite).
    assert _find("星辰机械", base.filter(region_code__gte="3201", region_code__lte="320199")).ids == [nanjing.pk]


@pytest.mark.parametrize(("filters", "prefix", "pure"), [
    ({}, None, True),
    ({"region_code__startswith": "32"}, "32", True),
    ({"region_code": "320102"}, "320102", True),
    ({"region_code__gte": "3201", "region_code__lte": "320199"}, "3201", True),
    ({"region_code__gte": "3201", "region_code__lte": "320200"}, None, False),
    ({"region_code__startswith": "32", "status": "active"}, "32", False),
    ({"region_code__startswith": "32", "region_code": "320102"}, "320102", False),
    ({"status": "active"}, None, False),
])
def test_region_filters_are_recognised(filters, prefix, pure):
    assert search._region_filter(Organization.objects.filter(**filters)) == (prefix, pure)
    assert search._region_filter(Organization.objects.filter(**filters).distinct())[1] is False


def test_too_short_a_query_is_refused(regions):
    with pytest.raises(ValueError):
        _find("华")
    with pytest.raises(ValueError):
        _find(" 华 ")


def test_the_index_holds_the_bigrams_of_every_name(regions):
    org = _org(regions, "测试恒达机械有限公司", name_en="Hengda Machinery", former=("测试恒达机械厂",))
    expected = grams(org.name) | grams(org.name_en) | grams("测试恒达机械厂")
    assert search.indexed_bigrams(org.pk) == expected
    org.name = "测试恒远机械有限公司"
    org.save()
    index_organization(org, former=[])
    assert search.indexed_bigrams(org.pk) == grams(org.name) | grams(org.name_en)
    # One row per bigram of the current name, two prefix rows, one per bigram of the other names.
    assert NameGram.objects.filter(organization_id=org.pk).count() == len(grams(org.name)) + 2 + len(grams(org.name_en))


# --- against a brute-force scan ------------------------------------------------------------------

def _generated(regions, count: int = 3000) -> list[tuple[int, str, list[str], str]]:
    """`count` generated organizations (a tenth with former names, a quarter with English
    names), written with their index rows; returns (id, current, all names, region)."""
    rng = random.Random(20261122)
    namer = Namer(rng)
    orgs, formers, seen = [], {}, set()
    while len(orgs) < count:
        place = rng.choice(PLACES)
        company = namer.company(place, english=rng.random() < 0.25)
        if company.name in seen:
            continue
        seen.add(company.name)
        orgs.append(Organization(uscc=f"91{place.code}MA{len(orgs):08d}", name=company.name, name_en=company.name_en,
                                 region=regions[place.code], region_code=place.code, address="测试地址"))
        if rng.random() < 0.1:
            formers[len(orgs) - 1] = namer.former_name(place, company)
    Organization.objects.bulk_create(orgs)
    OrganizationName.objects.bulk_create([OrganizationName(organization=orgs[i], name=name,
                                                           used_until=dt.date(2020, 1, 1))
                                          for i, name in formers.items()])
    rows = []
    out = []
    for i, org in enumerate(orgs):
        names = [org.name, org.name_en, *([formers[i]] if i in formers else [])]
        rows += search.index_rows(org.pk, names, region_code=org.region_code)
        out.append((org.pk, org.name, names, org.region_code))
    NameGram.objects.bulk_create([NameGram(gram=g, organization_id=o) for g, o in rows])
    return out


QUERIES = ["科技", "有限公司", "科技有限公司", "机械", "精密机械", "南京", "苏州", "昆山", "江阴", "（苏州）", "(苏州)",
           "华兴", "鑫淼", "瀚", "淼", "贸易有限", "有限责任公司", "股份有限公司", "集团", "新材料科技", "电子",
           "technology", "co.,ltd", "suzhou", "厂", "工程技术有限公司", "不存在", "司有", "南京华", "建设工程",
           "江苏", "物流", "服务", "华兴贸易有限公司", "nanjing xin", "限公", "苏州市", "南京市玄武区"]


def _expected(data, q: str, regions_prefix: str = "") -> list[int]:
    needle = normalise(q)
    return [pk for pk, _, names, code in data if code.startswith(regions_prefix)
            and any(needle in normalise(n) for n in names if n)]


def test_no_false_positives_or_negatives(regions):
    data = _generated(regions)
    current = {pk: normalise(name) for pk, name, _, _ in data}
    checked = 0
    for q in QUERIES:
        if len(normalise(q)) < 2:
            continue
        for prefix in ("", "32", "3205", "320102"):
            base = Organization.objects.all()
            if prefix:
                base = base.filter(region_code__startswith=prefix)
            expected = _expected(data, q, prefix)
            result = _find(q, base, limit=len(data))
            assert sorted(result.ids) == sorted(expected), (q, prefix)
            assert len(result.ids) == len(set(result.ids))
            assert result.total == len(expected) or (result.total_is_lower_bound and result.total <= len(expected))
            # Ranking: current names starting with the query, then current names containing it, then
            # only English or former names; shorter current names first within each tier.
            needle = normalise(q)
            tiers = [0 if current[pk].startswith(needle) else 1 if needle in current[pk] else 2 for pk in result.ids]
            assert tiers == sorted(tiers), q
            for tier in (0, 1, 2):
                lengths = [min(len(current[pk]), 24) for pk, t in zip(result.ids, tiers, strict=True) if t == tier]
                assert lengths == sorted(lengths), (q, prefix, tier)
            checked += 1
    assert checked > 100


def test_pages_add_up_to_the_whole(regions):
    data = _generated(regions, 1500)
    for q, base in (("科技", Organization.objects.all()), ("有限公司", Organization.objects.all()),
                    ("机械", Organization.objects.filter(region_code__startswith="3205")),
                    ("南京", Organization.objects.filter(name__contains="科技"))):
        whole = _find(q, base, limit=10_000).ids
        pages = []
        # Pages of 45 (not a divisor of the totals), so that page edges fall anywhere.
        for offset in range(0, len(whole) + 45, 45):
            pages += _find(q, base, offset=offset, limit=45).ids
        assert pages == whole, q
        assert len(whole) == len(set(whole)) and whole
    assert data


def test_other_filters_are_applied_to_every_candidate(regions):
    data = _generated(regions, 1500)
    sample = [pk for pk, *_ in data[::7]]
    Organization.objects.filter(pk__in=sample).update(status="deregistered")
    base = Organization.objects.filter(status="deregistered")
    for q in ("有限公司", "科技", "南京"):
        expected = set(_expected(data, q)) & set(sample)
        result = _find(q, base, limit=len(data))
        assert set(result.ids) == expected, q


def test_a_bigram_with_few_rows_drives_even_where_a_sample_of_short_names_shows_no_match(regions, monkeypatch):
    # 缆有 has few rows, but its shortest names (电缆有限公司) do not match 缆有限责: a window of
    # them shows no match, while one of 限责 shows one in four. Reading 缆有 whole is bounded
    # by its count; going by 限责's sample would read on through every 有限责任公司 there is.
    monkeypatch.setattr(search, "CAP", 30)
    monkeypatch.setattr(search, "PROBE", 4)
    for _ in range(20):
        _org(regions, "电缆有限公司")
    for _ in range(3):
        _org(regions, "贸有限责任公司")
    matches = [_org(regions, "缆有限责任公司").pk for _ in range(15)]
    for _ in range(60):
        _org(regions, "贸易有限责任公司")
    needle = normalise("缆有限责")
    rare, common = search._keys("缆有")[0], search._keys("限责")[0]

    def driver() -> int:
        query = search._Query(needle, Organization.objects.all(), None, True, search._keys(needle))
        query.prepare(search.CURRENT)
        return query.drivers[search.CURRENT]

    # 缆有: 35 rows to read; 限责: a sample of 4 with one match, about 120 rows for 30 candidates.
    monkeypatch.setattr(search, "DRIVE_WHOLE", 100)
    assert driver() == rare
    assert sorted(_find("缆有限责").ids) == sorted(matches)
    # When 缆有 is not counted to the end, the sample decides.
    monkeypatch.setattr(search, "DRIVE_WHOLE", 30)
    assert driver() == common
    assert sorted(_find("缆有限责").ids) == sorted(matches)
