"""The C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles): tile paths, tile widths and
entry bundles.

A tile at level L holds the hashes of up to 256 consecutive subtrees of 256**L leaves each:
level 0 holds leaf hashes, level L+1 the root hashes of full tiles at level L. Tiles are
addressed as `tile/<L>/<N>[.p/<W>]` and entry bundles as `tile/entries/<N>[.p/<W>]`, where N
is written in 3-digit groups, all but the last prefixed with `x` (1234067 -> x001/x234/067),
and `.p/<W>` marks a partial tile of width W (1..255).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # entry bundles prefix each entry with a big-endian uint16 length
ENTRIES = "entries"


class TilePathError(ValueError):
    """A path that is not a tile or entry bundle path in canonical form."""


class BundleError(ValueError):
    """Bytes that are not a well-formed entry bundle."""


@dataclass(frozen=True)
class TileRef:
    """A tile (level 0..63) or an entry bundle (level None), with its width."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def is_entries(self) -> bool:
        return self.level is None

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)


def encode_index(index: int) -> str:
    """N in 3-digit groups: 0 -> 000, 1234 -> x001/234, 1234067 -> x001/x234/067."""
    if index < 0:
        raise ValueError("a tile index cannot be negative")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int | None, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` when level is None."""
    if level is not None and not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"tile level {level} is outside 0..{MAX_LEVEL}")
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is outside 1..{TILE_WIDTH}")
    head = ENTRIES if level is None else str(level)
    tail = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{head}/{encode_index(index)}{tail}"


_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_PATH = re.compile(r"tile/(?P<level>[^/]+)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[^/]+))?")


def parse_tile_path(path: str) -> TileRef:
    """The tile or bundle a path names; TilePathError unless it is in canonical form."""
    match = _PATH.fullmatch(path.lstrip("/"))
    if match is None:
        raise TilePathError(f"not a tile path: {path!r}")
    level_text, index_text, width_text = match["level"], match["index"], match["width"]
    level: int | None
    if level_text == ENTRIES:
        level = None
    elif _DECIMAL.fullmatch(level_text) and int(level_text) <= MAX_LEVEL:
        level = int(level_text)
    else:
        raise TilePathError(f"tile level must be entries or 0..{MAX_LEVEL}: {level_text!r}")
    groups = index_text.split("/")
    if len(groups) > 1 and groups[0] == "x000":
        raise TilePathError(f"tile index has a leading zero group: {index_text!r}")
    index = int("".join(g.lstrip("x") for g in groups))
    width = TILE_WIDTH
    if width_text is not None:
        if not _DECIMAL.fullmatch(width_text) or not 1 <= int(width_text) < TILE_WIDTH:
            raise TilePathError(f"partial tile width must be 1..{TILE_WIDTH - 1}: {width_text!r}")
        width = int(width_text)
    return TileRef(level=level, index=index, width=width)


def hashes_at_level(level: int, tree_size: int) -> int:
    """How many complete subtrees of 256**level leaves a tree of `tree_size` leaves has:
    the number of hashes at tile level `level`."""
    return tree_size >> (TILE_HEIGHT * level)


def tile_width(level: int, index: int, tree_size: int) -> int:
    """The width of tile `index` at `level` in a tree of `tree_size` leaves (0 when the tree
    does not reach it, 256 when it is full)."""
    available = hashes_at_level(level, tree_size) - index * TILE_WIDTH
    return max(0, min(TILE_WIDTH, available))


def tiles_for_size(tree_size: int) -> list[TileRef]:
    """The right-edge tile of each level for a tree of `tree_size` leaves (full or
    partial), lowest level first; a client verifying a checkpoint of this size fetches these."""
    refs: list[TileRef] = []
    level = 0
    while hashes_at_level(level, tree_size):
        count = hashes_at_level(level, tree_size)
        index, width = divmod(count, TILE_WIDTH)
        refs.append(TileRef(level, index - 1 if width == 0 else index, width or TILE_WIDTH))
        level += 1
    return refs


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Entries as a bundle: each prefixed by its length as a big-endian uint16."""
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise BundleError(f"an entry of {len(entry)} bytes does not fit a bundle (at most {MAX_ENTRY_SIZE})")
        out += len(entry).to_bytes(2, "big")
        out += entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; BundleError when a length runs past the end."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise BundleError(f"truncated length prefix at byte {pos}")
        size = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        if pos + size > len(data):
            raise BundleError(f"entry {len(entries)} needs {size} bytes, only {len(data) - pos} left")
        entries.append(bytes(data[pos:pos + size]))
        pos += size
    if len(entries) > TILE_WIDTH:
        raise BundleError(f"a bundle holds at most {TILE_WIDTH} entries, not {len(entries)}")
    return entries
