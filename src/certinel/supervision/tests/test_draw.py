"""The publicly verifiable draw (supervision/draw.py, docs/draws.md): RFC 3797's own worked
example, the key's rules, the fast selection against the plain one, strata, inspectors and the
published plan's replay."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from certinel.core.testing.browser import CHROMIUM
from certinel.core.testing.browser import available as browser_available
from certinel.supervision import draw
from certinel.supervision.draw import (
    DrawInputError,
    Inspector,
    Subject,
    TooFewInspectors,
    canonical_key,
    draw_inspectors,
    draw_strata,
    dumps,
    explain,
    replay,
    select,
)

# RFC 3797 §6 ("Fully Worked Example"): the 25 volunteers in their published order, the three
# public sources in the order the example lists them, the key they make, the MD5 value of each
# selection and the volunteers selected (the ten of the example, then the table's further rows).
RFC_POOL = [
    "John",
    "Mary",
    "Bashful",
    "Dopey",
    "Sleepy",
    "Grouchy",
    "Doc",
    "Sneazy",
    "Handsome",
    "Cassandra",
    "Pollyanna",
    "Pendragon",
    "Pandora",
    "Faith",
    "Hope",
    "Charity",
    "Lee",
    "Longsuffering",
    "Chastity",
    "Smith",
    "Pride",
    "Sloth",
    "Envy",
    "Anger",
    "Kasczynski",
]
RFC_SOURCES = ["9319", "2 5 12 8 10", "9 18 26 34 41 45"]
RFC_KEY = b"9319./2.5.8.10.12./9.18.26.34.41.45./"
RFC_MD5 = [
    "990DD0A5692A029A98B5E01AA28F3459",
    "3691E55CB63FCC37914430B2F70B5EC6",
    "FE814EDF564C190AC1D25753979990FA",
    "1863CCACEB568C31D7DDBDF1D4E91387",
    "F4AB33DF4889F0AF29C513905BE1D758",
    "13EAEB529F61ACFB9A29D0BA3A60DE4A",
    "992DB77C382CA2BDB9727001F3CDCCD9",
    "63AB4258ECA922976811C7F55C383CE7",
    "DFBC5AC97CED01B3A6E348E3CC63F40D",
    "31CB111C4A4EBE9287CEAE16FE51B909",
    "07FA46C122F164C215BBC72793B189A3",
    "AC52F8D75CCBE2E61AFEB3387637D501",
    "53306F73E14FC0B2FBF434218D25948E",
    "B5D1403501A81F9A47318BE7893B347C",
    "85B10B356AA06663EF1B1B407765100A",
    "3269E6CE559ABD57E2BA6AAB495EB9BD",
]
RFC_SELECTED = [17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4]
RFC_NOMCOM = ["Lee", "Doc", "Mary", "Charity", "Kasczynski", "Envy", "Sneazy", "Anger", "Chastity", "Pandora"]


def naive(pool_size: int, count: int, key: bytes, hash_=hashlib.sha256) -> list[int]:
    """RFC 3797 §4 as written: a list of the remaining entries, one removed a selection."""
    remaining = list(range(pool_size))
    chosen = []
    for j in range(count):
        c = draw.counter(j)
        value = int.from_bytes(hash_(c + key + c).digest(), "big")
        chosen.append(remaining.pop(value % len(remaining)))
    return chosen


# ------------------------------------------------------------------------------ RFC 3797 §6


def test_rfc3797_section_6_key_hashes_and_selection():
    assert canonical_key(RFC_SOURCES) == RFC_KEY
    steps = explain(25, 16, RFC_SOURCES, profile="rfc3797")
    assert [s.digest for s in steps] == RFC_MD5
    assert [s.remaining for s in steps] == list(range(25, 9, -1))
    assert [s.index + 1 for s in steps] == RFC_SELECTED
    ten = select(25, 10, RFC_SOURCES, profile="rfc3797")
    assert [RFC_POOL[p] for p in ten] == RFC_NOMCOM


def test_the_order_of_the_sources_is_part_of_the_key():
    """The key lists the sources in their published order (RFC 3797 §4), so another order is
    another draw: the §6 result needs the sources in the example's order."""
    reordered = list(reversed(RFC_SOURCES))
    assert canonical_key(reordered) == b"9.18.26.34.41.45./2.5.8.10.12./9319./"
    assert select(25, 10, reordered, profile="rfc3797") != [p - 1 for p in RFC_SELECTED[:10]]


