"""The steps of complaints, reports, cases, requests to bodies and risk warnings, as data."""

from certinel.core.transitions import SAME, Transitions

# A complaint or report is accepted or refused within its time limit; once accepted it is
# mediated (a complaint) or checked (a report), a report's check extended once with approval,
# and it ends either at once (mediation ended, no clue found) or by becoming a case, whose
# closing concludes it.
COMPLAINT = Transitions("complaint", {
    "accept": ({"received"}, "accepted"),
    "reject": ({"received"}, "rejected"),
    "extend": ({"accepted"}, SAME),
    "close": ({"accepted"}, "closed"),
    "open_case": ({"accepted"}, "in_case"),
    "conclude": ({"in_case"}, "closed"),
})

# A case is assigned (which starts the investigation; it may be reassigned while it runs),
# investigated (notes, evidence, requests to the body), decided, and closed once no request
# to the body is open.
CASE = Transitions("case", {
    "assign": ({"open", "investigating"}, "investigating"),
    "note": ({"investigating"}, SAME),
    "request": ({"investigating", "decided"}, SAME),
    "decide": ({"investigating"}, "decided"),
    "close": ({"decided"}, "closed"),
})

# What a case asks of a certification body: the body answers; the regulator may withdraw it.
BODY_REQUEST = Transitions("case request", {
    "answer": ({"open"}, "answered"),
    "withdraw": ({"open"}, "withdrawn"),
})

# A finding of the warning rules: a regulator dismisses it (with a reason) or opens a case.
WARNING = Transitions("risk warning", {
    "dismiss": ({"open"}, "dismissed"),
    "open_case": ({"open"}, "in_case"),
})

# A reward for a report that proved true: proposed from the rules with the case's penalty, then
# approved or refused (with the reasons) by another regulator than the one who proposed it.
REWARD = Transitions("reward", {
    "approve": ({"proposed"}, "approved"),
    "refuse": ({"proposed"}, "refused"),
})
