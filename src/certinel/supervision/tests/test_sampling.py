"""ISO 2859-1:1999 / GB/T 2828.1-2012 single sampling: Table 1, Tables 2-A, 2-B, 2-C with their
arrows resolved, bad input, and the switching rules of clause 9.

Where the expected values were checked (data/iso2859_sources.md says more):
* every resolved plan below (16 letters × 13 AQLs × 3 tables) agrees with a public hand
  transcription of GB/T 2828.1-2012 Tables 2-A/2-B/2-C (GitHub nihantao-crosis/quality-platform),
  except Table 2-B, letter A, AQL 10 (`test_tightened_a_at_aql_10_is_an_arrow_down`);
* Table 2-A and 2-B at AQL 0.65 to 15 against MIL-STD-105E Tables II-A/II-B as published by the
  US National Institute of Building Sciences (same plans as ISO 2859-1 normal and tightened);
* Table 1 against the `garment-aql-calculator` package (PyPI), the same repository and two web
  copies of the table;
* the worked examples and special cells of the AQL Inspector's Rule manual (aqlinspectorsrule.com).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from certinel.supervision import sampling
from certinel.supervision.sampling import (
    DISCONTINUED,
    NORMAL,
    REDUCED,
    TIGHTENED,
    LotResult,
    SamplingInputError,
    SwitchingError,
    SwitchingState,
    lot_result,
    next_state,
    plan,
    resume,
    start,
    table_plan,
)

LETTERS = "ABCDEFGHJKLMNPQR"

# Table 1: lot size range → letters for S-1, S-2, S-3, S-4, I, II, III.
TABLE_1 = [
    (2, 8, "AAAAAAB"), (9, 15, "AAAAABC"), (16, 25, "AABBBCD"), (26, 50, "ABBCCDE"),
    (51, 90, "BBCCCEF"), (91, 150, "BBCDDFG"), (151, 280, "BCDEEGH"), (281, 500, "BCDEFHJ"),
    (501, 1200, "CCEFGJK"), (1201, 3200, "CDEGHKL"), (3201, 10000, "CDFGJLM"), (10001, 35000, "CDFHKMN"),
    (35001, 150000, "DEGJLNP"), (150001, 500000, "DEGJMPQ"), (500001, None, "DEHKNQR"),
]  # fmt: skip

NORMAL_SIZES = [2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000]
REDUCED_SIZES = [2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800]

# Resolved plans, "letter+sample size:Ac" (Re = Ac + 1), for these AQLs:
COLUMNS = ["0.010", "0.065", "0.25", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "25", "100", "1000"]
RESOLVED = {
    "normal": {
        "A": "Q1250:0 L200:0 H50:0 F20:0 E13:0 D8:0 C5:0 B3:0 A2:0 C5:1 A2:1 A2:5 A2:30",
        "B": "Q1250:0 L200:0 H50:0 F20:0 E13:0 D8:0 C5:0 B3:0 A2:0 C5:1 B3:2 B3:7 B3:44",
        "C": "Q1250:0 L200:0 H50:0 F20:0 E13:0 D8:0 C5:0 B3:0 D8:1 C5:1 C5:3 C5:10 B3:44",
        "D": "Q1250:0 L200:0 H50:0 F20:0 E13:0 D8:0 C5:0 E13:1 D8:1 D8:2 D8:5 D8:14 B3:44",
        "E": "Q1250:0 L200:0 H50:0 F20:0 E13:0 D8:0 F20:1 E13:1 E13:2 E13:3 E13:7 E13:21 B3:44",
        "F": "Q1250:0 L200:0 H50:0 F20:0 E13:0 G32:1 F20:1 F20:2 F20:3 F20:5 F20:10 E13:21 B3:44",
        "G": "Q1250:0 L200:0 H50:0 F20:0 H50:1 G32:1 G32:2 G32:3 G32:5 G32:7 G32:14 E13:21 B3:44",
        "H": "Q1250:0 L200:0 H50:0 J80:1 H50:1 H50:2 H50:3 H50:5 H50:7 H50:10 H50:21 E13:21 B3:44",
        "J": "Q1250:0 L200:0 H50:0 J80:1 J80:2 J80:3 J80:5 J80:7 J80:10 J80:14 H50:21 E13:21 B3:44",
        "K": "Q1250:0 L200:0 L200:1 K125:2 K125:3 K125:5 K125:7 K125:10 K125:14 K125:21 H50:21 E13:21 B3:44",
        "L": "Q1250:0 L200:0 L200:1 L200:3 L200:5 L200:7 L200:10 L200:14 L200:21 K125:21 H50:21 E13:21 B3:44",
        "M": "Q1250:0 L200:0 M315:2 M315:5 M315:7 M315:10 M315:14 M315:21 L200:21 K125:21 H50:21 E13:21 B3:44",
        "N": "Q1250:0 P800:1 N500:3 N500:7 N500:10 N500:14 N500:21 M315:21 L200:21 K125:21 H50:21 E13:21 B3:44",
        "P": "Q1250:0 P800:1 P800:5 P800:10 P800:14 P800:21 N500:21 M315:21 L200:21 K125:21 H50:21 E13:21 B3:44",
        "Q": "Q1250:0 Q1250:2 Q1250:7 Q1250:14 Q1250:21 P800:21 N500:21 M315:21 L200:21 K125:21 H50:21 E13:21 B3:44",
        "R": "Q1250:0 R2000:3 R2000:10 R2000:21 Q1250:21 P800:21 N500:21 M315:21 L200:21 K125:21 H50:21 E13:21 B3:44",
    },
    "tightened": {
        "A": "R2000:0 M315:0 J80:0 G32:0 F20:0 E13:0 D8:0 C5:0 B3:0 D8:1 B3:1 A2:3 A2:27",
        "B": "R2000:0 M315:0 J80:0 G32:0 F20:0 E13:0 D8:0 C5:0 B3:0 D8:1 B3:1 B3:5 B3:41",
        "C": "R2000:0 M315:0 J80:0 G32:0 F20:0 E13:0 D8:0 C5:0 E13:1 D8:1 C5:2 C5:8 B3:41",
        "D": "R2000:0 M315:0 J80:0 G32:0 F20:0 E13:0 D8:0 F20:1 E13:1 D8:1 D8:3 D8:12 B3:41",
        "E": "R2000:0 M315:0 J80:0 G32:0 F20:0 E13:0 G32:1 F20:1 E13:1 E13:2 E13:5 E13:18 B3:41",
        "F": "R2000:0 M315:0 J80:0 G32:0 F20:0 H50:1 G32:1 F20:1 F20:2 F20:3 F20:8 E13:18 B3:41",
        "G": "R2000:0 M315:0 J80:0 G32:0 J80:1 H50:1 G32:1 G32:2 G32:3 G32:5 G32:12 E13:18 B3:41",
        "H": "R2000:0 M315:0 J80:0 K125:1 J80:1 H50:1 H50:2 H50:3 H50:5 H50:8 H50:18 E13:18 B3:41",
        "J": "R2000:0 M315:0 J80:0 K125:1 J80:1 J80:2 J80:3 J80:5 J80:8 J80:12 H50:18 E13:18 B3:41",
        "K": "R2000:0 M315:0 M315:1 K125:1 K125:2 K125:3 K125:5 K125:8 K125:12 K125:18 H50:18 E13:18 B3:41",
        "L": "R2000:0 M315:0 M315:1 L200:2 L200:3 L200:5 L200:8 L200:12 L200:18 K125:18 H50:18 E13:18 B3:41",
        "M": "R2000:0 M315:0 M315:1 M315:3 M315:5 M315:8 M315:12 M315:18 L200:18 K125:18 H50:18 E13:18 B3:41",
        "N": "R2000:0 Q1250:1 N500:2 N500:5 N500:8 N500:12 N500:18 M315:18 L200:18 K125:18 H50:18 E13:18 B3:41",
        "P": "R2000:0 Q1250:1 P800:3 P800:8 P800:12 P800:18 N500:18 M315:18 L200:18 K125:18 H50:18 E13:18 B3:41",
        "Q": "R2000:0 Q1250:1 Q1250:5 Q1250:12 Q1250:18 P800:18 N500:18 M315:18 L200:18 K125:18 H50:18 E13:18 B3:41",
        "R": "R2000:0 R2000:2 R2000:8 R2000:18 Q1250:18 P800:18 N500:18 M315:18 L200:18 K125:18 H50:18 E13:18 B3:41",
    },
    "reduced": {
        "A": "Q500:0 L80:0 H20:0 F8:0 E5:0 D3:0 C2:0 B2:0 A2:0 D3:1 A2:1 A2:5 A2:30",
        "B": "Q500:0 L80:0 H20:0 F8:0 E5:0 D3:0 C2:0 B2:0 A2:0 D3:1 B2:1 B2:5 B2:30",
        "C": "Q500:0 L80:0 H20:0 F8:0 E5:0 D3:0 C2:0 B2:0 E5:1 D3:1 C2:2 C2:6 B2:30",
        "D": "Q500:0 L80:0 H20:0 F8:0 E5:0 D3:0 C2:0 F8:1 E5:1 D3:1 D3:3 D3:8 B2:30",
        "E": "Q500:0 L80:0 H20:0 F8:0 E5:0 D3:0 G13:1 F8:1 E5:1 E5:2 E5:5 E5:10 B2:30",
        "F": "Q500:0 L80:0 H20:0 F8:0 E5:0 H20:1 G13:1 F8:1 F8:2 F8:3 F8:6 E5:10 B2:30",
        "G": "Q500:0 L80:0 H20:0 F8:0 J32:1 H20:1 G13:1 G13:2 G13:3 G13:5 G13:8 E5:10 B2:30",
        "H": "Q500:0 L80:0 H20:0 K50:1 J32:1 H20:1 H20:2 H20:3 H20:5 H20:6 H20:10 E5:10 B2:30",
        "J": "Q500:0 L80:0 H20:0 K50:1 J32:1 J32:2 J32:3 J32:5 J32:6 J32:8 H20:10 E5:10 B2:30",
        "K": "Q500:0 L80:0 M125:1 K50:1 K50:2 K50:3 K50:5 K50:6 K50:8 K50:10 H20:10 E5:10 B2:30",
        "L": "Q500:0 L80:0 M125:1 L80:2 L80:3 L80:5 L80:6 L80:8 L80:10 K50:10 H20:10 E5:10 B2:30",
        "M": "Q500:0 L80:0 M125:1 M125:3 M125:5 M125:6 M125:8 M125:10 L80:10 K50:10 H20:10 E5:10 B2:30",
        "N": "Q500:0 Q500:1 N200:2 N200:5 N200:6 N200:8 N200:10 M125:10 L80:10 K50:10 H20:10 E5:10 B2:30",
        "P": "Q500:0 Q500:1 P315:3 P315:6 P315:8 P315:10 N200:10 M125:10 L80:10 K50:10 H20:10 E5:10 B2:30",
        "Q": "Q500:0 Q500:1 Q500:5 Q500:8 Q500:10 P315:10 N200:10 M125:10 L80:10 K50:10 H20:10 E5:10 B2:30",
        "R": "Q500:0 R800:2 R800:6 R800:10 Q500:10 P315:10 N200:10 M125:10 L80:10 K50:10 H20:10 E5:10 B2:30",
    },
}


def _short(found: sampling.TablePlan) -> str:
    assert found.reject == found.accept + 1
    return f"{found.code_letter}{found.sample_size}:{found.accept}"


# ---- Table 1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "letters"), TABLE_1)
def test_code_letters_of_table_1_at_both_ends_of_each_range(low, high, letters):
    for lot in (low, high or 10**9, (low + (high or low)) // 2):
        assert "".join(sampling.code_letter(lot, level) for level in sampling.LEVELS) == letters, lot


def test_code_letter_known_values():
    assert sampling.code_letter(1000, "II") == "J"
    assert sampling.code_letter(2400, "II") == "K"  # garment-aql-calculator's worked example
    assert sampling.code_letter(125, "III") == "G"  # AQL Inspector's Rule, example 3
    assert sampling.code_letter(20, "I") == "B"  # AQL Inspector's Rule, example 2
    assert sampling.code_letter(1, "II") == "A"  # a lot of one item counts in the first range


# ---- Tables 2-A, 2-B, 2-C --------------------------------------------------------------------


@pytest.mark.parametrize("severity", sampling.SEVERITIES)
def test_resolved_plans_of_the_master_tables(severity):
    for letter, expected in RESOLVED[severity].items():
        got = " ".join(_short(table_plan(letter, aql, severity)) for aql in COLUMNS)
        assert got == expected, (severity, letter)


def test_sample_sizes_per_code_letter():
    for severity, sizes in (("normal", NORMAL_SIZES), ("tightened", NORMAL_SIZES), ("reduced", REDUCED_SIZES)):
        table = sampling._plan_table(severity)
        assert list(table.letters[:16]) == list(LETTERS)
        assert list(table.sample_sizes[:16]) == sizes
    assert sampling._plan_table("tightened").letters[16:] == ("S",)
    assert sampling._plan_table("tightened").sample_sizes[16:] == (3150,)


@pytest.mark.parametrize("severity", sampling.SEVERITIES)
def test_every_cell_resolves_to_a_plan_with_re_one_more_than_ac(severity):
    for letter in LETTERS:
        for aql in sampling.AQL_SERIES:
            found = table_plan(letter, aql, severity)
            assert found.reject == found.accept + 1, (severity, letter, aql)


@pytest.mark.parametrize("severity", sampling.SEVERITIES)
def test_acceptance_numbers_grow_along_rows_and_down_columns(severity):
    table = sampling._plan_table(severity)

    def ac(cell: str) -> int | None:
        return int(cell.split("/")[0]) if "/" in cell else None

    for row in table.cells:
        values = [a for a in map(ac, row) if a is not None]
        assert values == sorted(set(values)), row
    for column in range(len(sampling.AQL_SERIES)):
        values = [a for a in (ac(row[column]) for row in table.cells) if a is not None]
        assert values == sorted(values), sampling.AQL_SERIES[column]


def test_reduced_plans_of_the_1999_edition_have_no_gap():
    accepts = set()
    for letter in LETTERS:
        for aql in sampling.AQL_SERIES:
            found = table_plan(letter, aql, "reduced")
            accepts.add(found.accept)
    assert accepts == {0, 1, 2, 3, 5, 6, 7, 8, 10, 14, 21, 30}
    assert _short(table_plan("J", "6.5", "reduced")) == "J32:6"  # 6/7 and 8/9 appear in 1999
    assert _short(table_plan("K", "6.5", "reduced")) == "K50:8"


def test_arrows_bring_their_own_code_letter_and_sample_size():
    assert _short(table_plan("A", "0.65")) == "F20:0"  # ↓ through B…E to F (n 20, 0/1)
    assert _short(table_plan("B", "1.5")) == "D8:0"
    assert _short(table_plan("G", "0.65")) == "F20:0"  # ↑ to F
    assert _short(table_plan("G", "1.0")) == "H50:1"  # ↓ to H
    assert _short(table_plan("A", "10")) == "C5:1"  # nothing above A: ↓ to C (AQL Inspector's Rule)
    assert _short(table_plan("F", "100")) == "E13:21"  # the ↑ of the upper right
    assert _short(table_plan("C", "1000")) == "B3:44"


def test_special_cells_at_the_bottom_of_the_tables():
    # AQL Inspector's Rule: normal 0.015 R → P (800, 0/1); reduced 0.015 R → P (315, 0/1);
    # tightened 0.025 Q and R → S (3150, 1/2).
    assert _short(table_plan("R", "0.015")) == "P800:0"
    assert _short(table_plan("R", "0.015", "reduced")) == "P315:0"
    assert _short(table_plan("Q", "0.025", "tightened")) == "S3150:1"
    assert _short(table_plan("R", "0.025", "tightened")) == "S3150:1"
    assert _short(table_plan("R", "0.015", "tightened")) == "Q1250:0"
    assert _short(table_plan("R", "0.025")) == "R2000:1"
    assert _short(table_plan("Q", "0.025", "reduced")) == "N200:0"  # a long ↑ across P, Q, R
    row_s = sampling._plan_table("tightened").cells[16]
    assert [cell for cell in row_s if cell] == ["1/2"] and row_s[2] == "1/2"


def test_tightened_a_at_aql_10_is_an_arrow_down():
    # MIL-STD-105E II-B and the AQL Inspector's Rule: ↓ to D (8, 1/2); one transcription of
    # GB/T 2828.1-2012 has 0/1 on 2 items there (data/iso2859_sources.md).
    assert sampling._plan_table("tightened").cells[0][sampling.AQL_SERIES.index("10")] == "↓"
    assert _short(table_plan("A", "10", "tightened")) == "D8:1"


@pytest.mark.parametrize(
    ("lot", "level", "aql", "severity", "expected"),
    [
        (1000, "II", "2.5", "normal", ("J", 80, 5, 6)),
        (1000, "II", "1.5", "normal", ("J", 80, 3, 4)),  # AQL Inspector's Rule, example 1
        (20, "I", "1.5", "normal", ("D", 8, 0, 1)),  # example 2: B, arrows to C then D
        (125, "III", "1.0", "reduced", ("J", 32, 1, 2)),  # example 3 (ISO version): G → H → J
        (2400, "II", "2.5", "normal", ("K", 125, 7, 8)),  # garment-aql-calculator's example
        (500, "II", "1.0", "normal", ("H", 50, 1, 2)),
        (1000, "II", "2.5", "tightened", ("J", 80, 3, 4)),
        (1000, "II", "2.5", "reduced", ("J", 32, 3, 4)),
        (3201, "II", "0.65", "normal", ("L", 200, 3, 4)),
        (10001, "II", "0.065", "normal", ("L", 200, 0, 1)),  # M ↑ L
        (200000, "III", "0.010", "normal", ("Q", 1250, 0, 1)),
        (600000, "III", "0.010", "normal", ("Q", 1250, 0, 1)),  # R ↑ Q
        (600000, "III", "0.025", "tightened", ("S", 3150, 1, 2)),
        (300, "S-3", "4.0", "normal", ("E", 13, 1, 2)),  # D ↓ E
        (300, "S-3", "6.5", "normal", ("D", 8, 1, 2)),
    ],
)
def test_plan_for_a_lot(lot, level, aql, severity, expected):
    found = plan(lot, level, aql, severity)
    assert (found.code_letter, found.sample_size, found.accept, found.reject) == expected
    assert not found.full_inspection and found.table_sample_size == found.sample_size


def test_plan_records_what_was_looked_up():
    found = plan(20, "I", Decimal("1.50"))
    assert found.initial_code_letter == "B" and found.code_letter == "D" and found.arrow_followed
    assert (found.level, found.aql, found.severity, found.table, found.lot_size) == ("I", "1.5", "normal", "2-A", 20)
    assert plan(1000, "ii", 2.5, "Reduced").table == "2-C"
    assert plan(1000, "s1", "2.50").level == "S-1"


def test_full_inspection_when_the_sample_is_the_lot_or_more():
    found = plan(5, "II", "0.65")  # A, ↓ to F: 20 ≥ 5
    assert found.full_inspection and found.sample_size == 5 and found.table_sample_size == 20
    assert (found.code_letter, found.accept, found.reject) == ("F", 0, 1)
    assert plan(1, "II", "1000").full_inspection
    exact = plan(13, "II", "1.0")  # B ↓ E: 13 items, a sample of 13
    assert exact.full_inspection and exact.sample_size == 13
    assert not plan(14, "II", "1.0").full_inspection


def test_plan_accepts_up_to_ac():
    found = plan(1000, "II", "2.5")
    assert found.accepts(5) and not found.accepts(6)
    with pytest.raises(SamplingInputError):
        found.accepts(-1)


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        ((0, "II", "2.5"), "lot_size", "1 or more"),
        ((-10, "II", "2.5"), "lot_size", "1 or more"),
        ((True, "II", "2.5"), "lot_size", "whole number"),
        (("100", "II", "2.5"), "lot_size", "whole number"),
        ((12.5, "II", "2.5"), "lot_size", "whole number"),
        ((100, "IV", "2.5"), "level", "S-1, S-2, S-3, S-4, I, II, III"),
        ((100, "", "2.5"), "level", "Unknown inspection level"),
        ((100, "II", "2.0"), "aql", "not in the series"),
        ((100, "II", "0.01 "), "aql", None),
        ((100, "II", "abc"), "aql", "not a number"),
        ((100, "II", "NaN"), "aql", "not in the series"),
        ((100, "II", "-2.5"), "aql", "not in the series"),
        ((100, "II", "2.5", "strict"), "severity", "normal, tightened or reduced"),
    ],
)
def test_bad_input_is_named(args, field, words):
    if words is None:
        assert plan(*args).aql == "0.010"
        return
    with pytest.raises(SamplingInputError) as caught:
        plan(*args)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_unknown_code_letter_or_missing_plan():
    with pytest.raises(SamplingInputError):
        table_plan("I", "1.0")
    with pytest.raises(SamplingInputError):
        table_plan("S", "1.0", "normal")
    with pytest.raises(SamplingInputError, match="no plan"):
        table_plan("S", "0.010", "tightened")


# ---- switching rules (clause 9) ----------------------------------------------------------------

OK, BAD = LotResult(accepted=True), LotResult(accepted=False)


def _run(state: SwitchingState, lots, **kwargs) -> SwitchingState:
    for lot in lots:
        state = next_state(state, lot, **kwargs)
    return state


def test_inspection_starts_normal():
    assert start() == SwitchingState(severity=NORMAL, recent=(), score=0)


def test_normal_to_tightened_when_2_of_5_or_fewer_consecutive_lots_are_not_accepted():
    assert _run(start(), [BAD, BAD]).severity == TIGHTENED
    assert _run(start(), [BAD, OK, OK, OK, BAD]).severity == TIGHTENED
    assert _run(start(), [OK, BAD, OK, BAD, OK]).severity == TIGHTENED
    # 2 not accepted 6 lots apart: no switch.
    assert _run(start(), [BAD, OK, OK, OK, OK, BAD]).severity == NORMAL
    assert _run(start(), [BAD]).severity == NORMAL


def test_tightened_to_normal_after_5_consecutive_accepted():
    tightened = SwitchingState(severity=TIGHTENED)
    assert _run(tightened, [OK] * 4).severity == TIGHTENED
    back = _run(tightened, [OK] * 5)
    assert back == start()  # the switching score starts again from 0
    assert _run(tightened, [OK, OK, OK, OK, BAD, OK, OK, OK, OK]).severity == TIGHTENED
    assert _run(tightened, [OK, OK, OK, OK, BAD, OK, OK, OK, OK, OK]).severity == NORMAL


def test_discontinue_after_5_lots_not_accepted_on_tightened_inspection():
    tightened = SwitchingState(severity=TIGHTENED)
    state = _run(tightened, [BAD, OK, BAD, OK, OK, BAD, BAD])
    assert state.severity == TIGHTENED and state.not_accepted == 4
    assert next_state(state, BAD).severity == DISCONTINUED
    with pytest.raises(SwitchingError, match="discontinued"):
        next_state(next_state(state, BAD), OK)
    assert resume(next_state(state, BAD)) == SwitchingState(severity=TIGHTENED)
    with pytest.raises(SwitchingError):
        resume(start())


def test_switching_score_with_acceptance_number_0_or_1():
    small = plan(1000, "II", "0.25")  # J: ↑ H (50, 0/1)
    assert small.accept == 0
    accepted = lot_result(small, 0)
    assert accepted.accepted and accepted.tighter_accept_number is None
    state = _run(start(), [accepted] * 14)
    assert state.score == 28 and state.severity == NORMAL
    assert next_state(state, lot_result(small, 1)).score == 0  # not accepted: back to 0


def test_switching_score_with_acceptance_number_2_or_more():
    big = plan(1000, "II", "2.5")  # J 80, 5/6; one step tighter (1.5): J 80, 3/4
    assert lot_result(big, 3).tighter_accept_number == 3
    assert next_state(start(), lot_result(big, 3)).score == 3  # accepted at AQL 1.5 too: +3
    state = next_state(next_state(start(), lot_result(big, 0)), lot_result(big, 4))
    assert state.score == 0 and state.severity == NORMAL  # accepted, not at 1.5: reset to 0
    assert next_state(SwitchingState(score=9), lot_result(big, 6)).score == 0  # not accepted
    with pytest.raises(SwitchingError):
        next_state(start(), LotResult(accepted=True, accept_number=5))


def test_normal_to_reduced_needs_score_30_steady_production_and_approval():
    lot = lot_result(plan(1000, "II", "2.5"), 1)
    assert _run(start(), [lot] * 10, reduced_approved=True).severity == REDUCED
    assert _run(start(), [lot] * 9, reduced_approved=True).severity == NORMAL  # score 27
    not_approved = _run(start(), [lot] * 10)
    assert not_approved.severity == NORMAL and not_approved.score == 30
    assert next_state(not_approved, lot, reduced_approved=True).severity == REDUCED
    assert _run(start(), [lot] * 12, reduced_approved=True, production_steady=False).severity == NORMAL
    small = lot_result(plan(1000, "II", "0.25"), 0)
    assert _run(start(), [small] * 15, reduced_approved=True).severity == REDUCED


def test_reduced_to_normal():
    reduced = SwitchingState(severity=REDUCED)
    assert next_state(reduced, OK) == reduced
    assert next_state(reduced, BAD) == start()
    assert next_state(reduced, OK, production_steady=False) == start()
    assert next_state(reduced, OK, normal_required=True) == start()


def test_transitions_the_rules_do_not_allow():
    # tightened never goes to reduced, even with approval; reduced never to tightened;
    # normal never to discontinued; a single lot not accepted on reduced only goes back to normal.
    assert _run(SwitchingState(severity=TIGHTENED), [OK] * 4, reduced_approved=True).severity == TIGHTENED
    assert _run(SwitchingState(severity=REDUCED), [BAD]).severity == NORMAL
    assert {_run(start(), lots).severity for lots in ([BAD] * 1, [BAD, OK] * 5)} <= {NORMAL, TIGHTENED}
    assert _run(start(), [BAD, BAD, BAD]).severity == TIGHTENED  # then on tightened's counters
    assert _run(start(), [BAD, BAD, BAD]).not_accepted == 1


def test_tighter_acceptance_number_is_a_plan_for_every_plan_with_ac_2_or_more():
    for letter in LETTERS:
        for aql in sampling.AQL_SERIES:
            found = table_plan(letter, aql, "normal")
            if found.accept >= 2:
                result = lot_result(found, 0, aql=aql)
                assert result.tighter_accept_number is not None
                assert result.tighter_accept_number < found.accept


def test_switching_rules_as_data_name_their_clauses():
    clauses = {rule[0] for rule in sampling.SWITCHING_RULES}
    assert clauses == {"9.1", "9.3.1", "9.3.2", "9.3.3", "9.3.4", "9.4"}
