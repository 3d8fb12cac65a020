"""The steps of random inspections and supervision sampling, as data."""

from certinel.core.transitions import SAME, Transitions

# A plan is built as a draft, published (its directory frozen and its random source named),
# given the source's value once it exists, drawn, and closed when every result is published.
PLAN = Transitions("inspection plan", {
    "publish": ({"draft"}, "published"),
    "enter_source": ({"published"}, SAME),
    "draw": ({"published"}, "drawn"),
    # A subject added for a targeted check (a qualification post-check), after the draw so that
    # it neither changes the draw nor is drawn again.
    "add_targeted": ({"drawn"}, SAME),
    "close": ({"drawn"}, "closed"),
    "cancel": ({"draft", "published"}, "cancelled"),
})

# A drawn subject: inspectors may be replaced (a conflict found late, absence) until results are
# recorded; results may be corrected until they are published; publication is final.
INSPECTION = Transitions("inspection", {
    "reassign": ({"assigned"}, SAME),
    "record": ({"assigned", "recorded"}, "recorded"),
    "follow_up": ({"recorded", "published"}, SAME),
    "publish": ({"recorded"}, "published"),
})

FOLLOW_UP = Transitions("follow-up measure", {
    "close": ({"open"}, "done"),
})

SAMPLING_TASK = Transitions("sampling task", {
    "add_batch": ({"open"}, SAME),
    "publish": ({"open"}, "published"),
})
