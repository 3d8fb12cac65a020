"""Substring search of organization names at national scale, on SQLite and PostgreSQL alike.

The index
---------
Names are normalised (NFKC, lower case, white space dropped) and cut into bigrams (pairs of
adjacent characters): Chinese names have no spaces, so words cannot be indexed, but every
substring of two or more characters is made of bigrams. `NameGram` holds, per organization,
one row for each distinct bigram of its current name, two *prefix rows* (the first two and the
first three characters of its current name, the latter hashed), and one *other row* for each
distinct bigram of its English and former names. The `gram` value packs, from the high bits::

    kind flags (3 bits) | bigram or prefix (32) | length bucket of the current name (5) | region (20)

Read in index order (gram, organization_id), the rows of one bigram come shortest current name
first, then by region code, then by id: the order results are ranked in. The rows of one bigram
inside a region (a code prefix such as 32, 3201 or 320102) are 32 short index ranges, one per
length bucket, so a region filter narrows the index itself, not the candidates found in it.

The query
---------
A query of two or more characters is normalised and cut into bigrams. For each bigram, the
index rows in the region are counted up to `CAP` (index-only, cheap); the rarest bigram
drives, and its rows that also have the other bigrams (point look-ups in the same index, the
same suffix) are the candidates, from the current names and from the other names.

* When there are at most `CAP` candidates, every candidate's names are read and tested for the
  substring, and the matches are ranked: current name starting with the query first (so an
  exact name comes first of all), then current name containing it, then only an English or
  former name containing it; within each, by the index order. The total is exact.
* Otherwise the query is common (科技, 有限公司). The candidates of each of the three tiers are
  read in index order, a window at a time, and tested, until the page is full (names starting
  with the query from the prefix rows). The total is exact up to `COUNT_CAP` for a single
  bigram, and otherwise "at least `CAP`". When every bigram has `CAP` rows or more, the one
  expected to need the fewest rows read drives: a short window of each shows how densely its
  rows match; when none is dense, one with fewer than `DRIVE_WHOLE` rows (counted further)
  costs at most those.

Every result is tested against the names themselves, so the index gives no false positive, and
it holds every name, so there is no false negative. The caller's queryset (`base`) is applied
to every candidate; a region filter in it also narrows the index ranges (same result, faster).
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice, pairwise

from django.db import connection
from django.db.models import Lookup, QuerySet

from .models import NameGram, Organization, OrganizationName

CAP = 1000
COUNT_CAP = 10000
# Bigrams checked in SQL besides the driving one; any others are checked on the names.
MAX_CHECKS = 10
# A bigram with fewer rows than this is selective enough: stop counting the others.
GOOD_ENOUGH = 100
# Among common bigrams, how many to try as the driver, and with how many rows each.
PROBES = 4
PROBE = 256
# Common bigrams with fewer rows than this are counted to the end: reading all their rows
# takes a few windows (1,001, 2,002, 4,004 …), which bounds what driving with them costs.
DRIVE_WHOLE = 8192

# Kinds of index rows (the flag bits of `gram`).
CURRENT = 0
PREFIX = 1 << 57  # the first bigram of the current name
OTHER = 1 << 58
PREFIX3 = 1 << 59  # a 32-bit hash of the first three characters of the current name
_BIGRAM_SHIFT = 25
_BUCKET_SHIFT = 20
_BUCKETS = 32
_SUFFIX_MASK = (1 << _BIGRAM_SHIFT) - 1
_FIRST_WINDOW = 256
_MAX_WINDOW = 8192

# Result tiers, best first.
STARTS, IN_CURRENT, IN_OTHER = 0, 1, 2

# Bigrams found in a large share of all company names: counted last, as they rarely drive.
_COMMON = frozenset({
    "有限", "限公", "公司", "责任", "任公", "股份", "份有", "集团", "团有", "科技", "技有", "技术", "术有",
    "发展", "展有", "实业", "业有", "贸易", "易有", "工程", "程有", "管理", "理有", "服务", "务有", "制造",
    "造有", "机械", "械有", "建设", "设有", "电子", "子有", "信息", "息有", "新材", "材料", "料有", "co",
    "lt", "td", "mi", "it", "te", "ed", "lo", "on", "an", "ng", "in", "gy", "ol", "og", "ch", "no", "ec",
})


def normalise(text: str) -> str:
    """The form names are compared in: NFKC (full-width letters and brackets become ASCII),
    lower case, no white space."""
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


def _codes(text: str) -> list[int]:
    """16 bits per character; the rare characters beyond the Basic Multilingual Plane share
    codes in the private use area (a shared code only adds candidates, which are tested)."""
    return [c if c < 0x10000 else 0xE000 + c % 0x1900 for c in map(ord, text)]


def _keys(normalised: str) -> list[int]:
    """The distinct bigram keys of a normalised text, in order of first appearance."""
    return list(dict.fromkeys((a << 16) | b for a, b in pairwise(_codes(normalised))))


def grams(text: str) -> set[int]:
    """The bigram keys of a text (after normalisation)."""
    return set(_keys(normalise(text)))


def _prefix_base(text: str) -> int:
    """The row base of the prefix rows for a normalised text: its first three characters
    (hashed) when it has three, else its first two."""
    if len(text) >= 3:
        return PREFIX3 | (zlib.crc32(text[:3].encode()) << _BIGRAM_SHIFT)
    return PREFIX | (_keys(text[:2])[0] << _BIGRAM_SHIFT)


def _bucket(length: int) -> int:
    """Length buckets: one per length up to 23 characters, then one per four, up to 31."""
    return length if length < 24 else min(_BUCKETS - 1, 24 + (length - 24) // 4)


def _suffix(current: str, region_code: str) -> int:
    """The low bits of an organization's rows: its current name's length bucket (`current`
    normalised) and its region code."""
    region = int(region_code) if len(region_code) == 6 and region_code.isdigit() else 0
    return (_bucket(len(current)) << _BUCKET_SHIFT) | region


def index_rows(org_id: int, names: Iterable[str], *, region_code: str | None = None) -> list[tuple[int, int]]:
    """The index rows `(gram, organization_id)` of one organization registered in
    `region_code`; `names` starts with the current name, then the English and former names.
    Used by `index_organization` and by bulk writers (`organizations_register_many`, the demo
    and benchmark loaders, which write them with COPY or executemany). Pass `region_code`:
    without it, it is read from the database, one query per organization."""
    if region_code is None:
        region_code = Organization.objects.filter(pk=org_id).values_list("region_code", flat=True).first() or ""
    normalised = [normalise(name) if name else "" for name in names]
    current = normalised[0] if normalised else ""
    suffix = _suffix(current, region_code)
    keys = _keys(current)
    rows = [((k << _BIGRAM_SHIFT) | suffix, org_id) for k in keys]
    if keys:
        rows.append((_prefix_base(current) | suffix, org_id))
    if len(current) >= 3:
        rows.append((_prefix_base(current[:2]) | suffix, org_id))
    other: set[int] = set()
    for name in normalised[1:]:
        other.update(_keys(name))
    rows += [(OTHER | (k << _BIGRAM_SHIFT) | suffix, org_id) for k in other]
    return rows


def index_organization(org: Organization, *, former: Iterable[str] | None = None) -> None:
    """(Re)build the index rows of one organization. Call inside the service's transaction."""
    if former is None:
        former = list(org.former_names.values_list("name", flat=True))
    rows = index_rows(org.pk, [org.name, org.name_en, *former], region_code=org.region_code)
    NameGram.objects.filter(organization_id=org.pk).delete()
    NameGram.objects.bulk_create([NameGram(gram=g, organization_id=o) for g, o in rows])


