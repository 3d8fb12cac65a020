"""Holding the register's rows against the log, from the database (see `replay.py`).

For every public kind (`privacy.PUBLIC_KINDS`), every row is compared with the state its
leaves give, a batch of rows at a time, and every object the log records is looked for among
the rows, so that rows changed, inserted or deleted around the services are all reported. A
certificate's public trail of events is held against its leaves as well.

The leaves are read through their history records' (object type, object id) index; the
monitor checks separately that every entry is the leaf of its history record, so that the
index cannot hide a leaf.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models

from certinel.core.history import personal_hash, snapshot
from certinel.core.models import ChangeRecord

from .leaf import LeafError, parse_leaf
from .privacy import PUBLIC_KINDS
from .replay import Mismatch, ObjectState, compare

BATCH = 1000
# Ids of rows compared that are kept in memory for the pass over the logged objects.
SEEN_LIMIT = 2_000_000
_RECORD = ChangeRecord._meta.db_table

Progress = Callable[[str, int, int], None]


def public_models() -> list[tuple[str, type[models.Model]]]:
    """(object type, model) of every public kind installed."""
    out = []
    for label in PUBLIC_KINDS:
        app_label, model_name = label.split(".")
        try:
            out.append((label, apps.get_model(app_label, model_name)))
        except LookupError:
            continue
    return out


def _leaves(using: str, content_type_id: int, object_ids: list[str]) -> Iterator[tuple[int, str, bytes]]:
    """(index, object id, data) of the leaves about these objects, in log order."""
    for start in range(0, len(object_ids), 900):  # within SQLite's parameter limit
        part = object_ids[start:start + 900]
        marks = ", ".join(["%s"] * len(part))
        sql = (f"SELECT log_index, object_id, leaf FROM {_RECORD} "  # noqa: S608 - values are parameters
               f"WHERE content_type_id = %s AND object_id IN ({marks}) AND log_index IS NOT NULL")
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [content_type_id, *part])
            rows = cursor.fetchall()
        yield from sorted((index, object_id, bytes(data)) for index, object_id, data in rows)


def states_of(object_type: str, content_type_id: int, object_ids: list[str], *,
              using: str = "default") -> tuple[dict[str, ObjectState], list[Mismatch]]:
    """The states the log gives these objects, and the leaves that could not be read."""
    states: dict[str, ObjectState] = {}
    unreadable = []
    for index, object_id, data in _leaves(using, content_type_id, object_ids):
        try:
            leaf = parse_leaf(data)
        except LeafError as exc:
            unreadable.append(Mismatch(object_type, object_id, "chain", f"leaf {index} cannot be read: {exc}", index))
            continue
        logged = leaf.get("object") or {}
        if logged.get("type") != object_type or str(logged.get("id")) != object_id:
            unreadable.append(Mismatch(object_type, object_id, "chain",
                                       f"leaf {index} is about {logged!r}, not this object", index))
            continue
        state = states.get(object_id)
        if state is None:
            state = states[object_id] = ObjectState(object_type, object_id)
        state.apply(index, leaf)
    return states, unreadable


def check_object(obj: models.Model, *, using: str = "default") -> tuple[ObjectState | None, list[Mismatch]]:
    """The state the log gives one object, and how its row disagrees with it."""
    model = type(obj)
    object_type = f"{model._meta.app_label}.{model._meta.model_name}"
    content_type = ContentType.objects.db_manager(using).get_for_model(model, for_concrete_model=True)
    object_id = str(obj.pk)
    states, problems = states_of(object_type, content_type.pk, [object_id], using=using)
    state = states.get(object_id)
    problems += compare(state, snapshot(obj), object_type=object_type, object_id=object_id,
                        personal_hash=personal_hash)
    if state is not None:
        problems += state.chain
        extra = EXTRA_CHECKS.get(object_type)
        if extra is not None and not problems:
            problems += extra({object_id: state}, using)
    return state, problems


def _row_batches(model: type[models.Model], using: str) -> Iterator[list[models.Model]]:
    last = None
    manager = model._base_manager.db_manager(using)
    while True:
        query = manager.order_by("pk")
        if last is not None:
            query = query.filter(pk__gt=last)
        rows = list(query[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def _logged_ids(content_type_id: int, using: str) -> Iterator[list[str]]:
    """The ids of every object the history records changes of, a batch at a time."""
    last = ""
    records = ChangeRecord.objects.using(using).filter(content_type_id=content_type_id)
    while True:
        ids = list(records.filter(object_id__gt=last).order_by("object_id").values_list("object_id", flat=True)
                   .distinct()[:BATCH])
        if not ids:
            return
        yield ids
        last = ids[-1]


def check_kind(object_type: str, model: type[models.Model], *, using: str = "default",
               progress: Progress | None = None) -> tuple[int, list[Mismatch]]:
    """Compare every row of one public kind with the log; returns (rows compared, problems)."""
    content_type = ContentType.objects.db_manager(using).get_for_model(model, for_concrete_model=True)
    total = model._base_manager.db_manager(using).count()
    seen: set[str] = set()
    problems: list[Mismatch] = []
    done = 0
    extra = EXTRA_CHECKS.get(object_type)
    for rows in _row_batches(model, using):
        ids = [str(row.pk) for row in rows]
        states, unreadable = states_of(object_type, content_type.pk, ids, using=using)
        problems += unreadable
        for row, object_id in zip(rows, ids, strict=True):
            state = states.get(object_id)
            problems += compare(state, snapshot(row), object_type=object_type, object_id=object_id,
                                personal_hash=personal_hash)
            if state is not None:
                problems += state.chain
        if extra is not None:
            problems += extra(states, using)
        if len(seen) < SEEN_LIMIT:  # beyond it, the pass below looks the rest up
            seen.update(ids)
        done += len(rows)
        if progress is not None:
            progress(object_type, done, total)
    # Objects the log records whose rows are gone.
    pk = model._meta.pk
    for ids in _logged_ids(content_type.pk, using):
        unseen = [i for i in ids if i not in seen]
        if not unseen:
            continue
        present = {str(v) for v in model._base_manager.db_manager(using)
                   .filter(pk__in=[pk.to_python(i) for i in unseen]).values_list("pk", flat=True)}
        missing = [i for i in unseen if i not in present]
        if missing:
            states, _ = states_of(object_type, content_type.pk, missing, using=using)
            for object_id in missing:
                problems += compare(states.get(object_id), None, object_type=object_type, object_id=object_id)
    return done, problems


def check_register(*, using: str = "default", progress: Progress | None = None) -> tuple[int, list[Mismatch]]:
    """Compare every row of every public kind with the log."""
    rows, problems = 0, []
    for object_type, model in public_models():
        done, found = check_kind(object_type, model, using=using, progress=progress)
        rows += done
        problems += found
    return rows, problems


# --- a certificate's public trail ------------------------------------------------------------

def _certificate_events(states: dict[str, ObjectState], using: str) -> list[Mismatch]:
    """Each certificate action's leaf is an event of its public trail (docs/decisions/0007): its
    `event` member, or for a record written before leaves carried it, the record's
    `legacy_event`, must be there, be of the leaf's kind, well formed, and its reporting delay
    must be the days from its occurrence to the leaf's day. A `legacy_event` on any other record
    is an event the log does not hold."""
    if not states:
        return []
    content_type = ContentType.objects.db_manager(using).get_by_natural_key("certificates", "certificate")
    legacy: dict[str, dict[int, Any]] = {}
    ids = list(states)
    for start in range(0, len(ids), 900):
        part = ids[start:start + 900]
        rows = (ChangeRecord.objects.using(using)
                .filter(content_type=content_type, object_id__in=part, legacy_event__isnull=False).order_by()
                .values_list("object_id", "log_index", "legacy_event"))
        for object_id, index, event in rows:
            legacy.setdefault(object_id, {})[index] = event
    out = []
    for object_id, state in states.items():
        kept = dict(legacy.get(object_id, {}))
        for index, action, _after in state.actions:
            if not action.startswith("certificate_"):
                continue
            kind = action.removeprefix("certificate_")
            event, old = state.events.get(index), kept.pop(index, None)
            if event is not None and old is not None:
                out.append(Mismatch("certificates.certificate", object_id, "event",
                                    f"leaf {index} ({kind}) holds its event, and its record keeps another", index))
            event = event if event is not None else old
            if event is None:
                out.append(Mismatch("certificates.certificate", object_id, "event",
                                    f"leaf {index} ({kind}) has no event in the certificate's public trail", index))
                continue
            problem = _event_problem(event, kind, state.times.get(index))
            if problem:
                out.append(Mismatch("certificates.certificate", object_id, "event", f"leaf {index}: {problem}", index))
        for index, event in sorted(kept.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
            kind = event.get("kind") if isinstance(event, dict) else event
            out.append(Mismatch("certificates.certificate", object_id, "event",
                                f"an event ({kind}) kept on the record at {index} is in the public trail but not "
                                "in the log"))
    return out


def _event_problem(event: Any, kind: str, time: str | None) -> str:
    """What is wrong with a certificate action's event, or ""."""
    import datetime as dt

    from django.utils import timezone

    if not isinstance(event, dict):
        return f"its event is {event!r}, not an object"
    if event.get("kind") != kind:
        return f"its event is {event.get('kind')!r}, but the leaf says {kind!r}"
    try:
        occurred_on = dt.date.fromisoformat(event["occurred_on"])
        delay = event["delay_days"]
        if not isinstance(delay, int) or isinstance(delay, bool) or not isinstance(event["signed_by"], str) \
                or not isinstance(event.get("details", {}), dict):
            raise TypeError
    except (KeyError, TypeError, ValueError):
        return f"its event ({kind}) is not well formed"
    if time is not None:
        reported = timezone.localtime(dt.datetime.fromisoformat(time.replace("Z", "+00:00"))).date()
        if (reported - occurred_on).days != delay:
            return (f"its event ({kind}) says it was reported {delay} days after {occurred_on}, but the leaf is of "
                    f"{reported}")
    return ""


EXTRA_CHECKS: dict[str, Callable[[dict[str, ObjectState], str], list[Mismatch]]] = {
    "certificates.certificate": _certificate_events,
}


# --- the register's rows as anyone may read them --------------------------------------------

PAGE = 1000


def state_page(object_type: str, *, after: str = "", limit: int = PAGE, using: str = "default"
               ) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a public kind's rows, in id order after `after`, each as the fields its
    leaves hold (`core.history.snapshot`: personal data as salted hashes), for anyone to hold
    against the log (`remote.py`). Returns the rows and the `after` of the next page (None at
    the end). KeyError for a kind that is not public."""
    model = dict(public_models())[object_type]
    query = model._base_manager.db_manager(using).order_by("pk")
    if after:
        query = query.filter(pk__gt=model._meta.pk.to_python(after))
    rows = list(query[:max(1, min(limit, PAGE)) + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return [{"id": str(row.pk), "fields": snapshot(row)} for row in rows], (str(rows[-1].pk) if more else None)
