"""Publicly verifiable random draws: RFC 3797, its SHA-256 profile, strata and inspectors.

Pure Python with no Django and no database, so that the server draws with it and anyone
replays the same draw with it (`certinel draw replay`), or with its re-implementation in the
browser (`static/supervision/replay.js`). docs/draws.md specifies the algorithm byte for byte.

Positions are 0-based in this module's functions and 1-based in the published result and on
the command line.

    select(pool_size, count, sources, profile="sha256", salt=b"") -> list[int]
    draw_strata([(label, pool_size, count), ...], sources, profile) -> {label: [positions]}
    draw_inspectors(subjects, directory, sources=..., per_subject=2, region_rule="any")
    replay(published) -> result;  dumps(result) -> the result's canonical JSON text
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

FORMAT_VERSION = 1
REGION_RULES = ("any", "same", "other")
MIN_INSPECTORS = 2

Number = int | Decimal | str
Source = str | int | Decimal | Sequence[Number]


class DrawInputError(ValueError):
    """The draw's input is wrong; the message says what and where."""


class TooFewInspectors(DrawInputError):
    """Fewer inspectors are eligible for a subject than the draw needs."""

    def __init__(self, subject: str, eligible: int, needed: int, why: str) -> None:
        self.subject, self.eligible, self.needed = subject, eligible, needed
        super().__init__(
            f"Subject {subject!r}: {eligible} eligible inspector{'' if eligible == 1 else 's'}, "
            f"{needed} needed ({why})."
        )


@dataclass(frozen=True)
class Profile:
    """A hash function and the largest number of selections one key may make."""

    name: str
    hash: Callable[[bytes], Any]
    max_count: int


PROFILES: dict[str, Profile] = {
    # RFC 3797 §4: MD5, a two-byte counter, so at most 65,536 selections.
    "rfc3797": Profile("rfc3797", hashlib.md5, 1 << 16),
    # The same with SHA-256; the counter takes four bytes from selection 65,536 on.
    "sha256": Profile("sha256", hashlib.sha256, 1 << 32),
}


def profile_named(name: str) -> Profile:
    try:
        return PROFILES[name]
    except (KeyError, TypeError):
        raise DrawInputError(f"Unknown profile {name!r}: use one of {', '.join(PROFILES)}.") from None


# ---------------------------------------------------------------------------------------------
# The key: RFC 3797 §4, with the rule for text sources (docs/draws.md, "Sources").

_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_NUMBER = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")


def _number(token: str) -> tuple[Decimal, str] | None:
    """A decimal number's value and its RFC 3797 form ("007" -> "7.", "0.50" -> "0.5"), or None."""
    match = _NUMBER.fullmatch(token)
    if match is None:
        return None
    sign, whole, frac = match.groups()
    whole, frac = whole.lstrip("0") or "0", (frac or "").rstrip("0")
    text = f"{whole}.{frac}" if frac else f"{whole}."
    negative = sign == "-" and (whole != "0" or frac != "")
    return Decimal(f"{'-' if negative else ''}{whole}.{frac or '0'}"), ("-" if negative else "") + text


def _numbers(values: Sequence[Number], where: str) -> bytes:
    forms = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
            raise DrawInputError(f"{where}: {value!r} is not a number (give integers, decimals or their text).")
        if isinstance(value, Decimal) and not value.is_finite():
            raise DrawInputError(f"{where}: {value} is not a finite number.")
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        parsed = _number(unicodedata.normalize("NFKC", text).strip())
        if parsed is None:
            raise DrawInputError(f"{where}: {value!r} is not a decimal number.")
        forms.append(parsed)
    if not forms:
        raise DrawInputError(f"{where} is empty.")
    forms.sort(key=lambda form: form[0])
    return "".join(text for _value, text in forms).encode("ascii")


