"""Signed notes against the examples published with golang.org/x/mod/sumdb/note and C2SP."""

from __future__ import annotations

import base64

import pytest

from certinel.transparency import note as n


@pytest.fixture
def peter(note_vectors):
    return note_vectors["peter"]


def test_peter_neumann_key_and_signature(peter, note_vectors):
    verifier = n.parse_verifier_key(peter["vkey"])
    assert (verifier.name, verifier.key_id) == ("PeterNeumann", 0xC74F20A3)
    signer = n.Ed25519Signer.from_signer_key(peter["skey"])
    assert signer.vkey == peter["vkey"] and signer.public_key == verifier.public_key
    assert signer.signer_key == peter["skey"]
    # Signing the text reproduces the published note byte for byte (Ed25519 is deterministic).
    message = n.sign_note(peter["text"], [signer])
    assert message == peter["text"] + "\n" + peter["signature_line"]
    opened = n.open_note(message, [verifier])
    assert opened.text == peter["text"] and [s.name for s in opened.signatures] == ["PeterNeumann"]


def test_doubly_signed_note(peter, note_vectors):
    enoch = note_vectors["enoch"]
    message = peter["text"] + "\n" + peter["signature_line"] + enoch["signature_line"]
    peter_key, enoch_key = n.parse_verifier_key(peter["vkey"]), n.parse_verifier_key(enoch["vkey"])
    one = n.open_note(message, [peter_key])
    assert [s.name for s in one.signatures] == ["PeterNeumann"]
    assert [(s.name, s.key_id) for s in one.unverified] == [("EnochRoot", 0xAF0CFE78)]
    both = n.open_note(message, [peter_key, enoch_key])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "EnochRoot"] and not both.unverified
    with pytest.raises(n.UnverifiedNoteError) as caught:
        n.open_note(message, [])
    assert len(caught.value.note.unverified) == 2


def test_verifier_key_manglings_are_refused(peter, note_vectors):
    vkey = peter["vkey"]
    for i in range(len(vkey) + 1):
        for j in range(i + 1, len(vkey) + 1):
            if (i, j) != (0, len(vkey)):
                with pytest.raises(n.NoteError):
                    n.parse_verifier_key(vkey[i:j])
    for i in range(len(vkey)):
        changed = vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1:]
        with pytest.raises(n.NoteError):
            n.parse_verifier_key(changed)
    for bad in peter["bad_keys"]:
        with pytest.raises(n.NoteError):
            n.parse_verifier_key(bad)


def test_signer_key_manglings_are_refused(peter):
    skey = peter["skey"]
    for i in range(0, len(skey), 3):
        changed = skey[:i] + chr(ord(skey[i]) + 1) + skey[i + 1:]
        with pytest.raises(n.NoteError):
            n.Ed25519Signer.from_signer_key(changed)
    for cut in (skey[:-4], skey[12:], "PRIVATE+KEY+x", skey.replace("AYEK", "AiEK")):
        with pytest.raises(n.NoteError):
            n.Ed25519Signer.from_signer_key(cut)


def test_cosignature_keys_and_timestamps(note_vectors):
    keys = note_vectors["formats_keys"]
    plus = n.parse_verifier_key(keys["plus_in_base64"])
    assert plus.alg == n.ALG_ED25519 and plus.name == "TEST"
    witness = n.parse_verifier_key(keys["cosignature_v1"])
    assert witness.alg == n.ALG_COSIGNATURE_V1 and witness.key_id == 0xDA77ADE7
    raw = base64.b64decode(note_vectors["formats_cosignature"]["base64"])
    assert int.from_bytes(raw[4:12], "big") == note_vectors["formats_cosignature"]["timestamp"]
    cosigned = note_vectors["c2sp_cosigned_checkpoint"]
    text, sigs = n.split_note(cosigned)
    assert text.startswith("example.com/behind-the-sofa\n20852163\n")
    assert [s.name for s in sigs] == ["example.com/behind-the-sofa", "witness.example.com/w1"]
    assert int.from_bytes(base64.b64decode(sigs[1].base64)[4:12], "big") == note_vectors["c2sp_cosignature_timestamp"]