def test_a_selection_does_not_depend_on_how_many_follow():
    assert select(25, 4, RFC_SOURCES, profile="rfc3797") == [p - 1 for p in RFC_SELECTED[:4]]


# ------------------------------------------------------------------------------ the key


@pytest.mark.parametrize(
    ("source", "part"),
    [
        ("9319", b"9319./"),
        ("0009319", b"9319./"),  # no leading zeroes
        ("0", b"0./"),
        ("000", b"0./"),
        ("12 5 8", b"5.8.12./"),  # sorted, smallest first
        ("5 5 1", b"1.5.5./"),  # repeated values stay
        ("0.50", b"0.5/"),  # a period separates the fraction, no trailing zeroes
        ("1.000", b"1./"),
        ("00.25 3", b"0.253./"),
        ("-3 2 -10", b"-10.-3.2./"),  # negative values keep their sign, in numeric order
        ("-0 +4", b"0.4./"),
        ("  7\t 3\n", b"3.7./"),  # any run of spaces, tabs or newlines separates
        ("１２ ３", b"3.12./"),  # full-width digits are digits (NFKC)
        ("12345678901234567890123 1", b"1.12345678901234567890123./"),
        ("W 4-1", b"W 4-1/"),  # not every item is a number: text
        ("  上证指数  3051.25 ", "上证指数 3051.25/".encode()),
        ("2, 5, 12", b"2, 5, 12/"),  # commas make text: numbers are separated by spaces
        ("ＡＢＣ　def", b"ABC def/"),  # NFKC: full-width letters, ideographic space
        (7, b"7./"),
        (Decimal("2.50"), b"2.5/"),
        ([10, "2", Decimal("3.0")], b"2.3.10./"),
    ],
)
def test_canonical_source(source, part):
    assert canonical_key([source]) == part


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([], "At least one public source"),
        ("9319", "must be a list"),
        (["1", "  "], "Source 2 is empty"),
        ([""], "Source 1 is empty"),
        ([[]], "Source 1 is empty"),
        ([1.5], "not as a float"),
        ([True], "not as a bool"),
        ([[1, "x"]], "'x' is not a decimal number"),
        ([[1, 2.0]], "2.0 is not a number"),
        ([Decimal("NaN")], "not a finite number"),
        ([{"a": 1}], "dict is not a source"),
    ],
)
def test_bad_sources(sources, message):
    with pytest.raises(DrawInputError, match=message):
        canonical_key(sources)


# ------------------------------------------------------------------------------ selection


def test_fast_selection_equals_the_plain_algorithm_on_random_cases():
    rng = random.Random(3797)
    sizes = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 255, 256, 257, 1000, 1023, 1024, 1025, 5000]
    for case in range(120):
        pool_size = sizes[case] if case < len(sizes) else rng.randint(1, 3000)
        count = rng.randint(0, pool_size) if case % 3 else pool_size
        sources = [
            " ".join(str(rng.randint(0, 99)) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 3))
        ]
        salt = rng.choice([b"", b"stratum:A/"])
        for profile, hash_ in (("sha256", hashlib.sha256), ("rfc3797", hashlib.md5)):
            expected = naive(pool_size, count, canonical_key(sources) + salt, hash_)
            assert select(pool_size, count, sources, profile=profile, salt=salt) == expected, (pool_size, count)


def test_a_large_draw_takes_every_position_once():
    picked = select(1_000_000, 50_000, ["20240105", "3 14 15 92 65"])
    assert len(set(picked)) == 50_000 and min(picked) >= 0 and max(picked) < 1_000_000


def test_a_whole_pool_is_a_permutation():
    assert sorted(select(4097, 4097, ["1"])) == list(range(4097))


