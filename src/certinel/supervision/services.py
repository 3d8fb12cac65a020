"""Random inspection plans and their draws (双随机、一公开), each step in one transaction with its
history record and log leaf:

* `plan_create` / `plan_update`: a regulator builds a draft: items, kind of subject, ratios per
  credit class within the rules, the inspection period, and the public random source named in
  advance (what it is, and from when its value exists);
* `plan_publish`: the directory of subjects is frozen (stratified by credit class), with the
  inspector directory, the counts and the rules; its canonical JSON and hash are published. From
  here on the plan cannot change;
* `plan_enter_source`: once the source's value exists, it is entered (never before);
* `plan_draw`: the draw runs from the published inputs alone (`supervision.draw`): subjects per
  stratum, then inspectors per subject with conflicts excluded; its result is published with
  its hash and each drawn subject becomes an inspection;
* `plan_cancel`, `plan_close`.

The inputs and the result are stored as the canonical JSON text `supervision.draw.dumps` writes
(sorted keys, no spaces), so anyone re-running the draw from the published inputs gets the same
bytes, and so the same hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.errors import ErrorList, FieldError, NotFound, ValidationFailed
from certinel.core.history import change_record, record_change, record_changes, snapshot
from certinel.core.regions import within_region
from certinel.core.services import lock
from certinel.core.workdays import add_working_days
from certinel.credit.models import CreditClass
from certinel.registry.models import CertificationBody, Lab, Organization

from . import draw
from . import policy as rules
from .choices import PlanStatus, Profile, SubjectKind
from .models import Inspection, Inspector, Plan, PlanDirectory
from .transitions import PLAN

SUBJECT_MODELS: dict[str, Any] = {
    SubjectKind.ORGANIZATION: (Organization, {"status": "active"}),
    SubjectKind.BODY: (CertificationBody, {"status": "approved"}),
    SubjectKind.LAB: (Lab, {"status": "valid"}),
}
PLAN_FIELDS = ("number", "title", "region_code", "authority", "subject_kind", "items", "ratios", "starts_on",
               "ends_on", "source_description", "source_available_after", "profile")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_plan(data: dict[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    """The plan's fields, checked against the rules in force: every problem at once."""
    errors = ErrorList()
    clean: dict[str, Any] = {}
    for name in ("number", "title", "region_code", "authority", "source_description"):
        value = str(data.get(name) or "").strip()
        if not value:
            errors.add(name, _("This field is required."), "required")
        clean[name] = value
    kind = data.get("subject_kind")
    if kind not in SubjectKind.values:
        errors.add("subject_kind", _("Choose the kind of subject: %(kinds)s.")
                   % {"kinds": ", ".join(SubjectKind.values)}, "invalid")
    clean["subject_kind"] = kind
    profile = data.get("profile") or Profile.SHA256
    if profile not in Profile.values:
        errors.add("profile", _("Unknown draw profile %(p)s: use sha256 or rfc3797.") % {"p": profile}, "invalid")
    clean["profile"] = profile
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if not isinstance(starts, dt.date):
        errors.add("starts_on", _("Give the first day of the inspections."), "required")
    if not isinstance(ends, dt.date):
        errors.add("ends_on", _("Give the last day of the inspections."), "required")
    elif isinstance(starts, dt.date) and ends < starts:
        errors.add("ends_on", _("The inspections cannot end before they start."), "invalid")
    clean["starts_on"], clean["ends_on"] = starts, ends
    after = data.get("source_available_after")
    if not isinstance(after, dt.datetime):
        errors.add(
            "source_available_after",
            _("Say from when the random value will exist (a future drand round's time, a lottery's drawing time)."),
            "required",
        )
    elif after <= now:
        errors.add(
            "source_available_after",
            _("The random source must be named before its value exists: choose a future round or drawing."),
            "not_future",
        )
    clean["source_available_after"] = after
    codes = [str(c).strip() for c in (data.get("items") or []) if str(c).strip()]
    on = timezone.localdate(now)
    known = {i.code: i for i in rules.items(subject_kind=kind, on=on, region_code=clean["region_code"])}
    if not codes:
        errors.add("items", _("Choose at least one inspection item."), "required")
    for code in codes:
        if code not in known:
            errors.add("items", _("%(code)s is not an inspection item for this kind of subject.") % {"code": code},
                       "unknown_item")
    clean["items"] = sorted(set(codes))
    # Key items are uncapped: a plan with any key item is drawn by the key items' ratios.
    item_class = "key" if any(known.get(c) and known[c].item_class == "key" for c in codes) else "general"
    clean["item_class"] = item_class
    ratios: dict[str, str] = {}
    given = data.get("ratios") or {}
    for credit_class in rules.CREDIT_CLASSES:
        try:
            rule = rules.ratio(item_class=item_class, credit_class=credit_class, on=on,
                               region_code=clean["region_code"])
        except rules.PolicyError as exc:
            errors.add("ratios", str(exc), "no_rule")
            continue
        raw = given.get(credit_class)
        try:
            percent = Decimal(str(raw)) if raw not in (None, "") else rule.min_percent
        except InvalidOperation:
            errors.add(f"ratios.{credit_class}", _("%(v)s is not a number.") % {"v": raw}, "invalid")
            continue
        if not rule.min_percent <= percent <= rule.max_percent:
            errors.add(f"ratios.{credit_class}", _(
                "The share for credit class %(c)s must lie between %(lo)s %% and %(hi)s %% (%(source)s).")
                % {"c": credit_class, "lo": rule.min_percent, "hi": rule.max_percent, "source": rule.source},
                "out_of_range",
            )
        ratios[credit_class] = format(percent.normalize(), "f")
        clean["rules"] = rule.label
    clean["ratios"] = ratios
    errors.raise_if_any()
    return clean