def canonical_source(source: Source, number: int = 1) -> bytes:
    """One source's part of the key, with its closing "/"."""
    where = f"Source {number}"
    if isinstance(source, (bool, float)):
        raise DrawInputError(f"{where}: give {source!r} as text or as a Decimal, not as a {type(source).__name__}.")
    if isinstance(source, (int, Decimal)):
        return _numbers([source], where) + b"/"
    if isinstance(source, str):
        tokens = [t for t in _SPACE.split(unicodedata.normalize("NFKC", source)) if t]
        if not tokens:
            raise DrawInputError(f"{where} is empty.")
        if all(_number(t) is not None for t in tokens):
            return _numbers(tokens, where) + b"/"
        return " ".join(tokens).encode("utf-8") + b"/"
    if isinstance(source, Sequence):
        return _numbers(list(source), where) + b"/"
    raise DrawInputError(f"{where}: {type(source).__name__} is not a source (give text or a list of numbers).")


def canonical_key(sources: Sequence[Source]) -> bytes:
    """The key of RFC 3797 §4: every source's values, then "/", in the order the sources are listed."""
    if isinstance(sources, (str, bytes)) or not isinstance(sources, Sequence):
        raise DrawInputError("The sources must be a list (one item per public source of randomness).")
    if not sources:
        raise DrawInputError("At least one public source of randomness is needed.")
    return b"".join(canonical_source(source, i) for i, source in enumerate(sources, 1))


# ---------------------------------------------------------------------------------------------
# Selection: the j-th value is hash(counter(j) + key + counter(j)) as a big-endian integer, taken
# modulo the number of entries still in the pool; it picks that entry among those remaining.


def counter(j: int) -> bytes:
    """Two bytes big-endian (RFC 3797) while j < 65,536, then four (the sha256 profile only)."""
    return j.to_bytes(2 if j < 1 << 16 else 4, "big")


