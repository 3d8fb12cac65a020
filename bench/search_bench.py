"""Organization name search at national scale, on SQLite and PostgreSQL.

    .venv/bin/python bench/search_bench.py [--quick] [--db sqlite|postgres|both] [--organizations N]
                                           [--repeat R] [--rebuild] [--drop] [--json FILE]

For each database:
1. builds the national data set (`certinel demo --scale national`: N organizations across all
   provinces, default 1.5 million, with sites, former names, the name index and history) in a
   scratch SQLite file (var/bench/) or a scratch PostgreSQL database (certinel_bench_search_N on
   the server of BENCH_POSTGRES_URL, default 127.0.0.1:5432), or reuses it when it is there and
   its index matches the code (a stale one is built again); the build time is reported;
2. times `organization_search` (the selector behind the portal and the API: ranked page of 20
   and total) over a query mix drawn from the data: two-, three- and longer substrings of real
   names, common words (科技, 有限公司), rare trade names, whole names, English words, the same
   queries narrowed to a province, a city or a county, and queries that find nothing;
3. times, in the same run and for the same queries, the plain substring scan it replaces:
   `SELECT id, name FROM registry_organization WHERE name LIKE '%q%' [AND region] LIMIT 20`.

Prints medians and 95th percentiles per kind of query and overall, and writes everything (with
the machine's description) to bench/out/search-<date>.json. --quick uses 20,000 organizations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
QUICK_ORGANIZATIONS = 20_000
SEED = 2026

COMMON = ["科技", "有限公司", "科技有限公司", "机械", "贸易", "建设", "电子", "新材料", "股份有限公司", "南京", "苏州",
          "深圳", "广州", "北京"]
NO_HIT = ["量子引力", "不存在的公司名称", "龘靐", "齉龘有限公司", "qwxzv", "火星殖民", "公司有限科技", "司科有"]
ENGLISH = ["technology", "co., ltd", "suzhou", "logistics co"]
# A rarer character or two before the commonest ones of company names: every bigram has
# thousands of rows, and the rarer one's shortest names do not match.
RARE_THEN_COMMON = ["缆有限责", "锂电池有限责", "钢结构有限责", "医疗器械有限责", "纺织品有限责"]
REGIONS = ["32", "3205", "320583", "44", "4403", "11"]


def machine() -> dict[str, str]:
    """The machine, described (CPU model, cores, memory, system)."""
    info = {"python": platform.python_version(), "cores": str(os.cpu_count())}
    try:
        cpu = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else platform.processor()
        mem = [line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")]
        info["memory_gb"] = f"{int(mem[0].split()[1]) / 1024 / 1024:.1f}" if mem else ""
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        info["os"] = release.get("PRETTY_NAME", platform.platform()).strip('"')
        info["load_average"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        info.setdefault("os", platform.platform())
    return info


# --- the worker: one database, in its own process ------------------------------------------------

def scratch_url(db: str, n: int) -> str:
    if db == "sqlite":
        folder = Path(os.environ.get("CERTINEL_DATA_DIR", ROOT / "var")) / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / f'search-{n}.sqlite3'}"
    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"certinel_bench_search_{n}"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def drop_scratch(db: str, n: int) -> None:
    if db == "sqlite":
        url = scratch_url(db, n)
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS certinel_bench_search_{n}")


def index_matches_code(sample: int = 5) -> bool:
    """Whether the stored name index is the one the current code would write."""
    from certinel.registry.models import NameGram, Organization
    from certinel.registry.search import index_rows

    for org in Organization.objects.order_by("id")[:sample]:
        names = [org.name, org.name_en, *org.former_names.values_list("name", flat=True)]
        stored = set(NameGram.objects.filter(organization_id=org.pk).values_list("gram", "organization_id"))
        if stored != set(index_rows(org.pk, names, region_code=org.region_code)):
            return False
    return True


def ensure_dataset(db: str, n: int) -> dict:
    """The scratch data set: reused when it holds n organizations indexed as the code would
    index them; otherwise removed and built again."""
    from django.core.management import call_command
    from django.db import connection

    from certinel.demo.national import build_national
    from certinel.registry.models import Organization

    call_command("migrate", interactive=False, verbosity=0)
    count = Organization.objects.count()
    if count == n and index_matches_code():
        return {"reused": True, "organizations": count}
    if count:
        print(f"[{db}] the scratch data set is stale ({count:,} organizations, or an older name index); "
              "building it again", file=sys.stderr)
        connection.close()
        drop_scratch(db, n)
        scratch_url(db, n)  # creates the PostgreSQL database again
        call_command("migrate", interactive=False, verbosity=0)
    summary = build_national(seed=SEED, organizations=n, reporter=_Reporter())
    return {"reused": False, **summary.__dict__}


class _Reporter:
    """Progress on standard error: a line rewritten in place on a terminal, every tenth
    otherwise."""

    def start(self, phase: str, total: int) -> None:
        self.phase, self.total, self.done_n, self.t0, self.shown = phase, total, 0, time.perf_counter(), -1

    def advance(self, n: int = 1) -> None:
        self.done_n += n
        tenth = 10 * self.done_n // max(1, self.total)
        if sys.stderr.isatty() or tenth != self.shown:
            self.shown = tenth
            end = "\r" if sys.stderr.isatty() else "\n"
            print(f"  {self.phase}: {self.done_n:,} / {self.total:,} ({time.perf_counter() - self.t0:.0f} s)",
                  end=end, file=sys.stderr, flush=True)

    def done(self) -> None:
        if sys.stderr.isatty():
            print(file=sys.stderr)


def query_mix(rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, query, region) drawn from the data: substrings of real names and the rest."""
    from certinel.registry.models import Organization
    from certinel.registry.search import normalise

    top = Organization.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = sorted(rng.sample(range(1, top + 1), min(top, 120)))
    names = [normalise(n) for n in Organization.objects.filter(id__in=ids).values_list("name", flat=True)]
    rare_chars = set("淼犇焱垚喆昇玥珏煜璟翊燊赟勰骉暻镭")
    mix: list[tuple[str, str, str]] = []
    for length, kind in ((2, "2-char"), (3, "3-char"), (rng.randint(4, 6), "4+-char")):
        for name in names[:20]:
            start = rng.randrange(0, max(1, len(name) - length))
            mix.append((kind, name[start:start + length], ""))
        names = names[20:]
    mix += [("whole name", name, "") for name in names[:10]]
    rare = [n for n in Organization.objects.filter(id__gte=ids[0]).values_list("name", flat=True)[:200_000:50]
            if rare_chars & set(n)]
    for name in rare[:10]:
        i = next(i for i, ch in enumerate(name) if ch in rare_chars)
        mix.append(("rare", name[max(0, i - 1):i + 1] if i else name[:2], ""))
    mix += [("common words", q, "") for q in COMMON]
    mix += [("English", q, "") for q in ENGLISH]
    mix += [("no hit", q, "") for q in NO_HIT]
    regional = [q for kind, q, _ in mix if kind in ("2-char", "3-char", "common words")][::3]
    mix += [("region filter", q, rng.choice(REGIONS)) for q in regional]
    mix += [("rare then common", q, "") for q in RARE_THEN_COMMON]
    return [m for m in mix if len(m[1]) >= 2]


