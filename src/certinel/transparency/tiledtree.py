"""Roots and proofs computed from stored tiles, never from all the leaves.

The log keeps its Merkle tree as C2SP tlog-tiles: a tile at level L holds the hashes of 256
consecutive complete subtrees of 256**L leaves. Any complete subtree of the tree is a node
(height h, index i) covering leaves [i * 2**h, (i + 1) * 2**h); its hash comes from one tile,
at level h // 8, by hashing 2**(h % 8) of its hashes. A root or a proof needs O(log n) such
nodes, so O(log n) tile reads: the stores below read all the tiles a proof needs at once.

`TileBuilder` grows the tiles as leaves are appended (used by the log service, the in-memory
store, the monitor and the benchmark).
"""

from __future__ import annotations

import functools
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .merkle import EMPTY_ROOT, HASH_SIZE, node_hash, split_point
from .tiles import TILE_HEIGHT, TILE_WIDTH, hashes_at_level, tile_width

TileKey = tuple[int, int, int]  # (level, index, width)
Node = tuple[int, int]  # (height, index): the complete subtree of 2**height leaves at that index


class MissingTile(LookupError):
    """A tile the tree needs is not in the store (or shorter than it should be)."""


class TileStore(ABC):
    """Where a log's tiles live. Implementations return, for each (level, index, width)
    asked, the first `width` hashes of that tile (width * 32 bytes); the width asked never
    goes past what the store's tree has."""

    @abstractmethod
    def read_tiles(self, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
        """The tiles asked for, all of them, or MissingTile."""


@dataclass(frozen=True)
class CompletedTile:
    level: int
    index: int
    hashes: bytes  # 256 * 32 bytes
    root: bytes  # the tile's Merkle root: a hash of the next level up


_NODE_PREFIX = hashlib.sha256(b"\x01")


@functools.lru_cache(maxsize=1024)
def tile_levels(hashes: bytes) -> tuple[bytes, ...]:
    """The perfect nodes inside a tile: level r holds the hashes of its complete blocks of
    2**r hashes. Cached by content, so a tile that changed can never be served stale."""
    levels = [hashes]
    current = hashes
    while len(current) >= 2 * HASH_SIZE:
        view, nodes = memoryview(current), []
        for pair in range(0, len(current) - 2 * HASH_SIZE + 1, 2 * HASH_SIZE):
            digest = _NODE_PREFIX.copy()  # SHA-256(0x01 || left || right): the two are adjacent
            digest.update(view[pair:pair + 2 * HASH_SIZE])
            nodes.append(digest.digest())
        current = b"".join(nodes)
        levels.append(current)
    return tuple(levels)


def perfect_root(hashes: bytes) -> bytes:
    """The root of a perfect tree whose leaves (or subtree hashes) are `hashes`."""
    count = len(hashes) // HASH_SIZE
    if len(hashes) % HASH_SIZE or count == 0 or count & (count - 1):
        raise ValueError("perfect_root needs a power-of-two number of hashes")
    return tile_levels.__wrapped__(hashes)[-1]


# --- which nodes a root or a proof needs ------------------------------------------------------

def range_nodes(lo: int, hi: int) -> list[Node]:
    """[lo, hi) as complete subtrees, left to right, each as large as alignment allows.
    For the ranges of RFC 6962's recursion (lo a multiple of bit_ceil(hi - lo)) their hashes
    folded from the right give MTH(D[lo:hi])."""
    nodes: list[Node] = []
    while lo < hi:
        height = (hi - lo).bit_length() - 1
        while lo % (1 << height):
            height -= 1
        nodes.append((height, lo >> height))
        lo += 1 << height
    return nodes


def inclusion_plan(index: int, size: int) -> list[list[Node]]:
    """PATH(index, D[size]) as node lists, lowest sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    plan: list[list[Node]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            plan.append(range_nodes(lo + k, hi))
            hi = lo + k
        else:
            plan.append(range_nodes(lo, lo + k))
            lo += k
    return plan[::-1]


def consistency_plan(old_size: int, new_size: int) -> list[list[Node]]:
    """PROOF(old_size, D[new_size]) as node lists (empty when the sizes are equal)."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    plan: list[list[Node]] = []
    lo, m, hi, whole = 0, old_size, new_size, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            plan.append(range_nodes(lo + k, hi))
            hi = lo + k
        else:
            plan.append(range_nodes(lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    plan.reverse()
    if not whole:
        plan.insert(0, range_nodes(lo, hi))
    return plan


# --- reading nodes from tiles -----------------------------------------------------------------

def _tile_of(node: Node, size: int) -> tuple[TileKey, int, int]:
    height, index = node
    level, sub = divmod(height, TILE_HEIGHT)
    first = index << sub  # position of the node's first hash at this tile level
    tile_index, offset = divmod(first, TILE_WIDTH)
    width = tile_width(level, tile_index, size)
    if offset + (1 << sub) > width:
        raise ValueError(f"node {node} is not complete in a tree of size {size}")
    return (level, tile_index, width), sub, offset >> sub


def resolve(store: TileStore, size: int, plan: Sequence[Sequence[Node]]) -> list[bytes]:
    """The hash of each node list of `plan` (the nodes folded from the right), reading every
    tile needed in one call to the store."""
    wanted = {node: _tile_of(node, size) for nodes in plan for node in nodes}
    tiles = store.read_tiles({key for key, _, _ in wanted.values()})
    hashes: dict[Node, bytes] = {}
    for node, (key, sub, position) in wanted.items():
        data = tiles.get(key)
        if data is None or len(data) != key[2] * HASH_SIZE:
            raise MissingTile(f"tile {key} is missing or has the wrong length")
        level = tile_levels(data)[sub]
        hashes[node] = level[position * HASH_SIZE:(position + 1) * HASH_SIZE]
    out: list[bytes] = []
    for nodes in plan:
        value = hashes[nodes[-1]]
        for node in reversed(nodes[:-1]):
            value = node_hash(hashes[node], value)
        out.append(value)
    return out


def tree_root(store: TileStore, size: int) -> bytes:
    """MTH of the first `size` leaves."""
    if size == 0:
        return EMPTY_ROOT
    return resolve(store, size, [range_nodes(0, size)])[0]


def inclusion_proof(store: TileStore, index: int, size: int) -> list[bytes]:
    """The inclusion proof of leaf `index` in the tree of `size` leaves."""
    return resolve(store, size, inclusion_plan(index, size))


def consistency_proof(store: TileStore, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof from the tree of `old_size` leaves to that of `new_size`."""
    return resolve(store, new_size, consistency_plan(old_size, new_size))


def leaf_hash_at(store: TileStore, index: int, size: int) -> bytes:
    """The hash of leaf `index`, from its level-0 tile."""
    return resolve(store, size, [[(0, index)]])[0]


def edge_keys(size: int) -> list[TileKey]:
    """The partial tiles at the right edge of a tree of `size` leaves (what an appender
    needs to carry on), one per level that has one."""
    keys: list[TileKey] = []
    level = 0
    while hashes_at_level(level, size):
        index, width = divmod(hashes_at_level(level, size), TILE_WIDTH)
        if width:
            keys.append((level, index, width))
        level += 1
    return keys


# --- growing the tiles ----------------------------------------------------------------------

class TileBuilder:
    """Appends leaf hashes to a tree, completing tiles as they fill up, and keeps the tree's
    compact range (one perfect subtree per bit of the size) so that the root at the current
    size costs O(log n) hashes. Start it from an existing tree with the partial tiles at its
    right edge (`edge_keys`)."""

    def __init__(self, size: int = 0, edge: Mapping[TileKey, bytes] | None = None) -> None:
        self.size = size
        self.completed: list[CompletedTile] = []
        self._levels: list[bytearray] = []
        self._stack: list[tuple[int, bytes]] = []  # (height, hash), highest first
        edge = dict(edge or {})
        expected = edge_keys(size)
        if set(edge) != set(expected):
            raise MissingTile(f"a tree of size {size} needs the edge tiles {expected}, got {sorted(edge)}")
        top = max((level for level, _, _ in expected), default=-1)
        self._levels = [bytearray() for _ in range(top + 1)]
        for level, index, width in sorted(expected, reverse=True):
            data = edge[(level, index, width)]
            if len(data) != width * HASH_SIZE:
                raise MissingTile(f"edge tile {(level, index, width)} has {len(data)} bytes")
            self._levels[level] += data
            self._stack.extend(self._edge_nodes(level, data))

    @staticmethod
    def _edge_nodes(level: int, data: bytes) -> list[tuple[int, bytes]]:
        levels = tile_levels(data)
        nodes: list[tuple[int, bytes]] = []
        position = 0
        count = len(data) // HASH_SIZE
        for sub in range(TILE_HEIGHT - 1, -1, -1):
            if count & (1 << sub):
                j = position >> sub
                nodes.append((level * TILE_HEIGHT + sub, levels[sub][j * HASH_SIZE:(j + 1) * HASH_SIZE]))
                position += 1 << sub
        return nodes

    def add(self, leaf_hash: bytes) -> None:
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        self._push_level(0, leaf_hash)
        height, node = 0, leaf_hash
        while self._stack and self._stack[-1][0] == height:
            node = node_hash(self._stack.pop()[1], node)
            height += 1
            if height % TILE_HEIGHT == 0:
                self._tile_done(height // TILE_HEIGHT - 1, node)
        self._stack.append((height, node))
        self.size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.add(h)

    def _push_level(self, level: int, value: bytes) -> None:
        while len(self._levels) <= level:
            self._levels.append(bytearray())
        self._levels[level] += value

    def _tile_done(self, level: int, root: bytes) -> None:
        data = bytes(self._levels[level])
        count = hashes_at_level(level, self.size + 1)  # hashes at this level once the leaf is in
        self.completed.append(CompletedTile(level, count // TILE_WIDTH - 1, data, root))
        self._levels[level] = bytearray()
        self._push_level(level + 1, root)

    def drain(self) -> list[CompletedTile]:
        """The tiles completed since the last drain."""
        done, self.completed = self.completed, []
        return done

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        value = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            value = node_hash(left, value)
        return value


class MemoryTileStore(TileStore):
    """All the hashes of every tile level in memory: level L is one byte string of the hashes
    of all complete subtrees of 256**L leaves (level 0: the leaf hashes)."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.size = 0

    def append(self, leaf_hashes: Iterable[bytes]) -> None:
        builder = TileBuilder(self.size, self.read_tiles(edge_keys(self.size)))
        for h in leaf_hashes:
            builder.add(h)
            self.levels[0] += h
        for tile in builder.drain():
            while len(self.levels) <= tile.level + 1:
                self.levels.append(bytearray())
            self.levels[tile.level + 1] += tile.root
        self.size = builder.size

    def read_tiles(self, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
        out: dict[TileKey, bytes] = {}
        for level, index, width in keys:
            start = index * TILE_WIDTH * HASH_SIZE
            stop = start + width * HASH_SIZE
            if level >= len(self.levels) or len(self.levels[level]) < stop:
                raise MissingTile(f"tile {(level, index, width)} is not in the store")
            out[(level, index, width)] = bytes(self.levels[level][start:stop])
        return out