def indexed_bigrams(org_id: int) -> set[int]:
    """The bigram keys the index holds for one organization, from all its names: what
    `grams()` gives for them."""
    values = NameGram.objects.filter(organization_id=org_id).values_list("gram", flat=True)
    return {(g >> _BIGRAM_SHIFT) & 0xFFFFFFFF for g in values if not g & (PREFIX | PREFIX3)}


@dataclass
class SearchResult:
    ids: list[int]
    total: int
    total_is_lower_bound: bool

    @property
    def total_display(self) -> str:
        return f"{self.total:,}+" if self.total_is_lower_bound else f"{self.total:,}"


# --- where to look ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Scope:
    """The region codes (as integers) the search is narrowed to; None: everywhere."""

    low: int
    high: int

    @classmethod
    def of(cls, prefix: str | None) -> _Scope | None:
        if not prefix:
            return None
        width = 10 ** (6 - len(prefix))
        return cls(int(prefix) * width, int(prefix) * width + width - 1)


_REGION_PREFIX = re.compile(r"\d{2,6}")


def _region_lookup(child: object) -> tuple[str, str] | None:
    """(lookup name, value) of a filter on Organization.region_code with a string of digits."""
    if (isinstance(child, Lookup) and getattr(getattr(child.lhs, "target", None), "attname", None) == "region_code"
            and getattr(child.lhs, "alias", None) == Organization._meta.db_table
            and isinstance(child.rhs, str) and child.rhs.isdigit() and len(child.rhs) <= 6):
        return str(child.lookup_name), child.rhs
    return None


