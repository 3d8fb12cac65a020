"""`certinel credit eligible|check-answer|expire|penalties|facts|classify`: credit from the command line.

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
    certinel credit penalties expire [--on DATE]
        end the display of every published penalty whose maximum period has run (the scheduled
        job does it hourly).
    certinel credit facts import FILE [--dry-run] [--as USERNAME] [--json]
        import a CSV or XLSX file of credit facts (docs/credit.md), all or nothing: every bad
        row is printed with its row number, column and reason. Exit 0: imported (or, with
        --dry-run, all good); 1: bad rows, nothing written; 2: the file cannot be read.
    certinel credit classify (--all | CODE ...) [--on DATE] [--json]
        recompute credit risk classes: of every subject with facts (--all, the scheduled job
        does it daily), or of the subjects with these credit codes or registration numbers,
        printing each class with the explanation of its points.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certinel.core.actor import Actor
from certinel.credit.answers import AnswerInvalid, check_answer, signed_answer
from certinel.credit.policy import purposes
from certinel.credit.selectors import MAX_CODES, eligibility_many
from certinel.credit.services import entries_expire
from certinel.reference.identifiers import IdentifierError, validate_uscc
from certinel.transparency.errors import SignerNotConfigured


class Command(BaseCommand):
    help = "The serious-violation list: eligibility checks, signed answers, removal at the end of the period."
    # The system checks (half a second) are the server's business; a check run in a loop by a
    # procurement script should not pay for them each time.
    requires_system_checks: list[str] = []

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
        penalties = sub.add_parser("penalties", help="Published penalties: the end of their display.")
        penalties_sub = penalties.add_subparsers(dest="penalties_action", required=True)
        end = penalties_sub.add_parser("expire", help="End the displays whose maximum period has run.")
        end.add_argument("--on", type=dt.date.fromisoformat, help="The day (default: today).")
        facts = sub.add_parser("facts", help="Credit files: facts of subjects.")
        facts_sub = facts.add_subparsers(dest="facts_action", required=True)
        imp = facts_sub.add_parser("import", help="Import a file of facts (all or nothing).")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        imp.add_argument("--as", dest="as_user", metavar="USERNAME",
                         help="The acting regulator (its jurisdiction is checked); default: the system.")
        imp.add_argument("--json", action="store_true", help="Print the result as JSON.")
        classify = sub.add_parser("classify", help="Recompute credit risk classes.")
        classify.add_argument("--all", action="store_true", help="Every subject with facts or a class.")
        classify.add_argument("code", nargs="*", default=[],
                              help="Credit codes or practitioners' registration numbers.")
        classify.add_argument("--on", type=dt.date.fromisoformat, help="The day (default: today).")
        classify.add_argument("--json", action="store_true", help="Print JSON.")

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

    def _penalties(self, opts: dict[str, Any]) -> None:
        from certinel.credit.services_repair import publications_expire

        done = publications_expire(on=opts.get("on"))
        self.stdout.write(f"{done} display{'' if done == 1 else 's'} of published penalties ended at the end of "
                          "the period.")

    def _facts(self, opts: dict[str, Any]) -> None:
        from certinel.certificates.io.errors import FileRejected
        from certinel.core.models import Via
        from certinel.credit.services_facts import facts_import

        actor = Actor.system("credit:import", via=Via.IMPORT)
        if opts.get("as_user"):
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=opts["as_user"]).first()
            if user is None or not user.is_active:
                raise CommandError(f"No active user {opts['as_user']!r}.", returncode=2)
            actor = Actor.for_user(user, via=Via.IMPORT)
        try:
            result = facts_import(actor=actor, source=opts["file"], dry_run=opts["dry_run"])
        except FileRejected as exc:
            if opts["json"]:
                self.stdout.write(json.dumps({"rejected": exc.as_dict()}, ensure_ascii=False))
            else:
                self.stdout.write(f"REJECTED: {exc.message}")
                for e in exc.errors:
                    self.stdout.write(f"  row {e.row}, {e.column}: {e.message}")
            raise SystemExit(2) from None
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            for e in result.errors:
                self.stdout.write(f"row {e.row}, {e.column}: {e.message} [{e.code}]")
            if result.errors:
                self.stdout.write(f"{len(result.errors)} error(s) in {result.rows} row(s): nothing imported.")
            elif result.dry_run:
                self.stdout.write(f"{result.rows} row(s) checked, all good (dry run: nothing written).")
            else:
                self.stdout.write(f"{result.created} fact(s) recorded.")
        if result.errors:
            raise SystemExit(1)

    def _classify(self, opts: dict[str, Any]) -> None:
        from certinel.core.errors import NotFound
        from certinel.credit.scorecard import ScorecardError, expand
        from certinel.credit.selectors import class_current
        from certinel.credit.services_classes import classes_recompute
        from certinel.credit.services_facts import fact_subject

        if bool(opts["all"]) == bool(opts["code"]):
            raise CommandError("Give either --all or one or more codes.", returncode=2)
        try:
            if opts["all"]:
                done = classes_recompute(on=opts.get("on"))
                summary = {"assigned": done.assigned, "changed": done.changed, "unchanged": done.unchanged,
                           "classes": dict(sorted(done.grades.items()))}
                self.stdout.write(json.dumps(summary) if opts["json"] else
                                  f"{done.total} subject(s): {done.assigned} classified for the first time, "
                                  f"{done.changed} changed, {done.unchanged} unchanged; "
                                  + ", ".join(f"{g} {n}" for g, n in sorted(done.grades.items())))
                return
            subjects = [fact_subject(code) for code in opts["code"]]
            rows = []
            for subject in subjects:
                classes_recompute(on=opts.get("on"), subjects={subject.kind: [subject.obj.pk]})
                found = class_current(kind=subject.kind, subject=subject.obj, on=opts.get("on"))
                rows.append((subject, found))
        except (ScorecardError, NotFound) as exc:
            raise CommandError(str(exc), returncode=2) from None
        explained = [(s, c, expand(c.explanation)) for s, c in rows]
        if opts["json"]:
            out = [{"subject": str(s.obj), "kind": s.kind, "class": c.grade, "score": c.score,
                    "explanation": ex} for s, c, ex in explained]
            self.stdout.write(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False))
            return
        for subject, found, ex in explained:
            self.stdout.write(f"{subject.obj} ({subject.kind}): class {found.grade}, score {found.score} of "
                              f"{ex['base']} ({ex['scorecard']})")
            for line in ex["indicators"]:
                self.stdout.write(f"    {line['code']}: {line['facts']} x {line['points_each']}"
                                  f"{' (cap ' + str(line['cap']) + ')' if line['cap'] else ''} = {line['deducted']}"
                                  f"  [{line['source']}]")
            if ex["limited_to"]:
                self.stdout.write(f"    class limited to {ex['limited_to']} by an indicator")
