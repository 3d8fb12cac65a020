"""The certificate lifecycle, as data. Each action names the states it may start from and the
state it leads to (SAME: the status does not change). The scheme's parameters (validity,
surveillance interval and grace, maximum suspension) live in `reference.Scheme`."""

from certinel.core.transitions import SAME, Transitions

CERTIFICATE = Transitions("certificate", {
    "surveillance_pass": ({"valid"}, SAME),
    "surveillance_miss": ({"valid"}, "suspended"),
    "suspend": ({"valid"}, "suspended"),
    "reinstate": ({"suspended"}, "valid"),
    "revoke": ({"valid", "suspended"}, "revoked"),
    "cancel": ({"valid", "suspended"}, "cancelled"),
    "expire": ({"valid", "suspended"}, "expired"),
    "renew": ({"valid"}, SAME),
    "change_scope": ({"valid"}, SAME),
    # The certificate moves out to another body, which issues its own; this one ends.
    "transfer": ({"valid"}, "cancelled"),
    "correct": ({"valid", "suspended"}, SAME),
})

# The event each action writes.
EVENT_OF = {
    "issue": "issued",
    "surveillance_pass": "surveillance_passed",
    "surveillance_miss": "surveillance_missed",
    "suspend": "suspended",
    "reinstate": "reinstated",
    "revoke": "revoked",
    "cancel": "cancelled",
    "expire": "expired",
    "renew": "renewed",
    "change_scope": "scope_changed",
    "transfer": "transferred",
    "correct": "corrected",
}

# States in which a certificate stands against its holder moving to another body.
HOPPING_BLOCKERS = {"suspended", "revoked"}
