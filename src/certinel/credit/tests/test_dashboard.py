"""The regulator's credit dashboard: classes counted by kind and by the areas one level below
the jurisdiction (subjects without a stored class as the clean class), the last 30 days'
changes, and the list records whose dates come soon; nothing outside the jurisdiction, and
no one but regulators and admins."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.core.testing.builders import build_body, build_org, build_user
from certinel.credit.models import CreditClass, ListEntry, ListNotice
from certinel.credit.selectors_dashboard import class_counts
from certinel.credit.services_facts import fact_record

from .factories import listed, regulator, serve

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row(page: str, attr: str, code: str) -> list[int]:
    """The counts (A, B, C, D, total) of one row of a table on the page."""
    found = re.search(rf'<tr data-{attr}="{code}">(.*?)</tr>', page, re.S)
    assert found, f"no row {code}"
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", found.group(1))]


@pytest.fixture
def subjects():
    """Two organizations with facts (stored classes) and one without in Jiangsu, a body
    without a class, and an organization with a fact in Beijing."""
    actor = regulator("32")
    nanjing, suzhou, bare = build_org(region_code="320102"), build_org(region_code="320505"), build_org(
        region_code="320106")
    build_body(region_code="320102")
    beijing = build_org(region_code="110101")
    for n, org in enumerate((nanjing, suzhou)):
        fact_record(actor=actor, subject=org.uscc, kind="administrative_penalty", severity="serious",
                    occurred_on=TODAY - dt.timedelta(days=20), decision_no=f"苏罚{n}", authority="江苏省市场监督管理局")
    fact_record(actor=regulator("11"), subject=beijing.uscc, kind="administrative_penalty", severity="serious",
                occurred_on=TODAY - dt.timedelta(days=20), decision_no="京罚1", authority="北京市市场监督管理局")
    return {"nanjing": nanjing, "suzhou": suzhou, "bare": bare, "beijing": beijing}


def test_a_province_regulator_sees_its_classes_by_kind_and_by_city(subjects):
    grade = CreditClass.objects.get(organization=subjects["nanjing"]).grade
    assert grade != "A"  # a serious penalty lowers the class; subjects with none count as A
    page = signed_in(build_user(Role.REGULATOR, jurisdiction_code="32")).get("/credit/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    at = "ABCD".index(grade)
    orgs = [0, 0, 0, 0]
    orgs[0], orgs[at] = 1, 2
    assert row(html, "kind", "organization") == [*orgs, 3]
    assert row(html, "kind", "body") == [1, 0, 0, 0, 1]
    nanjing = [2, 0, 0, 0]  # the bare organization and the body
    nanjing[at] += 1
    assert row(html, "area", "3201") == [*nanjing, 3]
    suzhou = [0, 0, 0, 0]
    suzhou[at] = 1
    assert row(html, "area", "3205") == [*suzhou, 1]
    assert "南京市" in html and 'data-area="1101"' not in html and 'data-area="11"' not in html
    assert "首次评定分类：2" in html and "新记录的信用事项：2" in html


def test_a_city_regulator_sees_its_counties_and_nothing_else(subjects, django_assert_max_num_queries):
    user = build_user(Role.REGULATOR, jurisdiction_code="3201")
    with django_assert_max_num_queries(5):  # one aggregate of the classes, one of the rest, names, scorecards
        by_kind, by_area = class_counts(user)
    assert sum(r.total for r in by_kind) == 3
    assert {r.code: r.total for r in by_area} == {"320102": 2, "320106": 1}
    html = signed_in(user).get("/credit/dashboard/").content.decode()
    assert 'data-area="320505"' not in html and "首次评定分类：1" in html and "新记录的信用事项：1" in html


def test_only_regulators_and_admins_may_open_it():
    org = build_org(region_code="320102")
    assert signed_in(build_user(Role.ORG_USER, organization=org)).get("/credit/dashboard/").status_code == 403
    anonymous = Client().get("/credit/dashboard/")
    assert anonymous.status_code == 302 and "/credit/dashboard/" in anonymous["Location"]
    admin = signed_in(build_user(Role.ADMIN)).get("/credit/dashboard/")
    assert admin.status_code == 200 and row(admin.content.decode(), "kind", "organization")[-1] == 1
    cases = signed_in(build_user(Role.REGULATOR, jurisdiction_code="32")).get("/credit/cases/").content.decode()
    assert 'href="/credit/dashboard/"' in cases


def test_entries_and_notices_near_their_dates():
    actor = regulator("32")
    orgs = [build_org(region_code="320102") for _ in range(5)]
    entries = [listed(actor, org.uscc, listed_on=TODAY - dt.timedelta(days=10)) for org in orgs[:3]]
    dates = [(30, 400), (90, 50), (90, 400)]  # removal soon, expiry soon, neither
    for entry, (removal, expiry) in zip(entries, dates, strict=True):
        ListEntry.objects.filter(pk=entry.pk).update(earliest_removal_on=TODAY + dt.timedelta(days=removal),
                                                     expires_on=TODAY + dt.timedelta(days=expiry))
    notices = [serve(actor, org.uscc, served_on=TODAY) for org in orgs[3:]]
    for notice, days in zip(notices, (3, 20), strict=True):
        ListNotice.objects.filter(pk=notice.pk).update(statement_until=TODAY + dt.timedelta(days=days))
    elsewhere = serve(regulator("11"), build_org(region_code="110101").uscc, served_on=TODAY)
    ListNotice.objects.filter(pk=elsewhere.pk).update(statement_until=TODAY + dt.timedelta(days=3))
    html = signed_in(build_user(Role.REGULATOR, jurisdiction_code="32")).get("/credit/dashboard/").content.decode()
    shown = [f'href="/credit/cases/entry/{e.pk}/"' in html for e in entries]
    shown += [f'href="/credit/cases/notice/{n.pk}/"' in html for n in (*notices, elsewhere)]
    assert shown == [True, True, False, True, False, False]