def test_the_counter_takes_four_bytes_from_65536_on_in_the_sha256_profile():
    assert draw.counter(65535) == b"\xff\xff" and draw.counter(65536) == b"\x00\x01\x00\x00"
    steps = explain(65_540, 65_538, ["42"])
    key = canonical_key(["42"])
    for j in (0, 65535, 65536, 65537):
        c = draw.counter(j)
        assert steps[j].digest == hashlib.sha256(c + key + c).hexdigest().upper()
    assert len({s.index for s in steps}) == 65_538


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((25, 26, RFC_SOURCES, "sha256"), r"The count \(26\) is larger than the pool \(25\)"),
        ((25, -1, RFC_SOURCES, "sha256"), "count must not be negative"),
        ((-1, 0, RFC_SOURCES, "sha256"), "pool size must not be negative"),
        ((25, 2.0, RFC_SOURCES, "sha256"), "count must be a whole number"),
        ((25, True, RFC_SOURCES, "sha256"), "count must be a whole number"),
        ((25, 3, RFC_SOURCES, "md5"), "Unknown profile 'md5'"),
        ((70_000, 65_537, RFC_SOURCES, "rfc3797"), "rfc3797 profile makes at most 65,536 selections"),
        ((25, 3, [], "sha256"), "At least one public source"),
    ],
)
def test_bad_selections(args, message):
    with pytest.raises(DrawInputError, match=message):
        select(*args[:3], profile=args[3])


def test_nothing_to_select():
    assert select(0, 0, ["1"]) == [] and select(5, 0, ["1"]) == []


# ------------------------------------------------------------------------------ strata


def test_each_stratum_has_its_own_key_and_does_not_depend_on_the_others():
    strata = [("A", 5000, 150), ("B", 800, 80), ("C", 90, 36), ("D", 10, 8)]
    together = draw_strata(strata, RFC_SOURCES)
    assert list(together) == ["A", "B", "C", "D"]
    for label, size, count in strata:
        alone = draw_strata([(label, size, count)], RFC_SOURCES)[label]
        assert together[label] == alone == select(size, count, RFC_SOURCES, salt=f"stratum:{label}/".encode())
    assert draw_strata([("B", 800, 80), ("A", 9999, 3)], RFC_SOURCES)["B"] == together["B"]


def test_a_stratum_label_with_other_characters():
    assert draw_strata([("重点/高风险", 20, 3)], ["7"])["重点/高风险"] == select(
        20, 3, ["7"], salt="stratum:重点/高风险/".encode()
    )


@pytest.mark.parametrize(
    ("strata", "message"),
    [
        ([("A", 10, 11)], r"Stratum 'A': The count \(11\) is larger than the pool \(10\)"),
        ([("A", 10, 1), ("A", 5, 1)], "Stratum 'A' appears twice"),
        ([("", 10, 1)], "label must be non-empty text"),
    ],
)
def test_bad_strata(strata, message):
    with pytest.raises(DrawInputError, match=message):
        draw_strata(strata, ["1"])


# ------------------------------------------------------------------------------ inspectors


def naive_inspectors(subjects, directory, sources, k, rule, hash_=hashlib.sha256):
    """The specification as written: filter the directory, then select k from the list."""
    key = canonical_key(sources)
    teams = []
    for subject in subjects:
        eligible = [
            i.id
            for i in directory
            if (rule == "any" or (i.region == subject.region) == (rule == "same")) and i.id not in subject.excluded
        ]
        if len(eligible) < k:
            return None
        salt = b"inspectors:" + subject.id.encode() + b"/"
        teams.append((subject.id, [eligible[p] for p in naive(len(eligible), k, key + salt, hash_)]))
    return teams


def random_directory(rng: random.Random, size: int, regions: list[str]) -> list[Inspector]:
    return [Inspector(f"I{n:04d}", rng.choice(regions)) for n in rng.sample(range(10 * size), size)]


def test_inspectors_equal_the_plain_algorithm_on_random_cases():
    rng = random.Random(2)
    regions = ["3201", "3202", "3203", "3204"]
    for case in range(60):
        directory = random_directory(rng, rng.randint(12, 80), regions)
        ids = [i.id for i in directory]
        subjects = [
            Subject(f"S{n}", rng.choice(regions), frozenset([*rng.sample(ids, rng.randint(0, 4)), "NOT-IN-DIRECTORY"]))
            for n in range(rng.randint(1, 15))
        ]
        rule = ("any", "same", "other")[case % 3]
        k = rng.choice([2, 2, 3])
        sources = [str(rng.randint(0, 10**6))]
        for profile, hash_ in (("sha256", hashlib.sha256), ("rfc3797", hashlib.md5)):
            expected = naive_inspectors(subjects, directory, sources, k, rule, hash_)
            args = {"sources": sources, "per_subject": k, "region_rule": rule, "profile": profile}
            if expected is None:  # too few eligible for some subject
                with pytest.raises(TooFewInspectors):
                    draw_inspectors(subjects, directory, **args)
            else:
                assert draw_inspectors(subjects, directory, **args) == expected, (case, rule)


