"""Verification answers kept while nothing they depend on has changed.

Verification is the busiest public request, and most of its cost is building the same answer
again: the certificate with its body, scheme and holder, the holder's former names, the body's
approved scopes, the public events, the e-certificate keys. An answer is kept (in the process's
memory, cache alias ``verification``) under the question asked — the number, the holder and
scope given, the language and today's date — together with a *fingerprint*: one indexed
query that reads, for every certificate with that number, what changes whenever anything in
the answer changes:

* the certificate's version and update time (every lifecycle action and correction bumps
  them, and its events are written with it);
* the update times of its body and holder (names, approval, status), the count and latest
  update of the body's scopes for the scheme, the count and latest id of the holder's former
  names;
* its successor's update time and that of the successor's body (a transfer);
* the count of its e-certificates, and the count and latest date of compromised signing keys;
* the latest load of the reference lists (scheme names).

A kept answer is used only when the fingerprint read now is the one it was built with, so an
answer is never older than the register: a write committed before the request is always seen.
Today's date is part of the question, so statuses that change with the date (expiry, missed
surveillance) are worked out again each day. A "not found" without a holder is kept too (its
fingerprint is empty until a certificate with that number is reported); a "not found" with a
holder is not, since its suggestions depend on the whole organization register.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from certinel.credentials.models import SigningKey
from certinel.reference.models import CodeListVersion
from certinel.registry.models import BodyScope, CertificationBody, Organization, OrganizationName

from .models import Certificate, CertificateCredential

ALIAS = "verification"
TIMEOUT = 24 * 3600  # the date is part of the key: nothing older than a day is ever used

T = TypeVar("T")

def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _fingerprint_sql(count: int, vendor: str) -> str:
    """The query for `count` spellings of a number (a number has one to three), with the
    driver's own placeholders."""
    cert, body, org = _table(Certificate), _table(CertificationBody), _table(Organization)
    scope, former = _table(BodyScope), _table(OrganizationName)
    cred, key, lists = _table(CertificateCredential), _table(SigningKey), _table(CodeListVersion)
    marks = ", ".join(["?" if vendor == "sqlite" else "%s"] * count)
    return (
        f"SELECT c.id, c.version, c.updated_at, b.updated_at, o.updated_at,"  # noqa: S608
        f" (SELECT COUNT(*) FROM {scope} s WHERE s.body_id = c.body_id AND s.scheme_id = c.scheme_id),"
        f" (SELECT MAX(s.updated_at) FROM {scope} s WHERE s.body_id = c.body_id AND s.scheme_id = c.scheme_id),"
        f" (SELECT COUNT(*) FROM {former} n WHERE n.organization_id = c.holder_id),"
        f" (SELECT MAX(n.id) FROM {former} n WHERE n.organization_id = c.holder_id),"
        f" (SELECT MAX(t.updated_at) FROM {cert} t WHERE t.transferred_from_id = c.id),"
        f" (SELECT MAX(tb.updated_at) FROM {cert} t JOIN {body} tb ON tb.id = t.body_id"
        f"  WHERE t.transferred_from_id = c.id),"
        f" (SELECT COUNT(*) FROM {cred} e WHERE e.certificate_id = c.id),"
        f" (SELECT COUNT(*) FROM {key} k WHERE k.compromised_since IS NOT NULL),"
        f" (SELECT MAX(k.compromised_since) FROM {key} k),"
        f" (SELECT MAX(r.loaded_at) FROM {lists} r)"
        f" FROM {cert} c JOIN {body} b ON b.id = c.body_id JOIN {org} o ON o.id = c.holder_id"
        f" WHERE c.number IN ({marks}) ORDER BY c.id"
    )


def fingerprint(numbers: list[str]) -> tuple[tuple[Any, ...], ...]:
    """What the answers about these certificate numbers (their spellings) depend on, as read
    now: one row per certificate."""
    # Straight to the driver: on every request, Django's cursor wrapper would cost more than
    # the query itself.
    connection.ensure_connection()
    with connection.wrap_database_errors:
        rows = connection.connection.execute(_fingerprint_sql(len(numbers), connection.vendor), numbers).fetchall()
    return tuple(tuple(str(v) for v in row) for row in rows)


def _key(kind: str, question: tuple[Any, ...]) -> str:
    text = "\x1f".join([kind, get_language() or "", timezone.localdate().isoformat(), *map(str, question)])
    return "verify:" + hashlib.sha256(text.encode()).hexdigest()


def remembered(kind: str, number: str, holder_name: str | None, scope: str | None,
               build: Callable[[str, str | None, str | None], T]) -> T:
    """The answer of `build(number, holder, scope)` (of this `kind`: a verdict, an API
    response), built again only when the register changed for the number since it was kept.
    An answer about a number the register does not hold is not kept when a holder was given
    (its suggestions depend on every organization)."""
    from . import selectors

    question = selectors.verification_question(number, holder_name, scope)
    cache = caches[ALIAS]
    key = _key(kind, question)
    # Read before building: a write committed in between makes the kept answer look older
    # than it is (built again next time), never newer.
    now = fingerprint(selectors.number_variants(question[0]))
    if not now and question[0]:
        # No certificate with this number: counted for the verification-misses warning rule
        # (one upsert of hour x number pattern; nothing about who asked).
        from certinel.cases.misses import miss_record

        miss_record(question[0])
    kept = cache.get(key)
    if kept is not None and kept[0] == now:
        return kept[1]
    answer = build(*question)
    if now or question[1] is None:
        cache.set(key, (now, answer), TIMEOUT)
    return answer


def verdict(number: str, holder_name: str | None = None, scope: str | None = None):
    """`selectors.certificate_for_verification`, kept as above (the verification page)."""
    from . import selectors

    return remembered("verdict", number, holder_name, scope, selectors.certificate_for_verification)
