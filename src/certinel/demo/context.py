"""What every part of the demo builder shares: the seeded random source, the name maker,
the places, the actor, a fixed date the demo is "as of", and progress reporting."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Protocol

from certinel.core.actor import Actor

from .names import Namer, Place
from .places import PlaceBook

# Dates in the demo are drawn before this day, so that a seed gives the same data whatever
# the day it is built on.
AS_OF = dt.date(2025, 12, 31)


class Reporter(Protocol):
    def start(self, phase: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def done(self) -> None: ...


class NullReporter:
    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass
class Context:
    rng: random.Random
    book: PlaceBook
    reporter: Reporter = field(default_factory=NullReporter)
    actor: Actor = field(default_factory=lambda: Actor.system("demo"))

    def __post_init__(self) -> None:
        self.namer = Namer(self.rng)

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def place(self, city_code: str | None = None) -> Place:
        book = self.book.in_city(city_code) if city_code else self.book
        return book.draw(self.rng)