def test_inspectors_respect_region_and_exclusions():
    directory = [
        Inspector("A1", "3201"),
        Inspector("A2", "3201"),
        Inspector("A3", "3201"),
        Inspector("B1", "3202"),
        Inspector("B2", "3202"),
    ]
    subject = Subject("S1", "3201", frozenset({"A2"}))
    ((_, same),) = draw_inspectors([subject], directory, sources=["1"], region_rule="same")
    assert sorted(same) == ["A1", "A3"]
    ((_, other),) = draw_inspectors([subject], directory, sources=["1"], region_rule="other")
    assert sorted(other) == ["B1", "B2"]
    ((_, anyone),) = draw_inspectors([subject], directory, sources=["1"], per_subject=4)
    assert "A2" not in anyone and len(set(anyone)) == 4


def test_too_few_eligible_inspectors_names_the_subject():
    directory = [Inspector("A1", "3201"), Inspector("A2", "3201"), Inspector("B1", "3202"), Inspector("B2", "3202")]
    subjects = [Subject("S-ok", "3202"), Subject("S-conflict", "3201", frozenset({"A1"}))]
    with pytest.raises(
        TooFewInspectors,
        match=r"Subject 'S-conflict': 1 eligible inspector, 2 needed "
        r"\(region rule 'same', region '3201', 1 excluded\)",
    ) as caught:
        draw_inspectors(subjects, directory, sources=["1"], region_rule="same")
    assert caught.value.subject == "S-conflict" and caught.value.eligible == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"per_subject": 1}, "At least 2 inspectors per subject"),
        ({"region_rule": "nearby"}, "Unknown region rule 'nearby'"),
        ({"subjects": [Subject("S1"), Subject("S1")]}, "Subject 'S1' appears twice"),
        ({"subjects": [Subject("S1")], "region_rule": "same"}, "Subject 'S1' has no region"),
        ({"directory": [Inspector("A1", "1"), Inspector("A1", "2")]}, "Inspector 'A1' appears twice"),
        ({"directory": [Inspector("", "1")]}, "Inspector 1 of the directory has no id"),
    ],
)
def test_bad_inspector_draws(kwargs, message):
    args = {
        "subjects": [Subject("S1", "1")],
        "directory": [Inspector(f"A{n}", "1") for n in range(3)],
        "sources": ["1"],
        **kwargs,
    }
    with pytest.raises(DrawInputError, match=message):
        draw_inspectors(args.pop("subjects"), args.pop("directory"), **args)


# ------------------------------------------------------------------------------ published plan


def plan(**changes):
    published = {
        "version": 1,
        "plan": "2025-抽查-001",
        "profile": "sha256",
        "sources": ["20250105 3 14 15", "上证指数 3051.25"],
        "strata": [
            {"label": "A", "count": 3, "pool": [f"A{n:03d}" for n in range(40)]},
            {"label": "B", "count": 2, "pool": [f"B{n:03d}" for n in range(6)]},
        ],
        "inspectors": {
            "per_subject": 2,
            "region_rule": "same",
            "directory": [{"id": f"I{n}", "region": "3201" if n % 2 else "3202"} for n in range(10)],
            "subjects": {
                **{f"A{n:03d}": {"region": "3201"} for n in range(40)},
                **{f"B{n:03d}": {"region": "3202", "excluded": ["I0"]} for n in range(6)},
            },
        },
    }
    published.update(changes)
    return published


