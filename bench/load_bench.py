"""The initial load against the import and against COPY, on one scratch database per run.

    python bench/load_bench.py --db postgres --rows 200000
    python bench/load_bench.py --quick

Steps, in one run on one database (the figures are ratios to the reference of the same run):
1. holders: the national builder makes the organizations the file's certificates belong to;
2. the file: N rows of the import template for one body (certificates_bench's generator);
3. reference: the file's rows loaded raw into a plain table (PostgreSQL COPY, SQLite
   executemany in one transaction);
4. the import of the file (`import_file`), timed to its last row, then rolled back (and the id
   sequences put back) so that the register is empty again;
5. the initial load of the same file (`load_initial`: indexes built after the rows, chunks of
   20,000, one checkpoint), committed;
6. a second reference, "COPY of the same rows": the rows the load stored, in every table it
   writes, loaded again with `COPY` (SQLite: executemany) into empty tables made like the real
   ones, indexes included (certificates_bench's floor: what the schema costs, no application
   work at all);
7. `certinel log verify`'s monitor over the whole log.
Repeat with --repeat K: steps 4 and 5 alternate K times (the loads after the first into a
register emptied by rolling back the same way), and medians are reported.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import certificates_bench as cb  # the import benchmark's helpers, beside this file


def _sequences():
    from certinel.core.testing.sequences import save_sequences

    return save_sequences()


def _restore(sequences) -> None:
    from certinel.core.testing.sequences import restore_sequences

    restore_sequences(sequences)


def timed_import(path: Path, body) -> float:
    from django.db import transaction

    from certinel.certificates.io import import_file
    from certinel.core.actor import Actor
    from certinel.core.models import Via

    sequences = _sequences()
    started = time.perf_counter()
    with transaction.atomic():
        result = import_file(path, actor=Actor.system(f"import:{body.approval_no}", via=Via.IMPORT), body=body,
                             progress=cb.Progress("import"))
        seconds = time.perf_counter() - started
        if not result.written:
            raise RuntimeError(f"the import found errors: {[e.as_dict() for e in result.errors[:3]]}")
        transaction.set_rollback(True)
    _restore(sequences)
    return seconds


def timed_load(path: Path, body, *, keep: bool) -> tuple[float, dict]:
    from django.db import transaction

    from certinel.certificates.io.initial import LoadPart, load_initial
    from certinel.core.actor import Actor
    from certinel.core.models import Via

    actor = Actor.system(f"import:{body.approval_no}", via=Via.IMPORT)
    progress = cb.Progress("load")
    sequences = _sequences()
    started = time.perf_counter()
    with transaction.atomic():
        result = load_initial([LoadPart(path, body)], actor_for=lambda _b: actor, sign=False,
                              progress=lambda _name, done, total: progress(done, total))
        seconds = time.perf_counter() - started
        if not result.ok:
            raise RuntimeError("the load found errors")
        if not keep:
            transaction.set_rollback(True)
    if not keep:
        _restore(sequences)
    return seconds, {"indexes_rebuilt": len(result.indexes_rebuilt)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1, help="alternate import and load K times (medians)")
    parser.add_argument("--quick", action="store_true", help="2,000 rows on SQLite, to check that it runs")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--json", help="write the report here (default bench/out/load-<db>-<rows>.json)")
    args = parser.parse_args()
    if args.quick:
        args.db, args.rows = "sqlite", 2_000
    folder, cleanup = cb.setup_django(args.db, args.keep)
    try:
        report = run(args, folder)
    finally:
        cleanup()
    out = Path(args.json) if args.json else cb.OUT / f"load-{args.db}-{args.rows}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    cb.say(json.dumps({k: v for k, v in report.items() if k not in ("machine", "versions")}, indent=2))
    cb.say(f"report: {out}")


def run(args: argparse.Namespace, folder: str) -> dict:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from certinel.demo.national import build_national
    from certinel.transparency.monitor import verify_log
    from certinel.transparency.signers import log_origin, log_verifiers

    rng = random.Random(cb.SEED)
    report: dict = {"db": args.db, "rows": args.rows, "machine": cb.machine(), "versions": cb.versions()}
    call_command("migrate", interactive=False, verbosity=0)
    organizations = args.rows // 2 + args.rows // 10 + 100
    cb.say(f"[{args.db}] holders: {organizations:,} organizations…")
    build_national(seed=cb.SEED, organizations=organizations)
    from django.db import connection

    connection.close()  # the builder tuned its connection for loading; measure with the application's
    with transaction.atomic():
        body, grants = cb.make_body(rng)
    path = Path(tempfile.mkdtemp(prefix="certinel-bench-load-")) / f"certificates-{args.rows}.csv"
    cb.say(f"[{args.db}] writing {args.rows:,} rows…")
    report["file"] = cb.write_csv(path, cb.RowMaker(rng, grants, timezone.localdate()), args.rows)
    raw = [cb.raw_load(path) for _ in range(3)]
    report["raw_seconds"] = [round(s, 2) for s in raw]
    imports, loads = [], []
    for k in range(args.repeat):
        cb.say(f"[{args.db}] round {k + 1}/{args.repeat}: import (rolled back)…")
        imports.append(timed_import(path, body))
        last = k == args.repeat - 1
        cb.say(f"[{args.db}] round {k + 1}/{args.repeat}: initial load{'' if last else ' (rolled back)'}…")
        seconds, detail = timed_load(path, body, keep=last)
        loads.append(seconds)
        report["load_detail"] = detail
    cb.say(f"[{args.db}] the stored rows again with COPY (the database alone)…")
    floor = cb.store_floor()
    report["stored_rows_copy"] = floor
    started = time.perf_counter()
    verified = verify_log(origin=log_origin(), verifiers=log_verifiers())
    report["log_verify"] = {"ok": verified.ok, "seconds": round(time.perf_counter() - started, 1)}
    raw_rate = args.rows / statistics.median(raw)
    import_rate = args.rows / statistics.median(imports)
    load_rate = args.rows / statistics.median(loads)
    floor_rate = args.rows / floor["seconds"]
    report.update({
        "import_seconds": [round(s, 1) for s in imports], "load_seconds": [round(s, 1) for s in loads],
        "rows_per_s": {"raw": round(raw_rate), "import": round(import_rate), "load": round(load_rate)},
        "ratio_to_raw": {"import": round(import_rate / raw_rate, 4), "load": round(load_rate / raw_rate, 4)},
        "load_over_import": round(load_rate / import_rate, 2),
        # "COPY of the same rows": certificates a second when the database alone stores them.
        "stored_rows_copy_per_s": round(floor_rate),
        "ratio_to_stored_rows_copy": {"import": round(import_rate / floor_rate, 4),
                                      "load": round(load_rate / floor_rate, 4)},
    })
    path.unlink(missing_ok=True)
    return report


if __name__ == "__main__":
    main()
