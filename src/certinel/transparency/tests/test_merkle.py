"""The Merkle tree against RFC 6962's own examples, the transparency-dev/merkle test vectors
(negative cases included) and properties that must hold for any tree."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from certinel.transparency import merkle as m

VECTORS = Path(__file__).parent / "data" / "merkle"


def _load(kind: str) -> list[tuple[str, dict]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(f.relative_to(VECTORS)), json.loads(f.read_text())) for f in files]


def _b(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _proof(probe: dict) -> list[bytes]:
    return [_b(p) for p in probe.get("proof") or []]


def test_all_vector_folders_are_used():
    counts = {kind: len(_load(kind)) for kind in ("inclusion", "consistency", "subtreeinclusion", "subtreeconsistency")}
    assert all(counts.values()) and sum(counts.values()) == len(list(VECTORS.rglob("*.json")))
    assert sum(counts.values()) == 518


@pytest.mark.parametrize(("name", "probe"), _load("inclusion"), ids=lambda v: v if isinstance(v, str) else "")
def test_inclusion_vectors(name, probe):
    ok = m.verify_inclusion(_b(probe["leafHash"]), probe["leafIdx"], probe["treeSize"], _proof(probe),
                            _b(probe["root"]))
    assert ok is not probe["wantErr"], probe["desc"]


@pytest.mark.parametrize(("name", "probe"), _load("consistency"), ids=lambda v: v if isinstance(v, str) else "")
def test_consistency_vectors(name, probe):
    ok = m.verify_consistency(probe["size1"], probe["size2"], _b(probe["root1"]), _b(probe["root2"]), _proof(probe))
    assert ok is not probe["wantErr"], probe["desc"]


@pytest.mark.parametrize(("name", "probe"), _load("subtreeinclusion"), ids=lambda v: v if isinstance(v, str) else "")
def test_subtree_inclusion_vectors(name, probe):
    ok = m.verify_subtree_inclusion(_b(probe["leafHash"]), probe["leafIdx"], probe["start"], probe["end"],
                                    _proof(probe), _b(probe["root"]))
    assert ok is not probe["wantErr"], probe["desc"]


@pytest.mark.parametrize(("name", "probe"), _load("subtreeconsistency"), ids=lambda v: v if isinstance(v, str) else "")
def test_subtree_consistency_vectors(name, probe):
    ok = m.verify_subtree_consistency(probe["start"], probe["end"], probe["size"], _proof(probe),
                                      _b(probe["root1"]), _b(probe["root2"]))
    assert ok is not probe["wantErr"], probe["desc"]


def test_happy_path_proofs_are_the_ones_we_generate():
    """The vectors' happy paths come from the leaves of transparency-dev/merkle's tests:
    generating the same proofs from those leaves gives the same hashes."""
    leaves = [b"", b"\x00", b"\x10", bytes.fromhex("2021"), bytes.fromhex("3031"), bytes.fromhex("40414243"),
              bytes.fromhex("5051525354555657"), bytes.fromhex("606162636465666768696a6b6c6d6e6f")]
    hashes = [m.leaf_hash(d) for d in leaves]
    for _, probe in _load("consistency"):
        if probe["desc"] == "happy path" and probe["size1"] < probe["size2"]:
            assert m.consistency_proof(probe["size1"], hashes[:probe["size2"]]) == _proof(probe)
            assert m.root_hash(hashes[:probe["size2"]]) == _b(probe["root2"])
    for name, probe in _load("inclusion"):
        if probe["desc"] == "happy path" and probe["treeSize"] <= 8 and "single" not in name:
            tree = hashes[:probe["treeSize"]]
            if tree[probe["leafIdx"]] == _b(probe["leafHash"]):
                assert m.inclusion_proof(probe["leafIdx"], tree) == _proof(probe)


# --- RFC 6962 section 2.1.3: the tree of seven leaves ------------------------------------------

def _rfc_tree():
    d = [f"d{i}".encode() for i in range(7)]
    a, b, c, dd, e, f, j = (m.leaf_hash(x) for x in d)
    g, h, i = m.node_hash(a, b), m.node_hash(c, dd), m.node_hash(e, f)
    k, ll = m.node_hash(g, h), m.node_hash(i, j)
    return {"leaves": [a, b, c, dd, e, f, j], "a": a, "b": b, "c": c, "d": dd, "e": e, "f": f, "g": g,
            "h": h, "i": i, "j": j, "k": k, "l": ll, "root": m.node_hash(k, ll)}


def test_rfc6962_example_tree():
    t = _rfc_tree()
    leaves = t["leaves"]
    assert m.root_hash(leaves) == t["root"]
    # "The audit path for d0 is [b, h, l]", d3: [c, g, l], d4: [f, j, k], d6: [i, k].
    assert m.inclusion_proof(0, leaves) == [t["b"], t["h"], t["l"]]
    assert m.inclusion_proof(3, leaves) == [t["c"], t["g"], t["l"]]
    assert m.inclusion_proof(4, leaves) == [t["f"], t["j"], t["k"]]
    assert m.inclusion_proof(6, leaves) == [t["i"], t["k"]]
    # hash0 (3 leaves) -> hash: [c, d, g, l]; hash1 (4 leaves): [l]; hash2 (6 leaves): [i, j, k].
    assert m.consistency_proof(3, leaves) == [t["c"], t["d"], t["g"], t["l"]]
    assert m.consistency_proof(4, leaves) == [t["l"]]
    assert m.consistency_proof(6, leaves) == [t["i"], t["j"], t["k"]]
    for index, name in [(0, "a"), (3, "d"), (4, "e"), (6, "j")]:
        assert m.verify_inclusion(t[name], index, 7, m.inclusion_proof(index, leaves), t["root"])
    hash0 = m.node_hash(t["g"], t["c"])
    assert m.root_hash(leaves[:3]) == hash0
    assert m.verify_consistency(3, 7, hash0, t["root"], [t["c"], t["d"], t["g"], t["l"]])
    assert m.verify_consistency(4, 7, t["k"], t["root"], [t["l"]])
    assert m.verify_consistency(6, 7, m.node_hash(t["k"], t["i"]), t["root"], [t["i"], t["j"], t["k"]])


def test_empty_tree_and_hashing_domains():
    assert m.root_hash([]) == hashlib.sha256(b"").digest() == m.EMPTY_ROOT
    assert m.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert m.node_hash(b"l" * 32, b"r" * 32) == hashlib.sha256(b"\x01" + b"l" * 32 + b"r" * 32).digest()
    assert m.root_hash([m.leaf_hash(b"x")]) == m.leaf_hash(b"x")


# --- properties ------------------------------------------------------------------------------

def _mth(hashes: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 defines it, recursively (the reference for root_hash)."""
    if not hashes:
        return m.EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = m.split_point(len(hashes))
    return m.node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _leaves(n: int, salt: int = 0) -> list[bytes]:
    return [m.leaf_hash(f"{salt}:{i}".encode()) for i in range(n)]


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8 % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