def test_replay_of_a_published_plan():
    published = plan()
    result = replay(published)
    key = canonical_key(published["sources"])
    assert result["version"] == 1 and result["plan"] == "2025-抽查-001" and result["profile"] == "sha256"
    assert result["key"] == key.decode()
    drawn = draw_strata([("A", 40, 3), ("B", 6, 2)], published["sources"])
    assert [s["positions"] for s in result["strata"]] == [[p + 1 for p in drawn["A"]], [p + 1 for p in drawn["B"]]]
    assert result["strata"][1]["selected"] == [f"B{p:03d}" for p in drawn["B"]]
    assert [s["pool_size"] for s in result["strata"]] == [40, 6]
    order = result["strata"][0]["selected"] + result["strata"][1]["selected"]
    assert [t["subject"] for t in result["inspectors"]] == order
    assert [t["stratum"] for t in result["inspectors"]] == ["A", "A", "A", "B", "B"]
    for team in result["inspectors"]:
        region = "3201" if team["subject"].startswith("A") else "3202"
        assert all((int(i[1:]) % 2 == 1) == (region == "3201") for i in team["inspectors"])
        assert "I0" not in team["inspectors"] or team["subject"].startswith("A")
    again = replay(json.loads(json.dumps(published, ensure_ascii=False)))
    assert dumps(again) == dumps(result)
    assert dumps(result) == json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_a_plan_without_inspectors():
    published = plan()
    del published["inspectors"], published["plan"]
    result = replay(published)
    assert "inspectors" not in result and "plan" not in result


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": 2}, "Unsupported plan version 2"),
        ({"version": None}, "Unsupported plan version None"),
        ({"seed": 1}, "unknown field seed"),
        ({"plan": 7}, "'plan' has the wrong type"),
        ({"profile": "sha1"}, "Unknown profile 'sha1'"),
        ({"sources": []}, "At least one public source"),
        ({"sources": [20250105]}, "every source must be text"),
        (
            {"strata": [{"label": "A", "count": 41, "pool": ["x"] * 0}]},
            r"Stratum 'A': The count \(41\) is larger than the pool \(0\)",
        ),
        ({"strata": [{"label": "A", "count": 1, "pool": ["x", "y", "x"]}]}, "'x' is in the pools twice"),
        (
            {"strata": [{"label": "A", "count": 1, "pool": ["x"]}, {"label": "B", "count": 1, "pool": ["y", "x"]}]},
            "Stratum 'B': 'x' is in the pools twice",
        ),
        ({"strata": [{"label": "A", "count": 1, "pool": ["x", ""]}]}, "pool entry 2: must be non-empty text"),
        ({"strata": [{"label": "A", "count": "1", "pool": ["x"]}]}, "'count' has the wrong type"),
        ({"strata": [{"label": "A", "pool": ["x"]}]}, "'count' is missing"),
        ({"strata": [{"label": "A", "count": 1, "pool": ["x"], "weight": 2}]}, "Stratum 1: unknown field weight"),
        ({"inspectors": {"per_subject": 2, "region_rule": "any", "directory": [], "extra": 1}}, "unknown field extra"),
        (
            {"inspectors": {"per_subject": 2, "region_rule": "any", "directory": [{"id": "I1"}]}},
            "Inspector 1: 'region' is missing",
        ),
    ],
)
def test_bad_plans(changes, message):
    with pytest.raises(DrawInputError, match=message):
        replay(plan(**changes))


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"region": 3201}, "the region must be text"),
        ({"region": "3201", "excluded": "I1"}, "'excluded' must be a list of inspector ids"),
        ({"region": "3201", "excluded": ""}, "'excluded' must be a list of inspector ids"),
        ({"region": "3201", "excluded": [1]}, "'excluded' must be a list of inspector ids"),
        ({"region": "3201", "last": "I1"}, "unknown field last"),
        (["3201"], "must be an object with region and excluded"),
    ],
)
def test_bad_subject_attributes_in_a_plan(attributes, message):
    published = plan()
    published["inspectors"]["subjects"] = dict.fromkeys(published["inspectors"]["subjects"], attributes)
    with pytest.raises(DrawInputError, match=r"Subject '[AB]\d{3}': " + re.escape(message)):
        replay(published)


def test_a_subject_with_too_few_inspectors_in_a_plan():
    published = plan()
    published["inspectors"]["subjects"] = {s: {"region": "3209"} for s in published["inspectors"]["subjects"]}
    with pytest.raises(TooFewInspectors, match=r"Subject 'A\d{3}': 0 eligible inspectors, 2 needed"):
        replay(published)


# ------------------------------------------------------------------------------ docs/draws.md

