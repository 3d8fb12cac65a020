"""Building the serious-violation list in tests, through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from certinel.accounts.models import Role
from certinel.core.actor import Actor
from certinel.core.testing.builders import build_user
from certinel.credit.services import entry_decide, notice_serve

_numbers = itertools.count(1)


def regulator(jurisdiction: str = "32") -> Actor:
    return Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code=jurisdiction))


def serve(actor: Actor, uscc: str, *, served_on: dt.date | None = None, **kw):
    n = next(_numbers)
    values = {"violation": "伪造认证证书并对外出具", "basis": "《认证认可条例》第六十二条",
              "penalty_decision_no": f"苏市监罚〔2026〕{n}号", "penalty": "从重处以罚款并吊销营业执照",
              "authority": "江苏省市场监督管理局"}
    values.update(kw)
    return notice_serve(actor=actor, uscc=uscc, served_on=served_on, **values)


def listed(actor: Actor, uscc: str, *, listed_on: dt.date, **kw):
    """A notice served 30 days before `listed_on`, then the listing decision."""
    notice = serve(actor, uscc, served_on=listed_on - dt.timedelta(days=30), **kw)
    return entry_decide(actor=actor, notice=notice, decision_no=f"苏市监列〔2026〕{notice.pk}号", listed_on=listed_on)