def _region_filter(base: QuerySet[Organization]) -> tuple[str | None, bool]:
    """The region code prefix `base` is narrowed to at its top level — `region_code`
    startswith a prefix, equal to a code, or between a prefix and the prefix filled with nines
    (`__gte="3201", __lte="320199"`, the form an index can serve on SQLite) — and whether that
    is all `base` filters on. Only a speed-up: `base` itself is applied to every candidate."""
    query = base.query
    if query.model is not Organization or query.is_sliced or query.combinator:
        return None, False
    where = query.where
    if where.negated or (where.children and where.connector != "AND"):
        return None, False
    lookups = [_region_lookup(child) for child in where.children]
    found = dict(lookup for lookup in lookups if lookup is not None)
    forms: list[tuple[str, int]] = []  # (prefix, how many filters express it)
    if _REGION_PREFIX.fullmatch(found.get("startswith", "")):
        forms.append((found["startswith"], 1))
    if len(found.get("exact", "")) == 6:
        forms.append((found["exact"], 1))
    low, high = found.get("gte", ""), found.get("lte", "")
    if _REGION_PREFIX.fullmatch(low) and high == low.ljust(6, "9"):
        forms.append((low, 2))
    prefix = max((p for p, _ in forms), key=len, default=None)
    only_it = len(forms) == 1 and len(lookups) == len(found) == forms[0][1] and None not in lookups
    return prefix, (only_it or not lookups) and not query.distinct


def _ranges(row_base: int, scope: _Scope | None) -> list[tuple[int, int]]:
    """The index ranges holding the rows whose gram starts with `row_base` (a bigram key,
    shifted, with or without the prefix flag), inside the scope."""
    if scope is None:
        return [(row_base, row_base | _SUFFIX_MASK)]
    return [(row_base | (b << _BUCKET_SHIFT) | scope.low, row_base | (b << _BUCKET_SHIFT) | scope.high)
            for b in range(_BUCKETS)]


def _row_base(key: int, kind: int = CURRENT) -> int:
    return kind | (key << _BIGRAM_SHIFT)


# --- SQL ----------------------------------------------------------------------------------------

# The SQL below is built from this table name and integers only (row bases pass through
# int()); every other value is a query parameter.
_TABLE = NameGram._meta.db_table


