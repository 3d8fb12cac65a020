from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from certinel.accounts.models import Role
from certinel.core.testing.builders import build_body, build_org, build_user


@pytest.fixture
def people(db):
    """Two firms in Nanjing (3201), one in Wuxi (3202); regulators of the province, of Nanjing
    and of Wuxi, and of Beijing; a body's operator; anonymous; an administrator."""
    firm = build_org(region_code="320102", industry_code="39")
    other = build_org(region_code="320104", industry_code="39")
    wuxi = build_org(region_code="320205")
    users = {
        "firm": build_user(Role.ORG_USER, organization=firm),
        "other_firm": build_user(Role.ORG_USER, organization=other),
        "wuxi_firm": build_user(Role.ORG_USER, organization=wuxi),
        "reg_province": build_user(Role.REGULATOR, jurisdiction_code="32"),
        "reg_nanjing": build_user(Role.REGULATOR, jurisdiction_code="3201"),
        "reg_wuxi": build_user(Role.REGULATOR, jurisdiction_code="3202"),
        "reg_beijing": build_user(Role.REGULATOR, jurisdiction_code="11"),
        "cb_operator": build_user(Role.CB_OPERATOR, body=build_body()),
        "anonymous": AnonymousUser(),
        "admin": build_user(Role.ADMIN),
    }
    return users, {"firm": firm, "other_firm": other, "wuxi_firm": wuxi}


@pytest.fixture(autouse=True)
def _chinese():
    """The portal's default language, whatever a request of an earlier test left active."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
