"""Writing credit files: the facts a regulator records (one by one, or a file of them at once),
their annulment, and the facts Certinel records from its own events (`automatic.py`). Each
write is one transaction with its history records, and the subjects' classes are recomputed in
it (`services_classes.py`).

* `fact_record`: a regulator of the subject's region records a fact with its decision;
* `fact_annul`: the decision a fact rests on was set aside (or the fact was recorded in error);
  its publication, if displayed, is withdrawn with it;
* `facts_import`: a CSV or XLSX file of facts, all or nothing: every bad row is reported with
  its row number, column and reason, and nothing is written unless every row is good (a dry
  run checks only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import translation
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import can, require
from certinel.certificates.io.cells import CellError, read_code, read_date, read_text
from certinel.certificates.io.errors import FileInfo, FileRejected, RowError
from certinel.certificates.io.readers import open_table
from certinel.core.actor import Actor
from certinel.core.bulk import create_objects
from certinel.core.errors import ErrorList, FieldError, NotFound, ValidationFailed
from certinel.core.history import change_record, record_change, record_changes, snapshot
from certinel.core.services import lock
from certinel.registry.models import CertificationBody, Lab, Organization, Person, PersonRole

from .choices import CreditSubjectKind, FactKind, FactStatus, Severity
from .models import CreditFact
from .services_classes import classes_recompute, subjects_of
from .services_repair import publication_withdraw
from .transitions import FACT

# Kinds Certinel records from its own events; a regulator does not record them by hand (they
# would count twice).
AUTOMATIC_KINDS = frozenset({FactKind.CERTIFICATE_SUSPENDED, FactKind.CERTIFICATE_REVOKED, FactKind.LATE_REPORTING,
                             FactKind.SERIOUS_VIOLATION_LISTED})
REGULATOR_SOURCE = "regulator"
MAX_IMPORT_BYTES = 20 * 1024 ** 2
MAX_IMPORT_ROWS = 50_000


@dataclass(frozen=True)
class FactSubject:
    kind: str
    obj: Organization | CertificationBody | Lab | Person
    region_code: str

    def fields(self) -> dict[str, Any]:
        return {"subject_kind": self.kind, self.kind: self.obj, "region_code": self.region_code}


def _subjects(identifiers: Iterable[str]) -> dict[str, FactSubject]:
    """The registered subjects these identifiers name: a unified social credit code (an
    organization, body or lab) or a practitioner's registration number (an auditor's or a
    signatory's). Unknown identifiers are missing from the answer."""
    wanted = sorted({(i or "").strip().upper() for i in identifiers} - {""})
    found: dict[str, FactSubject] = {}
    models = ((CreditSubjectKind.ORGANIZATION, Organization), (CreditSubjectKind.BODY, CertificationBody),
              (CreditSubjectKind.LAB, Lab))
    for start in range(0, len(wanted), 900):
        chunk = wanted[start:start + 900]
        for kind, model in models:
            for obj in model.objects.filter(uscc__in=chunk):
                found.setdefault(obj.uscc, FactSubject(kind, obj, obj.region_code))
        left = [c for c in chunk if c not in found]
        if left:
            roles = (PersonRole.objects.filter(registration_no__in=left).exclude(registration_no="")
                     .select_related("person", "body", "lab", "organization"))
            for role in roles:
                found.setdefault(role.registration_no.upper(),
                                 FactSubject(CreditSubjectKind.PERSON, role.person, role.region_code))
    return found


def fact_subject(identifier: str) -> FactSubject:
    """The subject a credit code or a practitioner's registration number names."""
    code = (identifier or "").strip().upper()
    found = _subjects([code]).get(code)
    if found is None:
        raise NotFound(_("No organization, certification body, lab or practitioner with the code or registration "
                         "number %(code)s is registered.") % {"code": code or "—"}, field="subject")
    return found


@dataclass
class _Values:
    kind: str
    severity: str
    occurred_on: dt.date | None
    decision_no: str
    authority: str
    description: str


def _check(values: _Values, errors: ErrorList, *, row: int | None = None, today: dt.date) -> None:
    """The rules every fact a regulator records must meet (form, API and import alike)."""
    if values.kind not in FactKind.values:
        errors.add("kind", _("Unknown kind of fact %(value)s.") % {"value": values.kind or "—"}, "invalid", row)
    elif values.kind in AUTOMATIC_KINDS:
        errors.add("kind", _("Facts of this kind are recorded by Certinel from its own events."), "automatic", row)
    if values.severity not in Severity.values:
        errors.add("severity", _("Severity must be minor, general or serious."), "invalid", row)
    if values.occurred_on is None:
        errors.add("occurred_on", _("This field is required."), "required", row)
    elif values.occurred_on > today:
        errors.add("occurred_on", _("The date of a fact cannot be in the future."), "future", row)
    for name in ("decision_no", "authority"):
        if not getattr(values, name):
            errors.add(name, _("This field is required."), "required", row)