def _arms(ranges: list[tuple[int, int]], after: tuple[int, int] | None) -> tuple[list[str], list[int]]:
    """One SELECT per index range, each an index range scan; `after` skips what was read."""
    arms: list[str] = []
    params: list[int] = []
    select = f"SELECT gram, organization_id FROM {_TABLE} WHERE "  # noqa: S608
    for low, high in ranges:
        if after is not None:
            if after[0] > high:
                continue
            if after[0] >= low:
                arms.append(select + "gram = %s AND organization_id > %s")
                params += [after[0], after[1]]
                low = after[0] + 1
                if low > high:
                    continue
        arms.append(select + "gram BETWEEN %s AND %s")
        params += [low, high]
    return arms, params


def _exists(row_base: int) -> str:
    return (f"EXISTS (SELECT 1 FROM {_TABLE} x WHERE x.gram = {int(row_base)} + (d.gram & {_SUFFIX_MASK}) "  # noqa: S608
            "AND x.organization_id = d.organization_id)")


def _count(ranges: list[tuple[int, int]], cap: int, *, lacking: int | None = None) -> int:
    """How many index rows the ranges hold, counting no further than `cap`; with `lacking`,
    only those whose organization has no row of that row base."""
    arms, params = _arms(ranges, None)
    union = " UNION ALL ".join(arms)
    if lacking is None:
        sql = f"SELECT COUNT(*) FROM ({union} LIMIT %s) c"  # noqa: S608
    else:
        sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM ({union}) d WHERE NOT {_exists(lacking)} LIMIT %s) c"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, cap])
        return int(cursor.fetchone()[0])


def _counts(row_bases: list[int], cap: int) -> list[int]:
    """`_count` for several whole bigrams (no region) in one statement, one range each."""
    subqueries, params = [], []
    for row_base in row_bases:
        arms, arm_params = _arms(_ranges(row_base, None), None)
        subqueries.append(f"(SELECT COUNT(*) FROM ({arms[0]} LIMIT %s) c)")  # noqa: S608
        params += [*arm_params, cap]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(subqueries)}", params)
        return [int(n) for n in cursor.fetchone()]


def _window_sql(arms: list[str], checks: list[int], ordered: bool) -> str:
    """SQLite merges the ranges in order under ORDER BY. PostgreSQL would read every range
    whole and sort; instead each range is read in index order and the ranges are appended in
    order (they are disjoint and ascending), which stops at the LIMIT. That order is checked
    by the caller, who asks for the sorted form if it ever fails (`ordered`)."""
    exists = " AND ".join(_exists(c) for c in checks) or "1 = 1"
    if connection.vendor == "postgresql" and not ordered:
        union = " UNION ALL ".join(f"({arm} ORDER BY gram, organization_id)" for arm in arms)
        return f"SELECT d.gram, d.organization_id, CASE WHEN {exists} THEN 1 ELSE 0 END FROM ({union} LIMIT %s) d"  # noqa: S608
    return (f"SELECT d.gram, d.organization_id, CASE WHEN {exists} THEN 1 ELSE 0 END FROM "  # noqa: S608
            f"({' UNION ALL '.join(arms)} ORDER BY 1, 2 LIMIT %s) d ORDER BY 1, 2")


def _window(ranges: list[tuple[int, int]], checks: list[int], after: tuple[int, int] | None,
            size: int) -> list[tuple[int, int, bool]]:
    """The next `size` index rows of the ranges in index order, each with whether the same
    organization also has every row of `checks` (row bases; the suffix is the same)."""
    arms, params = _arms(ranges, after)
    if not arms:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_window_sql(arms, checks, ordered=False), [*params, size])
        rows = [(int(g), int(o), bool(ok)) for g, o, ok in cursor.fetchall()]
        if any(a[:2] >= b[:2] for a, b in pairwise(rows)):
            cursor.execute(_window_sql(arms, checks, ordered=True), [*params, size])
            rows = [(int(g), int(o), bool(ok)) for g, o, ok in cursor.fetchall()]
    return rows


