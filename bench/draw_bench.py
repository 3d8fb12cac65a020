"""Benchmark of the publicly verifiable draw (certinel.supervision.draw, docs/draws.md).

    .venv/bin/python bench/draw_bench.py [--quick] [--subjects N] [--inspectors M] [--per-subject K]
                                         [--rule any|same|other] [--repeat R] [--json FILE]

Builds, in memory, the published plan of a national-scale random inspection: N subjects
(default 1,000,000; --quick 50,000) in four credit-risk strata, each with its own inspection
ratio (A 70 % of the subjects at 3 %, B 25 % at 10 %, C 4 % at 40 %, D 1 % at 80 %: 70,000
drawn of a million), every subject with its region (13 cities) and, for about a quarter of
them, excluded inspectors (the last one who inspected it, declared conflicts); a directory of M
inspectors (default 3,000) across the same cities; K inspectors a subject (default 2), of the
subject's own city (--rule same).

It times, R times each (default 5), in the same run:

1. the draw: `replay(plan)` as the server runs it, from the plan in memory: the plan checked
   (every pool entry unique across the strata), every stratum drawn, K inspectors for every
   drawn subject;
2. the reference: SHA-256 of the whole pool once, serialized one entry a line (the least any
   verifier must do to fix which pool was drawn from);

and prints the medians and their ratio. It then replays the plan as an outside verifier does
(the plan's published JSON text parsed again) and checks that the result's canonical JSON
(`dumps`) is the same, byte for byte. The figures, the machine and its load are written to
bench/out/draw-<date>-<time>.json (or --json FILE).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from transparency_bench import OUT, load_average, machine  # noqa: E402

from certinel.supervision.draw import dumps, replay  # noqa: E402

STRATA = (("A", 0.70, 0.03), ("B", 0.25, 0.10), ("C", 0.04, 0.40), ("D", 0.01, 0.80))
CITIES = [f"32{n:02d}" for n in range(1, 14)]  # the 13 cities of one province
TARGET_S = 1.0


def build_plan(subjects: int, inspectors: int, per_subject: int, rule: str, seed: int = 7) -> dict:
    """A plan in the published format, with fictional subjects and inspectors."""
    rng = random.Random(seed)
    directory = [{"id": f"JC{n:05d}", "region": CITIES[n % len(CITIES)]} for n in range(inspectors)]
    by_city: dict[str, list[str]] = {}
    for row in directory:
        by_city.setdefault(row["region"], []).append(row["id"])
    strata, attributes, start = [], {}, 0
    for label, share, ratio in STRATA:
        size = round(subjects * share) if label != "D" else subjects - start
        pool = []
        for i in range(start, start + size):
            city = CITIES[rng.randrange(len(CITIES))]
            code = f"91{city}{i:012d}"  # fictional, of the unified social credit code's length
            pool.append(code)
            subject: dict = {"region": city}
            if rng.random() < 0.25:
                subject["excluded"] = rng.sample(by_city[city], rng.randint(1, 3))
            attributes[code] = subject
        strata.append({"label": label, "count": round(size * ratio), "pool": pool})
        start += size
    return {
        "version": 1,
        "plan": "基准-抽查-2025-01",
        "profile": "sha256",
        "sources": ["20250107 3 11 19 24 30 33", "5 8 12 27 35", "上证指数 3211.39"],
        "strata": strata,
        "inspectors": {"per_subject": per_subject, "region_rule": rule, "directory": directory, "subjects": attributes},
    }


def timed(function, repeat: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and this process's CPU seconds of each run, and the last run's value."""
    wall, cpu, value = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        value = function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50,000 subjects, 300 inspectors, 3 repeats")
    parser.add_argument("--subjects", type=int)
    parser.add_argument("--inspectors", type=int)
    parser.add_argument("--per-subject", type=int, default=2)
    parser.add_argument("--rule", choices=("any", "same", "other"), default="same")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--json", help="Where to write the report.")
    args = parser.parse_args()
    subjects = args.subjects or (50_000 if args.quick else 1_000_000)
    inspectors = args.inspectors or (300 if args.quick else 3_000)
    repeat = args.repeat or (3 if args.quick else 5)
    report: dict = {
        "subjects": subjects,
        "inspectors": inspectors,
        "per_subject": args.per_subject,
        "rule": args.rule,
        "repeat": repeat,
        "machine": machine(),
        "load_start": load_average(),
    }

    started = time.perf_counter()
    plan = build_plan(subjects, inspectors, args.per_subject, args.rule)
    published = json.dumps(plan, ensure_ascii=False)
    report["build_s"] = time.perf_counter() - started
    drawn = sum(s["count"] for s in plan["strata"])
    report["strata"] = [{"label": s["label"], "pool": len(s["pool"]), "count": s["count"]} for s in plan["strata"]]
    print(
        f"plan: {subjects:,} subjects in {len(plan['strata'])} strata, {drawn:,} to draw, {inspectors:,} "
        f"inspectors ({args.per_subject} a subject, region rule {args.rule}); published JSON "
        f"{len(published.encode()) / 1e6:.0f} MB; built in {report['build_s']:.1f} s"
    )

    draw_samples, draw_cpu, result = timed(lambda: replay(plan), repeat)
    pool_bytes = "".join(entry + "\n" for s in plan["strata"] for entry in s["pool"]).encode()
    reference_samples, reference_cpu, _ = timed(lambda: hashlib.sha256(pool_bytes).digest(), repeat)

    started = time.perf_counter()
    replayed = replay(json.loads(published))  # as an outside verifier: from the published text
    report["verifier_replay_s"] = time.perf_counter() - started
    same = dumps(replayed) == dumps(result)  # type: ignore[arg-type]
    report.update(
        draw_median_s=statistics.median(draw_samples),
        draw_samples_s=draw_samples,
        draw_cpu_median_s=statistics.median(draw_cpu),
        reference_cpu_median_s=statistics.median(reference_cpu),
        reference_median_s=statistics.median(reference_samples),
        reference_samples_s=reference_samples,
        pool_mb=len(pool_bytes) / 1e6,
        identical=same,
        target_s=TARGET_S,
        load_end=load_average(),
        result_sha256=hashlib.sha256(dumps(result).encode()).hexdigest(),  # type: ignore[arg-type]
    )
    report["ratio"] = report["draw_median_s"] / report["reference_median_s"]
    verdict = ""
    if subjects >= 1_000_000:
        report["target_met"] = report["draw_median_s"] < TARGET_S
        verdict = ": met" if report["target_met"] else ": NOT met"
    print(
        f"draw (strata + inspectors, plan checked): median {report['draw_median_s'] * 1e3:.0f} ms "
        f"of {repeat}, this process's CPU {report['draw_cpu_median_s'] * 1e3:.0f} ms "
        f"(target {TARGET_S * 1e3:.0f} ms at 1,000,000 subjects{verdict})"
    )
    print(
        f"reference, SHA-256 of the pool one entry a line ({report['pool_mb']:.1f} MB): median "
        f"{report['reference_median_s'] * 1e3:.1f} ms; ratio {report['ratio']:.1f}"
    )
    print(
        f"replay from the published JSON text: {report['verifier_replay_s']:.2f} s (parsing included); "
        f"result byte for byte the same: {'yes' if same else 'NO'}"
    )
    out = Path(args.json) if args.json else OUT / f"draw-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"report: {out}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
