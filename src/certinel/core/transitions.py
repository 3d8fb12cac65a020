"""Allowed state changes, declared as data and checked in one place.

Each app declares a `Transitions` table in its own `transitions.py`:

    BODY = Transitions("certification body", {
        "suspend": ({"approved"}, "suspended"),
        ...
    })

and its services call `BODY.target("suspend", body.status)`, which returns the new state or
raises TransitionNotAllowed naming the action, the current state and the states it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from .errors import TransitionNotAllowed

# A target of SAME leaves the state as it is (a change that is allowed only in some states).
SAME = "="

# What the messages call subjects, actions and states, in the reader's language. A word
# missing here is shown as it is.
SUBJECT_LABELS: dict[str, Promise] = {
    "certification body": pgettext_lazy("transition subject", "certification body"),
    "lab": pgettext_lazy("transition subject", "lab"),
    "organization": pgettext_lazy("transition subject", "organization"),
    "registration": pgettext_lazy("transition subject", "registration"),
    "certificate": pgettext_lazy("transition subject", "certificate"),
    "signing key": pgettext_lazy("transition subject", "signing key"),
    "revocation status": pgettext_lazy("transition subject", "revocation status"),
    "suspension status": pgettext_lazy("transition subject", "suspension status"),
    "listing notice": pgettext_lazy("transition subject", "listing notice"),
    "list entry": pgettext_lazy("transition subject", "list entry"),
    "credit fact": pgettext_lazy("transition subject", "credit fact"),
    "published fact": pgettext_lazy("transition subject", "published credit information"),
    "repair request": pgettext_lazy("transition subject", "credit repair request"),
    "inspection plan": pgettext_lazy("transition subject", "inspection plan"),
    "inspection": pgettext_lazy("transition subject", "inspection"),
    "follow-up measure": pgettext_lazy("transition subject", "follow-up measure"),
    "sampling task": pgettext_lazy("transition subject", "sampling task"),
    "complaint": pgettext_lazy("transition subject", "complaint or report"),
    "case": pgettext_lazy("transition subject", "case"),
    "case request": pgettext_lazy("transition subject", "request of a case"),
    "risk warning": pgettext_lazy("transition subject", "risk warning"),
    "reward": pgettext_lazy("transition subject", "reward for a report"),
}
# Subjects English names without an article (uncountable): "cannot suspend published credit
# information", not "a published credit information".
NO_ARTICLE = frozenset({"published fact"})
ACTION_LABELS: dict[str, Promise] = {
    "suspend": pgettext_lazy("transition action", "suspend"),
    "reinstate": pgettext_lazy("transition action", "reinstate"),
    "revoke": pgettext_lazy("transition action", "revoke"),
    "cancel": pgettext_lazy("transition action", "cancel"),
    "deregister": pgettext_lazy("transition action", "deregister"),
    "restore": pgettext_lazy("transition action", "restore"),
    "end": pgettext_lazy("transition action", "end"),
    "ban": pgettext_lazy("transition action", "ban"),
    "surveillance_pass": pgettext_lazy("transition action", "record a passed surveillance for"),
    "surveillance_miss": pgettext_lazy("transition action", "record a missed surveillance for"),
    "expire": pgettext_lazy("transition action", "expire"),
    "renew": pgettext_lazy("transition action", "renew"),
    "change_scope": pgettext_lazy("transition action", "change the scope of"),
    "transfer": pgettext_lazy("transition action", "transfer"),
    "transfer_request": pgettext_lazy("transition action", "ask to transfer"),
    "transfer_refuse": pgettext_lazy("transition action", "refuse the transfer of"),
    "transfer_withdraw": pgettext_lazy("transition action", "withdraw the transfer of"),
    "correct": pgettext_lazy("transition action", "correct"),
    "retire": pgettext_lazy("transition action", "retire"),
    "revoke_compromised": pgettext_lazy("transition action", "revoke as compromised"),
    "set": pgettext_lazy("transition action", "set"),
    "clear": pgettext_lazy("transition action", "clear"),
    "state_case": pgettext_lazy("transition action", "state the case against"),
    "decide": pgettext_lazy("transition action", "decide on"),
    "drop": pgettext_lazy("transition action", "drop"),
    "request_removal": pgettext_lazy("transition action", "apply for the early removal of"),
    "refuse_removal": pgettext_lazy("transition action", "refuse the early removal of"),
    "remove_early": pgettext_lazy("transition action", "remove early"),
    "annul": pgettext_lazy("transition action", "annul"),
    "repair": pgettext_lazy("transition action", "end the display on repair of"),
    "withdraw": pgettext_lazy("transition action", "withdraw"),
    "approve": pgettext_lazy("transition action", "approve"),
    "refuse": pgettext_lazy("transition action", "refuse"),
    "publish": pgettext_lazy("transition action", "publish"),
    "enter_source": pgettext_lazy("transition action", "enter the random value of"),
    "draw": pgettext_lazy("transition action", "draw"),
    "close": pgettext_lazy("transition action", "close"),
    "reassign": pgettext_lazy("transition action", "reassign the inspectors of"),
    "record": pgettext_lazy("transition action", "record the results of"),
    "follow_up": pgettext_lazy("transition action", "order a follow-up measure on"),
    "add_batch": pgettext_lazy("transition action", "add a sampled batch to"),
    "accept": pgettext_lazy("transition action", "accept"),
    "reject": pgettext_lazy("transition action", "refuse to accept"),
    "extend": pgettext_lazy("transition action", "extend the check of"),
    "open_case": pgettext_lazy("transition action", "open a case on"),
    "conclude": pgettext_lazy("transition action", "conclude"),
    "assign": pgettext_lazy("transition action", "assign"),
    "note": pgettext_lazy("transition action", "add a note to"),
    "request": pgettext_lazy("transition action", "make a request in"),
    "answer": pgettext_lazy("transition action", "answer"),
    "dismiss": pgettext_lazy("transition action", "dismiss"),
}
STATE_LABELS: dict[str, Promise] = {
    "approved": pgettext_lazy("transition state", "approved"),
    "valid": pgettext_lazy("transition state", "valid"),
    "active": pgettext_lazy("transition state", "active"),
    "suspended": pgettext_lazy("transition state", "suspended"),
    "revoked": pgettext_lazy("transition state", "revoked"),
    "cancelled": pgettext_lazy("transition state", "cancelled"),
    "expired": pgettext_lazy("transition state", "expired"),
    "transfer_pending": pgettext_lazy("transition state", "awaiting transfer confirmation"),
    "deregistered": pgettext_lazy("transition state", "deregistered"),
    "ended": pgettext_lazy("transition state", "ended"),
    "banned": pgettext_lazy("transition state", "banned"),
    "retired": pgettext_lazy("transition state", "retired"),
    "compromised": pgettext_lazy("transition state", "compromised"),
    "set": pgettext_lazy("transition state", "set"),
    "clear": pgettext_lazy("transition state", "clear"),
    "open": pgettext_lazy("transition state", "open for a statement"),
    "decided": pgettext_lazy("transition state", "decided"),
    "dropped": pgettext_lazy("transition state", "dropped"),
    "listed": pgettext_lazy("transition state", "listed"),
    "removal_requested": pgettext_lazy("transition state", "awaiting a decision on early removal"),
    "removed_early": pgettext_lazy("transition state", "removed early"),
    "annulled": pgettext_lazy("transition state", "annulled"),
    "recorded": pgettext_lazy("transition state", "recorded"),
    "displayed": pgettext_lazy("transition state", "displayed"),
    "repaired": pgettext_lazy("transition state", "no longer displayed after a repair"),
    "withdrawn": pgettext_lazy("transition state", "withdrawn"),
    "pending": pgettext_lazy("transition state", "awaiting a decision"),
    "refused": pgettext_lazy("transition state", "refused"),
    "draft": pgettext_lazy("transition state", "a draft"),
    "published": pgettext_lazy("transition state", "published"),
    "drawn": pgettext_lazy("transition state", "drawn"),
    "closed": pgettext_lazy("transition state", "closed"),
    "assigned": pgettext_lazy("transition state", "assigned"),
    "done": pgettext_lazy("transition state", "done"),
    "received": pgettext_lazy("transition state", "awaiting a decision on acceptance"),
    "accepted": pgettext_lazy("transition state", "accepted"),
    "rejected": pgettext_lazy("transition state", "not accepted"),
    "in_case": pgettext_lazy("transition state", "handled as a case"),
    "investigating": pgettext_lazy("transition state", "under investigation"),
    "answered": pgettext_lazy("transition state", "answered"),
    "dismissed": pgettext_lazy("transition state", "dismissed"),
}
# States whose word depends on what is in that state.
SUBJECT_STATE_LABELS: dict[tuple[str, str], Promise] = {
    ("organization", "active"): pgettext_lazy("organization state", "active"),
    ("signing key", "active"): pgettext_lazy("signing key state", "active"),
    ("inspection", "recorded"): pgettext_lazy("inspection state", "recorded"),
    ("follow-up measure", "open"): pgettext_lazy("follow-up state", "open"),
    ("sampling task", "open"): pgettext_lazy("sampling task state", "open"),
    ("repair request", "approved"): pgettext_lazy("repair request state", "approved"),
    ("case", "open"): pgettext_lazy("case state", "awaiting assignment"),
    ("case request", "open"): pgettext_lazy("case request state", "awaiting an answer"),
    ("risk warning", "open"): pgettext_lazy("risk warning state", "open"),
}


def subject_label(subject: str) -> str:
    return str(SUBJECT_LABELS.get(subject, subject))


def subject_with_article(subject: str) -> str:
    """The subject's words with the indefinite article English puts before them ("an inspection
    plan", "a case"); other languages (Chinese) have none."""
    label = subject_label(subject)
    if not (get_language() or "").startswith("en") or subject in NO_ARTICLE or not label:
        return label
    return ("an " if label[0].lower() in "aeiou" else "a ") + label


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def state_label(state: str, subject: str = "") -> str:
    found = SUBJECT_STATE_LABELS.get((subject, state)) or STATE_LABELS.get(state)
    return str(found) if found is not None else state


