"""The Merkle tree of RFC 6962 / RFC 9162 (SHA-256; leaf prefix 0x00, node prefix 0x01).

Pure functions over lists of leaf hashes: tree hashes, inclusion and consistency proofs
(RFC 6962 section 2.1, `PATH` and `PROOF`), and their verification (RFC 9162 sections 2.1.3.2
and 2.1.4.2). The `verify_*` functions return False on anything malformed and never raise.

Subtrees (`[start, end)` with `start` a multiple of the smallest power of two at least
`end - start`, as used by Merkle Tree Certificates and C2SP cosignatures) get inclusion and
consistency proofs too; the transparency-dev/merkle test vectors cover them.

These functions hold every leaf hash in memory; the stored log computes the same proofs from
tiles (`certinel.transparency.tiledtree`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(_LEAF + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n > 1): RFC 6962's k, with k < n <= 2k."""
    if n < 2:
        raise ValueError("split_point needs n > 1")
    return 1 << ((n - 1).bit_length() - 1)


def bit_ceil(n: int) -> int:
    """The smallest power of two greater than or equal to n (1 for n <= 1)."""
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) from the leaf hashes: level by level, an unpaired last node moving up as is
    (which builds exactly RFC 6962's left-balanced tree)."""
    level = [bytes(h) for h in leaf_hashes]
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _check_leaves(leaf_hashes: Sequence[bytes]) -> list[bytes]:
    leaves = [bytes(h) for h in leaf_hashes]
    if any(len(h) != HASH_SIZE for h in leaves):
        raise ValueError("every leaf hash must be 32 bytes")
    return leaves


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]): the audit path of the leaf at `index`, from its sibling upwards."""
    leaves = _check_leaves(leaf_hashes)
    if not 0 <= index < len(leaves):
        raise ValueError(f"index {index} is outside a tree of size {len(leaves)}")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            path.append(root_hash(leaves[lo + k:hi]))
            hi = lo + k
        else:
            path.append(root_hash(leaves[lo:lo + k]))
            lo += k
    return path[::-1]


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true): proves the tree of `old_size` leaves is a
    prefix of the tree of all `leaf_hashes`. Empty when the sizes are equal."""
    leaves = _check_leaves(leaf_hashes)
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"old size {old_size} must be in 1..{len(leaves)}")
    return subtree_consistency_proof(0, old_size, leaves)


def is_valid_subtree(start: int, end: int) -> bool:
    """A non-empty subtree [start, end): start is a multiple of bit_ceil(end - start)."""
    return 0 <= start < end and start % bit_ceil(end - start) == 0


# Steps of the descent from the root of a tree to a subtree, as SUBPROOF takes them.
_IN_LEFT, _IN_RIGHT, _ACROSS = 0, 1, 2


def _descent(start: int, end: int, size: int) -> tuple[list[tuple[int, int, int]], tuple[int, int] | None]:
    """The path SUBPROOF(start, end, D[size], true) takes from the root down: a list of
    (step, lo, hi) where [lo, hi) is the sibling range whose hash the step adds; and, when the
    subtree is not itself a node of the tree, the range [lo, hi) left at the bottom, whose hash
    the proof carries first."""
    steps: list[tuple[int, int, int]] = []
    base = 0  # absolute position of the current range
    whole = True
    s, e, n = start, end, size
    while not (s == 0 and e == n):
        k = split_point(n)
        if e <= k:
            steps.append((_IN_LEFT, base + k, base + n))
            n = k
        elif s >= k:
            steps.append((_IN_RIGHT, base, base + k))
            base, s, e, n = base + k, s - k, e - k, n - k
        else:  # s == 0 < k < e: the subtree spans both halves
            steps.append((_ACROSS, base, base + k))
            base, e, n = base + k, e - k, n - k
            whole = False
    return steps, (None if whole else (base + s, base + e))


