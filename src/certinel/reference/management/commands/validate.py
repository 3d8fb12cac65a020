"""`certinel validate {uscc|cma|cb-approval|ccc-number} VALUE… [--file F] [--lang zh|en]`

One line per value: "VALUE: valid" or "VALUE: invalid: position N: reason". Exit status 0 when
every value is valid, 1 when any is invalid, 2 on a usage error (no values, unreadable file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.reference.identifiers import VALIDATORS, IdentifierError

LABELS = {"en": ("valid", "invalid"), "zh": ("有效", "无效")}


class Command(BaseCommand):
    help = "Check unified social credit codes, CMA numbers, CB approval numbers or CCC certificate numbers."
    requires_system_checks: list[str] = []  # data and pure checks: no need to check the whole project

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(VALIDATORS), help="what the values are")
        parser.add_argument("values", nargs="*", metavar="VALUE")
        parser.add_argument("--file", type=Path, help="read values from this UTF-8 file, one a line")
        parser.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the reasons")
        parser.add_argument("--lookup", action="store_true",
                            help="also check region codes (USCC) and product codes (CCC) against the "
                                 "loaded reference data")

    def handle(self, *args: Any, **options: Any) -> None:
        values = list(options["values"]) + self._read_file(options["file"])
        if not values:
            raise CommandError("no values to check: give VALUE arguments or --file", returncode=2)
        validator = VALIDATORS[options["kind"]]
        extra = self._lookups(options["kind"]) if options["lookup"] else {}
        ok_label, bad_label = LABELS[options["lang"]]
        invalid = 0
        for value in values:
            try:
                validator(value, **extra)
            except IdentifierError as exc:
                invalid += 1
                self.stdout.write(f"{value}: {bad_label}: {exc.message(options['lang'])}")
            else:
                self.stdout.write(f"{value}: {ok_label}")
        if invalid:
            raise CommandError(f"{invalid} of {len(values)} values invalid", returncode=1)

    @staticmethod
    def _read_file(path: Path | None) -> list[str]:
        if path is None:
            return []
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"file not found: {path}", returncode=2) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}", returncode=2) from None
        return [line.strip() for line in text.splitlines() if line.strip()]

    @staticmethod
    def _lookups(kind: str) -> dict[str, Any]:
        from certinel.reference import selectors

        if kind == "uscc":
            return {"region_exists": selectors.region_exists}
        if kind == "ccc-number":
            return {"product_exists": selectors.ccc_code_exists}
        return {}