@dataclass(frozen=True)
class Transitions:
    subject: str
    table: Mapping[str, tuple[frozenset[str] | set[str], str]]

    def target(self, action: str, current: str) -> str:
        if action not in self.table:
            raise TransitionNotAllowed(
                _("Unknown action %(action)s for %(subject)s.")
                % {"action": action, "subject": subject_with_article(self.subject)},
                code="unknown_action")
        sources, target = self.table[action]
        if current not in sources:
            allowed = pgettext("between alternative states", ", ").join(
                state_label(s, self.subject) for s in sorted(sources))
            raise TransitionNotAllowed(
                _("Cannot %(action)s %(subject)s that is %(current)s; only one that is %(allowed)s can be.")
                % {"action": action_label(action), "subject": subject_with_article(self.subject),
                   "current": state_label(current, self.subject), "allowed": allowed},
                details={"action": action, "current": current, "allowed_from": sorted(sources)},
            )
        return current if target == SAME else target

    def allowed(self, current: str) -> list[str]:
        return [a for a, (sources, _target) in self.table.items() if current in sources]

    def actions(self) -> Iterable[str]:
        return self.table.keys()

    def states(self) -> set[str]:
        out: set[str] = set()
        for sources, target in self.table.values():
            out |= set(sources)
            if target != SAME:
                out.add(target)
        return out