def test_c2sp_example_note_keeps_its_blank_line(note_vectors):
    text, sigs = n.split_note(note_vectors["c2sp_signed_note"])
    assert text.endswith("trafitto da un raggio di sole:\n\ned è subito sera.\n")
    assert sigs[0].name == "quasimodo.example/salvatore" and len(base64.b64decode(sigs[0].base64)) == 68


def test_witness_cosignature_round_trip():
    log = n.Ed25519Signer.generate("log.example/one")
    witness = n.Cosigner.generate("witness.example/w1")
    text = "log.example/one\n5\n" + base64.b64encode(bytes(32)).decode() + "\n"
    message = n.sign_note(text, [log]) + witness.cosign(text, timestamp=1_700_000_000).line
    opened = n.open_note(message, [log.verifier, witness.verifier])
    assert [s.name for s in opened.signatures] == ["log.example/one", "witness.example/w1"]
    assert n.parse_verifier_key(witness.verifier.vkey) == witness.verifier
    # The same key as a plain Ed25519 key has another key ID: its signature is not mistaken for one.
    as_plain = n.Verifier(witness.name, witness.public_key, n.ALG_ED25519)
    assert [s.name for s in n.open_note(message, [log.verifier, as_plain]).signatures] == ["log.example/one"]
    assert not witness.verifier.verify(text.encode(), b"\x00" * 10)


@pytest.mark.parametrize("mangle", [
    lambda t, s: t,  # no signatures
    lambda t, s: t + "\n",
    lambda t, s: t + "\n" + s[:-1],  # no final newline
    lambda t, s: "\x01" + t + "\n" + s,
    lambda t, s: t + "\n" + s.replace("PeterNeumann", "Bad Name"),
    lambda t, s: t + "\n" + s + "Unexpected line.\n",
    lambda t, s: t + "\n" + s * 101,
    lambda t, s: t + "\n" + s.replace("x08go", "!!!!!"),
    lambda t, s: t + "\n" + "— PeterNeumann AAAA\n",
])
def test_malformed_notes_are_refused(peter, mangle):
    message = mangle(peter["text"], peter["signature_line"])
    with pytest.raises(n.NoteError):
        n.open_note(message, [n.parse_verifier_key(peter["vkey"])])
    with pytest.raises(n.NoteError):
        n.open_note(b"\xff" + message.encode(), [n.parse_verifier_key(peter["vkey"])])


def test_a_known_key_with_a_bad_signature_refuses_the_note(peter):
    line = peter["signature_line"]
    bad = line[:60] + "ABCD" + line[64:]
    with pytest.raises(n.InvalidSignatureError, match="PeterNeumann\\+c74f20a3"):
        n.open_note(peter["text"] + "\n" + bad, [n.parse_verifier_key(peter["vkey"])])
    # An unknown key is ignored even when it shares the known key's name.
    other = n.Ed25519Signer.generate("PeterNeumann")
    message = n.sign_note(peter["text"], [other]) + line
    opened = n.open_note(message, [n.parse_verifier_key(peter["vkey"])])
    assert len(opened.signatures) == 1 and len(opened.unverified) == 1


def test_signing_rules():
    signer = n.Ed25519Signer.generate("a.example/k")
    with pytest.raises(n.NoteError):
        n.sign_note("no newline", [signer])
    with pytest.raises(n.NoteError):
        n.Ed25519Signer.generate("has space")
    with pytest.raises(n.NoteError):
        n.verifier_key("a+b", bytes(32))
    with pytest.raises(n.NoteError):
        n.verifier_key("ok", bytes(31))
    twice = n.sign_note("t\n", [signer], existing=n.split_note(n.sign_note("t\n", [signer]))[1])
    assert twice.count("— a.example/k ") == 1
    assert "PRIVATE" not in repr(signer)
    with pytest.raises(n.NoteError, match="ambiguous"):
        n.open_note(n.sign_note("t\n", [signer]), [signer.verifier, _collide(signer)])


def _collide(signer: n.Ed25519Signer) -> n.Verifier:
    """A different verifier that claims the same name and key ID (as a hostile list could)."""
    class Colliding(n.Verifier):
        @property
        def key_id(self) -> int:
            return signer.verifier.key_id

    return Colliding(signer.name, bytes(32))
