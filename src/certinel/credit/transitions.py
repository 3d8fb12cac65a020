"""The serious-violation list's steps, as data (SAMR Order No. 44)."""

from certinel.core.transitions import Transitions

# A notice served before listing: the regulator lists the subject after the statement period,
# or drops the matter (the statement convinced it, or the penalty was set aside).
NOTICE = Transitions("listing notice", {
    "state_case": ({"open"}, "open"),  # the subject states its case (陈述申辩)
    "decide": ({"open"}, "decided"),
    "drop": ({"open"}, "dropped"),
})

# An entry: early removal on the subject's request (after the minimum period, when its
# conditions are met, decided by a regulator), removal when the maximum period ends, and
# annulment when the penalty it rests on is set aside.
ENTRY = Transitions("list entry", {
    "request_removal": ({"listed"}, "removal_requested"),
    "refuse_removal": ({"removal_requested"}, "listed"),
    "remove_early": ({"removal_requested"}, "removed_early"),
    "expire": ({"listed", "removal_requested"}, "expired"),
    "annul": ({"listed", "removal_requested"}, "annulled"),
})

# A fact of a credit file: annulled when the decision it rests on is set aside (or it was
# recorded in error); an annulled fact no longer counts and takes no further step.
FACT = Transitions("credit fact", {
    "annul": ({"recorded"}, "annulled"),
})

# A fact published on the subject's credit page: its display ends early when a repair is
# granted, at the end of its maximum period, or when the fact is annulled.
PUBLICATION = Transitions("published fact", {
    "repair": ({"displayed"}, "repaired"),
    "expire": ({"displayed"}, "expired"),
    "withdraw": ({"displayed"}, "withdrawn"),
})

# A request for credit repair: decided once, by a regulator, with reasons.
REPAIR = Transitions("repair request", {
    "approve": ({"pending"}, "approved"),
    "refuse": ({"pending"}, "refused"),
})
