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
    # A body may end its own certificate while another body asks to take it over: the
    # transfer then closes (its holder has left either way).
    "cancel": ({"valid", "suspended", "transfer_pending"}, "cancelled"),
    "expire": ({"valid", "suspended", "transfer_pending"}, "expired"),
    "renew": ({"valid"}, SAME),
    "change_scope": ({"valid"}, SAME),
    # The holder moves to another body, which issued its own certificate and named this one:
    # this one stays in force, pending, until the old body or the holder confirms (or the
    # objection period passes: it ends), objects, or the new certificate ends first.
    "transfer_request": ({"valid"}, "transfer_pending"),
    "transfer": ({"transfer_pending"}, "cancelled"),
    "transfer_refuse": ({"transfer_pending"}, "valid"),
    "transfer_withdraw": ({"transfer_pending"}, "valid"),
    "correct": ({"valid", "suspended", "transfer_pending"}, SAME),
})

# A transfer between bodies (`models.CertificateTransfer`): each action names the
# certificate action it applies to the old certificate (None: the old one has already ended).
TRANSFER = Transitions("certificate transfer", {
    "confirm": ({"pending"}, "confirmed"),  # by the old body or the holder
    "deem_confirmed": ({"pending"}, "deemed_confirmed"),  # the objection period passed
    "object": ({"pending"}, "objected"),  # by the old body or the holder
    "withdraw": ({"pending"}, "withdrawn"),  # the new certificate ended first
    "lapse": ({"pending"}, "lapsed"),  # the old certificate ended first (expired, or cancelled by its body)
})
TRANSFER_CERTIFICATE_ACTION = {"confirm": "transfer", "deem_confirmed": "transfer", "object": "transfer_refuse",
                               "withdraw": "transfer_withdraw", "lapse": None}

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
    "transfer_request": "transfer_requested",
    "transfer": "transferred",
    "transfer_refuse": "transfer_refused",
    "transfer_withdraw": "transfer_withdrawn",
    "correct": "corrected",
}

# States in which a certificate stands against its holder moving to another body.
HOPPING_BLOCKERS = {"suspended", "revoked"}
