"""Credit risk scorecards: data files beside this module (`scorecards/*.toml`), never constants
in code. A regulator edits them; each edition says from when it applies and, optionally, to
which region (a GB/T 2260 prefix); the narrowest region's latest edition in force applies.

One file per kind of subject (`subject_kind = "organization" | "body" | "lab" | "person"`),
holding one or more editions:

    [[edition]]
    edition = "2026-12"             # its name, recorded with every class computed by it
    effective_from = 2027-01-01     # optional: from the beginning when left out
    region = "32"                   # optional: every region when left out
    base = 100                      # the score of a subject with no fact that counts
    source = "…"                    # where the edition's rules come from
    classes = { A = 90, B = 75, C = 60 }   # the lowest score of each class; below C is D

    [[edition.indicator]]
    code = "ORG-PEN-G"
    kind = "administrative_penalty" # a credit fact kind (choices.FactKind)
    severity = "general"            # minor, general, serious, or "*" for any
    window_months = 24              # facts that occurred within this many months count
    points = 10                     # deducted per fact (negative: added, e.g. awards)
    cap = 30                        # optional: at most this many points from the indicator
    worst_class = "D"               # optional: no better class while a fact counts
    source = "…"                    # the legal or policy source of the indicator

A file that breaks these rules is refused with its name and what is wrong (ScorecardError);
nothing is computed with it."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certinel.core.editions import edition_for, in_force

from .choices import CreditSubjectKind, FactKind, RiskClass, Severity

SCORECARD_DIR = Path(__file__).parent / "scorecards"
CLASS_ORDER = ("A", "B", "C", "D")
ANY = "*"


class ScorecardError(ValueError):
    """A scorecard file that cannot be used, with its name and the reason."""


@dataclass(frozen=True)
class Indicator:
    code: str
    kind: str
    severity: str
    window_months: int
    points: int
    cap: int
    worst_class: str
    source: str

    def matches(self, kind: str, severity: str) -> bool:
        return kind == self.kind and (self.severity == ANY or severity == self.severity)


@dataclass(frozen=True)
class Scorecard:
    subject_kind: str
    edition: str
    effective_from: dt.date | None
    region: str
    base: int
    source: str
    classes: tuple[tuple[str, int], ...]  # (class, lowest score), A first; below the last: D
    indicators: tuple[Indicator, ...]
    file: str

    @property
    def label(self) -> str:
        parts = [self.subject_kind, self.edition] + ([self.region] if self.region else [])
        return "/".join(parts)

    @property
    def windows(self) -> tuple[int, ...]:
        return tuple(sorted({i.window_months for i in self.indicators}))

    def grade_of(self, score: int) -> str:
        for grade, lowest in self.classes:
            if score >= lowest:
                return grade
        return RiskClass.D.value


def _fail(path: Path, where: str, message: str) -> ScorecardError:
    return ScorecardError(f"{path.name}{', ' + where if where else ''}: {message}")


def _int(path: Path, where: str, data: dict[str, Any], name: str, *, default: int | None = None) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, where, f"{name} must be a whole number (found {value!r}).")
    return value


def _text(path: Path, where: str, data: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(path, where, f"{name} is required and must be text.")
    return value.strip()


def _indicator(path: Path, where: str, data: dict[str, Any]) -> Indicator:
    code = _text(path, where, data, "code")
    where = f"{where}, indicator {code}"
    kind = _text(path, where, data, "kind")
    if kind not in FactKind.values:
        raise _fail(path, where, f"unknown fact kind {kind!r} (one of {', '.join(FactKind.values)}).")
    severity = _text(path, where, data, "severity")
    if severity != ANY and severity not in Severity.values:
        raise _fail(path, where, f"unknown severity {severity!r} (minor, general, serious or *).")
    window = _int(path, where, data, "window_months")
    points = _int(path, where, data, "points")
    cap = _int(path, where, data, "cap", default=0)
    if window < 1 or points == 0 or cap < 0:
        raise _fail(path, where, "window_months must be at least 1, points must not be 0, cap must not be negative.")
    worst = _text(path, where, data, "worst_class", required=False)
    if worst and worst not in CLASS_ORDER:
        raise _fail(path, where, f"worst_class must be one of A, B, C, D (found {worst!r}).")
    unknown = set(data) - {"code", "kind", "severity", "window_months", "points", "cap", "worst_class", "source"}
    if unknown:
        raise _fail(path, where, f"unknown keys {', '.join(sorted(unknown))}.")
    return Indicator(code, kind, severity, window, points, cap, worst, _text(path, where, data, "source"))


def _edition(path: Path, subject_kind: str, data: dict[str, Any]) -> Scorecard:
    name = _text(path, "", data, "edition")
    where = f"edition {name}"
    effective = data.get("effective_from")
    if effective is not None and not (isinstance(effective, dt.date) and not isinstance(effective, dt.datetime)):
        raise _fail(path, where, "effective_from must be a date (2027-01-01).")
    region = _text(path, where, data, "region", required=False)
    if region and not (region.isdigit() and len(region) in (2, 4, 6)):
        raise _fail(path, where, f"region must be a GB/T 2260 prefix of 2, 4 or 6 digits (found {region!r}).")
    base = _int(path, where, data, "base")
    classes = data.get("classes")
    if not isinstance(classes, dict) or sorted(classes) != ["A", "B", "C"]:
        raise _fail(path, where, "classes must give the lowest score of A, B and C (below C is D).")
    lowest = [(grade, _int(path, where, classes, grade)) for grade in ("A", "B", "C")]
    if base < 1 or not (base >= lowest[0][1] > lowest[1][1] > lowest[2][1] >= 0):
        raise _fail(path, where, "the lowest scores must fall from A to C, A no higher than the base, C no lower "
                                 "than 0.")
    raw = data.get("indicator", [])
    if not isinstance(raw, list) or not raw:
        raise _fail(path, where, "an edition needs at least one [[edition.indicator]].")
    indicators = tuple(_indicator(path, where, item if isinstance(item, dict) else {}) for item in raw)
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise _fail(path, where, "indicator codes must be unique.")
    return Scorecard(subject_kind, name, effective, region, base, _text(path, where, data, "source"), tuple(lowest),
                     indicators, path.name)


def read_file(path: Path) -> list[Scorecard]:
    """Every edition in one scorecard file, checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _fail(path, "", f"cannot be read: {exc}") from None
    kind = data.get("subject_kind")
    if kind not in CreditSubjectKind.values:
        raise _fail(path, "", f"subject_kind must be one of {', '.join(CreditSubjectKind.values)} (found {kind!r}).")
    editions = data.get("edition")
    if not isinstance(editions, list) or not editions:
        raise _fail(path, "", "the file holds no [[edition]].")
    return [_edition(path, kind, item if isinstance(item, dict) else {}) for item in editions]


