"""Applications for qualification approval (资质认定): the applicant's form, its submission,
acceptance, and the decision with its CMA certificate, approved scope and post-check.

Who acts: the lab's own operator fills in, submits and withdraws its applications (permission
`lab`/`report`, the lab's own); a regulator of the lab's region accepts, decides and revokes
(`lab`/`decide`). Each change is one transaction with its history record (`record_change`).
The review (reviewers drawn at random, findings) is `services_review.py`; the time limits come
from `policy.procedure` and are counted in working days (`core.workdays`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.cases import evidence as evidence_files
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock
from certinel.core.workdays import add_working_days, working_days_between
from certinel.reference.models import LabField, Standard
from certinel.registry.choices import LabStatus
from certinel.registry.models import Lab, LabScopeItem
from certinel.registry.services import labs as lab_services
from certinel.transparency import jcs

from . import ecert, policy
from .choices import ApplicationKind, ApplicationStatus, CmaStatus, FindingStatus, Procedure
from .models_applications import Application, ApplicationItem, CmaCertificate, PostCheck
from .transitions import APPLICATION, POST_CHECK

# The parts of the form each kind of application must fill in (the form's shape, not policy).
REQUIRED_PARTS: dict[str, tuple[str, ...]] = {
    ApplicationKind.FIRST: ("legal_entity", "staff", "site", "equipment", "management_system", "items", "evidence"),
    ApplicationKind.RENEWAL: ("legal_entity", "staff", "site", "equipment", "management_system", "items",
                              "evidence"),
    ApplicationKind.CHANGE: ("legal_entity", "evidence"),
    ApplicationKind.EXTENSION: ("legal_entity", "staff", "equipment", "items", "evidence"),
}
FORM_PARTS = ("legal_entity", "staff", "site", "equipment", "management_system")
LEGAL_ENTITY_KEYS = ("name", "uscc", "legal_representative", "address")
STAFF_KEYS = ("name", "id_number", "phone", "title", "signatory", "fields")
SITE_KEYS = ("address", "area_m2")
EQUIPMENT_KEYS = ("name", "model", "serial", "calibrated_until")
SYSTEM_KEYS = ("manual_version", "effective_on")


def _history(app: Application) -> dict[str, Any]:
    return snapshot(app) | {"items": [i.as_dict() for i in app.items.select_related("field").order_by("id")]}


def _require_applicant(actor: Actor, lab: Lab) -> None:
    require(actor, "report", "lab", lab)


def _require_regulator(actor: Actor, app: Application) -> None:
    require(actor, "decide", "lab", app.lab)


def _next_number(on: dt.date, region_code: str) -> str:
    prefix = f"ZR{on.year}{region_code[:2]}-"
    last = Application.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:05d}"


def _check_kind(errors: ErrorList, kind: str, procedure: str, qualifications: list[str]) -> None:
    if kind not in ApplicationKind.values:
        errors.add("kind", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": kind, "choices": ", ".join(ApplicationKind.values)}, "invalid_choice")
    if procedure not in Procedure.values:
        errors.add("procedure", _("'%(value)s' must be one of: %(choices)s.")
                   % {"value": procedure, "choices": ", ".join(Procedure.values)}, "invalid_choice")
    known = policy.qualifications()
    if not qualifications or "CMA" not in qualifications:
        errors.add("qualifications", _("An application is for the CMA qualification, alone or jointly with others."),
                   "required")
    for code in qualifications:
        if code not in known:
            errors.add("qualifications", _("Unknown qualification %(code)s.") % {"code": code}, "unknown")
    if len(set(qualifications)) != len(qualifications):
        errors.add("qualifications", _("A qualification is listed twice."), "duplicate")


def application_create(*, actor: Actor, lab: Lab, kind: str, procedure: str = Procedure.GENERAL,
                       qualifications: list[str] | None = None) -> Application:
    """A new application in draft, by the lab's operator."""
    qualifications = list(qualifications or ["CMA"])
    errors = ErrorList()
    _check_kind(errors, kind, procedure, qualifications)
    errors.raise_if_any()
    _require_applicant(actor, lab)
    with transaction.atomic():
        lab = lock(Lab, lab.pk)
        app = Application(number=_next_number(localdate(), lab.region_code), lab=lab, region_code=lab.region_code,
                          kind=kind, procedure=procedure, qualifications=qualifications,
                          legal_entity={"name": lab.name, "uscc": lab.uscc, "address": lab.address})
        app.save()
        record_change(actor=actor, action="qualification_application_created", obj=app, before=None,
                      after=_history(app))
    return app


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _check_object(errors: ErrorList, name: str, value: Any, keys: tuple[str, ...], required: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        errors.add(name, _("Must be an object."), "invalid")
        return {}
    unknown = sorted(set(value) - set(keys))
    if unknown:
        errors.add(name, _("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)}, "unknown_field")
    out: dict[str, Any] = {}
    for key in keys:
        if key not in value:
            continue
        given = value[key]
        if key == "signatory" and isinstance(given, bool):
            out[key] = given
        elif key == "fields" and isinstance(given, list) and all(isinstance(f, str) for f in given):
            out[key] = [f.strip() for f in given if f.strip()]
        elif key == "signatory":
            errors.add(f"{name}.{key}", _("Must be true or false."), "invalid")
        elif key == "fields":
            errors.add(f"{name}.{key}", _("Must be a list of field codes."), "invalid")
        elif isinstance(given, dict | list | bool):
            errors.add(f"{name}.{key}", _("Must be text."), "invalid")
        else:
            out[key] = _text(given)
    for key in required:
        if not out.get(key):
            errors.add(f"{name}.{key}", _("This field is required."), "required")
    return out


def _check_list(errors: ErrorList, name: str, value: Any, keys: tuple[str, ...], required: tuple[str, ...]) -> list:
    if not isinstance(value, list):
        errors.add(name, _("Must be a list."), "invalid")
        return []
    return [_check_object(errors, f"{name}[{n}]", row, keys, required) for n, row in enumerate(value)]


def _check_items(errors: ErrorList, items: Any) -> list[ApplicationItem]:
    """The scope lines applied for; a standard must be one of the reference list's."""
    rows = _check_list(errors, "items", items, ("field", "object", "parameter", "standard", "clause"),
                       ("field", "object", "parameter", "standard"))
    fields = {f.code: f for f in LabField.objects.filter(code__in=[r.get("field", "") for r in rows])}
    known = set(Standard.objects.filter(code__in=[r.get("standard", "") for r in rows]).values_list("code", flat=True))
    out = []
    for n, row in enumerate(rows):
        field = fields.get(row.get("field", ""))
        if row.get("field") and field is None:
            errors.add(f"items[{n}].field", _("Unknown field of inspection and testing %(code)s.")
                       % {"code": row["field"]}, "unknown")
        if row.get("standard") and row["standard"] not in known:
            errors.add(f"items[{n}].standard", _("The standard %(code)s is not in the reference list of standards.")
                       % {"code": row["standard"]}, "unknown_standard")
        if field is not None:
            out.append(ApplicationItem(field=field, object_name=row["object"][:255], parameter=row["parameter"][:255],
                                       standard=row["standard"], clause=row.get("clause", "")[:64]))
    return out


def application_update(*, actor: Actor, application: Application, items: list[dict] | None = None,
                       **parts: Any) -> Application:
    """Fill in parts of the form (only in draft): legal_entity, staff, site, equipment,
    management_system, and the scope items (replacing those given before)."""
    unknown = sorted(set(parts) - set(FORM_PARTS))
    if unknown:
        raise ValidationFailed([FieldError(n, _("This field cannot be changed here."), "not_editable")
                                for n in unknown])
    errors = ErrorList()
    checked: dict[str, Any] = {}
    if "legal_entity" in parts:
        checked["legal_entity"] = _check_object(errors, "legal_entity", parts["legal_entity"], LEGAL_ENTITY_KEYS,
                                                ("name", "uscc", "address"))
    if "staff" in parts:
        checked["staff"] = _check_list(errors, "staff", parts["staff"], STAFF_KEYS, ("name", "id_number", "title"))
    if "site" in parts:
        checked["site"] = _check_object(errors, "site", parts["site"], SITE_KEYS, ("address",))
    if "equipment" in parts:
        checked["equipment"] = _check_list(errors, "equipment", parts["equipment"], EQUIPMENT_KEYS, ("name",))
    if "management_system" in parts:
        checked["management_system"] = _check_object(errors, "management_system", parts["management_system"],
                                                     SYSTEM_KEYS, ("manual_version",))
    new_items = _check_items(errors, items) if items is not None else None
    errors.raise_if_any()
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_applicant(actor, app.lab)
        APPLICATION.target("change", app.status)
        before = _history(app)
        for name, value in checked.items():
            setattr(app, name, value)
        app.save()
        if new_items is not None:
            app.items.all().delete()
            for item in new_items:
                item.application = app
            ApplicationItem.objects.bulk_create(new_items)
        after = _history(app)
        if after != before:
            record_change(actor=actor, action="qualification_application_updated", obj=app, before=before, after=after)
    return app


def application_attach(*, actor: Actor, application: Application,
                       files: list[evidence_files.EvidenceFile]) -> Application:
    """Attach evidence files (checked and kept as complaints' evidence is, cases.evidence)."""
    evidence_files.check(files, required=True)
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_applicant(actor, app.lab)
        APPLICATION.target("change", app.status)
        before = _history(app)
        if len(app.evidence) + len(files) > evidence_files.max_files() * 4:
            raise ValidationFailed(FieldError("evidence", _("Too many evidence files."), "too_many"))
        app.evidence = app.evidence + evidence_files.store(files)
        app.save()
        record_change(actor=actor, action="qualification_application_updated", obj=app, before=before,
                      after=_history(app))
    return app


def application_sign_commitment(*, actor: Actor, application: Application, signer: str,
                                on: dt.date | None = None) -> Application:
    """The lab's legal representative signs the commitment (告知承诺书)."""
    if not (signer or "").strip():
        raise ValidationFailed(FieldError("commitment_signed_by", _("This field is required."), "required"))
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_applicant(actor, app.lab)
        APPLICATION.target("change", app.status)
        if app.procedure != Procedure.COMMITMENT:
            raise ValidationFailed(FieldError("procedure", _("Only an application under notification and "
                                                             "commitment has a commitment to sign."), "no_commitment"))
        before = _history(app)
        app.commitment_signed_by, app.commitment_signed_on = signer.strip()[:64], on or localdate()
        app.save()
        record_change(actor=actor, action="qualification_commitment_signed", obj=app, before=before,
                      after=_history(app))
    return app


def missing_parts(app: Application) -> list[FieldError]:
    """What the application lacks before it can be submitted, each naming its field."""
    errors: list[FieldError] = []
    for part in REQUIRED_PARTS.get(app.kind, ()):
        value = app.items.exists() if part == "items" else getattr(app, part)
        if not value:
            errors.append(FieldError(part, _("This part of the application is required for this kind of "
                                             "application."), "required"))
    if "staff" in REQUIRED_PARTS.get(app.kind, ()) and app.staff and not any(s.get("signatory") for s in app.staff):
        errors.append(FieldError("staff", _("Name at least one authorised signatory."), "no_signatory"))
    if app.procedure == Procedure.COMMITMENT:
        rule = policy.commitment_rule(app.kind)
        if rule is None or not rule.allowed:
            errors.append(FieldError("procedure", _("This kind of application may not use notification and "
                                                    "commitment."), "commitment_not_allowed"))
        else:
            excluded = sorted(set(app.items.values_list("field__code", flat=True)) & rule.excluded_fields)
            if excluded:
                errors.append(FieldError("procedure", _("Notification and commitment does not apply to the field(s) "
                                                        "%(codes)s.") % {"codes": ", ".join(excluded)},
                                         "commitment_not_allowed"))
        if not app.commitment_signed_on:
            errors.append(FieldError("commitment_signed_by", _("Sign the commitment before submitting."), "required"))
    return errors


def application_submit(*, actor: Actor, application: Application, on: dt.date | None = None) -> Application:
    """Submit a complete application; the acceptance is due within the working days of the
    procedure in force."""
    on = on or localdate()
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_applicant(actor, app.lab)
        APPLICATION.target("submit", app.status)
        errors = missing_parts(app)
        rule = policy.procedure(on=on, region_code=app.region_code)
        if app.kind == ApplicationKind.RENEWAL and on > add_months(app.lab.cma_valid_until, -rule.renew_before_months):
            errors.append(FieldError("kind", _("A renewal is applied for at least %(n)d months before the "
                                               "certificate expires (%(date)s); apply for a first approval instead.")
                                     % {"n": rule.renew_before_months, "date": app.lab.cma_valid_until},
                                     "renewal_too_late"))
        if errors:
            raise ValidationFailed(errors)
        before = _history(app)
        app.status = APPLICATION.target("submit", app.status)
        app.submitted_on, app.rule_edition = on, rule.edition
        app.accept_due = add_working_days(on, rule.accept_within)
        app.save()
        record_change(actor=actor, action="qualification_application_submitted", obj=app, before=before,
                      after=_history(app))
    return app


def application_withdraw(*, actor: Actor, application: Application, reason: str = "") -> Application:
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_applicant(actor, app.lab)
        before = _history(app)
        app.status = APPLICATION.target("withdraw", app.status)
        app.status_reason = (reason or "").strip()
        app.save()
        record_change(actor=actor, action="qualification_application_withdrawn", obj=app, before=before,
                      after=_history(app), reason=app.status_reason)
    return app


def application_accept(*, actor: Actor, application: Application, on: dt.date | None = None,
                       review_told_days: int | None = None) -> Application:
    """Accept the application. The decision is due within the working days of the procedure
    after acceptance; the technical review's time is not counted, and the time told to the
    applicant is recorded (the procedure's, unless the regulator tells another)."""
    on = on or localdate()
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_regulator(actor, app)
        before = _history(app)
        app.status = APPLICATION.target("accept", app.status)
        if app.submitted_on and on < app.submitted_on:
            raise ValidationFailed(FieldError("on", _("The date cannot be before the submission."), "date_order"))
        rule = policy.procedure(on=app.submitted_on or on, region_code=app.region_code)
        app.accepted_on = on
        if app.procedure == Procedure.GENERAL:
            told = rule.review_told if review_told_days is None else review_told_days
            if told < 1:
                raise ValidationFailed(FieldError("review_told_days", _("Must be at least 1."), "invalid"))
            app.review_told_days = told
            app.decide_due = add_working_days(on, rule.decide_within + told)  # provisional until the review ends
        else:
            app.decide_due = add_working_days(on, rule.decide_within)
        app.save()
        record_change(actor=actor, action="qualification_application_accepted", obj=app, before=before,
                      after=_history(app))
    return app


def _refusal(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    return reason.strip()


def application_reject(*, actor: Actor, application: Application, reason: str) -> Application:
    """Not accepted (不予受理), with the reason told to the applicant."""
    reason = _refusal(reason)
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_regulator(actor, app)
        before = _history(app)
        app.status = APPLICATION.target("reject", app.status)
        app.status_reason = reason
        app.save()
        record_change(actor=actor, action="qualification_application_rejected", obj=app, before=before,
                      after=_history(app), reason=reason)
    return app


def application_refuse(*, actor: Actor, application: Application, reason: str,
                       on: dt.date | None = None) -> Application:
    """Not approved (不予许可), with the reason."""
    reason = _refusal(reason)
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_regulator(actor, app)
        before = _history(app)
        app.status = APPLICATION.target("refuse", app.status)
        app.status_reason, app.decided_on = reason, on or localdate()
        app.save()
        record_change(actor=actor, action="qualification_application_refused", obj=app, before=before,
                      after=_history(app), reason=reason)
    return app


def review_time_not_counted(app: Application) -> int:
    """Working days of technical review, not counted in the decision's time limit."""
    if not app.review_started_on:
        return 0
    return working_days_between(app.review_started_on, app.review_closed_on or localdate())


def _check_decidable(app: Application) -> None:
    if app.status == ApplicationStatus.REVIEWING:
        raise ValidationFailed(FieldError("review", _("The technical review is not closed: close it before "
                                                      "deciding."), "review_open"))
    if app.findings.filter(status=FindingStatus.OPEN).exists():
        raise ValidationFailed(FieldError("findings", _("A finding of the review is still open."), "finding_open"))
    if (app.status == ApplicationStatus.ACCEPTED and app.procedure == Procedure.GENERAL):
        raise ValidationFailed(FieldError("review", _("Under the general procedure the decision follows the "
                                                      "technical review: draw the reviewers first."),
                                          "review_missing"))


def _grant_scope(actor: Actor, app: Application, lab: Lab, on: dt.date) -> list[int]:
    """The lab's dated scope lines: the application's items granted from `on`; for a first
    approval or a renewal (a whole new scope) the lines in force that it does not repeat are
    withdrawn on `on`. Lines already in force are kept as they are (the scope on any earlier
    date stays as it was)."""
    in_force = list(LabScopeItem.objects.filter(lab=lab, withdrawn_on__isnull=True).select_related("field"))
    have = {(s.field.code, s.item, s.standard): s for s in in_force}
    wanted = []
    for item in app.items.select_related("field").order_by("id"):
        key = (item.field.code, item.parameter, item.standard)
        if key not in wanted:
            wanted.append(key)
    granted = []
    for code, parameter, standard in wanted:
        if (code, parameter, standard) not in have:
            line = lab_services.lab_scope_item_add(actor=actor, lab=lab, kind="industry", field_code=code,
                                                   item=parameter, standard=standard, granted_on=on)
            granted.append(line.pk)
    if app.kind in (ApplicationKind.FIRST, ApplicationKind.RENEWAL):
        for key, line in have.items():
            if key not in wanted and line.granted_on <= on:
                lab_services.lab_scope_item_withdraw(actor=actor, item=line, reason=app.number, on=on)
    return granted


def _certificate_end(actor: Actor, cert: CmaCertificate, status: str, action: str, reason: str) -> None:
    """A valid CMA certificate superseded or revoked: its status, and its credential's
    revocation bit (both in the log)."""
    before = snapshot(cert)
    cert.status = status
    cert.save()
    record_change(actor=actor, action=action, obj=cert, before=before, after=snapshot(cert), reason=reason)
    ecert.revoke(actor=actor, cert=cert, reason=reason or action)


def application_approve(*, actor: Actor, application: Application, on: dt.date | None = None) -> Application:
    """Approve (准予许可): the lab's scope gains the items as dated lines, a CMA certificate is
    issued (valid the procedure's years for a first approval or a renewal; a change or an
    extension keeps the certificate's end), and an approval under notification and commitment
    gets its post-check."""
    on = on or localdate()
    with transaction.atomic():
        app = lock(Application, application.pk)
        _require_regulator(actor, app)
        _check_decidable(app)
        APPLICATION.target("approve", app.status)
        if app.accepted_on and on < app.accepted_on:
            raise ValidationFailed(FieldError("on", _("The date cannot be before the acceptance."), "date_order"))
        lab = lock(Lab, app.lab_id)
        if lab.status != LabStatus.VALID:
            raise ValidationFailed(FieldError("lab", _("Only a lab whose qualification is in force can be granted "
                                                       "scope."), "lab_not_valid"))
        rule = policy.procedure(on=app.submitted_on or on, region_code=app.region_code)
        before = _history(app)
        app.status = APPLICATION.target("approve", app.status)
        app.decided_on = on
        app.granted_scope = _grant_scope(actor, app, lab, on)
        if app.kind in (ApplicationKind.FIRST, ApplicationKind.RENEWAL):
            valid_until = add_months(on, 12 * rule.valid_years) - dt.timedelta(days=1)
            lab = lab_services.lab_update(actor=actor, lab=lab, reason=app.number, cma_issued_on=on,
                                          cma_valid_until=valid_until)
        else:
            valid_until = lab.cma_valid_until
        app.save()
        record_change(actor=actor, action="qualification_application_approved", obj=app, before=before,
                      after=_history(app))
        for old in CmaCertificate.objects.filter(lab=lab, status=CmaStatus.VALID).select_for_update(no_key=True):
            _certificate_end(actor, old, CmaStatus.SUPERSEDED, "qualification_certificate_superseded", app.number)
        credential_id, document = ecert.issue(actor=actor, app=app, lab=lab, issued_on=on, valid_until=valid_until,
                                              rule=rule)
        cert = CmaCertificate.objects.create(application=app, lab=lab, number=lab.cma_no, issued_on=on,
                                             valid_until=valid_until, document=document, credential_id=credential_id,
                                             sha256=hashlib.sha256(jcs.dumps(document)).hexdigest())
        record_change(actor=actor, action="qualification_certificate_issued", obj=cert, before=None,
                      after=snapshot(cert))
        if app.procedure == Procedure.COMMITMENT:
            check = PostCheck.objects.create(application=app, due_on=add_months(on, rule.post_check_months))
            record_change(actor=actor, action="qualification_post_check_due", obj=check, before=None,
                          after=snapshot(check))
    return app


def post_check_close(*, actor: Actor, check: PostCheck, note: str = "", on: dt.date | None = None) -> PostCheck:
    """The post-check found the commitment true."""
    with transaction.atomic():
        check = lock(PostCheck, check.pk)
        _require_regulator(actor, check.application)
        before = snapshot(check)
        check.status = POST_CHECK.target("close", check.status)
        check.checked_on, check.note = on or localdate(), (note or "").strip()
        check.save()
        record_change(actor=actor, action="qualification_post_check_passed", obj=check, before=before,
                      after=snapshot(check))
    return check


def post_check_false(*, actor: Actor, check: PostCheck, note: str, decision_no: str, authority: str,
                     on: dt.date | None = None) -> PostCheck:
    """The commitment was untrue: the approval is revoked (its scope lines withdrawn, its
    certificate revoked; a first approval revokes the lab's qualification) and a credit fact
    `commitment_broken` is recorded in the lab's file."""
    from certinel.credit.services_facts import fact_record

    on = on or localdate()
    errors = ErrorList()
    for name, value in (("note", note), ("decision_no", decision_no), ("authority", authority)):
        if not (value or "").strip():
            errors.add(name, _("This field is required."), "required")
    errors.raise_if_any()
    with transaction.atomic():
        check = lock(PostCheck, check.pk)
        app = lock(Application, check.application_id)
        _require_regulator(actor, app)
        before = snapshot(check)
        check.status = POST_CHECK.target("revoke", check.status)
        check.checked_on, check.note = on, note.strip()
        check.save()
        record_change(actor=actor, action="qualification_post_check_failed", obj=check, before=before,
                      after=snapshot(check))
        app_before = _history(app)
        app.status = APPLICATION.target("revoke", app.status)
        app.status_reason = note.strip()
        app.save()
        record_change(actor=actor, action="qualification_application_revoked", obj=app, before=app_before,
                      after=_history(app), reason=app.status_reason)
        for line in LabScopeItem.objects.filter(pk__in=app.granted_scope, withdrawn_on__isnull=True):
            lab_services.lab_scope_item_withdraw(actor=actor, item=line, reason=app.number, on=on)
        cert = CmaCertificate.objects.filter(application=app).first()
        if cert is not None and cert.status == CmaStatus.VALID:
            _certificate_end(actor, cert, CmaStatus.REVOKED, "qualification_certificate_revoked", app.status_reason)
        if app.kind == ApplicationKind.FIRST and app.lab.status == LabStatus.VALID:
            lab_services.lab_revoke(actor=actor, lab=app.lab, reason=app.status_reason, on=on)
        fact_record(actor=actor, subject=app.lab.uscc, kind="commitment_broken", severity="serious", occurred_on=on,
                    decision_no=decision_no.strip(), authority=authority.strip(),
                    description=f"{app.number}: {note.strip()}")
    return check


def overdue(app: Application, today: dt.date | None = None) -> bool:
    """Past its acceptance or decision limit and still waiting for the regulator (the review's
    own time is not the regulator's delay)."""
    today = today or localdate()
    if app.status == ApplicationStatus.SUBMITTED:
        return bool(app.accept_due and today > app.accept_due)
    if app.status in (ApplicationStatus.ACCEPTED, ApplicationStatus.REVIEWED):
        return bool(app.decide_due and today > app.decide_due)
    return False
