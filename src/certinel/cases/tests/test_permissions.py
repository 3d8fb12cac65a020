"""Who may see and act on complaints, warnings, cases and the requests cases make: every role,
inside and outside a jurisdiction, written out by hand."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from certinel.accounts.models import Role
from certinel.accounts.permissions import can, scope
from certinel.cases.models import BodyRequest, Case, Complaint, RiskWarning
from certinel.core.testing.builders import build_body, build_org, build_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = build_org(region_code="320102")
    body = build_body(region_code="320102")
    other_body = build_body(region_code="110101")
    users = {
        "anonymous": AnonymousUser(),
        "org_user": build_user(Role.ORG_USER, organization=org),
        "cb_operator": build_user(Role.CB_OPERATOR, body=body),
        "other_cb": build_user(Role.CB_OPERATOR, body=other_body),
        "reg_province": build_user(Role.REGULATOR, jurisdiction_code="32"),
        "reg_district": build_user(Role.REGULATOR, jurisdiction_code="320102"),
        "reg_beijing": build_user(Role.REGULATOR, jurisdiction_code="11"),
        "admin": build_user(Role.ADMIN),
    }
    objects = {
        "complaint": Complaint(organization=org, region_code="320102"),
        "warning": RiskWarning(body=body, region_code="320102"),
        "case": Case(organization=org, region_code="320102"),
        "request": BodyRequest(body=body, region_code="320102"),
    }
    return users, objects


REGS = {"reg_province", "reg_district", "admin"}
EXPECTED = {
    ("view", "complaint", "complaint"): REGS,
    ("decide", "complaint", "complaint"): REGS,
    ("view", "warning", "warning"): REGS,
    ("decide", "warning", "warning"): REGS,
    ("view", "case", "case"): REGS,
    ("decide", "case", "case"): REGS,
    ("view", "case_request", "request"): REGS | {"cb_operator"},
    ("answer", "case_request", "request"): {"cb_operator", "admin"},
}


@pytest.mark.parametrize(("action", "kind", "obj"), list(EXPECTED))
def test_matrix(world, action, kind, obj):
    users, objects = world
    allowed = {name for name, user in users.items() if can(user, action, kind, objects[obj])}
    assert allowed == EXPECTED[(action, kind, obj)]


def test_a_body_sees_only_the_requests_made_of_it(world):
    users, _objects = world
    from .factories import regulator
    from .test_services import _world

    reg = regulator()
    body, holder, _cert = _world(reg)
    from certinel.cases.services_cases import case_request

    from .factories import open_case

    case = open_case(reg, subject=holder.uscc)
    case_request(actor=reg, case=case, kind="information", text="请说明", certificate="CASE-0100Q")
    mine = build_user(Role.CB_OPERATOR, body=body)
    assert scope(mine, "view", "case_request", BodyRequest.objects.all()).count() == 1
    assert scope(users["other_cb"], "view", "case_request", BodyRequest.objects.all()).count() == 0
    assert scope(users["cb_operator"], "view", "case", Case.objects.all()).count() == 0
    assert scope(users["anonymous"], "view", "complaint", Complaint.objects.all()).count() == 0
