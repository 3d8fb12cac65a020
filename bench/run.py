"""Run every benchmark in bench/ (`make bench`): each bench/*_bench.py, as a subprocess with
its own arguments, one after the other; a summary at the end.

    python bench/run.py                 # full sizes (minutes to hours)
    python bench/run.py --quick         # small sizes, to check that they run
    python bench/run.py --only search,transparency
    python bench/run.py --args search="--db postgres --repeat 9"
    python bench/run.py --list          # what would run, with which arguments

A benchmark not listed in RUNS runs once with no arguments (quick or not). Results go where
each benchmark writes them (bench/out/ for those that write files) and to the terminal.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> {"full": [argument lists, one per run], "quick": [...]}
RUNS: dict[str, dict[str, list[list[str]]]] = {
    "search": {"full": [[]], "quick": [["--quick"]]},
    "transparency": {"full": [["--db", "sqlite"], ["--db", "postgres"]],
                     "quick": [["--db", "sqlite", "--leaves", "100000", "--proofs", "200", "--append-seconds", "1"]]},
    "credentials": {"full": [[]], "quick": [["--n", "30", "--repeat", "1"]]},
    "certificates": {"full": [[]], "quick": [["--quick"]]},
    "register_search": {"full": [[]], "quick": [["--quick"]]},
    "credit": {"full": [["--db", "postgres"], ["--db", "sqlite"]],
               "quick": [["--db", "sqlite", "--organizations", "2000"]]},
    "credit_check": {"full": [["--db", "postgres"], ["--db", "sqlite"]],
                     "quick": [["--db", "sqlite", "--organizations", "1000", "--listed", "50", "--singles", "200",
                                "--batches", "2"]]},
    "draw": {"full": [[]], "quick": [["--quick"]]},
    "warnings": {"full": [["--db", "sqlite"], ["--db", "postgres"]], "quick": [["--quick"]]},
    "reports": {"full": [["--db", "postgres"], ["--db", "sqlite"]], "quick": [["--quick"]]},
    "stats": {"full": [["--db", "sqlite"], ["--db", "postgres"]], "quick": [["--quick"]]},
    "load": {"full": [[]], "quick": [["--quick"]]},
    "national_load": {"full": [[]], "quick": [["--quick"]]},
}


def benchmarks() -> list[str]:
    return sorted(p.name.removesuffix("_bench.py") for p in HERE.glob("*_bench.py"))


def runs_for(name: str, quick: bool, extra: dict[str, list[str]]) -> list[list[str]]:
    if name in extra:
        return [extra[name]]
    return RUNS.get(name, {}).get("quick" if quick else "full", [[]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (each benchmark's quick arguments)")
    parser.add_argument("--only", help="comma-separated names (search, transparency, …)")
    parser.add_argument("--args", action="append", default=[], metavar='NAME="ARGS"',
                        help="arguments for one benchmark, replacing its defaults (repeatable)")
    parser.add_argument("--list", action="store_true", help="show what would run and exit")
    args = parser.parse_args()
    extra = {}
    for item in args.args:
        name, _, value = item.partition("=")
        extra[name.strip()] = shlex.split(value)
    names = benchmarks()
    if args.only:
        wanted = {n.strip() for n in args.only.split(",")}
        unknown = wanted - set(names)
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(names)})")
        names = [n for n in names if n in wanted]
    plan = [(name, run) for name in names for run in runs_for(name, args.quick, extra)]
    if args.list:
        for name, run in plan:
            print(shlex.join([sys.executable, str(HERE / f"{name}_bench.py"), *run]))
        return 0
    results = []
    for name, run in plan:
        command = [sys.executable, str(HERE / f"{name}_bench.py"), *run]
        print(f"\n=== {name} {shlex.join(run)}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, check=False).returncode
        results.append((name, shlex.join(run), code, time.perf_counter() - started))
    print("\n=== summary")
    for name, run, code, seconds in results:
        print(f"{'ok    ' if code == 0 else 'FAILED'} {name:<14} {seconds:8.0f} s  {run}")
    return 0 if all(code == 0 for *_, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