DOC = Path(__file__).resolve().parents[4] / "docs" / "draws.md"
DOC_SOURCES = ["20250107 3 11 19 24 30 33", "上证指数 3211.39"]


def doc_block(name: str) -> dict:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("```json", text.index(f"<!-- {name} -->")) + len("```json")
    return json.loads(text[start : text.index("```", start)])


def test_the_documented_plan_gives_the_documented_result():
    assert replay(doc_block("example-plan")) == doc_block("example-result")


def test_the_documented_worked_examples():
    text = DOC.read_text(encoding="utf-8")
    assert canonical_key(DOC_SOURCES) == "3.11.19.24.30.33.20250107./上证指数 3211.39/".encode()
    assert len(canonical_key(DOC_SOURCES)) == 48
    for step in explain(10, 3, DOC_SOURCES):
        rank = int(step.digest, 16) % step.remaining
        assert f"| {step.j} | `{step.digest}` | {step.remaining} | {rank} | {step.index} |" in text
    for step in explain(25, 10, RFC_SOURCES, profile="rfc3797"):
        assert f"| {step.j + 1} | `{step.digest}` | {step.remaining} | {step.index + 1} (" in text
    assert draw_strata([("A", 10, 3), ("B", 4, 2)], DOC_SOURCES) == {"A": [2, 9, 1], "B": [1, 0]}
    directory = [Inspector(f"JC0{n}", "3202" if n == 2 else "3201") for n in range(1, 6)]
    subject = Subject("91320102000000000001", "3201", ["JC03"])
    assert draw_inspectors([subject], directory, sources=DOC_SOURCES, region_rule="same") == [
        ("91320102000000000001", ["JC05", "JC01"])
    ]
    for part in canonical_key(["0.50 00.25 3"]), canonical_key(["-3 2 -10"]), canonical_key(["１２ ３"]):
        assert f"`{part.decode()}`" in text


# ------------------------------------------------------------------------------ the browser replayer

REPLAY_JS = Path(draw.__file__).parent / "static" / "supervision" / "replay.js"


def in_chromium(test):
    """A test of replay.js in headless Chromium (skipped where Chromium is missing)."""
    skip = pytest.mark.skipif(not browser_available(), reason=f"Chromium is not installed at {CHROMIUM}")
    return pytest.mark.browser(skip(test))


@pytest.fixture
def replay_page(browser, tmp_path):
    """replay.js on a tiny static page of its own, opened from the disk: no server at all."""
    shutil.copy(REPLAY_JS, tmp_path / "replay.js")
    page_file = tmp_path / "replay.html"
    page_file.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>replay</title>'
        '<script src="replay.js"></script></head><body></body></html>',
        encoding="utf-8",
    )
    page = browser.new_page()
    page.goto(page_file.as_uri())
    yield page
    page.close()


def js_replay(page, cases: list[dict]) -> list[list[int]]:
    return page.evaluate(
        """async cases => {
            const out = [];
            for (const c of cases) {
                out.push(await certinelReplay({pool: new Array(c.n).fill("x"), count: c.count,
                                               sources: c.sources, profile: c.profile}));
            }
            return out;
        }""",
        cases,
    )


@in_chromium
def test_browser_replays_rfc3797_section_6(replay_page):
    positions = replay_page.evaluate(
        "args => certinelReplay(args)", {"pool": RFC_POOL, "count": 10, "sources": RFC_SOURCES, "profile": "rfc3797"}
    )
    assert positions == RFC_SELECTED[:10]
    assert replay_page.evaluate("s => certinelCanonicalKey(s)", RFC_SOURCES) == RFC_KEY.decode()


@in_chromium
def test_browser_draws_equal_python_draws(replay_page):
    rng = random.Random(1321)
    texts = [
        "9319",
        "上证指数 3051.25",
        "-3 007 0.50",
        "１２ ３",
        "W 4-1",
        "2, 5, 12",
        "ＡＢＣ　def",
        "12345678901234567890 1",
    ]
    cases = []
    for n in [1, 2, 25, 64, 65, 1000, 4096, 30_000]:
        for profile in ("sha256", "rfc3797"):
            count = rng.randint(0, min(n, 3000))
            cases.append({"n": n, "count": count, "sources": rng.sample(texts, rng.randint(1, 3)), "profile": profile})
    cases.append({"n": 70_000, "count": 65_600, "sources": ["42"], "profile": "sha256"})  # the four-byte counter
    expected = [[p + 1 for p in select(c["n"], c["count"], c["sources"], profile=c["profile"])] for c in cases]
    assert js_replay(replay_page, cases) == expected
    keys = replay_page.evaluate("texts => texts.map(t => certinelCanonicalKey([t]))", texts)
    assert keys == [canonical_key([t]).decode() for t in texts]


