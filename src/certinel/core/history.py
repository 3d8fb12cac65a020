"""Writing the history of a change. Services call `record_change` inside their transaction.
Each record is its own transparency log entry: it is given its leaf and its index in the log
(`certinel.transparency.services.log_records`, under the log's lock) just before it is
inserted, one insert per change. Subscribers (notifications, credit facts, cases) are then
called in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import operator
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from certinel.transparency.jcs import dumps_plain

from .actor import Actor
from .bulk import allocate_ids, insert_rows, new_instance
from .models import ChangeRecord, PrivateDetail

Subscriber = Callable[[ChangeRecord], None]
BatchSubscriber = Callable[[list[ChangeRecord]], None]
_subscribers: list[Subscriber] = []
_batch_subscribers: list[BatchSubscriber] = []


def subscribe(fn: Subscriber) -> Subscriber:
    """Register a function called with every new ChangeRecord, inside the same transaction."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def subscribe_batch(fn: BatchSubscriber) -> BatchSubscriber:
    """Register a function called with the new ChangeRecords of each write (one list per
    service call, however many records it wrote), inside the same transaction. The
    transparency log subscribes this way."""
    if fn not in _batch_subscribers:
        _batch_subscribers.append(fn)
    return fn


def notify(records: list[ChangeRecord]) -> None:
    """Tell the subscribers about records written (bulk writers that insert ChangeRecord rows
    themselves call this with the saved records)."""
    for record in records:
        for fn in list(_subscribers):
            fn(record)
    if records:
        for batch_fn in list(_batch_subscribers):
            batch_fn(records)


def personal_hash(value: str) -> str:
    """A salted hash of a piece of personal data: comparable, not reversible."""
    salt = settings.CERTINEL_PERSONAL_DATA_SALT.encode()
    return "hmac-sha256:" + hmac.new(salt, value.encode(), hashlib.sha256).hexdigest()


_AS_IS = frozenset((str, int, bool, float))


def _plain(value: Any) -> Any:
    if isinstance(value, str | int):
        # An enumeration member (a status, say): its plain value, which is what the database
        # keeps, so that the snapshot is plain JSON as it stands (the transparency log's
        # leaves are written from it without a round trip through the encoder).
        return str.__str__(value) if isinstance(value, str) else int.__int__(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


# Per model and its HISTORY_* lists: (field name, attribute name, personal?) of the fields a
# snapshot keeps.
_SNAPSHOT_FIELDS: dict[tuple[type, tuple[str, ...], tuple[str, ...]], list[tuple[str, str, bool]]] = {}
# The same, for whole snapshots: the field names, a function reading all their attributes at
# once, and the names of the personal ones.
_WHOLE: dict[tuple[type, tuple[str, ...], tuple[str, ...]], tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]],
                                                                 tuple[str, ...]]] = {}


def _key(obj: models.Model) -> tuple[type, tuple[str, ...], tuple[str, ...]]:
    return (type(obj), tuple(getattr(obj, "HISTORY_PERSONAL", ())), tuple(getattr(obj, "HISTORY_EXCLUDE", ())))


def _snapshot_fields(obj: models.Model) -> list[tuple[str, str, bool]]:
    key = _key(obj)
    fields = _SNAPSHOT_FIELDS.get(key)
    if fields is None:
        personal = set(key[1])
        exclude = set(key[2]) | {"updated_at"}
        fields = [(f.name, f.attname, f.name in personal) for f in obj._meta.concrete_fields
                  if f.attname not in exclude and f.name not in exclude]
        _SNAPSHOT_FIELDS[key] = fields
    return fields


def _whole(obj: models.Model) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[str, ...]]:
    key = _key(obj)
    spec = _WHOLE.get(key)
    if spec is None:
        fields = _snapshot_fields(obj)
        get = operator.attrgetter(*(attname for _name, attname, _personal in fields))
        spec = _WHOLE[key] = (tuple(name for name, _attname, _personal in fields),
                              get if len(fields) > 1 else (lambda o: (get(o),)),
                              tuple(name for name, _attname, personal in fields if personal))
    return spec


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The object's own field values as JSON-safe data. Fields a model lists in
    `HISTORY_PERSONAL` are kept only as salted hashes; `HISTORY_EXCLUDE` are left out."""
    if fields is None:
        # Every field (what history records take, tens of thousands of times in a batch):
        # the attributes read at once, and only values that are not plain converted.
        names, read, personal = _whole(obj)
        out = {name: value if value is None or type(value) in _AS_IS else _plain(value)
               for name, value in zip(names, read(obj), strict=True)}
        for name in personal:
            if out[name]:
                out[name] = personal_hash(str(out[name]))
        return out
    wanted = set(fields)
    out = {}
    for name, attname, personal in _snapshot_fields(obj):
        if name not in wanted:
            continue
        value = getattr(obj, attname)
        if value is not None and type(value) not in _AS_IS:
            value = _plain(value)
        if personal and value:
            value = personal_hash(str(value))
        out[name] = value
    return out


def record_change(*, actor: Actor, action: str, obj: models.Model, before: dict[str, Any] | None,
                  after: dict[str, Any] | None, reason: str = "", region_code: str = "") -> ChangeRecord:
    """Append one history record. Must run inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_change must be called inside the service's transaction.atomic().")
    record = change_record(actor=actor, action=action, obj=obj, before=before, after=after, reason=reason,
                           region_code=region_code)
    _log([record])
    record.save()
    _write_details([record])
    notify([record])
    return record


