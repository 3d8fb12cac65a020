"""Proofs from stored tiles agree with the pure Merkle functions, and cost O(log n) reads."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certinel.transparency import merkle as m
from certinel.transparency import tiledtree as t
from certinel.transparency.tiles import TILE_WIDTH


class CountingStore(t.TileStore):
    """A store in front of another, counting what is read from it."""

    def __init__(self, inner: t.TileStore) -> None:
        self.inner, self.calls, self.tiles = inner, 0, 0

    def read_tiles(self, keys):
        keys = list(keys)
        self.calls += 1
        self.tiles += len(keys)
        return self.inner.read_tiles(keys)


def _leaves(n: int, seed: int = 0) -> list[bytes]:
    return [m.leaf_hash(f"{seed}-{i}".encode()) for i in range(n)]


def _store(leaves: list[bytes], chunks: int = 1) -> t.MemoryTileStore:
    store = t.MemoryTileStore()
    step = max(1, len(leaves) // chunks)
    for lo in range(0, len(leaves), step):
        store.append(leaves[lo:lo + step])
    return store


@pytest.fixture(scope="module")
def big():
    leaves = _leaves(70_000 + 123)
    return leaves, _store(leaves, chunks=7)


def test_stored_tree_agrees_with_merkle_at_every_tile_level(big):
    leaves, store = big
    rng = random.Random(7)
    sizes = [1, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000, len(leaves)]
    sizes += [rng.randint(1, len(leaves)) for _ in range(8)]
    for size in sizes:
        assert t.tree_root(store, size) == m.root_hash(leaves[:size]), size
        index = rng.randrange(size)
        proof = t.inclusion_proof(store, index, size)
        assert m.verify_inclusion(leaves[index], index, size, proof, m.root_hash(leaves[:size]))
        assert t.leaf_hash_at(store, index, size) == leaves[index]
        old = rng.randint(1, size)
        proof = t.consistency_proof(store, old, size)
        assert m.verify_consistency(old, size, m.root_hash(leaves[:old]), m.root_hash(leaves[:size]), proof)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 1500), st.data())
def test_random_trees_give_the_same_proofs(n, data):
    leaves = _leaves(n, seed=n)
    store = _store(leaves, chunks=data.draw(st.integers(1, 5)))
    assert store.size == n
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    assert t.tree_root(store, size) == m.root_hash(leaves[:size])
    assert t.inclusion_proof(store, index, size) == m.inclusion_proof(index, leaves[:size])
    assert t.consistency_proof(store, old, size) == m.consistency_proof(old, leaves[:size])


def test_reads_are_logarithmic(big):
    leaves, store = big
    counting = CountingStore(store)
    for size in (257, 65_537, len(leaves)):
        for index in (0, size // 2, size - 1):
            before = counting.tiles
            t.inclusion_proof(counting, index, size)
            assert counting.tiles - before <= 2 * 3  # at most two tiles per level, three levels
            t.consistency_proof(counting, max(1, index), size)
    assert counting.calls == 18  # one read per proof


def test_builder_started_mid_way_continues_the_same_tree():
    leaves = _leaves(3 * TILE_WIDTH + 77)
    whole = t.TileBuilder()
    whole.extend(leaves)
    first = _store(leaves[:700])
    resumed = t.TileBuilder(700, first.read_tiles(t.edge_keys(700)))
    resumed.extend(leaves[700:])
    assert resumed.root() == whole.root() == m.root_hash(leaves)
    assert [(x.level, x.index) for x in whole.drain()] == [(0, 0), (0, 1), (0, 2)]
    assert [(x.level, x.index) for x in resumed.drain()] == [(0, 2)]


def test_tiles_are_the_spec_tiles():
    leaves = _leaves(TILE_WIDTH * TILE_WIDTH + 5)
    builder = t.TileBuilder()
    builder.extend(leaves)
    done = builder.drain()
    assert len(done) == TILE_WIDTH + 1 and done[-1].level == 1 and done[-1].index == 0
    for tile in done[:3]:
        lo = tile.index * TILE_WIDTH
        assert tile.hashes == b"".join(leaves[lo:lo + TILE_WIDTH])
        assert tile.root == m.root_hash(leaves[lo:lo + TILE_WIDTH]) == t.perfect_root(tile.hashes)
    assert done[-1].hashes == b"".join(x.root for x in done[:-1])
    assert done[-1].root == m.root_hash(leaves[:TILE_WIDTH * TILE_WIDTH])


def test_missing_tiles_and_bad_arguments():
    store = _store(_leaves(300))
    with pytest.raises(t.MissingTile):
        store.read_tiles([(0, 2, 1)])
    with pytest.raises(t.MissingTile):
        t.TileBuilder(300, {})
    with pytest.raises(t.MissingTile):
        t.TileBuilder(300, {(0, 1, 44): b"short"})
    with pytest.raises(ValueError):
        t.inclusion_plan(5, 5)
    with pytest.raises(ValueError):
        t.consistency_plan(0, 5)
    with pytest.raises(ValueError):
        t.TileBuilder().add(b"short")
    with pytest.raises(ValueError):
        t.perfect_root(b"x" * 96)
    assert t.tree_root(store, 0) == m.EMPTY_ROOT
    assert t.range_nodes(4, 7) == [(1, 2), (0, 6)]


def test_a_wrong_length_tile_is_missing():
    class Short(t.TileStore):
        def read_tiles(self, keys):
            return {k: b"\x00" * 32 for k in keys}

    with pytest.raises(t.MissingTile):
        t.tree_root(Short(), 3)
