"""Acceptance sampling by attributes for supervision sampling (监督抽查): ISO 2859-1:1999 and
GB/T 2828.1-2012, which is identical to it. Pure Python; the tables are data files.

* `code_letter(lot_size, level)`: Table 1, the sample size code letter.
* `plan(lot_size, level, aql, severity)`: the single sampling plan of Table 2-A (normal), 2-B
  (tightened) or 2-C (reduced), the arrows followed to the plan they point to, which brings its
  own code letter and sample size. When that sample size is the lot size or more, every item is
  inspected: the plan says so (`full_inspection`), its `sample_size` is the lot size and its
  Ac/Re are those of the plan in the table.
* `SwitchingState` and `next_state(state, lot)`: the switching rules of clause 9 as a small
  state machine (normal, tightened, reduced, discontinued), with the switching score of 9.3.3.2.

The tables are in `data/iso2859_*.csv`; `data/iso2859_sources.md` names their source and the
public copies they were checked against."""

from __future__ import annotations

import csv
import dataclasses
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# The AQL series of the tables (percent nonconforming up to 10, nonconformities per 100 items
# from 0.010 to 1000), written as the standard writes them.
_AQLS = (
    "0.010 0.015 0.025 0.040 0.065 0.10 0.15 0.25 0.40 0.65 1.0 1.5 2.5 4.0 6.5 10 15 25 40 65 100 150 250 400 650 1000"
)
AQL_SERIES: tuple[str, ...] = tuple(_AQLS.split())
LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")
TABLES = {"normal": "2-A", "tightened": "2-B", "reduced": "2-C"}
DOWN, UP = "↓", "↑"


class SamplingInputError(ValueError):
    """A lot size, inspection level, AQL or severity the tables do not have. `field` names the
    input at fault: lot_size, level, aql, severity or nonconforming."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# ---- the tables ----------------------------------------------------------------------------


def _rows(name: str) -> list[list[str]]:
    """The rows of a data file, without its comment lines, header first."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return [row for row in csv.reader(line for line in f if not line.startswith("#"))]


@functools.cache
def _code_letter_table() -> tuple[tuple[int, int | None, dict[str, str]], ...]:
    header, *rows = _rows("iso2859_code_letters.csv")
    levels = header[2:]
    assert tuple(levels) == LEVELS, f"iso2859_code_letters.csv: levels {levels}"
    return tuple((int(r[0]), int(r[1]) if r[1] else None, dict(zip(levels, r[2:], strict=True))) for r in rows)


@dataclass(frozen=True)
class _Table:
    letters: tuple[str, ...]
    sample_sizes: tuple[int, ...]
    cells: tuple[tuple[str, ...], ...]  # [row][AQL column]: "Ac/Re", an arrow, or "" (no plan)


@functools.cache
def _plan_table(severity: str) -> _Table:
    header, *rows = _rows(f"iso2859_single_{severity}.csv")
    assert tuple(header[2:]) == AQL_SERIES, f"iso2859_single_{severity}.csv: AQL columns {header[2:]}"
    return _Table(tuple(r[0] for r in rows), tuple(int(r[1]) for r in rows), tuple(tuple(r[2:]) for r in rows))


# ---- inputs ---------------------------------------------------------------------------------


def normalize_level(level: str) -> str:
    """S-1 … S-4, I, II, III (also written s1, S1, ii …)."""
    text = str(level).strip().upper().replace(" ", "")
    if len(text) == 2 and text[0] == "S" and text[1].isdigit():
        text = f"S-{text[1]}"
    if text not in LEVELS:
        raise SamplingInputError("level", f"Unknown inspection level {level!r}: use one of {', '.join(LEVELS)}.")
    return text


