"""Who may see and change random inspections, the inspector directory and sampling tasks:
every role against an inspection of its own subject, one inside a jurisdiction and one outside
it. Expectations written out by hand, so that a change to the matrix must be deliberate."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from certinel.accounts.models import Role
from certinel.accounts.permissions import can, scope
from certinel.core.testing.builders import build_body, build_org, build_user
from certinel.supervision.models import Inspection, Inspector, Plan, SamplingTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = build_org(region_code="320102")
    other = build_org(region_code="110101")
    body = build_body(region_code="320102")
    users = {
        "anonymous": AnonymousUser(),
        "org_user": build_user(Role.ORG_USER, organization=org),
        "other_org": build_user(Role.ORG_USER, organization=other),
        "cb_operator": build_user(Role.CB_OPERATOR, body=body),
        "reg_province": build_user(Role.REGULATOR, jurisdiction_code="32"),
        "reg_district": build_user(Role.REGULATOR, jurisdiction_code="320102"),
        "reg_beijing": build_user(Role.REGULATOR, jurisdiction_code="11"),
        "admin": build_user(Role.ADMIN),
    }
    # Unsaved objects are enough: the matrix reads their region and their subject.
    mine = Inspection(organization=org, uscc=org.uscc, region_code="320102", subject_kind="organization")
    theirs = Inspection(organization=other, uscc=other.uscc, region_code="110101", subject_kind="organization")
    inspector = Inspector(code="JS-1", name="王检查", region_code="320102")
    task = SamplingTask(number="T-1", region_code="32", level="provincial")
    plan = Plan(number="P-1", region_code="32")
    return users, {"mine": mine, "theirs": theirs, "inspector": inspector, "task": task, "plan": plan}


EXPECTED = {
    ("view", "supervision", "mine"): {"org_user", "reg_province", "reg_district", "admin"},
    ("view", "supervision", "theirs"): {"other_org", "reg_beijing", "admin"},
    ("decide", "supervision", "mine"): {"reg_province", "reg_district", "admin"},
    ("decide", "supervision", "theirs"): {"reg_beijing", "admin"},
    ("record", "supervision", "mine"): {"reg_province", "reg_district", "admin"},
    ("view", "inspector", "inspector"): {"reg_province", "reg_district", "admin"},
    ("change", "inspector", "inspector"): {"reg_province", "reg_district", "admin"},
    ("decide", "sampling", "task"): {"reg_province", "admin"},
    # A plan has no subject of its own: only regulators of its region (and nobody's own users).
    ("view", "supervision", "plan"): {"reg_province", "admin"},
    ("decide", "supervision", "plan"): {"reg_province", "admin"},
}


@pytest.mark.parametrize(("action", "kind", "obj"), list(EXPECTED))
def test_matrix(world, action, kind, obj):
    users, objects = world
    allowed = {name for name, user in users.items() if can(user, action, kind, objects[obj])}
    assert allowed == EXPECTED[(action, kind, obj)]


def test_a_subject_sees_only_its_own_inspections(world):
    users, objects = world
    from certinel.supervision.tests.factories import drawn_plan, inspectors, regulator

    reg = regulator()
    inspectors(reg, 3)
    plan = drawn_plan(reg, ratios={"-": "100"})
    own = objects["mine"].organization
    seen = scope(users["org_user"], "view", "supervision", Inspection.objects.filter(plan=plan))
    assert list(seen.values_list("uscc", flat=True)) == [own.uscc]
    assert scope(users["reg_beijing"], "view", "supervision", Inspection.objects.filter(plan=plan)).count() == 0
    assert scope(users["anonymous"], "view", "supervision", Inspection.objects.all()).count() == 0
