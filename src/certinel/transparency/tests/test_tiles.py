"""The tlog-tiles layout: paths, widths and entry bundles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certinel.transparency.tiles import (
    MAX_ENTRY_SIZE,
    BundleError,
    TilePathError,
    TileRef,
    decode_bundle,
    encode_bundle,
    encode_index,
    parse_tile_path,
    tile_path,
    tile_width,
    tiles_for_size,
)


@pytest.mark.parametrize(("index", "text"), [
    (0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067"),
    (1_000_000, "x001/x000/000"), (10**12, "x001/x000/x000/x000/000"),
])
def test_index_groups(index, text):
    assert encode_index(index) == text
    assert parse_tile_path(f"tile/0/{text}") == TileRef(0, index, 256)


def test_paths_of_the_spec():
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 1, 17) == "tile/2/001.p/17"
    assert tile_path(None, 5) == "tile/entries/005"
    assert tile_path(None, 5, 255) == "tile/entries/005.p/255"
    assert parse_tile_path("tile/entries/x001/234.p/3") == TileRef(None, 1234, 3)
    assert parse_tile_path("/tile/63/000").level == 63
    ref = parse_tile_path("tile/1/002.p/9")
    assert ref.is_partial and not ref.is_entries and ref.path == "tile/1/002.p/9"


@pytest.mark.parametrize("path", [
    "tile/0/1", "tile/0/0000", "tile/0/x000/001", "tile/00/000", "tile/64/000", "tile/-1/000",
    "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/07", "tile/0/000.p/", "tile/0/001/002",
    "tile/entry/000", "tile/0/x1/000", "tiles/0/000", "tile/0/000/", "tile/0/abc", "tile/0/000.p/1/2",
])
def test_malformed_paths_are_refused(path):
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_bad_tile_arguments():
    for bad in [lambda: tile_path(64, 0), lambda: tile_path(0, 0, 0), lambda: tile_path(0, 0, 257),
                lambda: encode_index(-1)]:
        with pytest.raises(ValueError):
            bad()


@given(st.integers(0, 10**15), st.integers(1, 256), st.one_of(st.none(), st.integers(0, 63)))
def test_paths_round_trip(index, width, level):
    assert parse_tile_path(tile_path(level, index, width)) == TileRef(level, index, width)


def test_widths_of_the_spec_example():
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level
    # 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and
    # one partial level 2 tile of width 1."
    assert tiles_for_size(70_000) == [TileRef(0, 273, 112), TileRef(1, 1, 17), TileRef(2, 0, 1)]
    assert tile_width(0, 272, 70_000) == 256 and tile_width(0, 274, 70_000) == 0
    assert tile_width(1, 0, 70_000) == 256
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
    # tile of width 1."
    assert tiles_for_size(256) == [TileRef(0, 0, 256), TileRef(1, 0, 1)]
    assert tiles_for_size(0) == []


def test_bundles_round_trip_and_refuse_garbage():
    entries = [b"", b"a", b"x" * 300, b"\x00\xff" * 10, b"y" * MAX_ENTRY_SIZE]
    data = encode_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:4] == b"\x00\x01"
    assert decode_bundle(data) == entries
    with pytest.raises(BundleError):
        encode_bundle([b"z" * (MAX_ENTRY_SIZE + 1)])
    for bad in [b"\x00", b"\x00\x05abc", data[:-1], encode_bundle([b"e"] * 257)]:
        with pytest.raises(BundleError):
            decode_bundle(bad)