def plan_create(*, actor: Actor, data: dict[str, Any], now: dt.datetime | None = None) -> Plan:
    """A new draft plan (`now`, here and below: the moment of the decision, for the demo's
    history and tests; the clock otherwise)."""
    clean = _check_plan(data, now=now or timezone.now())
    require(actor, "decide", "supervision", region_code=clean["region_code"])
    with transaction.atomic():
        if Plan.objects.filter(number=clean["number"]).exists():
            raise ValidationFailed(FieldError("number", _("A plan numbered %(n)s exists already.")
                                              % {"n": clean["number"]}, "duplicate"))
        plan = Plan(created_by=actor.label[:150], **clean)
        plan.save()
        record_change(actor=actor, action="supervision_plan_created", obj=plan, before=None, after=snapshot(plan))
    return plan


def plan_update(*, actor: Actor, plan: Plan, data: dict[str, Any], now: dt.datetime | None = None) -> Plan:
    """Change a draft; a published plan never changes."""
    with transaction.atomic():
        plan = lock(Plan, plan.pk)
        require(actor, "decide", "supervision", plan)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationFailed(
                FieldError(
                    "status",
                    _(
                        "Plan %(n)s was published on %(day)s; a published plan cannot change "
                        "(cancel it and publish a new one)."
                    )
                    % {
                        "n": plan.number,
                        "day": timezone.localtime(plan.published_at).date() if plan.published_at else "—",
                    },
                    "published",
                )
            )
        merged = {name: getattr(plan, name) for name in PLAN_FIELDS} | data
        clean = _check_plan(merged, now=now or timezone.now())
        require(actor, "decide", "supervision", region_code=clean["region_code"])
        before = snapshot(plan)
        for name, value in clean.items():
            setattr(plan, name, value)
        plan.save()
        record_change(actor=actor, action="supervision_plan_changed", obj=plan, before=before, after=snapshot(plan))
    return plan


def _directory_query(plan: Plan) -> Any:
    model, active = SUBJECT_MODELS[plan.subject_kind]
    return model.objects.filter(within_region(plan.region_code), **active)


def _credit_classes(plan: Plan) -> dict[int, str]:
    """The stored class of each subject of the plan's directory (a subquery, not a list of ids:
    a directory may hold a million subjects)."""
    kind = plan.subject_kind
    rows = (CreditClass.objects.filter(**{f"{kind}__in": _directory_query(plan).values("pk")})
            .values_list(f"{kind}_id", "grade"))
    return dict(rows.iterator(chunk_size=5000))


def _pools(plan: Plan) -> dict[str, list[tuple[str, str]]]:
    """The directory of subjects of the plan's kind in its region, stratified by credit class,
    each stratum in credit-code order: (credit code, region) pairs."""
    rows = list(_directory_query(plan).order_by("uscc").values_list("pk", "uscc", "region_code"))
    classes = _credit_classes(plan) if rows else {}
    pools: dict[str, list[tuple[str, str]]] = {c: [] for c in rules.CREDIT_CLASSES}
    for pk, uscc, region in rows:
        pools[classes.get(pk, "-")].append((uscc, region))
    return pools