def _fact(subject: FactSubject, values: _Values, actor: Actor) -> CreditFact:
    assert values.occurred_on is not None  # required by `_check`, which every caller runs first
    return CreditFact(**subject.fields(), kind=values.kind, severity=values.severity,
                      occurred_on=values.occurred_on, source=REGULATOR_SOURCE, decision_no=values.decision_no,
                      authority=values.authority, description=values.description, recorded_by=actor.label[:150])


def _recorded_keys(pairs: list[tuple[FactSubject, _Values]]) -> set[tuple[str, int, str, str]]:
    """(subject kind, subject id, fact kind, decision number) of the facts in force among these."""
    found: set[tuple[str, int, str, str]] = set()
    by_kind: dict[str, set[int]] = {}
    for subject, _values in pairs:
        by_kind.setdefault(subject.kind, set()).add(subject.obj.pk)
    for kind, ids in by_kind.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 900):
            rows = (CreditFact.objects.filter(subject_kind=kind, status=FactStatus.RECORDED,
                                              **{f"{kind}_id__in": ordered[start:start + 900]})
                    .values_list(f"{kind}_id", "kind", "decision_no"))
            found.update((kind, sid, fk, no) for sid, fk, no in rows)
    return found


def _duplicate() -> str:
    return _("A fact of this kind on this decision is already in the subject's credit file.")


def fact_record(*, actor: Actor, subject: str, kind: str, severity: str, occurred_on: dt.date | None,
                decision_no: str, authority: str, description: str = "") -> CreditFact:
    """Record a fact in a subject's credit file (a regulator of the subject's region)."""
    values = _Values(kind, severity, occurred_on, (decision_no or "").strip(), (authority or "").strip(),
                     (description or "").strip())
    errors = ErrorList()
    _check(values, errors, today=today_())
    errors.raise_if_any()
    found = fact_subject(subject)
    require(actor, "decide", "credit", region_code=found.region_code)
    with transaction.atomic():
        if (found.kind, found.obj.pk, values.kind, values.decision_no) in _recorded_keys([(found, values)]):
            raise ValidationFailed(FieldError("decision_no", _duplicate(), "duplicate"))
        fact = _fact(found, values, actor)
        fact.save()
        record_change(actor=actor, action="credit_fact_recorded", obj=fact, before=None, after=snapshot(fact))
        classes_recompute(subjects=subjects_of([fact]))
    return fact


def fact_annul(*, actor: Actor, fact: CreditFact, reason: str) -> CreditFact:
    """Annul a fact: the decision it rests on was set aside, or it was recorded in error. It
    no longer counts; the subject's class is recomputed."""
    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    with transaction.atomic():
        fact = lock(CreditFact, fact.pk)
        require(actor, "decide", "credit", fact)
        return _annul(actor, fact, reason.strip())


def _annul(actor: Actor, fact: CreditFact, reason: str) -> CreditFact:
    before = snapshot(fact)
    fact.status = FACT.target("annul", fact.status)
    fact.save()
    record_change(actor=actor, action="credit_fact_annulled", obj=fact, before=before, after=snapshot(fact),
                  reason=reason)
    publication_withdraw(actor=actor, fact=fact, reason=reason)  # no longer published either
    classes_recompute(subjects=subjects_of([fact]))
    return fact


# --- import --------------------------------------------------------------------------------------

# The columns of a file of facts: each field, and the headers it may have (Chinese or English).
COLUMNS: dict[str, tuple[str, ...]] = {
    "subject": ("主体代码", "统一社会信用代码或注册号", "subject"),
    "kind": ("事项类别", "kind"),
    "severity": ("严重程度", "severity"),
    "occurred_on": ("发生日期", "occurred_on"),
    "decision_no": ("决定书文号", "decision_no"),
    "authority": ("作出决定的机关", "authority"),
    "description": ("说明", "description"),
}
REQUIRED_COLUMNS = ("subject", "kind", "severity", "occurred_on", "decision_no", "authority")


def _names(choices: Any) -> dict[str, str]:
    """A choice's code and its words in both languages, each naming the code."""
    out = {}
    for value, label in choices.choices:
        out[value] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                out[str(label).strip().lower()] = value
    return out


@dataclass
class FactImportResult:
    file: FileInfo
    dry_run: bool
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file.as_dict(), "dry_run": self.dry_run, "rows": self.rows, "created": self.created,
                "errors": [e.as_dict() for e in self.errors]}


