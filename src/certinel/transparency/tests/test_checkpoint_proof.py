"""Checkpoints (C2SP tlog-checkpoint) and receipts (c2sp.org/tlog-proof@v1), offline."""

from __future__ import annotations

import base64

import pytest

from certinel.transparency import merkle as m
from certinel.transparency.checkpoint import (
    CheckpointBody,
    CheckpointError,
    open_checkpoint,
    parse_checkpoint_text,
    sign_checkpoint,
)
from certinel.transparency.note import Cosigner, Ed25519Signer, NoteError, split_note
from certinel.transparency.proof import HEADER, ReceiptError, build_receipt, parse_receipt, verify_receipt

ORIGIN = "log.example/certinel"


def test_c2sp_example_checkpoint(note_vectors):
    text, sigs = split_note(note_vectors["c2sp_checkpoint"])
    body = parse_checkpoint_text(text)
    assert body.origin == "example.com/behind-the-sofa" and body.size == 20852163
    assert body.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert body.text() == text and sigs[0].name == body.origin


@pytest.mark.parametrize("text", [
    "o\n1\n", "o\n01\n" + base64.b64encode(bytes(32)).decode() + "\n", "o\n-1\nAA==\n", "o\n1\nAAAA\n",
    "\n1\n" + base64.b64encode(bytes(32)).decode() + "\n", "o\n1\n" + base64.b64encode(bytes(32)).decode(),
    "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n", "o\n1 \n" + base64.b64encode(bytes(32)).decode() + "\n",
    "o\n1\n" + base64.b64encode(bytes(32)).decode()[:-1] + "E\n", "o\n1\n!" + "A" * 43 + "\n",
])
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(CheckpointError):
        parse_checkpoint_text(text)


def test_sign_and_open_with_extensions_and_witnesses():
    log = Ed25519Signer.generate(ORIGIN)
    w1, w2 = Cosigner.generate("w1.example"), Cosigner.generate("w2.example")
    body = CheckpointBody(ORIGIN, 7, m.leaf_hash(b"root"), ("ext line",))
    note = sign_checkpoint(body, [log])
    opened = open_checkpoint(note, origin=ORIGIN, verifiers=[log.verifier])
    assert opened.body == body and opened.size == 7
    cosigned = note + w1.cosign(body.text()).line + Cosigner.generate("stranger").cosign(body.text()).line
    opened = open_checkpoint(cosigned, origin=ORIGIN, verifiers=[log.verifier], witnesses=[w1.verifier, w2.verifier],
                             quorum=1)
    assert opened.cosigned_by([w1.verifier, w2.verifier]) == ["w1.example"]
    with pytest.raises(CheckpointError, match="fewer than 2"):
        open_checkpoint(cosigned, origin=ORIGIN, verifiers=[log.verifier], witnesses=[w1.verifier, w2.verifier],
                        quorum=2)
    with pytest.raises(CheckpointError, match="origin"):
        open_checkpoint(note, origin="other.example/log", verifiers=[log.verifier])
    with pytest.raises(CheckpointError, match="not signed by the log"):
        open_checkpoint(body.text() + "\n" + w1.cosign(body.text()).line, origin=ORIGIN,
                        verifiers=[log.verifier], witnesses=[w1.verifier])
    with pytest.raises(CheckpointError):
        open_checkpoint(note, origin=ORIGIN, verifiers=[])
    with pytest.raises(CheckpointError):
        CheckpointBody("two\nlines", 1, bytes(32)).text()
    with pytest.raises(CheckpointError):
        CheckpointBody(ORIGIN, 1, bytes(31)).text()
    with pytest.raises(CheckpointError):
        CheckpointBody(ORIGIN, 1, bytes(32), ("",)).text()


# --- receipts -------------------------------------------------------------------------------

def _log(n: int):
    entries = [f'{{"n":{i}}}'.encode() for i in range(n)]
    leaves = [m.leaf_hash(e) for e in entries]
    signer = Ed25519Signer.generate(ORIGIN)
    note = sign_checkpoint(CheckpointBody(ORIGIN, n, m.root_hash(leaves)), [signer])
    return entries, leaves, signer, note