@dataclass
class _Stream:
    """Candidates in ranking order: the index rows in `ranges` whose organization also has
    the `checks` rows; read a window at a time, after `after`."""

    ranges: list[tuple[int, int]]
    checks: list[int]
    after: tuple[int, int] | None = None
    first: int = _FIRST_WINDOW

    def __iter__(self) -> Iterator[tuple[int, int]]:
        after, size = self.after, self.first
        while True:
            rows = _window(self.ranges, self.checks, after, size)
            yield from ((g, o) for g, o, ok in rows if ok)
            if len(rows) < size:
                return
            after = (rows[-1][0], rows[-1][1])
            size = min(size * 2, _MAX_WINDOW)


# --- testing candidates against the names -------------------------------------------------------

@dataclass(frozen=True)
class _Hit:
    tier: int
    suffix: int
    id: int

    @property
    def rank(self) -> tuple[int, int, int]:
        return (self.tier, self.suffix, self.id)


def _test(candidates: list[tuple[int, int]], needle: str, base: QuerySet[Organization]) -> list[_Hit]:
    """The candidates (gram, id) that are in `base` and have a name containing the needle,
    in the given order, each with its tier."""
    ids = list(dict.fromkeys(o for _, o in candidates))
    if not ids:
        return []
    rows = base.order_by().filter(pk__in=ids).values_list("pk", "name", "name_en")
    tiers: dict[int, int] = {}
    unmatched = []
    for pk, name, name_en in rows:
        current = normalise(name)
        if needle in current:
            tiers[pk] = STARTS if current.startswith(needle) else IN_CURRENT
        elif needle in normalise(name_en):
            tiers[pk] = IN_OTHER
        else:
            unmatched.append(pk)
    if unmatched:
        for pk, name in OrganizationName.objects.filter(organization_id__in=unmatched).values_list(
                "organization_id", "name"):
            if needle in normalise(name):
                tiers[pk] = IN_OTHER
    hits, seen = [], set()
    for gram, pk in candidates:
        if pk in tiers and pk not in seen:
            seen.add(pk)
            hits.append(_Hit(tiers[pk], gram & _SUFFIX_MASK, pk))
    return hits


def _tested(stream: Iterable[tuple[int, int]], needle: str, base: QuerySet[Organization],
            batch: int) -> Iterator[_Hit]:
    """Test a stream of candidates a batch at a time, keeping its order."""
    it = iter(stream)
    while chunk := list(islice(it, batch)):
        yield from _test(chunk, needle, base)
        batch = min(batch * 2, 4096)


# --- the search -----------------------------------------------------------------------------------

def _likely_common(key: int) -> bool:
    return chr(key >> 16) + chr(key & 0xFFFF) in _COMMON


def _count_keys(keys: list[int], scope: _Scope | None, kind: int, cap: int = CAP) -> dict[int, int]:
    """Index rows of one kind per bigram (up to `cap`). Without a region, all in one statement;
    in a region (32 ranges a bigram), likely rare ones first, stopping at a selective one."""
    if scope is None:
        return dict(zip(keys, _counts([_row_base(k, kind) for k in keys], cap), strict=True))
    counts: dict[int, int] = {}
    for k in sorted(keys, key=_likely_common):
        counts[k] = _count(_ranges(_row_base(k, kind), scope), cap)
        if counts[k] < GOOD_ENOUGH:
            break
    return counts


