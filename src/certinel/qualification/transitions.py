"""A lab's test report, as data: what a lab may do to a report it has reported. A withdrawn
report stays withdrawn (a new report gets a new number)."""

from certinel.core.transitions import SAME, Transitions

TEST_REPORT = Transitions("test report", {
    "correct": ({"valid"}, SAME),  # an explicit correction of the report's content
    "withdraw": ({"valid"}, "withdrawn"),
})