def _check_counts(pool_size: int, count: int, profile: Profile) -> None:
    for name, value in (("pool size", pool_size), ("count", count)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise DrawInputError(f"The {name} must be a whole number, not {value!r}.")
        if value < 0:
            raise DrawInputError(f"The {name} must not be negative ({value}).")
    if count > pool_size:
        raise DrawInputError(f"The count ({count}) is larger than the pool ({pool_size}).")
    if count > profile.max_count:
        raise DrawInputError(f"The {profile.name} profile makes at most {profile.max_count:,} selections with one key.")


def _draw(pool_size: int, count: int, key: bytes, profile: Profile, digests: list[bytes] | None = None) -> list[int]:
    """The selection, with a Fenwick tree of removed positions: O(log n) for each pick."""
    hash_ = profile.hash
    size = 1 << pool_size.bit_length()  # > pool_size; the blocks past the pool are never entered
    removed = [0] * (size + 1)  # removed[i]: entries taken in (i - lowbit(i), i]
    top = size >> 1
    chosen = []
    for j in range(count):
        c = j.to_bytes(2 if j < 65536 else 4, "big")
        digest = hash_(c + key + c).digest()
        if digests is not None:
            digests.append(digest)
        rank = int.from_bytes(digest, "big") % (pool_size - j)
        pos, step = 0, top
        while step:  # the rank-th entry still in the pool: skip whole blocks that lie before it
            free = step - removed[pos + step]
            if free <= rank:
                pos += step
                rank -= free
            step >>= 1
        chosen.append(pos)
        i = pos + 1
        while i <= pool_size:
            removed[i] += 1
            i += i & -i
    return chosen


def select(
    pool_size: int, count: int, sources: Sequence[Source], profile: str = "sha256", salt: bytes = b""
) -> list[int]:
    """`count` distinct 0-based positions of a pool of `pool_size`, in selection order; the key is
    the sources' canonical key followed by `salt`."""
    chosen = profile_named(profile)
    _check_counts(pool_size, count, chosen)
    return _draw(pool_size, count, canonical_key(sources) + salt, chosen)


@dataclass(frozen=True)
class Step:
    """One selection, as RFC 3797 §6 tabulates it (index 0-based in the whole pool)."""

    j: int
    digest: str
    remaining: int
    index: int


def explain(
    pool_size: int, count: int, sources: Sequence[Source], profile: str = "sha256", salt: bytes = b""
) -> list[Step]:
    """Every selection's hash value, divisor and result, for a person to check."""
    chosen = profile_named(profile)
    _check_counts(pool_size, count, chosen)
    digests: list[bytes] = []
    picks = _draw(pool_size, count, canonical_key(sources) + salt, chosen, digests)
    return [Step(j, d.hex().upper(), pool_size - j, p) for j, (d, p) in enumerate(zip(digests, picks, strict=True))]


# ---------------------------------------------------------------------------------------------
# Strata: each stratum drawn on its own key, so that no stratum's result depends on another's.


def stratum_salt(label: str) -> bytes:
    return b"stratum:" + label.encode("utf-8") + b"/"


def draw_strata(
    strata: Sequence[tuple[str, int, int]], sources: Sequence[Source], profile: str = "sha256"
) -> dict[str, list[int]]:
    """For each (label, pool_size, count), the selected 0-based positions in that stratum's pool."""
    chosen = profile_named(profile)
    key = canonical_key(sources)
    result: dict[str, list[int]] = {}
    for label, pool_size, count in strata:
        if not isinstance(label, str) or not label:
            raise DrawInputError(f"A stratum's label must be non-empty text, not {label!r}.")
        if label in result:
            raise DrawInputError(f"Stratum {label!r} appears twice.")
        try:
            _check_counts(pool_size, count, chosen)
        except DrawInputError as exc:
            raise DrawInputError(f"Stratum {label!r}: {exc}") from None
        result[label] = _draw(pool_size, count, key + stratum_salt(label), chosen)
    return result


# ---------------------------------------------------------------------------------------------
# Inspectors: for each drawn subject, k of the eligible inspectors, on a key of its own.


class Inspector(NamedTuple):
    id: str
    region: str


class Subject(NamedTuple):
    id: str
    region: str | None = None
    excluded: Collection[str] = ()  # inspector ids: declared conflicts, the subject's last inspector


def inspector_salt(subject_id: str) -> bytes:
    return b"inspectors:" + subject_id.encode("utf-8") + b"/"


class _Directory:
    """The inspectors in directory order, with the positions of each region's (and the others')."""

    def __init__(self, directory: Sequence[Inspector]) -> None:
        self.ids = [i.id for i in directory]
        self.regions = [i.region for i in directory]
        self.position: dict[str, int] = {}
        self.by_region: dict[str, list[int]] = {}
        for p, inspector in enumerate(directory):
            if not isinstance(inspector.id, str) or not inspector.id:
                raise DrawInputError(f"Inspector {p + 1} of the directory has no id.")
            if not isinstance(inspector.region, str):
                raise DrawInputError(f"Inspector {inspector.id!r}: the region must be text.")
            if inspector.id in self.position:
                raise DrawInputError(f"Inspector {inspector.id!r} appears twice in the directory.")
            self.position[inspector.id] = p
            self.by_region.setdefault(inspector.region, []).append(p)
        self.everyone = list(range(len(self.ids)))
        self._others: dict[str, list[int]] = {}

    def base(self, rule: str, region: str | None) -> list[int]:
        if rule == "any":
            return self.everyone
        if rule == "same":
            return self.by_region.get(region, [])  # type: ignore[arg-type]
        if region not in self._others:
            self._others[region] = [p for p, r in enumerate(self.regions) if r != region]  # type: ignore[index]
        return self._others[region]  # type: ignore[index]

    def skipped(self, base: list[int], rule: str, subject: Subject) -> list[int]:
        """The sorted indices in `base` of the subject's excluded inspectors (others are not in it)."""
        found = set()
        for inspector in subject.excluded:
            p = self.position.get(inspector)
            if p is not None and (rule == "any" or (self.regions[p] == subject.region) == (rule == "same")):
                found.add(bisect_left(base, p))
        return sorted(found)


_COUNTERS = [counter(j) for j in range(4)]


def _pick(key: bytes, hash_: Callable[[bytes], Any], base: list[int], skipped: list[int], k: int) -> list[int]:
    """k selections from `base` less the sorted base indices `skipped` (changed in place)."""
    eligible = len(base) - len(skipped)
    picked = []
    for j in range(k):
        c = _COUNTERS[j] if j < 4 else counter(j)
        idx = int.from_bytes(hash_(c + key + c).digest(), "big") % (eligible - j)
        at, ends = 0, len(skipped)
        while at < ends and skipped[at] <= idx:  # the idx-th base index not skipped
            idx += 1
            at += 1
        skipped.insert(at, idx)
        picked.append(base[idx])
    return picked


def draw_inspectors(
    subjects: Sequence[Subject],
    directory: Sequence[Inspector],
    *,
    sources: Sequence[Source],
    per_subject: int = MIN_INSPECTORS,
    region_rule: str = "any",
    profile: str = "sha256",
) -> list[tuple[str, list[str]]]:
    """For each subject (in the order given), `per_subject` inspector ids in selection order.

    Eligible: in directory order, the inspectors the region rule allows (`any`; `same` region as
    the subject; `other` region) less the subject's excluded ones."""
    chosen = profile_named(profile)
    if region_rule not in REGION_RULES:
        raise DrawInputError(f"Unknown region rule {region_rule!r}: use one of {', '.join(REGION_RULES)}.")
    if isinstance(per_subject, bool) or not isinstance(per_subject, int) or per_subject < MIN_INSPECTORS:
        raise DrawInputError(f"At least {MIN_INSPECTORS} inspectors per subject, not {per_subject!r}.")
    key, book, seen = canonical_key(sources), _Directory(directory), set()
    result = []
    for subject in subjects:
        if not isinstance(subject.id, str) or not subject.id:
            raise DrawInputError(f"A subject has no id ({subject!r}).")
        if subject.id in seen:
            raise DrawInputError(f"Subject {subject.id!r} appears twice.")
        seen.add(subject.id)
        if region_rule != "any" and not isinstance(subject.region, str):
            raise DrawInputError(f"Subject {subject.id!r} has no region (the region rule is {region_rule!r}).")
        base = book.base(region_rule, subject.region)
        skipped = book.skipped(base, region_rule, subject) if subject.excluded else []
        if len(base) - len(skipped) < per_subject:
            raise TooFewInspectors(
                subject.id,
                len(base) - len(skipped),
                per_subject,
                f"region rule {region_rule!r}, region {subject.region!r}, {len(skipped)} excluded",
            )
        picked = _pick(key + inspector_salt(subject.id), chosen.hash, base, skipped, per_subject)
        result.append((subject.id, [book.ids[p] for p in picked]))
    return result


# ---------------------------------------------------------------------------------------------
# The published plan and its result (docs/draws.md, "Published plan").

_PLAN_KEYS = {"version", "plan", "profile", "sources", "strata", "inspectors"}
_INSPECTOR_KEYS = {"per_subject", "region_rule", "directory", "subjects"}


def _field(obj: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, Mapping) or name not in obj:
        raise DrawInputError(f"{where}: {name!r} is missing.")
    value = obj[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DrawInputError(f"{where}: {name!r} has the wrong type ({type(value).__name__}).")
    return value


def _only(obj: Mapping, allowed: Collection[str], where: str) -> None:
    unknown = sorted(set(obj).difference(allowed))
    if unknown:
        raise DrawInputError(f"{where}: unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}.")


def _strata(plan: Mapping) -> list[tuple[str, list[str], int]]:
    strata: list[tuple[str, list[str], int]] = []
    seen: set[str] = set()
    for n, stratum in enumerate(_field(plan, "strata", list, "The plan"), 1):
        where = f"Stratum {n}"
        if isinstance(stratum, Mapping):
            _only(stratum, {"label", "count", "pool"}, where)
        label = _field(stratum, "label", str, where)
        pool = _field(stratum, "pool", list, where)
        count = _field(stratum, "count", int, where)
        if set(map(type, pool)) - {str} or "" in pool:  # checked in C; the loop only finds the culprit
            for i, entry in enumerate(pool, 1):
                if not isinstance(entry, str) or not entry:
                    raise DrawInputError(f"Stratum {label!r}, pool entry {i}: must be non-empty text.")
        before = len(seen)
        seen.update(pool)
        if len(seen) != before + len(pool):
            raise DrawInputError(f"Stratum {label!r}: {_duplicate(pool, strata)!r} is in the pools twice.")
        strata.append((label, pool, count))
    return strata


def _duplicate(pool: list[str], earlier: list[tuple[str, list[str], int]]) -> str:
    seen = {entry for _label, other, _count in earlier for entry in other}
    for entry in pool:
        if entry in seen:
            return entry
        seen.add(entry)
    return ""


def _inspection(spec: Any) -> tuple[int, str, list[Inspector], Mapping[str, Any]]:
    where = "The plan's inspectors"
    if not isinstance(spec, Mapping):
        raise DrawInputError(f"{where} must be an object.")
    _only(spec, _INSPECTOR_KEYS, where)
    directory = []
    for n, row in enumerate(_field(spec, "directory", list, where), 1):
        if isinstance(row, Mapping):
            _only(row, {"id", "region"}, f"Inspector {n}")
        directory.append(
            Inspector(_field(row, "id", str, f"Inspector {n}"), _field(row, "region", str, f"Inspector {n}"))
        )
    subjects = spec.get("subjects", {})
    if not isinstance(subjects, Mapping):
        raise DrawInputError(f"{where}: 'subjects' must be an object (subject id -> region, excluded).")
    return (_field(spec, "per_subject", int, where), _field(spec, "region_rule", str, where), directory, subjects)


_SUBJECT_KEYS = frozenset({"region", "excluded"})


def _subject(subject_id: str, attributes: Any) -> Subject:
    if attributes is None:
        return Subject(subject_id)
    if type(attributes) is not dict and not isinstance(attributes, Mapping):
        raise DrawInputError(f"Subject {subject_id!r}: must be an object with region and excluded.")
    if not attributes.keys() <= _SUBJECT_KEYS:
        _only(attributes, _SUBJECT_KEYS, f"Subject {subject_id!r}")
    region = attributes.get("region")
    excluded = attributes.get("excluded", ())
    if region is not None and type(region) is not str:
        raise DrawInputError(f"Subject {subject_id!r}: the region must be text.")
    if excluded != () and (type(excluded) is not list or not all(type(i) is str for i in excluded)):
        raise DrawInputError(f"Subject {subject_id!r}: 'excluded' must be a list of inspector ids.")
    return Subject(subject_id, region, excluded)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A replay makes no reference cycles, but a plan of a million subjects is millions of objects:
    a full collection of them, which the replay's own allocations would set off, costs more than
    the draw. The collector is paused for the replay and resumed after it (if it ran before)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def replay(published: Mapping[str, Any]) -> dict[str, Any]:
    """The result of a published plan: what the server publishes and what anyone recomputes."""
    with _collector_paused():
        return _replay(published)


def _replay(published: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(published, Mapping):
        raise DrawInputError("The published plan must be a JSON object.")
    _only(published, _PLAN_KEYS, "The plan")
    if published.get("version") != FORMAT_VERSION:
        raise DrawInputError(
            f"Unsupported plan version {published.get('version')!r} (this replayer reads version {FORMAT_VERSION})."
        )
    profile = _field(published, "profile", str, "The plan")
    sources = _field(published, "sources", list, "The plan")
    if not all(isinstance(s, str) for s in sources):
        raise DrawInputError("The plan: every source must be text, as it was published.")
    strata = _strata(published)
    drawn = draw_strata([(label, len(pool), count) for label, pool, count in strata], sources, profile)
    result: dict[str, Any] = {"version": FORMAT_VERSION}
    if "plan" in published:
        result["plan"] = _field(published, "plan", str, "The plan")
    result.update(
        profile=profile,
        key=canonical_key(sources).decode("utf-8"),
        strata=[
            {
                "label": label,
                "pool_size": len(pool),
                "count": count,
                "positions": [p + 1 for p in drawn[label]],
                "selected": [pool[p] for p in drawn[label]],
            }
            for label, pool, count in strata
        ],
    )
    if "inspectors" in published:
        per_subject, rule, directory, attributes = _inspection(published["inspectors"])
        order = [(label, pool[p]) for label, pool, _count in strata for p in drawn[label]]
        teams = draw_inspectors(
            [_subject(s, attributes.get(s)) for _label, s in order],
            directory,
            sources=sources,
            per_subject=per_subject,
            region_rule=rule,
            profile=profile,
        )
        result["inspectors"] = [
            {"subject": s, "stratum": label, "inspectors": team}
            for (label, _s), (s, team) in zip(order, teams, strict=True)
        ]
    return result


def dumps(result: Mapping[str, Any]) -> str:
    """The canonical JSON text of a result (sorted keys, no spaces, UTF-8 characters as they are),
    the same as the browser replayer's, so two results compare byte for byte."""
    return json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