def normalize_aql(aql: str | Decimal | float | int) -> str:
    """The AQL as the standard writes it ("2.5", "0.010", "10"), from "2.50", Decimal("2.5") …"""
    if isinstance(aql, bool):
        raise SamplingInputError("aql", f"AQL {aql!r} is not a number.")
    try:
        value = Decimal(str(aql).strip())
    except InvalidOperation:
        raise SamplingInputError("aql", f"AQL {aql!r} is not a number: use one of {', '.join(AQL_SERIES)}.") from None
    if value.is_finite():
        for step in AQL_SERIES:
            if Decimal(step) == value:
                return step
    raise SamplingInputError(
        "aql", f"AQL {aql!r} is not in the series of ISO 2859-1: use one of {', '.join(AQL_SERIES)}."
    )


def normalize_severity(severity: str) -> str:
    text = str(severity).strip().lower()
    if text not in SEVERITIES:
        raise SamplingInputError("severity", f"Unknown severity {severity!r}: use normal, tightened or reduced.")
    return text


def _lot_size(lot_size: int) -> int:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise SamplingInputError("lot_size", f"Lot size {lot_size!r} is not a whole number of items.")
    if lot_size <= 0:
        raise SamplingInputError("lot_size", f"Lot size {lot_size} is not a lot: give the number of items, 1 or more.")
    return lot_size


# ---- Table 1 and Tables 2-A, 2-B, 2-C --------------------------------------------------------


def code_letter(lot_size: int, level: str) -> str:
    """Table 1: the sample size code letter for a lot size and an inspection level. A lot of a
    single item counts in the first range (2 to 8): every plan then inspects it whole."""
    lot_size, level = _lot_size(lot_size), normalize_level(level)
    for _low, high, letters in _code_letter_table():
        if high is None or lot_size <= high:
            return letters[level]
    raise AssertionError("iso2859_code_letters.csv: the last range has no upper bound")  # pragma: no cover


@dataclass(frozen=True)
class TablePlan:
    """One plan of a master table: the code letter whose row holds it, its sample size, Ac and Re."""

    code_letter: str
    sample_size: int
    accept: int
    reject: int


def table_plan(letter: str, aql: str | Decimal, severity: str = "normal") -> TablePlan:
    """The plan of Table 2-A, 2-B or 2-C for a code letter and an AQL, the arrows followed."""
    severity, aql = normalize_severity(severity), normalize_aql(aql)
    table = _plan_table(severity)
    if letter not in table.letters:
        raise SamplingInputError("code_letter", f"Unknown code letter {letter!r}.")
    row, column = table.letters.index(letter), AQL_SERIES.index(aql)
    cell = table.cells[row][column]
    step = 1 if cell == DOWN else -1 if cell == UP else 0
    while table.cells[row][column] in (DOWN, UP) or (step and not table.cells[row][column]):
        row += step
        if not 0 <= row < len(table.letters):
            raise AssertionError(f"Table {TABLES[severity]}: the arrow at {letter}/{aql} points out of the table")
    cell = table.cells[row][column]
    if not cell:
        raise SamplingInputError("code_letter", f"Table {TABLES[severity]} has no plan for {letter} at AQL {aql}.")
    accept, reject = (int(part) for part in cell.split("/"))
    return TablePlan(table.letters[row], table.sample_sizes[row], accept, reject)


@dataclass(frozen=True)
class Plan:
    """A single sampling plan for a lot. `code_letter`, `sample_size`, `accept`, `reject` are what
    the inspector uses; `initial_code_letter` is Table 1's letter before any arrow."""

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    initial_code_letter: str
    lot_size: int
    level: str
    aql: str
    severity: str
    table: str  # "2-A", "2-B" or "2-C"
    table_sample_size: int  # the sample size in the table (the lot size or more when full_inspection)
    full_inspection: bool  # the table's sample size is the lot size or more: inspect every item

    @property
    def arrow_followed(self) -> bool:
        return self.code_letter != self.initial_code_letter

    def accepts(self, nonconforming: int) -> bool:
        """Is the lot accepted with this many nonconforming items (or nonconformities) in the sample?"""
        if isinstance(nonconforming, bool) or not isinstance(nonconforming, int) or nonconforming < 0:
            raise SamplingInputError("nonconforming", f"{nonconforming!r} is not a count of nonconforming items.")
        return nonconforming <= self.accept


