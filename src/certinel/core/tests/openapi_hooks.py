"""Schemathesis hooks for `test_openapi_contract.py` (loaded through SCHEMATHESIS_HOOKS).

Two rules of the certificate search bind one parameter to another, which a parameter's JSON
Schema cannot state: a date window's start may not come after its end, and pages reach the
first 10,000 results ((page - 1) x page_size < 10,000). The API answers both with a documented
422 (`docs/api.md`, and the operation's description); generated queries are brought within
them here so that the check of schema-valid requests tests everything else."""

from __future__ import annotations

import ast
import re
import threading
from typing import Any

import schemathesis

# CPython 3.11's parser keeps its recursion-depth bookkeeping in state that threads share:
# two threads parsing at once can fail with "SystemError: AST constructor recursion depth
# mismatch". Hypothesis parses source to describe the filters schemathesis builds, in each of
# its workers, so the parses are taken one at a time.
_PARSING = threading.Lock()
_parse = ast.parse


def _one_parse_at_a_time(*args: Any, **kwargs: Any) -> Any:
    with _PARSING:
        return _parse(*args, **kwargs)


ast.parse = _one_parse_at_a_time  # type: ignore[assignment]

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
REACHABLE = 10_000


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if not query:
        return query
    for start, end in (("issued_from", "issued_to"), ("expires_from", "expires_to")):
        first, last = query.get(start), query.get(end)
        if isinstance(first, str) and isinstance(last, str) and DATE.fullmatch(first) and DATE.fullmatch(last) \
                and first > last:
            query[start], query[end] = last, first
    page, size = _whole(query.get("page")), _whole(query.get("page_size", 20))
    if page is not None and size is not None and size > 0 and (page - 1) * size >= REACHABLE:
        query["page"] = 1
    return query


def _whole(value: Any) -> int | None:
    """A whole number as generated: an int, or its text (the coverage phase sends text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