@given(st.integers(0, 300))
def test_root_hash_is_rfc6962_mth(n):
    leaves = _leaves(n)
    assert m.root_hash(leaves) == _mth(leaves)


@settings(max_examples=150)
@given(st.integers(1, 300), st.data())
def test_every_inclusion_proof_verifies_and_any_bit_flip_fails(n, data):
    leaves = _leaves(n)
    index = data.draw(st.integers(0, n - 1))
    proof = m.inclusion_proof(index, leaves)
    root = m.root_hash(leaves)
    assert len(proof) <= (n - 1).bit_length()
    assert m.verify_inclusion(leaves[index], index, n, proof, root)
    bit = data.draw(st.integers(0, 255))
    assert not m.verify_inclusion(_flip(leaves[index], bit), index, n, proof, root)
    assert not m.verify_inclusion(leaves[index], index, n, proof, _flip(root, bit))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1:]]
        assert not m.verify_inclusion(leaves[index], index, n, bad, root)
        assert not m.verify_inclusion(leaves[index], index, n, proof[:-1], root)
    assert not m.verify_inclusion(leaves[index], index, n, [*proof, root], root)
    other = data.draw(st.integers(0, n))
    assume(other != index)
    assert not m.verify_inclusion(leaves[index], other, n, proof, root)