def test_receipt_round_trip_and_offline_verification():
    entries, leaves, signer, note = _log(21)
    text = build_receipt(index=13, proof=m.inclusion_proof(13, leaves), checkpoint=note, extra=entries[13])
    assert text.startswith(HEADER + "\nextra ") and "\nindex 13\n" in text and text.endswith(note)
    parsed = parse_receipt(text)
    assert parsed.index == 13 and parsed.extra == entries[13] and parsed.checkpoint == note
    assert parse_receipt(text.encode()).text() == text
    done = verify_receipt(text, origin=ORIGIN, verifiers=[signer.verifier])
    assert done.index == 13 and done.entry == entries[13] and done.checkpoint.size == 21
    assert verify_receipt(text, origin=ORIGIN, verifiers=[signer.verifier], entry=entries[13]).index == 13
    bare = build_receipt(index=13, proof=m.inclusion_proof(13, leaves), checkpoint=note)
    assert verify_receipt(bare, origin=ORIGIN, verifiers=[signer.verifier], leaf=leaves[13]).entry is None


def test_receipts_that_must_not_verify():
    entries, leaves, signer, note = _log(21)
    proof = m.inclusion_proof(13, leaves)
    good = build_receipt(index=13, proof=proof, checkpoint=note, extra=entries[13])
    forged = build_receipt(index=13, proof=proof, checkpoint=note, extra=b'{"n":99}')
    moved = build_receipt(index=12, proof=proof, checkpoint=note, extra=entries[13])
    flipped = build_receipt(index=13, proof=[proof[0][:-1] + b"\x00", *proof[1:]], checkpoint=note, extra=entries[13])
    for text in (forged, moved, flipped):
        with pytest.raises(ReceiptError, match="inclusion proof"):
            verify_receipt(text, origin=ORIGIN, verifiers=[signer.verifier])
    with pytest.raises(ReceiptError, match="checkpoint"):
        verify_receipt(good, origin=ORIGIN, verifiers=[Ed25519Signer.generate(ORIGIN).verifier])
    with pytest.raises(ReceiptError, match="different entry"):
        verify_receipt(good, origin=ORIGIN, verifiers=[signer.verifier], entry=entries[1])
    with pytest.raises(ReceiptError, match="leaf hash"):
        verify_receipt(good, origin=ORIGIN, verifiers=[signer.verifier], leaf=leaves[1])
    bare = build_receipt(index=13, proof=proof, checkpoint=note)
    with pytest.raises(ReceiptError, match="no entry"):
        verify_receipt(bare, origin=ORIGIN, verifiers=[signer.verifier])
    with pytest.raises(ReceiptError):
        build_receipt(index=-1, proof=proof, checkpoint=note)
    with pytest.raises(ReceiptError):
        build_receipt(index=1, proof=[b"short"], checkpoint=note)
    with pytest.raises(ReceiptError):
        build_receipt(index=1, proof=proof, checkpoint=note.rstrip("\n"))


def test_the_spec_example_parses():
    example = (
        "c2sp.org/tlog-proof@v1\n"
        "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
        "index 73894\n"
        "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
        "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
        "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
        "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
        "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
        "\n"
        "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n"
        "— example.com/fancylog hI2DJw1roloI=\n"
    )
    receipt = parse_receipt(example)
    assert receipt.index == 73894 and len(receipt.proof) == 5
    assert receipt.extra is not None and receipt.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert receipt.checkpoint.startswith("example.com/fancylog\n109482\n")


@pytest.mark.parametrize("text", [
    "wrong-header\nindex 0\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 07\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(64)).decode() + "\n\ncheckpoint\n",
    "c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(32)).decode(),
    "c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint",
    b"c2sp.org/tlog-proof@v1\nindex 0\n\n\xff\n",
])
def test_malformed_receipts(text):
    with pytest.raises(ReceiptError):
        parse_receipt(text)


def test_receipt_errors_are_note_errors_too():
    # A checkpoint inside a receipt that is not a signed note fails verification cleanly.
    text = build_receipt(index=0, proof=[], checkpoint="not a note\n", extra=b"x")
    with pytest.raises(ReceiptError):
        verify_receipt(text, origin=ORIGIN, verifiers=[Ed25519Signer.generate(ORIGIN).verifier])
    assert issubclass(CheckpointError, NoteError)