def _inspector_directory(plan: Plan) -> tuple[list[dict[str, str]], dict[str, set[str]]]:
    """The active inspectors of the plan's region in code order (codes and regions only: no
    names), and the credit codes each declared a conflict with."""
    directory, conflicts = [], {}
    for inspector in Inspector.objects.filter(within_region(plan.region_code), active=True).order_by("code"):
        directory.append({"id": inspector.code, "region": inspector.region_code})
        conflicts[inspector.code] = {str(c).strip().upper() for c in inspector.conflicts or []}
    return directory, conflicts


def _last_inspectors(usccs: set[str], before_plan: Plan) -> dict[str, list[str]]:
    """The inspectors of each subject's latest earlier inspection (read by the plan's region,
    not by a list of a million codes)."""
    last: dict[str, list[str]] = {}
    rows = (Inspection.objects.filter(within_region(before_plan.region_code), subject_kind=before_plan.subject_kind)
            .exclude(plan=before_plan).order_by("uscc", "-plan__starts_on", "-id").values_list("uscc", "inspectors"))
    for uscc, inspectors in rows.iterator(chunk_size=5000):
        if uscc in usccs:
            last.setdefault(uscc, list(inspectors or []))
    return last


def commitment(key: str, uscc: str) -> str:
    """A subject's entry in a published pool: HMAC-SHA-256 of its credit code under the plan's
    key, 128 bits in hex. Without the key nobody can tell which subject an entry is."""
    return hmac.new(bytes.fromhex(key), uscc.encode(), hashlib.sha256).hexdigest()[:32]


