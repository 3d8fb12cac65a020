"""The steps of a survey, as data.

A survey is drafted (and changed while it is a draft), published (from then on its questions
and dates never change), and answered while it is published and its dates allow; a regulator
may close it before its closing day, with a reason."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from certinel.core.errors import TransitionNotAllowed
from certinel.core.transitions import SAME, Transitions, state_label

SUBJECT = pgettext_lazy("transition subject", "survey")
ACTIONS: dict[str, Promise] = {
    "change": pgettext_lazy("survey action", "change"),
    "publish": pgettext_lazy("survey action", "publish"),
    "close": pgettext_lazy("survey action", "close"),
    "answer": pgettext_lazy("survey action", "answer"),
}


class SurveyTransitions(Transitions):
    """The shared table, with the words of surveys in its refusals."""

    def target(self, action: str, current: str) -> str:
        sources, target = self.table[action]
        if current not in sources:
            allowed = pgettext("between alternative states", ", ").join(
                state_label(s, self.subject) for s in sorted(sources))
            raise TransitionNotAllowed(
                _("Cannot %(action)s a %(subject)s that is %(current)s; only one that is %(allowed)s can be.")
                % {"action": str(ACTIONS[action]), "subject": str(SUBJECT),
                   "current": state_label(current, self.subject), "allowed": allowed},
                details={"action": action, "current": current, "allowed_from": sorted(sources)},
            )
        return current if target == SAME else target


SURVEY = SurveyTransitions("survey", {
    "change": ({"draft"}, SAME),
    "publish": ({"draft"}, "published"),
    "close": ({"published"}, "closed"),
    "answer": ({"published"}, SAME),
})