def _header(table: Any) -> dict[str, int]:
    known = {h.lower(): name for name, headers in COLUMNS.items() for h in headers}
    positions: dict[str, int] = {}
    problems: list[RowError] = []
    for position, cell in enumerate(table.header):
        text = read_text(cell).strip()
        name = known.get(text.lower())
        if not text:
            continue
        if name is None:
            problems.append(RowError(table.header_row, text, "", "unknown_column",
                                     _("Unknown column %(name)s.") % {"name": text}))
        elif name in positions:
            problems.append(RowError(table.header_row, text, name, "duplicate_column",
                                     _("The column %(name)s appears twice.") % {"name": text}))
        else:
            positions[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            problems.append(RowError(table.header_row, COLUMNS[name][0], name, "missing_column",
                                     _("The column %(name)s is missing.") % {"name": COLUMNS[name][0]}))
    if problems:
        raise FileRejected("bad_header", _("The header row is not that of a file of credit facts."), problems)
    return positions


def facts_import(*, actor: Actor, source: str | Path | IO[bytes], name: str = "",
                 dry_run: bool = False) -> FactImportResult:
    """Import a file of facts: every row checked (subject registered and in the actor's region,
    kind, severity, date, decision), every bad row reported, and nothing written unless all are
    good. Raises FileRejected when the file cannot be read at all."""
    kinds, severities = _names(FactKind), _names(Severity)
    today = today_()
    with open_table(source, name=name, max_bytes=MAX_IMPORT_BYTES) as table:
        result = FactImportResult(file=table.info, dry_run=dry_run)
        positions = _header(table)
        parsed: list[tuple[int, str, _Values]] = []
        for number, cells in table.rows():
            result.rows += 1
            if result.rows > MAX_IMPORT_ROWS:
                raise FileRejected("too_many_rows", _("A file may hold at most %(n)d facts.") % {"n": MAX_IMPORT_ROWS})
            cell = {key: (cells[pos] if pos < len(cells) else None) for key, pos in positions.items()}
            errors = ErrorList()
            try:
                occurred = read_date(cell.get("occurred_on"))
            except CellError as exc:
                occurred = None
                errors.add("occurred_on", exc.message, exc.code, number)
            try:
                subject = read_code(cell.get("subject")).upper()
            except CellError as exc:
                subject = ""
                errors.add("subject", exc.message, exc.code, number)
            raw_kind = read_text(cell.get("kind")).strip()
            raw_severity = read_text(cell.get("severity")).strip()
            values = _Values(kinds.get(raw_kind.lower(), raw_kind), severities.get(raw_severity.lower(), raw_severity),
                             occurred, read_text(cell.get("decision_no")).strip(),
                             read_text(cell.get("authority")).strip(), read_text(cell.get("description")).strip())
            bad_date = bool(errors.errors) and errors.errors[0].field == "occurred_on"
            _check(values, errors, row=number, today=today)
            if bad_date:  # the cell's own error says more than "required"
                errors.errors = [e for e in errors.errors if (e.field, e.code) != ("occurred_on", "required")]
            if not subject and not any(e.field == "subject" for e in errors.errors):
                errors.add("subject", _("This field is required."), "required", number)
            for e in errors.errors:
                result.errors.append(RowError(number, _column(e.field), e.field, e.code, e.message))
            parsed.append((number, subject, values))
        if not parsed and not result.errors:
            raise FileRejected("no_rows", _("The file holds no facts."))
    subjects = _subjects(s for _n, s, _v in parsed if s)
    good: list[tuple[int, FactSubject, _Values]] = []
    for number, code, values in parsed:
        found = subjects.get(code)
        if code and found is None:
            result.errors.append(RowError(number, _column("subject"), "subject", "not_found", _(
                "No organization, certification body, lab or practitioner with the code or registration number "
                "%(code)s is registered.") % {"code": code}))
        elif found is not None and not can(actor.user, "decide", "credit", region_code=found.region_code):
            result.errors.append(RowError(number, _column("subject"), "subject", "not_permitted", _(
                "You may not record facts for %(code)s: it is outside your jurisdiction.") % {"code": code}))
        elif found is not None:
            good.append((number, found, values))
    _duplicates(good, result)
    result.errors.sort(key=lambda e: (e.row or 0, list(COLUMNS).index(e.field) if e.field in COLUMNS else 99))
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        if _duplicates(good, result):  # written by someone else since the check
            return result
        facts = [_fact(subject, values, actor) for _n, subject, values in good]
        create_objects(facts)
        record_changes([change_record(actor=actor, action="credit_fact_recorded", obj=fact, before=None,
                                      after=snapshot(fact)) for fact in facts])
        classes_recompute(subjects=subjects_of(facts))
    result.created = len(facts)
    return result


def _column(field_name: str) -> str:
    return COLUMNS[field_name][0] if field_name in COLUMNS else field_name


def _duplicates(good: list[tuple[int, FactSubject, _Values]], result: FactImportResult) -> bool:
    """Report rows that repeat a fact already recorded, or another row of the file."""
    recorded = _recorded_keys([(s, v) for _n, s, v in good])
    seen: dict[tuple[str, int, str, str], int] = {}
    found = False
    for number, subject, values in good:
        key = (subject.kind, subject.obj.pk, values.kind, values.decision_no)
        if key in recorded:
            result.errors.append(RowError(number, _column("decision_no"), "decision_no", "duplicate", _duplicate()))
            found = True
        elif key in seen:
            result.errors.append(RowError(number, _column("decision_no"), "decision_no", "duplicate_row", _(
                "Row %(row)d already records this fact.") % {"row": seen[key]}))
            found = True
        else:
            seen[key] = number
    return found