_cache: dict[tuple[Any, ...], tuple[Scorecard, ...]] = {}


def scorecards(directory: Path | None = None) -> tuple[Scorecard, ...]:
    """Every edition of every file in the directory, read again when a file changes."""
    directory = directory or SCORECARD_DIR
    files = sorted(directory.glob("*.toml"))
    key = (str(directory), *((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    found = _cache.get(key)
    if found is None:
        cards = [card for f in files for card in read_file(f)]
        seen: set[tuple[str, str, str]] = set()
        for card in cards:
            ident = (card.subject_kind, card.edition, card.region)
            if ident in seen:
                raise ScorecardError(f"{card.file}: edition {card.edition} for {card.subject_kind} "
                                     f"in region {card.region or '(all)'} is defined twice.")
            seen.add(ident)
        found = _cache[key] = tuple(cards)
    return found


def scorecard_for(subject_kind: str, *, on: dt.date, region_code: str = "",
                  directory: Path | None = None) -> Scorecard:
    """The edition in force on `on` for a subject of this kind in `region_code`: the narrowest
    region's, the latest of those."""
    card = edition_for([c for c in scorecards(directory) if c.subject_kind == subject_kind], on=on,
                       region_code=region_code)
    if card is None:
        raise ScorecardError(f"No scorecard for {subject_kind} is in force on {on} in region "
                             f"{region_code or '(none)'}.")
    return card


def editions_for(subject_kind: str, *, on: dt.date, directory: Path | None = None) -> list[Scorecard]:
    """Every edition of this kind that may apply on `on` (to any region)."""
    return in_force([c for c in scorecards(directory) if c.subject_kind == subject_kind], on=on)


def score(card: Scorecard, counts: dict[tuple[str, str, int], int]) -> tuple[str, int, int, dict[str, Any]]:
    """The class, score and number of facts counted for a subject whose facts in force number
    `counts[(kind, severity, window_months)]` (facts within that many months), with the
    explanation of every point: each indicator that counted, its facts, its points and source."""
    lines = []
    total, counted, worst = 0, 0, ""
    for ind in card.indicators:
        n = sum(v for (kind, severity, window), v in counts.items()
                if window == ind.window_months and ind.matches(kind, severity))
        if not n:
            continue
        points = n * ind.points
        if ind.cap:
            points = max(-ind.cap, min(ind.cap, points))
        total += points
        counted += n
        if ind.worst_class and (not worst or CLASS_ORDER.index(ind.worst_class) > CLASS_ORDER.index(worst)):
            worst = ind.worst_class
        lines.append({"code": ind.code, "facts": n, "deducted": points})
    value = max(0, min(card.base, card.base - total))
    grade = card.grade_of(value)
    limited = bool(worst) and CLASS_ORDER.index(worst) > CLASS_ORDER.index(grade)
    if limited:
        grade = worst
    # What varies from subject to subject; `expand` adds what the edition says (each indicator's
    # points, cap, window and source, the classes' bounds), so that a million classes and their
    # history do not each carry a copy of the scorecard.
    explanation = {"scorecard": card.label, "indicators": lines, "deducted": total, "score": value,
                   "class": grade, "limited_to": worst if limited else ""}
    return grade, value, counted, explanation


def expand(explanation: dict[str, Any], directory: Path | None = None) -> dict[str, Any]:
    """A stored explanation with its scorecard edition's words: the file, source, base score and
    class bounds, and for each indicator that counted its kind, severity, window, points, cap,
    worst class and source. An explanation whose edition is no longer on file is returned as
    stored (it still names the edition, the facts and the points)."""
    card = next((c for c in scorecards(directory) if c.label == explanation.get("scorecard")), None)
    if card is None or not explanation:
        return explanation
    by_code = {ind.code: ind for ind in card.indicators}
    lines = []
    for line in explanation.get("indicators", []):
        ind = by_code.get(line.get("code"))
        extra = {} if ind is None else {
            "kind": ind.kind, "severity": ind.severity, "window_months": ind.window_months, "points_each": ind.points,
            "cap": ind.cap, "worst_class": ind.worst_class, "source": ind.source}
        lines.append({**extra, **line})
    return {"file": card.file, "source": card.source, "base": card.base, "classes": dict(card.classes),
            **explanation, "indicators": lines}