@dataclass
class _Query:
    needle: str
    base: QuerySet[Organization]
    scope: _Scope | None
    pure: bool
    keys: list[int]
    counts: dict[int, dict[int, int]] = field(default_factory=dict)
    drivers: dict[int, int] = field(default_factory=dict)

    def has(self, kind: int) -> bool:
        return kind in self.counts and min(self.counts[kind].values()) > 0

    def order(self, kind: int) -> list[int]:
        """The bigrams: the driving one, then the counted ones rarest first, then the others;
        among equally counted ones (common ones all count CAP), those farthest in the query
        from the driving one first: a bigram next to it is nearly always there too (器械 next
        to 医疗), one far from it is the likeliest to be missing, which ends the row's checks."""
        counts, driver = self.counts[kind], self.drivers.get(kind)
        at = self.keys.index(driver) if driver in self.keys else 0
        return sorted(self.keys, key=lambda k: (k != driver, k not in counts, counts.get(k, 0),
                                                -abs(self.keys.index(k) - at), self.keys.index(k)))

    def choose_driver(self, kind: int) -> None:
        """When every bigram counted is common (CAP rows or more), their counts up to CAP do
        not tell which to read. Each is given a cost — about how many of its rows must be read
        to find CAP candidates — and the cheapest drives:

        * a short window of each (with the checks of the others) shows how often its rows have
          the others: CAP ÷ that share;
        * when that leaves no bigram cheaper than `DRIVE_WHOLE` rows, those not among the most
          common of all are counted further, to `DRIVE_WHOLE`: one with fewer rows costs no
          more than those, however few of its matches the window showed. (A window is only a
          sample of the shortest names: a rare bigram whose matches are all long names, such
          as 缆有 in 缆有限责, shows none.)

        With no cost known (no window showed a match, none is under `DRIVE_WHOLE`), the first
        one probed drives."""
        counts = self.counts[kind]
        if len(counts) < 2 or min(counts.values()) < CAP:
            return
        cost: dict[int, float] = {}
        probed = sorted(counts, key=lambda k: (_likely_common(k), self.keys.index(k)))[:PROBES]
        for key in probed:
            others = [_row_base(k, kind) for k in self.keys if k != key][:MAX_CHECKS]
            hits = sum(ok for _, _, ok in _window(_ranges(_row_base(key, kind), self.scope), others, None, PROBE))
            if hits:
                cost[key] = CAP * PROBE / hits
            if hits >= PROBE * 3 // 4:  # dense enough
                break
        if min(cost.values(), default=math.inf) > DRIVE_WHOLE:
            unusual = [k for k in counts if not _likely_common(k)]
            for key, rows in (_count_keys(unusual, self.scope, kind, cap=DRIVE_WHOLE) if unusual else {}).items():
                if rows < DRIVE_WHOLE:
                    cost[key] = min(cost.get(key, math.inf), rows)
        if cost:
            self.drivers[kind] = min(cost, key=lambda k: (cost[k], self.keys.index(k)))
        elif probed:
            self.drivers[kind] = probed[0]

    def stream(self, kind: int, **options) -> _Stream:
        first, *rest = self.order(kind)
        return _Stream(_ranges(_row_base(first, kind), self.scope), [_row_base(k, kind) for k in rest[:MAX_CHECKS]],
                       **options)

    def batch(self, need: int) -> int:
        return max(32, need)

    def starts(self, need: int) -> Iterator[_Hit]:
        """The matches whose current name starts with the needle, in ranking order: read
        from the prefix rows of its first two (or three) characters, or from the driving
        bigram's rows checked against them, whichever holds fewer rows."""
        if not self.has(CURRENT):
            return iter(())
        prefix = _prefix_base(self.needle)
        prefix_ranges = _ranges(prefix, self.scope)
        in_prefix = _count(prefix_ranges, CAP)
        if in_prefix == 0:
            return iter(())
        order = self.order(CURRENT)
        implied = set(_keys(self.needle[:3]))
        if in_prefix <= self.counts[CURRENT].get(order[0], CAP):
            stream = _Stream(prefix_ranges, [_row_base(k) for k in order if k not in implied][:MAX_CHECKS])
        else:
            checks = [prefix, *(_row_base(k) for k in order[1:])]
            stream = _Stream(_ranges(_row_base(order[0]), self.scope), checks[:MAX_CHECKS])
        return (h for h in _tested(stream, self.needle, self.base, self.batch(need)) if h.tier == STARTS)

    def prepare(self, kind: int) -> None:
        self.counts[kind] = _count_keys(self.keys, self.scope, kind)
        if self.has(kind):
            self.choose_driver(kind)

    def collect(self, kind: int) -> list[tuple[int, int]]:
        """The first CAP + 1 candidates of one kind of rows (all of them, if fewer)."""
        common = min(self.counts[kind].values()) >= CAP
        return list(islice(self.stream(kind, first=CAP + 1 if common else _FIRST_WINDOW), CAP + 1))

    def tier(self, kind: int, seed: list[tuple[int, int]] | None, need: int) -> Iterator[_Hit]:
        """The matches of one tier (current names: IN_CURRENT; other names: IN_OTHER), in
        ranking order, starting from the candidates already read, if any."""
        if kind not in self.counts:
            self.prepare(kind)
        if not self.has(kind):
            return
        want = IN_CURRENT if kind == CURRENT else IN_OTHER
        stream: Iterable[tuple[int, int]]
        if seed is None:
            stream = self.stream(kind)
        elif len(seed) > CAP:
            stream = chain(seed, self.stream(kind, after=seed[-1]))
        else:
            stream = seed
        yield from (h for h in _tested(stream, self.needle, self.base, self.batch(need)) if h.tier == want)

    def total(self, candidates: dict[int, list[tuple[int, int]]]) -> tuple[int, bool]:
        """How many matches there are: exact for one bigram up to COUNT_CAP (index counts);
        otherwise at least the candidates found in `base` (up to CAP), each of which has
        every bigram of the query (up to 11) in its current or in its other names."""
        astral = any(ord(ch) > 0xFFFF for ch in self.needle)
        if len(self.keys) == 1 and self.pure and not astral:
            key = self.keys[0]
            current = _count(_ranges(_row_base(key), self.scope), COUNT_CAP) if self.has(CURRENT) else 0
            if current >= COUNT_CAP:
                return COUNT_CAP, True
            other = _count(_ranges(_row_base(key, OTHER), self.scope), CAP, lacking=_row_base(key))
            return current + other, other >= CAP
        found = max(candidates.values(), key=len)
        ids = list(dict.fromkeys(o for _, o in found[:CAP]))
        return (len(ids) if self.pure else self.base.filter(pk__in=ids).count()), True