def time_search(q: str, region: str) -> float:
    from certinel.registry.filters import OrganizationFilters
    from certinel.registry.selectors import organization_search

    filters = OrganizationFilters(q=q, region=region or None)
    started = time.perf_counter()
    page = organization_search(filters=filters)
    list(page.items)
    return time.perf_counter() - started


def time_reference(q: str, region: str) -> float:
    from django.db import connection

    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    sql = "SELECT id, name FROM registry_organization WHERE name LIKE %s ESCAPE '\\'"
    params = [like]
    if region:
        sql += " AND region_code LIKE %s"
        params.append(region + "%")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 20", params)
        cursor.fetchall()
    return time.perf_counter() - started


def worker(args: argparse.Namespace) -> None:
    if args.rebuild:
        drop_scratch(args.db, args.organizations)
    os.environ["DATABASE_URL"] = scratch_url(args.db, args.organizations)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certinel.settings.dev")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # no query log: measure what production runs

    print(f"[{args.db}] data set of {args.organizations:,} organizations…", file=sys.stderr)
    build = ensure_dataset(args.db, args.organizations)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    mix = query_mix(random.Random(SEED))
    print(f"[{args.db}] timing {len(mix)} queries × {args.repeat}…", file=sys.stderr)
    for _kind, q, region in mix:  # warm the caches once
        time_search(q, region)
    rows = []
    for kind, q, region in mix:
        search = [time_search(q, region) * 1000 for _ in range(args.repeat)]
        reference = [time_reference(q, region) * 1000 for _ in range(args.reference_repeat)]
        rows.append({"kind": kind, "q": q, "region": region, "search_ms": search, "reference_ms": reference})
    Path(args.result).write_text(json.dumps({"db": args.db, "version": version, "build": build, "queries": rows},
                                            ensure_ascii=False, indent=1))