def plan(lot_size: int, level: str, aql: str | Decimal, severity: str = "normal") -> Plan:
    """The single sampling plan for a lot: Table 1's code letter, then Table 2-A, 2-B or 2-C."""
    lot_size, level = _lot_size(lot_size), normalize_level(level)
    aql, severity = normalize_aql(aql), normalize_severity(severity)
    initial = code_letter(lot_size, level)
    found = table_plan(initial, aql, severity)
    full = found.sample_size >= lot_size
    return Plan(
        code_letter=found.code_letter,
        sample_size=lot_size if full else found.sample_size,
        accept=found.accept,
        reject=found.reject,
        initial_code_letter=initial,
        lot_size=lot_size,
        level=level,
        aql=aql,
        severity=severity,
        table=TABLES[severity],
        table_sample_size=found.sample_size,
        full_inspection=full,
    )


# ---- switching rules (clause 9) --------------------------------------------------------------

NORMAL, TIGHTENED, REDUCED, DISCONTINUED = "normal", "tightened", "reduced", "discontinued"
SWITCHING_SCORE_FOR_REDUCED = 30  # 9.3.3 a)
LOTS_FOR_TIGHTENED = (2, 5)  # 9.3.1: 2 lots not accepted in 5 or fewer consecutive lots
ACCEPTED_FOR_NORMAL = 5  # 9.3.2: 5 consecutive lots accepted on tightened inspection
NOT_ACCEPTED_TO_DISCONTINUE = 5  # 9.4: 5 lots not accepted, cumulated, on tightened inspection

# The rules as data, for pages and documents: (clause, from, to, condition).
SWITCHING_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("9.1", "", NORMAL, "start"),
    ("9.3.1", NORMAL, TIGHTENED, "2_of_5_not_accepted"),
    ("9.3.2", TIGHTENED, NORMAL, "5_consecutive_accepted"),
    ("9.3.3", NORMAL, REDUCED, "score_30_steady_approved"),
    ("9.3.4", REDUCED, NORMAL, "not_accepted_or_irregular_or_other"),
    ("9.4", TIGHTENED, DISCONTINUED, "5_not_accepted_on_tightened"),
    ("9.4", DISCONTINUED, TIGHTENED, "corrective_action_accepted"),
)


class SwitchingError(ValueError):
    """A lot result the state cannot take (inspection discontinued, a count missing)."""


@dataclass(frozen=True)
class LotResult:
    """The result of one lot on original inspection (resubmitted lots do not count).
    `accept_number` is the Ac of the plan used; for the switching score of a plan with Ac ≥ 2,
    `nonconforming` (the count in the sample) and `tighter_accept_number` (Ac of the normal plan
    one AQL step tighter, same code letter) are needed too: `lot_result` fills them."""

    accepted: bool
    accept_number: int = 0
    nonconforming: int | None = None
    tighter_accept_number: int | None = None


def lot_result(found: Plan | TablePlan, nonconforming: int, *, aql: str | Decimal | None = None) -> LotResult:
    """The result of inspecting a lot with a normal plan (from `plan`, or a `TablePlan` and its AQL)."""
    if isinstance(nonconforming, bool) or not isinstance(nonconforming, int) or nonconforming < 0:
        raise SamplingInputError("nonconforming", f"{nonconforming!r} is not a count of nonconforming items.")
    if aql is None:
        if not isinstance(found, Plan):
            raise SamplingInputError("aql", "Give the AQL the table plan was found for.")
        aql = found.aql
    step = normalize_aql(aql)
    tighter = None
    if found.accept >= 2 and AQL_SERIES.index(step) > 0:
        tighter = table_plan(found.code_letter, AQL_SERIES[AQL_SERIES.index(step) - 1], NORMAL).accept
    return LotResult(
        accepted=nonconforming <= found.accept,
        accept_number=found.accept,
        nonconforming=nonconforming,
        tighter_accept_number=tighter,
    )


