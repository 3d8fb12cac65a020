"""Building random inspections in tests, through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from certinel.accounts.models import Role
from certinel.core.actor import Actor
from certinel.core.testing.builders import build_org, build_user
from certinel.supervision.services import plan_create, plan_draw, plan_enter_source, plan_publish
from certinel.supervision.services_inspectors import inspector_add

_numbers = itertools.count(1)
TODAY = timezone.localdate()


def regulator(jurisdiction: str = "32") -> Actor:
    return Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code=jurisdiction))


def inspectors(actor: Actor, n: int = 4, *, region_code: str = "320102", conflicts=None) -> list:
    start = next(_numbers) * 100
    return [inspector_add(actor=actor, code=f"JS-{start + i:05d}", name=f"检查员{start + i}", region_code=region_code,
                          fields=["certification"], conflicts=(conflicts or {}).get(i, []))
            for i in range(n)]


def orgs(n: int, *, region_code: str = "320102") -> list:
    return [build_org(region_code=region_code) for _ in range(n)]


def plan_data(**kw) -> dict:
    n = next(_numbers)
    values = {
        "number": f"JS-2026-{n:03d}", "title": "2026年获证组织双随机抽查", "region_code": "32",
        "authority": "江苏省市场监督管理局", "subject_kind": "organization", "items": ["ORG-01", "ORG-02"],
        "ratios": {"A": "5", "B": "20", "C": "60", "D": "100", "-": "20"},
        "starts_on": TODAY - dt.timedelta(days=40), "ends_on": TODAY - dt.timedelta(days=10),
        "source_description": "drand quicknet round 12345678",
        "source_available_after": timezone.now() + dt.timedelta(hours=1),
    }
    values.update(kw)
    return values


def drawn_plan(actor: Actor, **kw):
    """A plan published, given its random value and drawn."""
    plan = plan_create(actor=actor, data=plan_data(**kw))
    plan = plan_publish(actor=actor, plan=plan)
    plan = plan_enter_source(actor=actor, plan=plan, values=["a1b2c3d4e5f6"],
                             now=plan.source_available_after + dt.timedelta(minutes=1))
    return plan_draw(actor=actor, plan=plan)