@settings(max_examples=150)
@given(st.integers(2, 300), st.data())
def test_every_consistency_proof_verifies_and_any_bit_flip_fails(n, data):
    leaves = _leaves(n)
    old = data.draw(st.integers(1, n - 1))
    proof = m.consistency_proof(old, leaves)
    old_root, new_root = m.root_hash(leaves[:old]), m.root_hash(leaves)
    assert m.verify_consistency(old, n, old_root, new_root, proof)
    assert m.verify_consistency(n, n, new_root, new_root, [])
    bit = data.draw(st.integers(0, 255))
    at = data.draw(st.integers(0, len(proof) - 1))
    bad = [*proof[:at], _flip(proof[at], bit), *proof[at + 1:]]
    assert not m.verify_consistency(old, n, old_root, new_root, bad)
    assert not m.verify_consistency(old, n, _flip(old_root, bit), new_root, proof)
    assert not m.verify_consistency(old, n, old_root, _flip(new_root, bit), proof)
    # A tree that differs in any one leaf of the old part is not consistent with the new one.
    changed = list(leaves)
    where = data.draw(st.integers(0, old - 1))
    changed[where] = _flip(changed[where], bit)
    assert not m.verify_consistency(old, n, m.root_hash(changed[:old]), new_root, proof)


@settings(max_examples=100)
@given(st.integers(1, 200), st.data())
def test_subtree_proofs_verify(n, data):
    leaves = _leaves(n, salt=1)
    height = data.draw(st.integers(0, n.bit_length()))
    width = 1 << height
    start = data.draw(st.integers(0, n // width)) * width
    assume(start < n)
    end = data.draw(st.integers(start + 1, min(n, start + width)))
    assert m.is_valid_subtree(start, end)
    sub_root = m.root_hash(leaves[start:end])
    proof = m.subtree_consistency_proof(start, end, leaves)
    assert m.verify_subtree_consistency(start, end, n, proof, sub_root, m.root_hash(leaves))
    assert not m.verify_subtree_consistency(start, end, n, proof, _flip(sub_root, 7), m.root_hash(leaves))
    index = data.draw(st.integers(start, end - 1))
    path = m.subtree_inclusion_proof(index, start, end, leaves)
    assert m.verify_subtree_inclusion(leaves[index], index, start, end, path, sub_root)
    if start == 0:
        assert proof == (m.consistency_proof(end, leaves) if end < n else [])


@pytest.mark.parametrize("args", [
    (None, 0, 1, [], b"\x00" * 32),
    (b"\x00" * 32, -1, 1, [], b"\x00" * 32),
    (b"\x00" * 32, 0, True, [], b"\x00" * 32),
    (b"\x00" * 32, 0, 1, "not a proof", b"\x00" * 32),
    (b"\x00" * 32, 0, 1, None, b"\x00" * 32),
    (b"\x00" * 32, 0, 1, [None], b"\x00" * 32),
    (b"\x00" * 32, 0, 2, [b"\x00" * 31], b"\x00" * 32),
    (b"\x00" * 32, 0, 2.0, [b"\x00" * 32], b"\x00" * 32),
    ("0" * 32, 0, 1, [], "0" * 32),
    (b"\x00" * 32, 2**70, 2**71, [b"\x00" * 32] * 71, b"\x00" * 32),
])
def test_verifiers_answer_false_to_malformed_input(args):
    leaf, index, size, proof, root = args
    assert m.verify_inclusion(leaf, index, size, proof, root) is False
    assert m.verify_consistency(index, size, leaf, root, proof) is False
    assert m.verify_subtree_inclusion(leaf, index, 0, size, proof, root) is False
    assert m.verify_subtree_consistency(index, size, size, proof, leaf, root) is False


def test_generators_refuse_what_is_not_a_tree():
    leaves = _leaves(5)
    for bad in [lambda: m.inclusion_proof(5, leaves), lambda: m.consistency_proof(0, leaves),
                lambda: m.consistency_proof(6, leaves), lambda: m.inclusion_proof(0, [b"short"]),
                lambda: m.subtree_consistency_proof(1, 3, leaves), lambda: m.subtree_inclusion_proof(4, 0, 4, leaves),
                lambda: m.split_point(1)]:
        with pytest.raises(ValueError):
            bad()