@dataclass(frozen=True)
class SwitchingState:
    """Where a series of lots stands. `recent` holds, oldest first, whether each of the last (up to
    4) lots on normal inspection was not accepted; `score` is the switching score (9.3.3.2);
    `accepted_run` the consecutive lots accepted and `not_accepted` the lots not accepted since
    tightened inspection began."""

    severity: str = NORMAL
    recent: tuple[bool, ...] = ()
    score: int = 0
    accepted_run: int = 0
    not_accepted: int = 0


def start() -> SwitchingState:
    """9.1: inspection starts on normal inspection (unless the responsible authority says otherwise)."""
    return SwitchingState()


def switching_score(score: int, lot: LotResult) -> int:
    """9.3.3.2 a), single sampling, after one more lot on original normal inspection:
    1) Ac ≥ 2: add 3 if the lot would have been accepted had the AQL been one step tighter,
       otherwise reset to 0;
    2) Ac 0 or 1: add 2 if the lot is accepted, otherwise reset to 0."""
    if lot.accept_number >= 2:
        if lot.nonconforming is None or lot.tighter_accept_number is None:
            raise SwitchingError(
                "With an acceptance number of 2 or more the switching score needs the count of "
                "nonconforming items and the acceptance number one AQL step tighter."
            )
        return score + 3 if lot.nonconforming <= lot.tighter_accept_number else 0
    return score + 2 if lot.accepted else 0


def next_state(
    state: SwitchingState,
    lot: LotResult,
    *,
    production_steady: bool = True,
    reduced_approved: bool = False,
    normal_required: bool = False,
) -> SwitchingState:
    """The state after one more lot on original inspection.

    `production_steady`: production is at a steady rate (9.3.3 b), 9.3.4 b)); `reduced_approved`:
    the responsible authority considers reduced inspection desirable (9.3.3 c)); `normal_required`:
    other conditions warrant normal inspection (9.3.4 c))."""
    if state.severity == DISCONTINUED:
        raise SwitchingError(
            "Inspection is discontinued (9.4): resume it (tightened) once the supplier's "
            "corrective action is accepted by the responsible authority."
        )
    if state.severity == TIGHTENED:
        if lot.accepted:
            run = state.accepted_run + 1
            if run >= ACCEPTED_FOR_NORMAL:  # 9.3.2
                return start()
            return dataclasses.replace(state, accepted_run=run)
        not_accepted = state.not_accepted + 1
        if not_accepted >= NOT_ACCEPTED_TO_DISCONTINUE:  # 9.4
            return SwitchingState(severity=DISCONTINUED, not_accepted=not_accepted)
        return dataclasses.replace(state, accepted_run=0, not_accepted=not_accepted)
    if state.severity == REDUCED:
        if not lot.accepted or not production_steady or normal_required:  # 9.3.4 a), b), c)
            return start()
        return state
    # Normal inspection.
    window = (*state.recent, not lot.accepted)[-LOTS_FOR_TIGHTENED[1] :]
    if not lot.accepted and sum(window) >= LOTS_FOR_TIGHTENED[0]:  # 9.3.1
        return SwitchingState(severity=TIGHTENED)
    score = switching_score(state.score, lot)  # 9.3.3.2
    if score >= SWITCHING_SCORE_FOR_REDUCED and production_steady and reduced_approved:  # 9.3.3
        return SwitchingState(severity=REDUCED)
    return SwitchingState(severity=NORMAL, recent=window[-(LOTS_FOR_TIGHTENED[1] - 1) :], score=score)


def resume(state: SwitchingState) -> SwitchingState:
    """9.4: after discontinuation, once the supplier has acted to improve the quality and the
    responsible authority agrees the action is likely to be effective, inspection resumes on
    tightened inspection, as if 9.3.1 had been invoked."""
    if state.severity != DISCONTINUED:
        raise SwitchingError(f"Inspection is {state.severity}, not discontinued: nothing to resume.")
    return SwitchingState(severity=TIGHTENED)
