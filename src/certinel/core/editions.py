"""Choosing the edition of a versioned rule that applies: the policy files (transfer periods,
the serious-violation list's periods, credit scorecards) each hold editions with the day they
take effect (None: always) and the region they apply to (a GB/T 2260 prefix; "": everywhere)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol, TypeVar


class Edition(Protocol):
    @property
    def effective_from(self) -> dt.date | None: ...

    @property
    def region(self) -> str: ...


E = TypeVar("E", bound=Edition)


def in_force(editions: Iterable[E], *, on: dt.date) -> list[E]:
    """The editions in effect on `on`, whatever their region."""
    return [e for e in editions if e.effective_from is None or e.effective_from <= on]


def edition_for(editions: Iterable[E], *, on: dt.date, region_code: str = "") -> E | None:
    """The edition that applies on `on` in `region_code`: among those in effect whose region
    contains it, the narrowest region's, the latest of those; None when there is none."""
    found = [e for e in in_force(editions, on=on) if (region_code or "").startswith(e.region)]
    if not found:
        return None
    return max(found, key=lambda e: (len(e.region), e.effective_from or dt.date.min))
