"""Transfers between bodies (docs/decisions/0004-transfers.md). The accepting body's report
opens a transfer (`transfer_open`, called by the reporting engine in its transaction): its new
certificate is issued, the old body's certificate becomes "transfer pending" and stays in
force. The old body or the holder then confirms (`transfer_confirm`: the old certificate ends
as transferred) or objects (`transfer_object`: it is valid again, the transfer refused); the
scheduled job (`transfers_tick`) ends it once the objection period has passed without
objection, and closes transfers whose new certificate ended first (withdrawn) or whose old
certificate expired first (lapsed). Every change: locked, checked against
`transitions.TRANSFER`, saved with its history in one transaction; the parties are told by
e-mail once it commits."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certinel.accounts.models import Role
from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.errors import Conflict, ErrorList, TransitionNotAllowed
from certinel.core.history import change_record, record_change, snapshot
from certinel.core.services import lock

from .choices import CertificateStatus, TransferParty, TransferState
from .lifecycle import Action, Writer, apply, effective_status
from .models import Certificate, CertificateTransfer
from .policy import transfer_policy
from .transitions import TRANSFER, TRANSFER_CERTIFICATE_ACTION

# Who signs what the scheduled job settles.
TRANSFER_SIGNER = "系统（转换异议期满自动处理）"
# A new certificate in one of these statuses still carries the transfer.
TARGET_LIVE = (CertificateStatus.VALID, CertificateStatus.SUSPENDED, CertificateStatus.TRANSFER_PENDING)
# How the old certificate's public event names who settled the transfer (stored as written).
PARTY_WORDS = {TransferParty.OLD_BODY: "原发证机构", TransferParty.HOLDER: "获证组织", TransferParty.REGISTRY: "平台"}


def transfer_open(*, writer: Writer, source: Certificate, target: Certificate, signed_by: str,
                  today: dt.date) -> CertificateTransfer:
    """Within the reporting engine's transaction: the old certificate (locked and checked
    again here) becomes transfer pending, with its public event, and the transfer is recorded
    with the objection period in force today. The old body and the holder are told once the
    report commits."""
    old = Certificate.objects.select_for_update(no_key=True, of=("self",)).select_related("scheme").get(pk=source.pk)
    to_body = target.body
    policy = transfer_policy(on=today, region_code=old.region_code)
    deadline = today + dt.timedelta(days=policy.objection_days)
    step = Action("transfer_request", today, signed_by,
                  f"申请转至{to_body.name}，新证书编号 {target.number}；原发证机构或获证组织确认前本证书仍然有效，"
                  f"{deadline.isoformat()} 前无异议即注销",
                  {"to_body": to_body.approval_no, "to_number": target.number, "deadline": deadline})
    before = snapshot(old)
    apply(old, old.scheme, step)  # TransitionNotAllowed unless it is valid
    old.reported_at = writer.now
    old.save()
    writer.record(old, step, before)
    transfer = CertificateTransfer.objects.create(
        source=old, target=target, from_body_id=old.body_id, to_body=to_body, holder_id=old.holder_id,
        region_code=old.region_code, requested_at=writer.now, requested_on=today, deadline=deadline,
        objection_days=policy.objection_days, policy=policy.label)
    writer.records.append(change_record(actor=writer.actor, action="transfer_requested", obj=transfer, before=None,
                                        after=snapshot(transfer), region_code=transfer.region_code, time=writer.now))
    _tell(transfer.pk, "requested")
    return transfer


def transfer_confirm(*, actor: Actor, transfer: CertificateTransfer, signed_by: str, reason: str = "",
                     expected_version: int | None = None, today: dt.date | None = None) -> CertificateTransfer:
    """The old body or the holder confirms: the old certificate ends as transferred."""
    return _settle(actor=actor, transfer=transfer, action="confirm", signed_by=signed_by, reason=reason,
                   expected_version=expected_version, today=today)


def transfer_object(*, actor: Actor, transfer: CertificateTransfer, signed_by: str, reason: str,
                    expected_version: int | None = None, today: dt.date | None = None) -> CertificateTransfer:
    """The old body or the holder objects: the transfer is refused and the old certificate is
    valid again. The new certificate stays as its body reported it (its body decides on it)."""
    return _settle(actor=actor, transfer=transfer, action="object", signed_by=signed_by, reason=reason,
                   expected_version=expected_version, today=today)


def transfers_tick(*, on: dt.date | None = None, batch: int = 500) -> dict[str, int]:
    """The scheduled job's part: end the old certificates whose objection period has passed
    without objection; close the transfers whose new certificate ended first (the old one is
    valid again) or whose old certificate expired first. Safe to run any number of times."""
    from certinel.core.models import Via

    on = on or timezone.localdate()
    actor = Actor.system("lifecycle", via=Via.TASK)
    counts = {"transfers_confirmed": 0, "transfers_withdrawn": 0, "transfers_lapsed": 0}
    names = {"deem_confirmed": "transfers_confirmed", "withdraw": "transfers_withdrawn", "lapse": "transfers_lapsed"}
    after = 0
    while rows := list(CertificateTransfer.objects.filter(state=TransferState.PENDING, pk__gt=after).order_by("pk")
                       .values_list("pk", "deadline", "source__status", "target__status", "target__expires_on")
                       [:batch]):
        for pk, deadline, source_status, target_status, target_expires in rows:
            after = pk
            if source_status != CertificateStatus.TRANSFER_PENDING:
                action = "lapse"
            elif target_status not in TARGET_LIVE or target_expires < on:
                action = "withdraw"
            elif deadline < on:
                action = "deem_confirmed"
            else:
                continue
            _settle(actor=actor, transfer=CertificateTransfer(pk=pk), action=action, signed_by=TRANSFER_SIGNER,
                    today=on, system=True)
            counts[names[action]] += 1
    return counts


def transfers_close(*, actor: Actor, source_ids: list[int], today: dt.date | None = None) -> int:
    """Within the caller's transaction, after it ended old certificates itself (their body
    cancelled them, or they expired): close their pending transfers as lapsed. Returns how
    many were closed."""
    closed = 0
    for pk in (CertificateTransfer.objects.filter(state=TransferState.PENDING, source_id__in=source_ids)
               .exclude(source__status=CertificateStatus.TRANSFER_PENDING).values_list("pk", flat=True)):
        _settle(actor=actor, transfer=CertificateTransfer(pk=pk), action="lapse", signed_by=TRANSFER_SIGNER,
                today=today, system=True)
        closed += 1
    return closed


def _settle(*, actor: Actor, transfer: CertificateTransfer, action: str, signed_by: str, reason: str = "",
            expected_version: int | None = None, today: dt.date | None = None,
            system: bool = False) -> CertificateTransfer:
    today = today or timezone.localdate()
    signed_by, reason = (signed_by or "").strip(), (reason or "").strip()
    errors = ErrorList()
    if not signed_by or len(signed_by) > 64:
        errors.add("signed_by", _("Name the person who signed this decision (who signs is accountable)."),
                   "required")
    if action == "object" and not reason:
        errors.add("reason", _("Say why you object to the transfer."), "required")
    errors.raise_if_any()
    with transaction.atomic():
        t = lock(CertificateTransfer, transfer.pk)
        if not system:
            require(actor, "answer", "transfer", t)
        if expected_version is not None and expected_version != t.version:
            raise Conflict(_("This transfer changed since you read it; reload the page and decide again."),
                           details={"version": t.version})
        if t.state != TransferState.PENDING:
            raise TransitionNotAllowed(
                _("This transfer was already settled on %(date)s (%(state)s); there is nothing left to decide.")
                % {"date": t.decided_on, "state": TransferState(t.state).label},
                code="transfer_settled", details={"state": t.state})
        source = lock(Certificate, t.source_id)
        target = Certificate.objects.select_related("body", "scheme").get(pk=t.target_id)
        target_now, _why = effective_status(target, target.scheme, today)
        if action == "confirm" and target_now not in TARGET_LIVE:
            raise TransitionNotAllowed(
                _("The new certificate %(number)s is %(status)s: the transfer can no longer be confirmed; the "
                  "old certificate stays valid.")
                % {"number": target.number, "status": CertificateStatus(target_now).label},
                code="transfer_target_ended")
        before = snapshot(t)
        t.state = TRANSFER.target(action, t.state)
        t.decided_on, t.signed_by, t.reason = today, signed_by, reason
        t.decided_by = TransferParty.REGISTRY if system else _party(actor, t)
        t.version += 1
        t.save()
        record_change(actor=actor, action=f"transfer_{t.state}", obj=t, before=before, after=snapshot(t),
                      reason=reason, region_code=t.region_code)
        cert_action = TRANSFER_CERTIFICATE_ACTION[action]
        if cert_action is not None and source.status == CertificateStatus.TRANSFER_PENDING:
            reason_text = _source_reason(action, t, target, target_now)
            _move_source(actor, source, cert_action, reason_text, signed_by, today, target)
        _tell(t.pk, "settled")
    return t


def _party(actor: Actor, t: CertificateTransfer) -> str:
    user = actor.user
    if user is not None and user.role == Role.CB_OPERATOR and user.body_id == t.from_body_id:
        return TransferParty.OLD_BODY
    if user is not None and user.role == Role.ORG_USER and user.organization_id == t.holder_id:
        return TransferParty.HOLDER
    return TransferParty.REGISTRY  # the system administrator


def _source_reason(action: str, t: CertificateTransfer, target: Certificate, target_now: str) -> str:
    """The old certificate's public reason for the change (stored as written, like every
    reason a body reports)."""
    who = PARTY_WORDS[TransferParty(t.decided_by)]
    moved = f"转至{target.body.name}，新证书编号 {target.number}"
    if action == "confirm":
        return f"{moved}（{who}确认）"
    if action == "deem_confirmed":
        return f"{moved}（异议期至 {t.deadline.isoformat()} 届满，无异议）"
    if action == "object":
        return f"{who}对转至{target.body.name}（新证书编号 {target.number}）提出异议，转换未完成：{t.reason}"
    with translation.override("zh-hans"):
        ended = str(CertificateStatus(target_now).label)
    return f"新证书 {target.number} 已{ended}，转换撤回"


def _move_source(actor: Actor, source: Certificate, action: str, reason: str, signed_by: str, today: dt.date,
                 target: Certificate) -> None:
    step = Action(action, today, signed_by, reason,
                  {"to_body": target.body.approval_no, "to_number": target.number})
    before = snapshot(source)
    apply(source, source.scheme, step)
    source.reported_at = timezone.now()
    source.save()
    writer = Writer(actor=actor)
    writer.record(source, step, before)
    writer.flush()


# --- telling the parties -------------------------------------------------------------------------

def _tell(transfer_id: int, what: str) -> None:
    """Queue the e-mails about a transfer for when the transaction commits (a rolled-back change
    tells nobody; a failing mail server does not undo the change)."""
    def send() -> None:
        send_transfer_mail(transfer_id, what)

    send.__qualname__ = f"send_transfer_mail({transfer_id}, {what!r})"  # how a failure is logged
    transaction.on_commit(send, robust=True)


def recipients(transfer: CertificateTransfer, what: str) -> list[str]:
    """Who is told: the old body's operators and the holder's users (and its contact address)
    when a transfer is asked; the accepting body's operators too when it is settled."""
    from certinel.accounts.models import User

    bodies = [transfer.from_body_id] + ([transfer.to_body_id] if what == "settled" else [])
    users = (User.objects.filter(is_active=True).exclude(email="")
             .filter(Q(role=Role.CB_OPERATOR, body_id__in=bodies)
                     | Q(role=Role.ORG_USER, organization_id=transfer.holder_id)))
    out = {email.strip().lower() for email in users.values_list("email", flat=True)}
    if transfer.holder.contact_email:
        out.add(transfer.holder.contact_email.strip().lower())
    return sorted(out)


def send_transfer_mail(transfer_id: int, what: str) -> int:
    """Send one e-mail per recipient (nobody sees the others' addresses), in Chinese and English.
    Returns how many were sent."""
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    transfer = (CertificateTransfer.objects.select_related("source", "target", "from_body", "to_body", "holder")
                .get(pk=transfer_id))
    to = recipients(transfer, what)
    if not to:
        return 0
    link = settings.CERTINEL_PUBLIC_URL.rstrip("/") + reverse("certificates:transfer", kwargs={"pk": transfer.pk})
    context = {"t": transfer, "what": what, "link": link}
    parts, subjects = [], []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            subjects.append(render_to_string("certificates/transfers/email_subject.txt", context).strip())
            parts.append(render_to_string("certificates/transfers/email.txt", context).strip())
    subject = " / ".join(subjects)
    body = "\n\n----------------------------------------\n\n".join(parts) + "\n"
    messages = [EmailMessage(subject, body, None, [address]) for address in to]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