def organization_ids_matching(q: str, base: QuerySet[Organization], *, offset: int, limit: int) -> SearchResult:
    """The ids of organizations in `base` whose name (current, English or former) contains
    `q`, best matches first, and how many there are."""
    needle = normalise(q)
    if len(needle) < 2:
        raise ValueError("A name search needs at least two characters.")
    prefix, pure = _region_filter(base)
    query = _Query(needle, base, _Scope.of(prefix), pure, _keys(needle))
    candidates: dict[int, list[tuple[int, int]]] = {}
    for kind in (CURRENT, OTHER):
        query.prepare(kind)
        if query.has(kind):
            candidates[kind] = query.collect(kind)
            if len(candidates[kind]) > CAP:
                break  # a common query: the other names are read only if the page needs them
    if all(len(found) <= CAP for found in candidates.values()):
        merged = sorted(chain.from_iterable(candidates.values()), key=lambda c: (c[0] & _SUFFIX_MASK, c[1]))
        hits = sorted(_test(merged, needle, base), key=lambda h: h.rank)
        return SearchResult([h.id for h in hits[offset:offset + limit]], len(hits), False)
    total, lower_bound = query.total(candidates)
    need = offset + limit
    tiers = chain(query.starts(need), query.tier(CURRENT, candidates.get(CURRENT), need),
                  query.tier(OTHER, candidates.get(OTHER), need))
    ids = [h.id for h in islice(tiers, offset, need)]
    return SearchResult(ids, max(total, offset + len(ids)), lower_bound)
