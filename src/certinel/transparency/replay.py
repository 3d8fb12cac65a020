"""Replaying the log into the state of the public register, and holding it against the rows.

Each public leaf (see `privacy.py`) records a change of one object: `before` and `after` hold
the fields that changed (all of them when the object was created; `after` is null when it was
removed). Applied in log order, the leaves of an object give what its row must hold now. A row
that disagrees with its leaves was changed around the services (by SQL, say): the log vouches
for the register only if every row agrees.

`ObjectState` replays one object's leaves; `compare` holds a replayed state against a row's
snapshot (`core.history.snapshot`, the same form the leaves were written from). The monitor
(`monitor.py`) does this for every row of every public kind, the verification path for the
certificate it answers about, and the remote monitor (`remote.py`) from a server's public data.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .privacy import PERSONAL_FIELDS

# How a salted hash of personal data begins (core.history.personal_hash).
HASHED = "hmac-sha256:"

# The value of a field a leaf does not give (its record was too large and was replaced by its
# digest): it cannot be compared.
UNKNOWN = object()


@dataclass
class Mismatch:
    """One way a row disagrees with the log."""

    object_type: str
    object_id: str
    kind: str  # "field", "unlogged", "removed", "chain", "event", "private"
    message: str
    index: int | None = None  # the log index of the leaf that says otherwise

    def __str__(self) -> str:
        return f"{self.object_type} #{self.object_id}: {self.message}"


@dataclass
class ObjectState:
    """What the log says one object holds, built leaf by leaf."""

    object_type: str
    object_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    set_by: dict[str, int] = field(default_factory=dict)  # field -> index of the leaf that set it
    exists: bool = False
    removed_at: int | None = None
    last_index: int | None = None
    actions: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)  # (index, type, after)
    events: dict[int, Any] = field(default_factory=dict)  # index -> a certificate action's `event` member
    times: dict[int, str] = field(default_factory=dict)  # index -> the leaf's time, for certificate actions
    chain: list[Mismatch] = field(default_factory=list)

    def apply(self, index: int, leaf: dict[str, Any]) -> None:
        """Apply one leaf (parsed) about this object."""
        before, after = leaf.get("before"), leaf.get("after")
        self.last_index = index
        self.actions.append((index, str(leaf.get("type", "")), after if isinstance(after, dict) else {}))
        if "event" in leaf:
            self.events[index] = leaf["event"]
        if self.object_type == "certificates.certificate" and isinstance(leaf.get("time"), str):
            self.times[index] = leaf["time"]
        if _digest_only(before) or _digest_only(after):
            # The record was too large for an entry: only its digest was logged. What it changed
            # is unknown from here on, until a later leaf gives those fields again.
            self.exists = True
            for name in list(self.fields):
                self.fields[name] = UNKNOWN
            return
        if isinstance(before, dict) and self.exists:
            for name, value in before.items():
                known = self.fields.get(name, UNKNOWN)
                if known is not UNKNOWN and name in self.fields and not same(known, value):
                    self.chain.append(Mismatch(
                        self.object_type, self.object_id, "chain",
                        f"leaf {index} says {name} was {value!r} before it, but the leaf before said {known!r}",
                        index))
        if after is None:
            if before is not None:
                self.exists, self.removed_at = False, index
            return
        if isinstance(after, dict):
            self.exists, self.removed_at = True, None
            for name, value in after.items():
                self.fields[name] = value
                self.set_by[name] = index


def _digest_only(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"sha256"}


def _as_instant(text: str) -> dt.datetime | None:
    if len(text) < 19 or text[4] != "-" or "T" not in text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def same(logged: Any, stored: Any) -> bool:
    """Whether a value the log holds and the value a row holds are the same: equal as JSON, or
    the same instant written in two time zones, or the same decimal number written twice."""
    if logged == stored:
        return True
    if isinstance(logged, str) and isinstance(stored, str):
        a, b = _as_instant(logged), _as_instant(stored)
        if a is not None and b is not None:
            return a == b
        try:
            return decimal.Decimal(logged) == decimal.Decimal(stored)
        except (decimal.InvalidOperation, ValueError):
            return False
    if isinstance(logged, int | float) and isinstance(stored, str | int | float) and not isinstance(logged, bool):
        try:
            return decimal.Decimal(str(logged)) == decimal.Decimal(str(stored))
        except (decimal.InvalidOperation, ValueError):
            return False
    return False


def compare(state: ObjectState | None, row: dict[str, Any] | None, *, object_type: str,
            object_id: str, personal_hash: Callable[[str], str] | None = None) -> list[Mismatch]:
    """How a row (its snapshot, or None when there is no row) disagrees with the state the log
    gives its object (None when the log has no leaf about it)."""
    if state is None or (not state.exists and state.removed_at is None and not state.fields):
        if row is None:
            return []
        return [Mismatch(object_type, object_id, "unlogged",
                         "the row is in the register but no leaf of the log records it: it was inserted "
                         "around the services")]
    if row is None:
        if state.exists:
            return [Mismatch(object_type, object_id, "removed",
                             f"the log says it exists (last leaf {state.last_index}) but its row is gone: it was "
                             "deleted around the services", state.last_index)]
        return []
    if not state.exists:
        return [Mismatch(object_type, object_id, "removed",
                         f"the log says it was removed (leaf {state.removed_at}) but its row is still there",
                         state.removed_at)]
    out = []
    personal = PERSONAL_FIELDS.get(object_type, ())
    for name, logged in state.fields.items():
        if logged is UNKNOWN or name not in row:
            continue
        if name in personal and logged and not str(logged).startswith(HASHED):
            # Written in clear before this field was declared personal (the log keeps it: it
            # is append-only); the row keeps its salted hash.
            out.append(Mismatch(object_type, object_id, "private",
                                f"leaf {state.set_by.get(name)} holds the personal field {name} in clear",
                                state.set_by.get(name)))
            if personal_hash is not None and personal_hash(str(logged)) == row[name]:
                continue
        if not same(logged, row[name]):
            out.append(Mismatch(object_type, object_id, "field",
                                f"{name} is {row[name]!r} in the register but {logged!r} in the log (leaf "
                                f"{state.set_by.get(name)})", state.set_by.get(name)))
    return out