def history_for(obj: models.Model) -> models.QuerySet[ChangeRecord]:
    """An object's history, oldest first (with the PrivateDetail that a private kind's records
    read their before and after from)."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return (ChangeRecord.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("detail")
            .order_by("time", "id"))


def record_changes(records: list[ChangeRecord]) -> list[ChangeRecord]:
    """Append many history records at once (bulk reporting and imports): the same rows
    `record_change` writes, in one statement, then the subscribers for each."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_changes must be called inside the service's transaction.atomic().")
    if not records:
        return records
    _log(records)
    for record, pk in zip(records, allocate_ids(ChangeRecord, len(records)), strict=True):
        record.pk = pk
        record._state.adding = False
        record._state.db = connection.alias
    insert_rows(ChangeRecord, RECORD_COLUMNS, map(_record_row, records))
    _write_details(records)
    notify(records)
    return records


def _log(records: list[ChangeRecord]) -> None:
    """Give the records their leaves and log indexes (the log's lock is held until the
    transaction ends, so nobody else takes the same indexes before they are inserted)."""
    from certinel.transparency.services import log_records

    log_records(records)


# The columns record_changes writes, in order: a record's before and after are in its leaf (or
# its PrivateDetail), not in columns of their own.
RECORD_COLUMNS = ("id", "time", "actor_id", "actor_label", "via", "request_id", "action", "content_type_id",
                  "object_id", "object_repr", "region_code", "reason", "log_index", "leaf_hash", "leaf")
DETAIL_COLUMNS = ("record_id", "before", "after")


def _record_row(r: ChangeRecord) -> tuple[Any, ...]:
    return (r.pk, r.time, r.actor_id, r.actor_label, r.via, r.request_id, r.action, r.content_type_id, r.object_id,
            r.object_repr, r.region_code, r.reason, r.log_index, r.leaf_hash, r.leaf)


def _write_details(records: list[ChangeRecord]) -> None:
    """The PrivateDetail rows of the records (inserted, with their leaves) whose leaf does not
    hold their before and after, in one statement."""
    rows = [row for r in records if (row := detail_row(r)) is not None]
    if rows:
        insert_rows(PrivateDetail, DETAIL_COLUMNS, rows)


def detail_row(record: ChangeRecord) -> tuple[Any, str | None, str | None] | None:
    """The PrivateDetail row a logged record needs (record id, canonical JSON of its before and
    of its after), or None when its leaf holds them: a private kind's leaf is a commitment, a
    leaf too large for an entry holds their digests."""
    before, after = _stored_canonical(record, "before"), _stored_canonical(record, "after")
    leaf = bytes(record.leaf or b"")
    # A public leaf's members in canonical (key) order: …"after":A,"before":B,… (a string
    # cannot hold their quotes unescaped, so only the members themselves match).
    if b'"after":' + after + b',"before":' + before + b"," in leaf:
        return None
    return (record.pk, None if record.before is None else before.decode(),
            None if record.after is None else after.decode())


def _stored_canonical(record: ChangeRecord, name: str) -> bytes:
    """The canonical JSON of a record's before or after: the bytes its full leaf is made of."""
    from certinel.transparency.leaf import _record_member

    return _record_member(record, name)


def canonical_of(record: ChangeRecord, name: str) -> bytes | None:
    """The canonical JSON (RFC 8785) of a record's before or after, when `change_record` made
    it (plain JSON values only); None otherwise."""
    return getattr(record, "_canonical", {}).get(name)


def _canonical(value: dict[str, Any] | None) -> bytes | None:
    return b"null" if value is None else dumps_plain(value)


def change_record(*, actor: Actor, action: str, obj: models.Model, before: dict[str, Any] | None,
                  after: dict[str, Any] | None, reason: str = "", region_code: str = "",
                  content_type: ContentType | None = None, time: dt.datetime | None = None) -> ChangeRecord:
    """An unsaved history record, for `record_changes`. The canonical JSON of its before and
    after is made once, here, for both the log's leaf and, when the leaf does not hold them,
    its PrivateDetail."""
    if before is not None and after is not None:
        # Only what changed (a key missing on one side counts as None there).
        changed = [k for k, v in after.items() if before.get(k) != v]
        changed += [k for k, v in before.items() if v is not None and k not in after]
        before = {k: before.get(k) for k in changed}
        after = {k: after.get(k) for k in changed}
    content_type = content_type or ContentType.objects.get_for_model(obj, for_concrete_model=True)
    record = new_instance(ChangeRecord, {
        "time": time or timezone.now(), "actor_label": actor.label[:150], "via": actor.via,
        "request_id": actor.request_id, "action": action, "object_id": str(obj.pk), "object_repr": str(obj)[:255],
        "region_code": region_code or getattr(obj, "region_code", "") or "", "reason": reason},
        {"content_type": content_type, **({"actor": actor.user} if actor.user else {})})
    record.__dict__["_before_after"] = [before, after]  # what the `before` and `after` properties give
    record._canonical = {"before": _canonical(before), "after": _canonical(after)}  # type: ignore[attr-defined]
    return record  # type: ignore[return-value]
