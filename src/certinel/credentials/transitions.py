"""The allowed state changes of signing keys and status bits, as data (see core/transitions.py)."""

from certinel.core.transitions import Transitions

SIGNING_KEY = Transitions("signing key", {
    "retire": ({"active"}, "retired"),
    "revoke_compromised": ({"active", "retired"}, "compromised"),
})

# A revocation is final (W3C Bitstring Status List: a revoked credential is not reinstated);
# a suspension can be lifted.
REVOCATION_BIT = Transitions("revocation status", {
    "set": ({"clear"}, "set"),
})
SUSPENSION_BIT = Transitions("suspension status", {
    "set": ({"clear"}, "set"),
    "clear": ({"set"}, "clear"),
})
