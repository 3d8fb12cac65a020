"""Leaf records: canonical JSON (RFC 8785), personal data as salted hashes, signatures."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid

import pytest
import rfc8785
from django.contrib.auth import get_user_model
from django.db import transaction

from certinel.core.actor import Actor
from certinel.core.history import personal_hash, record_change
from certinel.transparency.leaf import (
    LeafError,
    actor_of,
    change_record_leaf,
    commitment,
    full_record_leaf,
    leaf_record,
    parse_leaf,
    verify_leaf_signature,
)
from certinel.transparency.note import Ed25519Signer
from certinel.transparency.tiles import MAX_ENTRY_SIZE

WHEN = dt.datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _leaf(**kw):
    args = {"action": "certificate_suspended", "time": WHEN, "object_type": "certificates.certificate",
            "object_id": "42", "actor": "body:CNCA-R-2002-001"} | kw
    return leaf_record(**args)


def test_the_record_is_canonical_json():
    data = _leaf(before={"status": "valid", "é": 1, "a": [3, 1.5]}, after={"status": "suspended"},
                 reason="监督抽查不合格", request_id="r-1")
    assert data == rfc8785.dumps(json.loads(data))
    assert data.startswith(b'{"actor":"body:CNCA-R-2002-001","after":{"status":"suspended"},"before":{"a":[3,1.5],')
    record = parse_leaf(data)
    assert record["v"] == 1 and record["time"] == "2025-03-03T21:06:07.000890Z"
    assert record["object"] == {"type": "certificates.certificate", "id": "42"}
    assert record["reason"] == "监督抽查不合格" and "sig" not in record


def test_values_json_cannot_hold_are_made_text():
    data = _leaf(after={"big": 2**60, "price": decimal.Decimal("1.10"), "id": uuid.UUID(int=1),
                        "day": dt.date(2025, 1, 2), "nan": float("nan"), "when": WHEN, "t": (1, 2), 3: None,
                        "other": object.__name__})
    after = parse_leaf(data)["after"]
    assert after["big"] == str(2**60) and after["price"] == "1.10" and after["day"] == "2025-01-02"
    assert after["nan"] == "nan" and after["when"] == "2025-03-03T21:06:07.000890Z" and after["t"] == [1, 2]
    assert after["3"] is None and after["id"] == str(uuid.UUID(int=1))


def test_large_changes_are_kept_as_digests():
    data = _leaf(before={"text": "x" * 70_000}, after=None)
    record = parse_leaf(data)
    assert set(record["before"]) == {"sha256"} and record["after"] is None
    assert len(data) < MAX_ENTRY_SIZE
    with pytest.raises(LeafError):
        _leaf(reason="y" * 3000, action="z" * 70_000)


def test_the_acting_body_signature():
    body = Ed25519Signer.generate("body.example/cb-001")
    data = _leaf(after={"status": "revoked"}, signer=body)
    record = parse_leaf(data)
    assert record["sig"]["alg"] == "Ed25519" and record["sig"]["key"].startswith("body.example/cb-001+")
    assert verify_leaf_signature(data, body.public_key)
    assert not verify_leaf_signature(data, Ed25519Signer.generate("x").public_key)
    assert not verify_leaf_signature(data.replace(b"revoked", b"REVOKED"), body.public_key)
    assert not verify_leaf_signature(_leaf(), body.public_key)


EVENT = {"kind": "suspended", "occurred_on": "2025-03-01", "signed_by": "李主任", "delay_days": 3,
         "details": {"until": "2025-06-01"}}


def test_a_certificate_action_carries_its_event_in_version_2():
    body = Ed25519Signer.generate("body.example/cb-001")
    data = _leaf(after={"status": "suspended"}, event=EVENT, signer=body)
    assert data == rfc8785.dumps(json.loads(data))
    record = parse_leaf(data)
    assert record["v"] == 2 and record["event"] == EVENT
    # The event is signed with the rest: changing it breaks the body's signature.
    assert verify_leaf_signature(data, body.public_key)
    assert not verify_leaf_signature(data.replace("李主任".encode(), "王主任".encode()), body.public_key)
    # Every other leaf keeps version 1, and still reads.
    assert parse_leaf(_leaf(after={"status": "suspended"}))["v"] == 1


def test_an_event_repeating_a_large_change_keeps_its_details_as_a_digest():
    scope = {"scope_text": "x" * 70_000}
    data = _leaf(before={"scope_text": ""}, after=scope, event={**EVENT, "kind": "scope_changed", "details": scope})
    record = parse_leaf(data)
    assert len(data) < MAX_ENTRY_SIZE and set(record["after"]) == {"sha256"}
    assert record["event"]["details"] == {"sha256": hashlib.sha256(rfc8785.dumps(scope)).hexdigest()}
    assert record["event"]["signed_by"] == "李主任"
    # A small one is kept whole.
    assert parse_leaf(_leaf(after={"status": "suspended"}, event=EVENT))["event"]["details"] == EVENT["details"]


@pytest.mark.parametrize("bad", [
    b"not json", b"[1]", b'{"v":2}', b'{"v": 1}', b"\xff", b'{"v":3}', b'{"v":true}',
    b'{"event":{"kind":"issued"},"v":1}',  # version 1 holds no event
    b'{"event":null,"v":2}',  # version 2 must
])
def test_parse_refuses_what_is_not_a_leaf(bad):
    with pytest.raises(LeafError):
        parse_leaf(bad)


def test_leaf_arguments_are_checked():
    with pytest.raises(LeafError):
        _leaf(time=dt.datetime(2025, 1, 1))  # naive on purpose
    with pytest.raises(LeafError):
        _leaf(action="")


@pytest.mark.django_db
def test_change_records_name_people_only_by_salted_hash():
    User = get_user_model()
    person = User.objects.create(username="li.si@example.org", role="admin")
    with transaction.atomic():
        by_person = record_change(actor=Actor.for_user(person), action="x_changed", obj=person, before=None,
                                  after={"when": WHEN})
        by_system = record_change(actor=Actor.system("nightly-import"), action="x_changed", obj=person,
                                  before=None, after={})
    assert actor_of(by_person) == personal_hash("li.si@example.org")
    assert actor_of(by_system) == "nightly-import"
    leaf = full_record_leaf(by_person, object_type="accounts.user")
    assert b"li.si" not in leaf
    # As the history stores it (DjangoJSONEncoder: milliseconds, the time's own offset).
    assert parse_leaf(leaf)["after"] == {"when": "2025-03-04T05:06:07.000+08:00"}


@pytest.mark.django_db
def test_records_of_private_kinds_are_logged_only_as_commitments(settings):
    """An account is private: its leaf says only that a private record was written, and when,
    with a salted commitment to the whole record that nobody without the salt can test."""
    User = get_user_model()
    person = User.objects.create(username="wang.wu@example.org", role="org_user")
    with transaction.atomic():
        record = record_change(actor=Actor.system("test"), action="user_created", obj=person, before=None,
                               after={"username": "wang.wu@example.org", "role": "org_user"})
    leaf = change_record_leaf(record)
    parsed = parse_leaf(leaf)
    assert set(parsed) == {"v", "type", "time", "commitment"} and parsed["type"] == "private"
    assert b"wang.wu" not in leaf and b"org_user" not in leaf and b"user_created" not in leaf
    full = full_record_leaf(record, object_type="accounts.user")
    assert parsed["commitment"] == commitment(full)
    settings.CERTINEL_PERSONAL_DATA_SALT = "another-salt"
    assert commitment(full) != parsed["commitment"]


@pytest.mark.parametrize("text", ['引号"与\\反斜杠', "控制\u0001\t\n字符", "😀 beyond the BMP", "", "\u2028\u2029"])
def test_members_put_together_piecewise_are_canonical(text):
    """The record is assembled from members encoded one by one (some kept for the next record):
    with any text in any member, it is what RFC 8785 writes for the whole record."""
    for args in ({"object_id": text}, {"actor": text}, {"reason": text}, {"request_id": text},
                 {"action": text or "x"}, {"object_type": text or "x"}):
        data = _leaf(**args, before=None, after={"k": text})
        assert data == rfc8785.dumps(json.loads(data)), args