def build_inputs(plan: Plan, *, key: str, on: dt.date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The published inputs of the plan's draw, in the format `certinel draw replay --published`
    reads (docs/draws.md), with no source yet (its value is entered when it exists), and the
    map from each pool entry back to its subject (kept private).

    A stratum is a credit class, which is never public (SAMR 2022 No. 6): each pool lists its
    subjects as commitments (`commitment`), in the order of the commitments, so that anyone
    can replay the draw and nobody can read a subject's class from the inputs. Inspectors are
    named by directory code; nothing personal."""
    proc = rules.procedure(on=on or today_(), region_code=plan.region_code)
    pools = _pools(plan)
    members: dict[str, str] = {}
    regions: dict[str, str] = {}
    strata = []
    for credit_class in rules.CREDIT_CLASSES:
        pool = []
        for uscc, region in pools[credit_class]:
            entry = commitment(key, uscc)
            members[entry], regions[entry] = uscc, region
            pool.append(entry)
        pool.sort()
        percent = Decimal(plan.ratios.get(credit_class, "0"))
        count = min(len(pool), math.ceil(len(pool) * percent / 100))
        strata.append({"label": credit_class, "count": count, "pool": pool})
    directory, declared = _inspector_directory(plan)
    last = _last_inspectors(set(members.values()), plan) if proc.exclude_last_inspector else {}
    subjects: dict[str, dict[str, Any]] = {}
    for entry in sorted(members):
        uscc = members[entry]
        codes = {code for code, usccs in declared.items() if uscc in usccs} | set(last.get(uscc, []))
        attributes: dict[str, Any] = {}
        if proc.region_rule != "any":
            attributes["region"] = regions[entry]
        if codes:
            attributes["excluded"] = sorted(codes)
        if attributes:
            subjects[entry] = attributes
    return {
        "version": draw.FORMAT_VERSION,
        "plan": plan.number,
        "profile": plan.profile,
        "sources": [],
        "strata": strata,
        "inspectors": {"per_subject": proc.inspectors_per_subject, "region_rule": proc.region_rule,
                       "directory": directory, "subjects": subjects},
    }, members


def plan_publish(*, actor: Actor, plan: Plan, now: dt.datetime | None = None) -> Plan:
    """Freeze the directories and publish the plan with the hash of its draw's inputs."""
    with transaction.atomic():
        plan = lock(Plan, plan.pk)
        require(actor, "decide", "supervision", plan)
        status = PLAN.target("publish", plan.status)
        now = now or timezone.now()
        if plan.source_available_after <= now:
            raise ValidationFailed(
                FieldError(
                    "source_available_after",
                    _(
                        "The random source's value exists already (from %(when)s): "
                        "name a future round or drawing before publishing."
                    )
                    % {"when": timezone.localtime(plan.source_available_after).strftime("%Y-%m-%d %H:%M")},
                    "not_future",
                )
            )
        key = secrets.token_hex(32)
        inputs, members = build_inputs(plan, key=key, on=timezone.localdate(now))
        total = sum(len(s["pool"]) for s in inputs["strata"])
        if total == 0:
            raise ValidationFailed(FieldError("region_code", _(
                "The directory is empty: no %(kind)s is registered in region %(region)s.")
                % {"kind": SubjectKind(plan.subject_kind).label, "region": plan.region_code}, "empty_directory"))
        text = draw.dumps(inputs).encode()
        before = snapshot(plan)
        plan.status = status
        plan.published_at = now
        plan.directory_hash = _sha256(text)
        plan.strata = [{"label": s["label"], "percent": plan.ratios.get(s["label"], "0"),
                        "pool_size": len(s["pool"]), "count": s["count"]} for s in inputs["strata"]]
        plan.save()
        directory = PlanDirectory.objects.create(plan=plan, inputs=text.decode(), key=key, members=members)
        record_changes([
            change_record(actor=actor, action="supervision_plan_published", obj=plan, before=before,
                       after=snapshot(plan)),
            change_record(actor=actor, action="supervision_directory_frozen", obj=directory, before=None,
                       after={"plan": plan.number, "inputs_sha256": plan.directory_hash},
                       region_code=plan.region_code),
        ])
    return plan


def plan_enter_source(*, actor: Actor, plan: Plan, values: list[str], now: dt.datetime | None = None) -> Plan:
    """Enter the public random value, once it exists (`now`: the moment of entry, for the
    scheduled draws and tests; the clock otherwise)."""
    values = [" ".join(str(v).split()) for v in values if str(v).strip()]
    if not values:
        raise ValidationFailed(FieldError("source_values", _("Enter the random value as published by its source."),
                                          "required"))
    with transaction.atomic():
        plan = lock(Plan, plan.pk)
        require(actor, "decide", "supervision", plan)
        PLAN.target("enter_source", plan.status)
        if (now or timezone.now()) < plan.source_available_after:
            raise ValidationFailed(FieldError("source_values", _(
                "The random value of %(source)s does not exist before %(when)s; it cannot be entered yet.")
                % {"source": plan.source_description,
                   "when": timezone.localtime(plan.source_available_after).strftime("%Y-%m-%d %H:%M")}, "too_early"))
        if plan.source_values:
            raise ValidationFailed(FieldError("source_values", _(
                "The random value was entered already (%(v)s); it cannot change.")
                % {"v": " / ".join(plan.source_values)},
                "entered"))
        try:
            draw.canonical_key(values)
        except draw.DrawInputError as exc:
            raise ValidationFailed(FieldError("source_values", str(exc), "invalid")) from None
        before = snapshot(plan)
        plan.source_values = values
        plan.save()
        record_change(actor=actor, action="supervision_source_entered", obj=plan, before=before, after=snapshot(plan))
    return plan


def published_inputs(plan: Plan) -> dict[str, Any]:
    """The plan's published inputs with the random value once entered: what anyone replays."""
    inputs = json.loads(plan.directory.inputs)
    inputs["sources"] = list(plan.source_values)
    return inputs


def plan_draw(*, actor: Actor, plan: Plan, now: dt.datetime | None = None) -> Plan:
    """Draw the subjects and their inspectors; each drawn subject becomes an inspection."""
    with transaction.atomic():
        plan = lock(Plan, plan.pk)
        require(actor, "decide", "supervision", plan)
        if plan.status == PlanStatus.PUBLISHED and not plan.source_values:
            raise ValidationFailed(
                FieldError(
                    "source_values",
                    _(
                        "The random value of %(source)s is not known yet (it exists from %(when)s); "
                        "the draw cannot run before it is entered."
                    )
                    % {
                        "source": plan.source_description,
                        "when": timezone.localtime(plan.source_available_after).strftime("%Y-%m-%d %H:%M"),
                    },
                    "no_random_value",
                )
            )
        status = PLAN.target("draw", plan.status)
        inputs = published_inputs(plan)
        try:
            result = draw.replay(inputs)
        except draw.TooFewInspectors as exc:
            uscc = plan.directory.members.get(exc.subject, exc.subject)
            raise ValidationFailed(FieldError("inspectors", _(
                "Only %(eligible)s inspectors of the directory may inspect %(uscc)s (the others have a conflict, "
                "inspected it last time, or are of the wrong region); the draw needs %(needed)s. Add inspectors to "
                "the directory or cancel the plan.") % {"eligible": exc.eligible, "uscc": uscc, "needed": exc.needed},
                "too_few_inspectors")) from None
        except draw.DrawInputError as exc:
            raise ValidationFailed(FieldError("inspectors", str(exc), "cannot_draw")) from None
        text = draw.dumps(result).encode()
        now = now or timezone.now()
        proc = rules.procedure(on=timezone.localdate(now), region_code=plan.region_code)
        due = add_working_days(plan.ends_on, proc.publish_within_working_days)
        model, _active = SUBJECT_MODELS[plan.subject_kind]
        members = plan.directory.members
        positions = {entry: position for stratum in result["strata"]
                     for entry, position in zip(stratum["selected"], stratum["positions"], strict=True)}
        wanted = [members[e] for e in positions]
        subjects = {o.uscc: o for start in range(0, len(wanted), 900)
                    for o in model.objects.filter(uscc__in=wanted[start:start + 900])}
        # Listed in credit-code order: the order of the draw (stratum by stratum) would tell
        # each subject's stratum.
        chosen = sorted(result["inspectors"], key=lambda row: members[row["subject"]])
        before = snapshot(plan)
        plan.status = status
        plan.drawn_at = now
        plan.result_hash = _sha256(text)
        plan.save()
        directory = plan.directory
        directory.result = text.decode()
        directory.save(update_fields=["result"])
        records = [change_record(actor=actor, action="supervision_plan_drawn", obj=plan, before=before,
                              after=snapshot(plan))]
        for order, row in enumerate(chosen, start=1):
            subject = subjects[members[row["subject"]]]
            inspection = Inspection(plan=plan, stratum=row["stratum"], position=positions[row["subject"]],
                                    drawn_order=order, subject_kind=plan.subject_kind, uscc=subject.uscc,
                                    subject_name=subject.name, region_code=subject.region_code,
                                    inspectors=list(row["inspectors"]), publish_due=due)
            setattr(inspection, plan.subject_kind, subject)
            inspection.save()
            records.append(change_record(actor=actor, action="supervision_inspection_assigned", obj=inspection,
                                      before=None, after=snapshot(inspection)))
        record_changes(records)
    return plan


def plan_cancel(*, actor: Actor, plan: Plan, reason: str) -> Plan:
    if not (reason or "").strip():
        raise ValidationFailed(FieldError("reason", _("A reason is required for this decision."), "required"))
    with transaction.atomic():
        plan = lock(Plan, plan.pk)
        require(actor, "decide", "supervision", plan)
        before = snapshot(plan)
        plan.status = PLAN.target("cancel", plan.status)
        plan.save()
        record_change(actor=actor, action="supervision_plan_cancelled", obj=plan, before=before,
                      after=snapshot(plan), reason=reason.strip())
    return plan


def plan_close(*, actor: Actor, plan: Plan) -> Plan:
    """Close a drawn plan once every result is published."""
    with transaction.atomic():
        plan = lock(Plan, plan.pk)
        require(actor, "decide", "supervision", plan)
        status = PLAN.target("close", plan.status)
        pending = plan.inspections.exclude(status="published").count()
        if pending:
            raise ValidationFailed(FieldError("status", _(
                "%(n)s inspections of this plan are not published yet; the plan closes when every result is.")
                % {"n": pending}, "pending"))
        before = snapshot(plan)
        plan.status = status
        plan.save()
        record_change(actor=actor, action="supervision_plan_closed", obj=plan, before=before, after=snapshot(plan))
    return plan


def plan_by_number(number: str) -> Plan:
    plan = Plan.objects.filter(number=(number or "").strip()).first()
    if plan is None:
        raise NotFound(_("No inspection plan is numbered %(n)s.") % {"n": number or "—"}, field="plan")
    return plan
