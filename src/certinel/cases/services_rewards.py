"""Rewards for reports that prove true (举报奖励), each step in one transaction with its history
record and log leaf (a private kind: the log holds a commitment only):

* `reward_propose`: once a case that came from a report has decided a penalty, a regulator
  proposes the reward from the rules in force on the decision day (`reward_rules`): the grade
  (what the report gave and how far it proved true), the fines and confiscations, the amount and
  its basis. Refused for a complaint (it is not a report), for a warning's case (no reporter), for
  a decision other than a penalty (a report found untrue, or not proved, earns nothing), for an
  anonymous report that left no way to reach its sender (no follow code), and twice for a case;
* `reward_approve` / `reward_refuse`: another regulator than the one who proposed it decides,
  with the reasons; the steps are `transitions.REWARD`.

The reporter reads the reward on the private follow page; no record here names them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.timezone import localdate as today_
from django.utils.translation import gettext as _

from certinel.accounts.permissions import require
from certinel.core.actor import Actor
from certinel.core.errors import Conflict, ErrorList, FieldError, ValidationFailed
from certinel.core.history import record_change, snapshot
from certinel.core.services import lock

from .choices import CaseStatus, ComplaintKind, Decision, RewardGrade
from .models import Case, Reward
from .reward_rules import reward_rule
from .transitions import REWARD

MAX_REASON = 4000


def _fines(value: Decimal | str | int | None, errors: ErrorList) -> Decimal:
    try:
        fines = Decimal(str(value if value is not None else "0")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.add("fines", _("Enter the fines and confiscations in yuan (0 when there were none)."), "invalid")
        return Decimal(0)
    if fines < 0 or fines >= Decimal(10) ** 14:
        errors.add("fines", _("Enter the fines and confiscations in yuan (0 when there were none)."), "invalid")
    return fines


def _eligible(case: Case) -> None:
    """Refuse a case whose report cannot be rewarded, saying why."""
    complaint = case.complaint
    if complaint is None or complaint.kind != ComplaintKind.REPORT:
        raise Conflict(_("Only a report (举报) is rewarded: this case did not come from one."), code="not_report")
    if case.status not in (CaseStatus.DECIDED, CaseStatus.CLOSED) or case.decision != Decision.PENALTY:
        raise Conflict(_("A reward is proposed only once the case has decided a penalty: a report not proved "
                         "true earns none."), code="not_proved")
    if complaint.anonymous and not complaint.code_hash:
        raise Conflict(_("This anonymous report left no follow code: its sender cannot be told of a reward."),
                       code="no_follow_code")
    if Reward.objects.filter(case=case).exists():
        raise Conflict(_("A reward has been proposed for this case already."), code="reward_exists")


def reward_propose(*, actor: Actor, case: Case, grade: str, fines: Decimal | str | int | None,
                   on: dt.date | None = None) -> Reward:
    """Propose the reward of the report a case came from, by the rules in force on the day the
    penalty was decided."""
    errors = ErrorList()
    if grade not in RewardGrade.values:
        errors.add("grade", _("Choose the grade: 1, 2 or 3."), "invalid")
    amount_fines = _fines(fines, errors)
    errors.raise_if_any()
    day = on or today_()
    with transaction.atomic():
        case = lock(Case, case.pk)
        require(actor, "decide", "case", case)
        _eligible(case)
        rule = reward_rule(grade, on=case.decided_on or day, region_code=case.region_code)
        amount = rule.amount(amount_fines)
        reward = Reward(case=case, complaint_id=case.complaint_id, grade=grade, fines=amount_fines, amount=amount,
                        needs_finance=rule.needs_finance(amount), rules_edition=rule.label,
                        basis=f"{rule.name_en}: {rule.criteria_en} {rule.source}", proposed_by=actor.label[:150],
                        proposed_on=day, region_code=case.region_code)
        reward.save()
        record_change(actor=actor, action="cases_reward_proposed", obj=reward, before=None, after=snapshot(reward))
    return reward


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(FieldError("reason", _("Give the reasons of the decision."), "required"))
    if len(text) > MAX_REASON:
        raise ValidationFailed(FieldError("reason", _("At most %(n)d characters.") % {"n": MAX_REASON}, "too_long"))
    return text


def _decide(actor: Actor, reward: Reward, action: str, text: str, on: dt.date | None) -> tuple[Reward, dict]:
    """Lock, check and change the reward (inside the caller's transaction); its snapshot before."""
    reward = lock(Reward, reward.pk)
    require(actor, "decide", "case", reward.case)
    before = snapshot(reward)
    reward.status = REWARD.target(action, reward.status)
    if actor.label[:150] == reward.proposed_by:
        raise Conflict(_("The reward must be decided by another regulator than the one who proposed it."),
                       code="same_person")
    reward.decided_by, reward.decided_on, reward.reason = actor.label[:150], on or today_(), text
    reward.save()
    return reward, before


def reward_approve(*, actor: Actor, reward: Reward, reason: str, on: dt.date | None = None) -> Reward:
    text = _reason(reason)
    with transaction.atomic():
        reward, before = _decide(actor, reward, "approve", text, on)
        record_change(actor=actor, action="cases_reward_approved", obj=reward, before=before,
                      after=snapshot(reward), reason=text)
    return reward


def reward_refuse(*, actor: Actor, reward: Reward, reason: str, on: dt.date | None = None) -> Reward:
    """Refuse it (the reporter was a party's agent, an official with a duty to report, the clue
    was known already …): the reasons are kept, and the reporter reads that no reward is given."""
    text = _reason(reason)
    with transaction.atomic():
        reward, before = _decide(actor, reward, "refuse", text, on)
        record_change(actor=actor, action="cases_reward_refused", obj=reward, before=before,
                      after=snapshot(reward), reason=text)
    return reward
