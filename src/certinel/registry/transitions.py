"""The allowed status changes of registry records, as data (see core/transitions.py)."""

from certinel.core.transitions import Transitions

BODY = Transitions("certification body", {
    "suspend": ({"approved"}, "suspended"),
    "reinstate": ({"suspended"}, "approved"),
    "revoke": ({"approved", "suspended"}, "revoked"),
    "cancel": ({"approved", "suspended"}, "cancelled"),
})

LAB = Transitions("lab", {
    "suspend": ({"valid"}, "suspended"),
    "reinstate": ({"suspended"}, "valid"),
    "revoke": ({"valid", "suspended"}, "revoked"),
    "cancel": ({"valid", "suspended"}, "cancelled"),
})

ORGANIZATION = Transitions("organization", {
    "deregister": ({"active"}, "deregistered"),
    "restore": ({"deregistered"}, "active"),
})

PERSON_ROLE = Transitions("registration", {
    "suspend": ({"active"}, "suspended"),
    "reinstate": ({"suspended"}, "active"),
    "end": ({"active", "suspended"}, "ended"),
    "ban": ({"active", "suspended", "ended"}, "banned"),
})
