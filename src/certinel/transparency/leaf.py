"""The log's leaves: one canonical JSON record (RFC 8785, JCS) per event.

    {"v": 1, "type": "<action>", "time": "<UTC, RFC 3339>",
     "object": {"type": "<app>.<model>", "id": "<id>"},
     "actor": "<body id, system label or salted hash of a person>",
     "before": {...} | null, "after": {...} | null, "reason": "...", "request_id": "...",
     "sig": {"alg": "Ed25519", "key": "<key name>+<hex key ID>", "value": "<base64>"}}

A certificate's lifecycle action (`certificate_<event kind>`) is its public trail too
(docs/decisions/0007): its leaf carries one more member, the event as its body reported it,
and says so by its version:

    {"v": 2, ... as above ...,
     "event": {"kind": "<event kind>", "occurred_on": "<ISO date>", "signed_by": "<signatory>",
               "delay_days": <days from occurrence to reporting>, "details": {...}}}

The version rule: a leaf's shape is fixed by its "v". Version 1 is the record above; version 2
is version 1 with the `event` member, which it must have. Only certificate actions written
since the event moved into the log are version 2; every other leaf, and every leaf written
before, stays version 1 (the log is append-only, so old leaves keep their version and are read
as they are). Readers accept both.

Personal data appears only as salted hashes (`certinel.core.history.personal_hash`): the
history's snapshots already hash the fields models declare personal, and a person acting is
named by a hash of their user name. `sig`, when present, is the acting body's detached
Ed25519 signature over the JCS of the record without `sig`.

Records of private kinds (accounts, API keys, watchlists: see `privacy.py`) are logged only as
a salted commitment to the record above, which tells nothing of it:

    {"v": 1, "type": "private", "time": "<UTC, RFC 3339>", "commitment": "hmac-sha256:<hex>"}
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import math
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder

from certinel.core.history import canonical_of, personal_hash

from . import jcs
from .note import ALG_ED25519, Signer, key_id
from .privacy import PRIVATE_TYPE, is_public
from .tiles import MAX_ENTRY_SIZE

if TYPE_CHECKING:
    from certinel.core.models import ChangeRecord

VERSION = 1
# The version of a leaf that carries a certificate's `event` (version 1 and the event).
EVENT_VERSION = 2
VERSIONS = (VERSION, EVENT_VERSION)
_SAFE_INT = 2**53 - 1


class LeafError(ValueError):
    """A leaf record that cannot be built or read."""


def utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise LeafError("leaf times must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _jcs_safe(value: Any) -> Any:
    """Plain JSON that JCS accepts: big integers, decimals, non-finite numbers, times and ids
    become strings."""
    if isinstance(value, dict):
        return {str(k): _jcs_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jcs_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if -_SAFE_INT <= value <= _SAFE_INT else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        return utc_text(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)  # Decimal, UUID and anything else: their text


def _member(value: Any) -> bytes:
    """The canonical JSON of one value of a record (made JCS-safe first when it needs to be)."""
    data = jcs.dumps_plain(value)
    return jcs.dumps(_jcs_safe(value)) if data is None else data


_VERSION_MEMBER = jcs.dumps(VERSION)
_EVENT_VERSION_MEMBER = jcs.dumps(EVENT_VERSION)


@functools.lru_cache(maxsize=64)
def _time_member(moment: dt.datetime) -> bytes:
    """A moment's canonical member (a batch's records share theirs)."""
    return jcs.dumps_text(utc_text(moment))


def _leaf(*, action: str, time: dt.datetime, object_type: str, object_id: str, actor: str, before: bytes,
          after: bytes, reason: str, request_id: str, signer: Signer | None, event: bytes | None = None) -> bytes:
    """The leaf, from `before` and `after` (and a certificate's `event`, if any) already in
    canonical form. The record is put together member by member, so that neither a digest nor
    the signature makes the encoder write the rest of it again."""
    if not action or not object_type:
        raise LeafError("a leaf needs an action and an object type")
    recurring = jcs.dumps_recurring_text
    members = {
        "v": _VERSION_MEMBER,
        "type": recurring(action),
        "time": _time_member(time),
        # {"id": …, "type": …}, its keys in canonical order.
        "object": b'{"id":' + jcs.dumps_text(str(object_id)) + b',"type":' + recurring(object_type) + b"}",
        "actor": recurring(actor),
        "before": before,
        "after": after,
        "reason": jcs.dumps_text(reason or ""),
        "request_id": recurring(request_id or ""),
    }
    if event is not None:
        members["v"] = _EVENT_VERSION_MEMBER
        members["event"] = event
    data = jcs.dumps_object(members)
    if len(data) > MAX_ENTRY_SIZE - 512:
        for name in ("before", "after"):
            if members[name] != b"null":
                members[name] = _member({"sha256": hashlib.sha256(members[name]).hexdigest()})
        members["reason"] = _member((reason or "")[:4000])
        data = jcs.dumps_object(members)
        if event is not None and len(data) > MAX_ENTRY_SIZE - 512:
            # A certificate's event whose details repeat a large change (a scope): its details
            # are kept as their digest too.
            shrunk = json.loads(event)
            details = jcs.dumps(shrunk.get("details"))
            shrunk["details"] = {"sha256": hashlib.sha256(details).hexdigest()}
            members["event"] = _member(shrunk)
            data = jcs.dumps_object(members)
    if signer is not None:
        kid = key_id(signer.name, ALG_ED25519, signer.public_key)
        members["sig"] = _member({"alg": "Ed25519", "key": f"{signer.name}+{kid:08x}",
                                  "value": base64.b64encode(signer.sign(data)).decode()})
        data = jcs.dumps_object(members)
    if len(data) > MAX_ENTRY_SIZE:
        raise LeafError(f"leaf record of {len(data)} bytes is larger than {MAX_ENTRY_SIZE}")
    return data


def leaf_record(*, action: str, time: dt.datetime, object_type: str, object_id: str, actor: str,
                before: Any = None, after: Any = None, reason: str = "", request_id: str = "",
                signer: Signer | None = None, event: dict[str, Any] | None = None) -> bytes:
    """The canonical JSON bytes of one event (version 2 with a certificate's `event`). When the
    record would not fit an entry (64 KiB), `before` and `after` are replaced by the SHA-256 of
    their canonical JSON, and so, if it is still too large, are the event's `details`."""
    return _leaf(action=action, time=time, object_type=object_type, object_id=object_id, actor=actor,
                 before=_member(before), after=_member(after), reason=reason, request_id=request_id, signer=signer,
                 event=event_member(event))


def parse_leaf(data: bytes) -> dict[str, Any]:
    """A leaf record read back; LeafError unless it is canonical JSON of a known version."""
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LeafError("a leaf is JSON") from exc
    if not isinstance(record, dict) or record.get("v") not in VERSIONS or isinstance(record.get("v"), bool):
        raise LeafError("unknown leaf version")
    if (record["v"] == EVENT_VERSION) != isinstance(record.get("event"), dict):
        raise LeafError(f"a leaf of version {EVENT_VERSION}, and only one, carries an event")
    if jcs.dumps(record) != bytes(data):
        raise LeafError("leaf is not in canonical (RFC 8785) form")
    return record


def verify_leaf_signature(data: bytes, public_key: bytes) -> bool:
    """Whether the leaf's `sig` is a valid signature by `public_key` over the rest of it."""
    try:
        record = parse_leaf(data)
        sig = record.pop("sig")
        value = base64.b64decode(sig["value"], validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(value, jcs.dumps(record))
    except (LeafError, KeyError, TypeError, ValueError, InvalidSignature):
        return False
    return True


def actor_of(record: ChangeRecord) -> str:
    """How a leaf names who acted: an API key or a system label as it is, a person only by a
    salted hash of their user name."""
    label = record.actor_label or ""
    if record.actor_id is None or label.startswith("api-key:"):
        return label
    return personal_hash(label)


def _stored_member(value: Any) -> bytes:
    """The canonical JSON of a history record's value as the database gives it back (written
    with DjangoJSONEncoder, read back as JSON). Plain JSON reads back as it is, so only other
    values make the round trip."""
    data = jcs.dumps_plain(value)
    if data is None:
        data = _member(json.loads(json.dumps(value, cls=DjangoJSONEncoder)))
    return data


def _record_member(record: ChangeRecord, name: str) -> bytes:
    # Read first: a record whose before and after are in its PrivateDetail gets their
    # canonical text from it, the bytes its full leaf was made of.
    value = getattr(record, name)
    canonical = canonical_of(record, name)
    return canonical if canonical is not None else _stored_member(value)


def object_type_of(record: ChangeRecord) -> str:
    """"<app label>.<model name>" of the object a history record is about."""
    content_type = ContentType.objects.get_for_id(record.content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


@functools.lru_cache(maxsize=4)
def _commitment_mac(salt: str) -> hmac.HMAC:
    return hmac.new(b"certinel-log-commitment:" + salt.encode(), digestmod=hashlib.sha256)


def commitment(data: bytes) -> str:
    """A salted commitment to a record: an HMAC under a key derived from the deployment's
    personal-data salt, so that nobody without it can test guesses against it."""
    from django.conf import settings

    mac = _commitment_mac(settings.CERTINEL_PERSONAL_DATA_SALT).copy()
    mac.update(data)
    return "hmac-sha256:" + mac.hexdigest()


def private_leaf(*, time: dt.datetime, full: bytes) -> bytes:
    """The leaf of a private record: its moment and a commitment to its full leaf."""
    return jcs.dumps_object({"commitment": jcs.dumps_text(commitment(full)), "time": _time_member(time),
                             "type": jcs.dumps_text(PRIVATE_TYPE), "v": _VERSION_MEMBER})


def change_record_leaf(record: ChangeRecord, *, signer: Signer | None = None) -> bytes:
    """The leaf of a history record, with its before and after as the database keeps them; a
    commitment only, for a record of a private kind."""
    object_type = object_type_of(record)
    if not is_public(object_type):
        return private_leaf(time=record.time, full=full_record_leaf(record, object_type=object_type))
    return full_record_leaf(record, object_type=object_type, signer=signer)


def event_member(event: dict[str, Any] | None) -> bytes | None:
    """The canonical JSON of a certificate's event (None: the leaf has none)."""
    return None if event is None else _member(event)


def stored_record_leaf(*, action: str, time: dt.datetime, object_type: str, object_id: str, actor: str,
                       before: Any, after: Any, reason: str = "", request_id: str = "",
                       event: dict[str, Any] | None = None) -> bytes:
    """The leaf `change_record_leaf` gives an unsigned record of a public kind with these
    columns, before and after as the database gives them back: for a bulk writer that makes
    the records' rows itself (the demo's loader)."""
    if not is_public(object_type):
        raise LeafError(f"{object_type} is a private kind: its leaf is a commitment")
    return _leaf(action=action, time=time, object_type=object_type, object_id=object_id, actor=actor,
                 before=_stored_member(before), after=_stored_member(after), reason=reason, request_id=request_id,
                 signer=None, event=event_member(event))


def full_record_leaf(record: ChangeRecord, *, object_type: str, signer: Signer | None = None) -> bytes:
    """The whole leaf of a history record, whatever its kind. A certificate action's record
    carries its event (`record._event`, set by the writer, or by the monitor from the
    leaf it holds the rest of the record against)."""
    return _leaf(
        action=record.action,
        time=record.time,
        object_type=object_type,
        object_id=record.object_id,
        actor=actor_of(record),
        before=_record_member(record, "before"),
        after=_record_member(record, "after"),
        reason=record.reason,
        request_id=record.request_id,
        signer=signer,
        event=event_member(getattr(record, "_event", None)),
    )
