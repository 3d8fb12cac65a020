"""The open API of complaints and reports, mounted under `/api/v1/`:

  GET  /cases/deadline            the due date of a time limit (working-day calendar)
  POST /cases/complaints          a complaint or report, without an account
  GET  /cases/follow/{token}      its progress, with the code in the X-Follow-Code header

Evidence files are sent through the form (`/cases/`), not here. The queues and cases are the
regulators' pages; they are not part of the open API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from certinel.accounts.auth import OptionalApiKey
from certinel.core.actor import Actor
from certinel.core.errors import DomainError, NotFound
from certinel.core.middleware import client_address
from certinel.core.models import Via
from certinel.registry.schemas import ErrorOut, ValidationErrorOut

from . import policy
from .choices import Channel
from .services import complaint_submit, follow_find
from .subjects import subject_find
from .views import _count, _spent, submissions_per_hour

router = Router(auth=OptionalApiKey(), tags=["cases"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


class TooMany(DomainError):
    code = "rate_limited"
    status = 429


class DeadlineQuery(Schema):
    received: dt.date | None = Field(None, description="The start day (received, or accepted); default today. "
                                                       "A day before the first rule took effect is a 404.")
    kind: Literal["accept", "mediate", "verify", "decide", "answer"] = "accept"
    extended: bool = Field(False, description="With the limit's extension (a report's check, once).")


class DeadlineOut(Schema):
    kind: str
    received: dt.date
    due: dt.date
    days: int
    unit: Literal["working", "calendar"]
    extended: bool
    provisional: bool = Field(description="True when the working-day calendar does not cover the due date's year.")
    edition: str
    source: str


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=64, pattern=r"\S")
    phone: str = Field(min_length=5, max_length=32, pattern=r"^[0-9+()-]{5,32}$")
    email: str = Field("", max_length=254, pattern=r"^$|^[^@ ]+@[^@ ]+[.][^@ ]+$")


class ComplaintIn(Schema):
    """A complaint: its sender's contact is required (mediation needs it)."""

    kind: Literal["complaint"]
    subject: str = Field(min_length=1, max_length=64, pattern=r"\S",
                         description="A unified social credit code or a certificate number.")
    facts: str = Field(min_length=1, max_length=8000, pattern=r"\S")
    contact: ContactIn


class ReportIn(Schema):
    """A report: without a contact it is anonymous."""

    kind: Literal["report"]
    subject: str = Field(min_length=1, max_length=64, pattern=r"\S",
                         description="A unified social credit code or a certificate number.")
    facts: str = Field(min_length=1, max_length=8000, pattern=r"\S")
    contact: ContactIn | None = None


class ComplaintCreatedOut(Schema):
    number: str
    follow_url: str = Field(description="The private follow link (keep it).")
    follow_token: str
    code: str = Field(description="The follow code: given once, kept only hashed.")
    accept_due: dt.date


class FollowRewardOut(Schema):
    grade: str = Field(description="1, 2 or 3 (国市监稽规〔2021〕4号, article 11).")
    status: str = Field(description="proposed, approved or refused.")
    amount: str | None = Field(description="In yuan; none once refused.")
    decided_on: dt.date | None
    reason: str


class FollowOut(Schema):
    number: str
    kind: str
    status: str
    subject_name: str
    received_on: dt.date
    accept_due: dt.date
    accepted_on: dt.date | None
    handle_due: dt.date | None
    outcome: str
    feedback: str
    closed_on: dt.date | None
    reward: FollowRewardOut | None = Field(None, description="The reward of a report that proved true, if any.")


@router.get("/cases/deadline", response={200: DeadlineOut, **ERRORS},
            summary="The due date of a time limit of complaints, reports and cases")
def deadline(request: HttpRequest, filters: Query[DeadlineQuery]) -> dict[str, Any]:
    start = filters.received or today_()
    try:
        limit = policy.time_limit(filters.kind, on=start)
        due = limit.due(start, extensions=1 if filters.extended and limit.extensions else 0)
    except (policy.PolicyError, OverflowError) as exc:
        raise NotFound(str(exc) if isinstance(exc, policy.PolicyError) else _("No date so far ahead.")) from None
    return {"kind": filters.kind, "received": start, "due": due, "days": limit.days, "unit": limit.unit,
            "extended": bool(filters.extended and limit.extensions), "provisional": policy.provisional(start, due),
            "edition": limit.label, "source": limit.source}


@router.post("/cases/complaints", response={200: ComplaintCreatedOut, 400: ErrorOut, **ERRORS},
             summary="Send a complaint or a report (no account needed)")
def submit_complaint(request: HttpRequest, payload: Annotated[ComplaintIn | ReportIn, Field(discriminator="kind")]
                     ) -> Status:
    address = client_address(request)
    if _spent(f"submit:{address}", submissions_per_hour()):
        raise TooMany(_("Too many complaints from one address: try again in an hour."))
    subject_find(payload.subject)  # an unknown subject is a 404, before anything else
    actor = Actor(user=None, label="public", via=Via.API, request_id=getattr(request, "request_id", ""))
    contact = payload.contact
    complaint, code = complaint_submit(
        actor=actor, kind=payload.kind, subject=payload.subject, facts=payload.facts, evidence=[],
        anonymous=contact is None, contact_name=contact.name if contact else "",
        contact_phone=contact.phone if contact else "", contact_email=contact.email if contact else "",
        channel=Channel.API)
    _count(f"submit:{address}")  # what is counted: complaints written, not refusals
    return Status(200, {"number": complaint.number, "follow_url": request.build_absolute_uri(
        f"/cases/follow/{complaint.follow_token}/"), "follow_token": complaint.follow_token, "code": code,
        "accept_due": complaint.accept_due})


@router.get("/cases/follow/{token}", response={200: FollowOut, **ERRORS},
            summary="The progress of a complaint or report, by its follow link and code")
def follow_complaint(request: HttpRequest, token: str,
                     x_follow_code: str = Header("", alias="X-Follow-Code", max_length=16)) -> dict[str, Any]:
    found = follow_find(token, x_follow_code)
    if found is None:
        _count(f"follow-ip:{client_address(request)}")
        raise NotFound(_("No complaint or report has this follow link and code."))
    return {"number": found.number, "kind": found.kind, "status": found.status, "subject_name": found.subject_name,
            "received_on": found.received_on, "accept_due": found.accept_due, "accepted_on": found.accepted_on,
            "handle_due": found.handle_due, "outcome": found.outcome, "feedback": found.feedback,
            "closed_on": found.closed_on, "reward": _follow_reward(found)}


def _follow_reward(found: Any) -> dict[str, Any] | None:
    reward = found.rewards.order_by("-id").first()
    if reward is None:
        return None
    return {"grade": reward.grade, "status": reward.status,
            "amount": None if reward.status == "refused" else str(reward.amount), "decided_on": reward.decided_on,
            "reason": reward.reason}
