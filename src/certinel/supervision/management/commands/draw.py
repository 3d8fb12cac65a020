"""`certinel draw replay`: re-run a publicly verifiable draw (docs/draws.md) with no server.

certinel draw replay --pool FILE --count N --source S [--source S ...] [--profile rfc3797|sha256]
    FILE holds one pool entry a line, in pool order (a final newline is optional; a blank
    line is an error, since it would shift every position after it). Each --source is one
    public source of randomness as published: numbers separated by spaces, or text. Prints
    the selected 1-based positions in the pool, one a line, in selection order. --explain
    also prints the key and, for each selection, the hash value and divisor to stderr.
certinel draw replay --published PLAN.json [--expect RESULT.json]
    replay a published plan (strata, inspectors) and print the result as canonical JSON;
    with --expect, compare it with the published result.
Exit 0: done (and, with --expect, the same result); 1: the result differs from --expect;
2: bad input (a file that cannot be read, no source, a count larger than the pool, an
unknown profile, a plan that does not follow the format).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.supervision.draw import PROFILES, DrawInputError, Step, canonical_key, dumps, explain, replay, select


def read_pool(path: str) -> list[str]:
    """The pool file's entries: one a line, a final newline optional, no blank line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"No pool file {path}.", returncode=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read the pool file {path}: {exc}", returncode=2) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    entries = [line.removesuffix("\r") for line in lines]
    for number, entry in enumerate(entries, 1):
        if not entry.strip():
            raise CommandError(f"{path}, line {number} is blank: every line must name one pool entry.", returncode=2)
    return entries


def read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CommandError(f"No {what} file {path}.", returncode=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read the {what} file {path}: {exc}", returncode=2) from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"The {what} file {path} is not JSON: {exc}", returncode=2) from None


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """Where two JSON values first differ, as a path (strata[0].positions[3])."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key, ...) != b.get(key, ...):
                return first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else key)
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
        if len(a) != len(b):
            return f"{path} (length {len(a)} here, {len(b)} published)"
    return path or "(the whole result)"


class Command(BaseCommand):
    help = "Replay a publicly verifiable random draw (RFC 3797 or its SHA-256 profile) from its public inputs."
    # A replay needs neither the database nor the server's checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        again = sub.add_parser("replay", help="Re-run a draw and print its result (exit 2 on bad input).")
        again.add_argument("--pool", metavar="FILE", help="One pool entry a line, in pool order.")
        again.add_argument("--count", metavar="N", help="How many entries to select.")
        again.add_argument(
            "--source",
            action="append",
            default=[],
            metavar="S",
            help="A public source of randomness as published (repeat, in the published order).",
        )
        again.add_argument("--profile", help=f"One of: {', '.join(PROFILES)} (default sha256).")
        again.add_argument(
            "--explain", action="store_true", help="Also print the key and every selection's hash value to stderr."
        )
        again.add_argument("--published", metavar="PLAN.json", help="Replay a published plan instead.")
        again.add_argument("--expect", metavar="RESULT.json", help="With --published: the published result.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["published"]:
            self._published(opts)
        else:
            self._pool(opts)

    def _pool(self, opts: dict[str, Any]) -> None:
        if opts["expect"]:
            raise CommandError("--expect goes with --published.", returncode=2)
        if not opts["pool"] or opts["count"] is None:
            raise CommandError("Give --pool FILE and --count N (or --published PLAN.json).", returncode=2)
        if not opts["source"]:
            raise CommandError("Give at least one --source: the public sources of randomness.", returncode=2)
        try:
            count = int(opts["count"])
        except ValueError:
            raise CommandError(f"--count must be a whole number, not {opts['count']!r}.", returncode=2) from None
        opts["profile"] = opts["profile"] or "sha256"
        if opts["profile"] not in PROFILES:
            raise CommandError(f"Unknown profile {opts['profile']!r}: use one of {', '.join(PROFILES)}.", returncode=2)
        pool = read_pool(opts["pool"])
        try:
            if opts["explain"]:
                steps = explain(len(pool), count, opts["source"], profile=opts["profile"])
                positions = [step.index for step in steps]
            else:
                positions = select(len(pool), count, opts["source"], profile=opts["profile"])
        except DrawInputError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if opts["explain"]:
            self._explain(opts["source"], steps)
        self.stdout.write("\n".join(str(p + 1) for p in positions), ending="\n" if positions else "")

    def _explain(self, sources: list[str], steps: list[Step]) -> None:
        err = sys.stderr
        err.write(f"key: {canonical_key(sources).decode('utf-8')}\n")
        err.write("index  hash value (hex)  divisor  selected\n")
        for step in steps:
            err.write(f"{step.j + 1:>5}  {step.digest}  {step.remaining:>7}  {step.index + 1}\n")

    def _published(self, opts: dict[str, Any]) -> None:
        if opts["pool"] or opts["count"] is not None or opts["source"] or opts["profile"] or opts["explain"]:
            raise CommandError(
                "--published replays the plan's own pools, sources and profile: give no "
                "--pool, --count, --source, --profile or --explain with it.",
                returncode=2,
            )
        plan = read_json(opts["published"], "plan")
        expected = read_json(opts["expect"], "result") if opts["expect"] else None
        try:
            result = replay(plan)
        except DrawInputError as exc:
            raise CommandError(f"{opts['published']}: {exc}", returncode=2) from None
        self.stdout.write(dumps(result))
        if opts["expect"]:
            if expected != result:
                self.stderr.write(
                    f"DIFFERENT: the replay differs from {opts['expect']} at {first_difference(result, expected)}."
                )
                raise SystemExit(1)
            self.stderr.write(f"SAME: the replay matches {opts['expect']}.")
