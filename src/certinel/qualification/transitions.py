"""A lab's test report, as data: what a lab may do to a report it has reported. A withdrawn
report stays withdrawn (a new report gets a new number)."""

from certinel.core.transitions import SAME, Transitions

TEST_REPORT = Transitions("test report", {
    "correct": ({"valid"}, SAME),  # an explicit correction of the report's content
    "withdraw": ({"valid"}, "withdrawn"),
})

# An application for qualification approval: filled in, submitted, accepted or not, reviewed by
# reviewers drawn at random (document review and on-site assessment), decided. Under
# notification and commitment the decision may follow acceptance without a technical review;
# a commitment found untrue revokes the approval.
APPLICATION = Transitions("qualification application", {
    "change": ({"draft"}, SAME),
    "submit": ({"draft"}, "submitted"),
    "withdraw": ({"draft", "submitted", "accepted", "reviewing"}, "withdrawn"),
    "accept": ({"submitted"}, "accepted"),
    "reject": ({"submitted"}, "rejected"),
    "draw": ({"accepted"}, "reviewing"),
    "reassign": ({"reviewing"}, SAME),
    "record": ({"reviewing"}, SAME),
    "close": ({"reviewing"}, "reviewed"),
    "approve": ({"accepted", "reviewed"}, "approved"),
    "refuse": ({"accepted", "reviewed"}, "refused"),
    "revoke": ({"approved"}, "revoked"),
})

FINDING = Transitions("review finding", {
    "close": ({"open"}, "closed"),
})

POST_CHECK = Transitions("post-check", {
    "close": ({"open"}, "true"),
    "revoke": ({"open"}, "false"),
})