@in_chromium
def test_browser_hashes_and_big_remainders(replay_page):
    messages = [bytes((i * 7 + 3) % 256 for i in range(n)) for n in (0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 200)]
    messages.append("上证指数 3051.25/".encode())
    got = replay_page.evaluate(
        """messages => messages.map(m => {
            const bytes = new Uint8Array(m), hex = b => Array.from(b, x => x.toString(16).padStart(2, "0")).join("");
            return [hex(certinelDrawInternals.md5(bytes)), hex(certinelDrawInternals.sha256(bytes))];
        })""",
        [list(m) for m in messages],
    )
    assert got == [[hashlib.md5(m, usedforsecurity=False).hexdigest(), hashlib.sha256(m).hexdigest()] for m in messages]
    digest = hashlib.sha256(b"remainder").digest()
    moduli = [1, 7, 2**40, 2**40 + 1, 2**53 - 1, 10**15 + 37]
    remainders = replay_page.evaluate(
        "args => args.moduli.map(m => certinelDrawInternals.modulo(new Uint8Array(args.digest), m))",
        {"digest": list(digest), "moduli": moduli},
    )
    assert remainders == [int.from_bytes(digest, "big") % m for m in moduli]


def big_plan(rule: str, profile: str) -> dict:
    rng = random.Random(rule)
    regions = ["3201", "3202", "3203"]
    directory = [{"id": f"I{n:03d}", "region": rng.choice(regions)} for n in range(60)]
    strata = [
        {"label": label, "count": count, "pool": [f"{label}{n:05d}" for n in range(size)]}
        for label, size, count in (("A", 3000, 90), ("B", 400, 40), ("C", 50, 20), ("D", 12, 10))
    ]
    ids = [d["id"] for d in directory]
    subjects = {
        entry: {"region": rng.choice(regions), "excluded": rng.sample(ids, rng.choice([0, 0, 1, 3]))}
        for stratum in strata
        for entry in stratum["pool"]
    }
    return {
        "version": 1,
        "profile": profile,
        "sources": ["20250105 8 16 23", "一二三 ABC"],
        "strata": strata,
        "inspectors": {"per_subject": 3, "region_rule": rule, "directory": directory, "subjects": subjects},
    }


@in_chromium
def test_browser_replays_published_plans_byte_for_byte(replay_page):
    plans = [plan(), big_plan("other", "sha256"), big_plan("any", "rfc3797")]
    for published in plans:
        text = replay_page.evaluate("p => certinelReplayPublished(p).then(certinelDumps)", published)
        assert text == dumps(replay(published))


@in_chromium
@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("certinelReplay({pool: ['a', 'b'], count: 3, sources: ['1']})", "The count (3) is larger than the pool (2)."),
        ("certinelReplay({pool: ['a'], count: 1, sources: ['1'], profile: 'md5'})", 'Unknown profile "md5"'),
        ("certinelReplay({pool: ['a'], count: 1, sources: []})", "At least one public source"),
        ("certinelReplay({pool: ['a'], count: 1, sources: ['  ']})", "Source 1 is empty."),
        ("certinelReplayPublished({version: 2})", "Unsupported plan version 2"),
    ],
)
def test_browser_reports_bad_input(replay_page, script, message):
    with pytest.raises(PlaywrightError, match=re.escape(message)):
        replay_page.evaluate(f"() => {script}")


@in_chromium
def test_browser_names_the_subject_with_too_few_inspectors(replay_page):
    published = plan()
    published["inspectors"]["subjects"] = {s: {"region": "3209"} for s in published["inspectors"]["subjects"]}
    with pytest.raises(PlaywrightError, match=r"Subject \"A\d{3}\": 0 eligible inspectors, 2 needed"):
        replay_page.evaluate("p => certinelReplayPublished(p)", published)