# --- the driver ---------------------------------------------------------------------------------------

def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def summarise(result: dict) -> dict:
    kinds: dict[str, dict[str, list[float]]] = {}
    for row in result["queries"]:
        for key in (row["kind"], "all"):
            bucket = kinds.setdefault(key, {"search": [], "reference": []})
            bucket["search"] += row["search_ms"]
            bucket["reference"] += row["reference_ms"]
    out = {}
    for kind, b in sorted(kinds.items(), key=lambda kv: kv[0] == "all"):
        s_med, r_med = statistics.median(b["search"]), statistics.median(b["reference"])
        out[kind] = {"search_median_ms": round(s_med, 2), "search_p95_ms": round(p95(b["search"]), 2),
                     "reference_median_ms": round(r_med, 2), "reference_p95_ms": round(p95(b["reference"]), 2),
                     "median_ratio": round(s_med / r_med, 3) if r_med else None, "samples": len(b["search"])}
    return out


def print_table(db: str, summary: dict, build: dict) -> None:
    built = "reused" if build.get("reused") else f"built in {build.get('seconds', 0):.0f} s"
    print(f"\n{db}: {build.get('organizations', 0):,} organizations ({built})")
    print(f"{'kind':<15}{'search med':>12}{'p95':>9}{'LIKE med':>12}{'p95':>10}{'search/LIKE':>13}")
    for kind, s in summary.items():
        ratio = f"{s['median_ratio']:.2f}" if s["median_ratio"] is not None else "-"
        print(f"{kind:<15}{s['search_median_ms']:>10.1f}ms{s['search_p95_ms']:>7.1f}ms"
              f"{s['reference_median_ms']:>10.1f}ms{s['reference_p95_ms']:>8.1f}ms{ratio:>13}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ORGANIZATIONS:,} organizations, fewer repeats")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--organizations", type=int, default=None, help="default 1,500,000")
    parser.add_argument("--repeat", type=int, default=None, help="timings of each query (default 5, quick 3)")
    parser.add_argument("--reference-repeat", type=int, default=None, help="timings of each LIKE scan (default 3)")
    parser.add_argument("--rebuild", action="store_true", help="build the data set again even if it is there")
    parser.add_argument("--drop", action="store_true", help="remove the scratch databases at the end")
    parser.add_argument("--json", help="write the report here (default bench/out/search-<date>.json)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.organizations = args.organizations or (QUICK_ORGANIZATIONS if args.quick else 1_500_000)
    args.repeat = args.repeat or (3 if args.quick else 5)
    args.reference_repeat = args.reference_repeat or (1 if args.quick else 3)
    if args.worker:
        worker(args)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report: dict = {"benchmark": "organization name search", "date": dt.date.today().isoformat(),
                    "machine": machine(), "organizations": args.organizations, "seed": SEED, "databases": {}}
    failed = False
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        result_file = OUT / f".search-{db}-{stamp}.json"
        command = [sys.executable, __file__, "--worker", "--db", db, "--organizations", str(args.organizations),
                   "--repeat", str(args.repeat), "--reference-repeat", str(args.reference_repeat),
                   "--result", str(result_file), *(["--rebuild"] if args.rebuild else [])]
        if subprocess.run(command, check=False).returncode != 0:
            print(f"{db}: the benchmark failed", file=sys.stderr)
            failed = True
            continue
        result = json.loads(result_file.read_text())
        result_file.unlink()
        result["summary"] = summarise(result)
        report["databases"][db] = result
        print_table(f"{db} ({result['version'].split(' on ')[0]})", result["summary"], result["build"])
        if args.drop:
            drop_scratch(db, args.organizations)
    report["machine"]["load_average_after"] = machine().get("load_average", "")
    target = Path(args.json) if args.json else OUT / f"search-{stamp}.json"
    target.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\nwritten: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
