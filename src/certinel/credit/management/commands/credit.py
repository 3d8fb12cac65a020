"""`certinel credit eligible|check-answer|expire`: the serious-violation list from the command line.

    certinel credit eligible USCC [USCC ...] --purpose PURPOSE [--json] [--signed FILE]
        may these subjects take part (public procurement, tendering, licensing, awards,
        subsidies, approval by commitment, supervision)? Prints each answer with the measures
        that apply, their basis and end date; --json prints {"uscc", "eligible", "measures"}
        (a list for several codes); --signed writes the signed answer to FILE.
        Exit 0: every subject is eligible; 1: at least one is not; 2: bad input.
    certinel credit check-answer FILE --key VKEY
        verify a signed answer offline against the log's verifier key (GET /log/key).
        Exit 0: genuine; 1: not.
    certinel credit expire [--on DATE]
        remove every entry whose maximum period has run (the scheduled job does it daily).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.credit.answers import AnswerInvalid, check_answer, signed_answer
from certinel.credit.policy import purposes
from certinel.credit.selectors import MAX_CODES, eligibility_many
from certinel.credit.services import entries_expire
from certinel.reference.identifiers import IdentifierError, validate_uscc
from certinel.transparency.errors import SignerNotConfigured


class Command(BaseCommand):
    help = "The serious-violation list: eligibility checks, signed answers, removal at the end of the period."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("eligible", help="May these subjects take part? (exit 0 yes, 1 no, 2 bad input)")
        check.add_argument("uscc", nargs="+", help="Unified social credit codes (18 characters).")
        check.add_argument("--purpose", required=True, help=f"One of: {', '.join(purposes())}.")
        check.add_argument("--json", action="store_true", help="Print JSON.")
        check.add_argument("--signed", metavar="FILE", help="Also write the signed answer to FILE.")
        answer = sub.add_parser("check-answer", help="Verify a signed answer offline.")
        answer.add_argument("file")
        answer.add_argument("--key", required=True,
                            help="The log's verifier key (from /log/key), or a file holding it.")
        expire = sub.add_parser("expire", help="Remove entries whose maximum period has run.")
        expire.add_argument("--on", type=dt.date.fromisoformat, help="The day (default: today).")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["action"].replace("-", "_"))(opts)

    def _eligible(self, opts: dict[str, Any]) -> None:
        purpose = opts["purpose"]
        if purpose not in purposes():
            raise CommandError(f"Unknown purpose {purpose!r}: use one of {', '.join(purposes())}.", returncode=2)
        codes = [c.strip().upper() for c in opts["uscc"]]
        if len(codes) > MAX_CODES:
            raise CommandError(f"At most {MAX_CODES:,} codes at a time.", returncode=2)
        for code in codes:
            try:
                validate_uscc(code)
            except IdentifierError as exc:
                raise CommandError(f"{code or '(empty)'} is not a unified social credit code: position "
                                   f"{exc.position}, {exc.reason}.",
                                   returncode=2) from None
        answers = eligibility_many(codes, purpose=purpose)
        if opts.get("signed"):
            try:
                Path(opts["signed"]).write_text(signed_answer(answers), encoding="utf-8")
            except SignerNotConfigured as exc:
                raise CommandError(f"No signed answer: {exc}", returncode=2) from None
        if opts["json"]:
            rows = [{"uscc": a.uscc, "eligible": a.eligible,
                     "measures": [{"code": m.code, "basis": m.basis, "until": m.until.isoformat()} for m in a.measures]}
                    for a in answers]
            self.stdout.write(json.dumps(rows[0] if len(rows) == 1 else rows, ensure_ascii=False))
        else:
            for a in answers:
                self.stdout.write(f"{a.uscc}  {'eligible' if a.eligible else 'NOT eligible'} for {purpose}")
                for m in a.measures:
                    self.stdout.write(f"    {m.code} until {m.until}: {m.name} ({m.basis}; listing {m.entry})")
        if not all(a.eligible for a in answers):
            raise SystemExit(1)

    def _check_answer(self, opts: dict[str, Any]) -> None:
        key = opts["key"]
        if Path(key).is_file():
            key = Path(key).read_text(encoding="utf-8").strip()
        try:
            note = Path(opts["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {opts['file']}: {exc.strerror}", returncode=2) from None
        try:
            checked = check_answer(note, vkey=key)
        except AnswerInvalid as exc:
            self.stdout.write(f"INVALID: {exc}")
            raise SystemExit(1) from None
        self.stdout.write(f"GENUINE: signed by {checked.key_name} for {checked.register}")
        for a in checked.answers:
            verdict = "eligible" if a.get("eligible") else "NOT eligible"
            self.stdout.write(f"  {a.get('uscc')}  {verdict} for {a.get('purpose')} at {a.get('checked_at')}")
            for m in a.get("measures", []):
                self.stdout.write(f"    {m.get('code')} until {m.get('until')}: {m.get('basis')}")

    def _expire(self, opts: dict[str, Any]) -> None:
        done = entries_expire(on=opts.get("on"))
        self.stdout.write(f"{done} entr{'y' if done == 1 else 'ies'} removed at the end of the period.")
