"""Canonical JSON (RFC 8785, JCS) for the log's leaves, fast.

The `rfc8785` package serialises in pure Python, string by string, which made it the largest
single cost of appending history to the log. For the values leaves hold — objects, arrays,
strings, booleans, null and integers within ±(2**53 − 1), with object keys in the Basic
Multilingual Plane — `orjson` with sorted keys writes exactly the same bytes: no whitespace, the
same escapes (`\\"`, `\\\\`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t`, other control characters as
lower-case `\\u00xx`), every other character as UTF-8, and, for keys without characters beyond
U+FFFF, sorting by UTF-8 bytes is sorting by UTF-16 code units (the tests compare the two on
every character of that plane and on generated values). Anything else (a float, a larger
integer, such a key, a type JSON does not have) goes to `rfc8785`, which serialises it per the
standard or refuses it.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
import rfc8785

_SAFE_INT = 2**53 - 1
# JSON with sorted keys and no whitespace, as UTF-8 bytes.
_encode = functools.partial(orjson.dumps, option=orjson.OPT_SORT_KEYS)


def _plain(value: Any) -> bool:
    """Whether the fast encoder writes `value` exactly as RFC 8785 does. (Strings, null and
    booleans, most of what leaves hold, are checked in the loops rather than by a call each.)"""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_SAFE_INT <= value <= _SAFE_INT
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and any(ord(c) > 0xFFFF for c in key)):
                return False
            kind = type(item)
            if kind is str or item is None or kind is bool:
                continue
            if kind is int:
                if not -_SAFE_INT <= item <= _SAFE_INT:
                    return False
            elif not _plain(item):
                return False
        return True
    if kind is list:
        for item in value:
            kind = type(item)
            if kind is str or item is None or kind is bool:
                continue
            if kind is int:
                if not -_SAFE_INT <= item <= _SAFE_INT:
                    return False
            elif not _plain(item):
                return False
        return True
    return False


def dumps_plain(value: Any) -> bytes | None:
    """The canonical form of `value` when it holds only what the fast encoder writes the
    RFC 8785 way (then it is also plain JSON: it reads back as it is); None otherwise."""
    return _encode(value) if _plain(value) else None


def dumps_text(text: str) -> bytes:
    """The canonical form of a string (the fast encoder writes every string the RFC 8785
    way)."""
    return _encode(text)


# The same few strings recur in every record of a batch (an action, a moment, a type, an actor).
dumps_recurring_text = functools.lru_cache(maxsize=1024)(dumps_text)


def dumps(value: Any) -> bytes:
    """The RFC 8785 canonical form of `value`, as UTF-8 bytes."""
    data = dumps_plain(value)
    return rfc8785.dumps(value) if data is None else data


@functools.lru_cache(maxsize=256)
def _member_key(key: str) -> tuple[bytes, bytes]:
    """An object key's sort order (by UTF-16 code units) and its canonical form followed by
    the colon; objects put together member by member tend to have the same few keys."""
    return key.encode("utf-16-be"), _encode(key) + b":"


def dumps_object(members: dict[str, bytes]) -> bytes:
    """The canonical form of an object whose members' values are already canonical (bytes
    from `dumps`): an object can be extended, or a member replaced, without writing the other
    members again."""
    keys = sorted((_member_key(key), key) for key in members)
    return b"{" + b",".join(encoded + members[key] for (_order, encoded), key in keys) + b"}"