def subtree_consistency_proof(start: int, end: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The proof that subtree [start, end) is part of the tree of all `leaf_hashes`
    (with start = 0 this is RFC 6962's consistency proof)."""
    leaves = _check_leaves(leaf_hashes)
    if not is_valid_subtree(start, end) or end > len(leaves):
        raise ValueError(f"[{start}, {end}) is not a subtree of a tree of size {len(leaves)}")
    steps, bottom = _descent(start, end, len(leaves))
    proof = [root_hash(leaves[lo:hi]) for _, lo, hi in reversed(steps)]
    if bottom is not None:
        proof.insert(0, root_hash(leaves[bottom[0]:bottom[1]]))
    return proof


def subtree_inclusion_proof(index: int, start: int, end: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf `index` up to the root of subtree [start, end)."""
    leaves = _check_leaves(leaf_hashes)
    if not is_valid_subtree(start, end) or end > len(leaves) or not start <= index < end:
        raise ValueError(f"leaf {index} is not in subtree [{start}, {end})")
    return inclusion_proof(index - start, leaves[start:end])


# --- verification: never raises --------------------------------------------------------------

def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hashes(proof: Any) -> list[bytes] | None:
    if isinstance(proof, bytes | bytearray | str) or proof is None:
        return None
    try:
        items = [bytes(p) for p in proof if isinstance(p, bytes | bytearray | memoryview)]
        if len(items) != len(proof) or any(len(p) != HASH_SIZE for p in items):
            return None
    except TypeError:
        return None
    return items


def _as_bytes(value: Any) -> bytes | None:
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None


def _root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162 section 2.1.3.2 steps 2-5: the root a path leads to, None if its length is wrong."""
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows the leaf with hash `leaf_hash` at `index` in the tree of
    `tree_size` leaves whose root is `root` (RFC 9162 section 2.1.3.2)."""
    try:
        leaf, top, path = _as_bytes(leaf_hash), _as_bytes(root), _hashes(proof)
        if leaf is None or top is None or path is None or len(leaf) != HASH_SIZE:
            return False
        if not (_is_count(index) and _is_count(tree_size)) or index >= tree_size:
            return False
        return _root_from_path(leaf, index, tree_size, path) == top
    except Exception:  # a verifier answers no, it does not fail
        return False


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `old_size` leaves with root `old_root` is a prefix
    of the tree of `new_size` leaves with root `new_root` (RFC 9162 section 2.1.4.2).

    A proof from the empty tree proves nothing and is refused, as transparency-dev/merkle
    does; equal sizes need an empty proof and equal roots."""
    try:
        first, second, path = _as_bytes(old_root), _as_bytes(new_root), _hashes(proof)
        if first is None or second is None or path is None:
            return False
        if not (_is_count(old_size) and _is_count(new_size)) or old_size > new_size or old_size == 0:
            return False
        if old_size == new_size:
            return not path and first == second
        if not path:
            return False
        if old_size & (old_size - 1) == 0:
            path = [first, *path]
        fn, sn = old_size - 1, new_size - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        fr = sr = path[0]
        for c in path[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr, sr = node_hash(c, fr), node_hash(c, sr)
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
            else:
                sr = node_hash(sr, c)
            fn >>= 1
            sn >>= 1
        return sn == 0 and fr == first and sr == second
    except Exception:
        return False


def verify_subtree_inclusion(leaf_hash: bytes, index: int, start: int, end: int, proof: Sequence[bytes],
                             root: bytes) -> bool:
    """Whether `proof` shows leaf `index` in subtree [start, end) whose hash is `root`."""
    try:
        if not (_is_count(index) and _is_count(start) and _is_count(end)):
            return False
        if not is_valid_subtree(start, end) or not start <= index < end:
            return False
        return verify_inclusion(leaf_hash, index - start, end - start, proof, root)
    except Exception:
        return False


def verify_subtree_consistency(start: int, end: int, size: int, proof: Sequence[bytes], subtree_root: bytes,
                               root: bytes) -> bool:
    """Whether `proof` shows subtree [start, end) with hash `subtree_root` is part of the tree
    of `size` leaves with root `root`. An empty subtree (start == end) is part of any tree
    that reaches it, with an empty proof, when its hash is that of the empty tree."""
    try:
        sub, top, path = _as_bytes(subtree_root), _as_bytes(root), _hashes(proof)
        if sub is None or top is None or path is None:
            return False
        if not (_is_count(start) and _is_count(end) and _is_count(size)) or end > size:
            return False
        if start == end:
            return not path and sub == EMPTY_ROOT
        if not is_valid_subtree(start, end):
            return False
        steps, bottom = _descent(start, end, size)
        whole = bottom is None
        if len(path) != len(steps) + (0 if whole else 1):
            return False
        old = new = sub if whole else path[0]
        for (step, _lo, _hi), p in zip(reversed(steps), path[0 if whole else 1:], strict=True):
            if step == _IN_LEFT:
                new = node_hash(new, p)
            elif step == _IN_RIGHT:
                new = node_hash(p, new)
            else:
                old, new = node_hash(p, old), node_hash(p, new)
        return old == sub and new == top
    except Exception:
        return False
