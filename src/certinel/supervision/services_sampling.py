"""Supervision sampling (监督抽查) of products, each step in one transaction with its history
record and log leaf:

* `sampling_task_create`: a national or provincial task: a product (and its CCC product
  category codes), a period, the authority;
* `batch_record`: one sampled batch of a producer, its sampling plan (ISO 2859-1 / GB/T 2828.1:
  code letter, sample size, Ac, Re from `supervision.sampling`), the registered lab that tested
  it, its report and the nonconforming units found. More than Ac fails the batch; a failed
  batch suspends the producer's valid CCC certificates for the task's product categories through
  the certificate services (for the scheme's longest suspension, reinstated by the body once the
  rectification is verified), whose history tells the watchers;
* `sampling_task_publish`: the task's results made public; its pass rate counts from then."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.certificates.models import Certificate
from certinel.certificates.services import certificate_act
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.errors import ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock
from certinel.registry.models import Lab, Organization

from . import sampling
from .choices import SampleResult, SamplingLevel
from .models import SampleBatch, SamplingTask
from .transitions import SAMPLING_TASK


def sampling_task_create(*, actor: Actor, number: str, title: str, level: str, region_code: str, authority: str,
                         product: str, period: str, product_codes: list[str] | None = None) -> SamplingTask:
    errors = ErrorList()
    values = {
        "number": number,
        "title": title,
        "region_code": region_code or "",
        "authority": authority,
        "product": product,
        "period": period,
    }
    for name, value in values.items():
        if name != "region_code" and not (value or "").strip():
            errors.add(name, _("This field is required."), "required")
    if level not in SamplingLevel.values:
        errors.add("level", _("Choose national or provincial."), "invalid")
    elif level == SamplingLevel.PROVINCIAL and len((region_code or "").strip()) < 2:
        errors.add("region_code", _("A provincial task names its province."), "invalid")
    errors.raise_if_any()
    require(actor, "decide", "sampling", region_code=region_code.strip())
    with transaction.atomic():
        if SamplingTask.objects.filter(number=number.strip()).exists():
            raise ValidationFailed(FieldError("number", _("A task numbered %(n)s exists already.")
                                              % {"n": number.strip()}, "duplicate"))
        task = SamplingTask.objects.create(level=level, product_codes=[c.strip() for c in product_codes or []
                                                                       if c.strip()],
                                           **{k: v.strip() for k, v in values.items()})
        record_change(actor=actor, action="sampling_task_created", obj=task, before=None, after=snapshot(task))
    return task


def _ccc_to_suspend(organization: Organization, codes: list[str]) -> list[Certificate]:
    """The producer's valid CCC certificates whose scope names one of the task's categories."""
    found = Certificate.objects.filter(holder=organization, scheme__code="CCC", status="valid").order_by("number")
    if not codes:
        return list(found)
    return [c for c in found if set(c.scope_codes or []) & set(codes)]


def batch_record(*, actor: Actor, task: SamplingTask, data: dict[str, Any]) -> SampleBatch:
    """Record a tested batch; a failed batch suspends the matching CCC certificates."""
    errors = ErrorList()
    for name in ("uscc", "product_name", "batch_no", "report_no", "lab", "aql"):
        if not str(data.get(name) or "").strip():
            errors.add(name, _("This field is required."), "required")
    organization = Organization.objects.filter(uscc=str(data.get("uscc") or "").strip().upper()).first()
    if data.get("uscc") and organization is None:
        errors.add("uscc", _("No organization with the credit code %(uscc)s is registered.") % {"uscc": data["uscc"]},
                   "unknown")
    lab = Lab.objects.filter(uscc=str(data.get("lab") or "").strip().upper()).first()
    if data.get("lab") and lab is None:
        errors.add("lab", _("No lab with the credit code %(uscc)s is registered.") % {"uscc": data["lab"]}, "unknown")
    elif lab is not None and lab.status != "valid":
        errors.add("lab", _("%(lab)s's qualification is not valid: its reports cannot decide a sample.")
                   % {"lab": lab.name}, "lab_not_valid")
    for name in ("sampled_on", "tested_on"):
        day = data.get(name)
        if not isinstance(day, dt.date):
            errors.add(name, _("This field is required."), "required")
        elif day > today_():
            errors.add(name, _("This date lies in the future."), "future_date")
    if isinstance(data.get("sampled_on"), dt.date) and isinstance(data.get("tested_on"), dt.date) \
            and data["tested_on"] < data["sampled_on"]:
        errors.add("tested_on", _("A sample is tested after it is taken."), "invalid")
    nonconforming = data.get("nonconforming")
    if not isinstance(nonconforming, int) or nonconforming < 0:
        errors.add("nonconforming", _("Give the number of nonconforming units found (0 or more)."), "invalid")
    found_plan = None
    try:
        found_plan = sampling.plan(int(data.get("lot_size") or 0), str(data.get("inspection_level") or "II"),
                                   str(data.get("aql") or ""), severity=str(data.get("severity") or "normal"))
    except (sampling.SamplingInputError, ValueError) as exc:
        errors.add("lot_size", str(exc), "invalid")
    if found_plan is not None and isinstance(nonconforming, int) and nonconforming > found_plan.sample_size:
        errors.add("nonconforming", _("More nonconforming units than the sample holds (%(n)s).")
                   % {"n": found_plan.sample_size}, "invalid")
    errors.raise_if_any()
    assert organization is not None and lab is not None and found_plan is not None and isinstance(nonconforming, int)
    result = SampleResult.PASS if nonconforming <= found_plan.accept else SampleResult.FAIL
    with transaction.atomic():
        task = lock(SamplingTask, task.pk)
        require(actor, "decide", "sampling", task)
        SAMPLING_TASK.target("add_batch", task.status)
        batch_no = str(data["batch_no"]).strip()
        if SampleBatch.objects.filter(task=task, uscc=organization.uscc, batch_no=batch_no).exists():
            raise ValidationFailed(FieldError("batch_no", _("Batch %(b)s of this producer is recorded in this task "
                                                            "already.") % {"b": batch_no}, "duplicate"))
        batch = SampleBatch(task=task, organization=organization, uscc=organization.uscc,
                            producer_name=organization.name, region_code=organization.region_code,
                            product_name=str(data["product_name"]).strip(), model=str(data.get("model") or "").strip(),
                            batch_no=batch_no, lot_size=int(data["lot_size"]), sampled_on=data["sampled_on"],
                            inspection_level=str(data.get("inspection_level") or "II"), aql=str(data["aql"]),
                            severity=str(data.get("severity") or "normal"), code_letter=found_plan.code_letter,
                            sample_size=found_plan.sample_size, accept=found_plan.accept,
                            reject=found_plan.reject, lab=lab, report_no=str(data["report_no"]).strip(),
                            tested_on=data["tested_on"], nonconforming=nonconforming,
                            failed_items=str(data.get("failed_items") or "").strip(), result=result)
        if result == SampleResult.FAIL:
            for cert in _ccc_to_suspend(organization, list(task.product_codes)):
                # Until the rectification is verified, at most the scheme's longest suspension
                # (reference data, with its source): reinstated earlier by the body.
                until = add_months(today_(), cert.scheme.max_suspension_months)
                certificate_act(actor=actor, certificate=cert, action="suspend",
                                signed_by=str(data.get("signed_by") or actor.label)[:64],
                                reason=_("Supervision sampling %(task)s: batch %(batch)s failed (report %(report)s)")
                                % {"task": task.number, "batch": batch_no, "report": batch.report_no},
                                details={"until": until}, system=True)
                batch.suspended.append(cert.number)
        batch.save()
        record_change(actor=actor, action="sampling_batch_recorded", obj=batch, before=None, after=snapshot(batch))
    return batch


def sampling_task_publish(*, actor: Actor, task: SamplingTask) -> SamplingTask:
    with transaction.atomic():
        task = lock(SamplingTask, task.pk)
        require(actor, "decide", "sampling", task)
        status = SAMPLING_TASK.target("publish", task.status)
        if not task.batches.exists():
            raise ValidationFailed(FieldError("status", _("The task has no sampled batch to publish."), "empty"))
        before = snapshot(task)
        task.status = status
        task.save()
        record_change(actor=actor, action="sampling_task_published", obj=task, before=before, after=snapshot(task))
    return task
