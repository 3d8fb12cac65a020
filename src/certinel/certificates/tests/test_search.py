"""The public certificate search: every filter, alone and together, status today, paging,
counts, errors, a body's and an organization's certificates, exports. Given / when / then.
All names and codes are fictional."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from certinel.certificates import selectors, services
from certinel.certificates.filters import CertificateFilters
from certinel.certificates.models import Certificate
from certinel.core.errors import ValidationFailed
from certinel.core.testing.builders import SYSTEM, build_body, build_org, certificate_data
from certinel.registry import services as registry
from certinel.registry.models import CertificationBody, Organization

TODAY = dt.date.today()
LONG_AGO = dt.date(2016, 1, 4)


@dataclass
class World:
    east: CertificationBody          # approved for QMS (whole) and EMS in IAF 18 and 19 since 2016
    west: CertificationBody          # approved for QMS since 2016
    huasheng: Organization           # 测试华盛电子有限公司, Nanjing Xuanwu (320102)
    jinggong: Organization           # 南京测试精工机械有限公司, Nanjing Qinhuai (320104), renamed
    suzhou: Organization             # 苏州测试纺织有限公司, Suzhou Huqiu (320505), English name too
    shanghai: Organization           # 上海测试华盛贸易有限公司, Shanghai Huangpu (310101)
    certs: dict[str, Certificate]


def approved_body(region_code: str = "320102", *, schemes=("QMS",), sectors=()) -> CertificationBody:
    """A body approved since 2015 for whole schemes and (EMS) some IAF sectors since 2016."""
    body = build_body(region_code=region_code, approval_date=dt.date(2015, 3, 1))
    for code in schemes:
        registry.body_scope_grant(actor=SYSTEM, body=body, scheme_code=code, granted_on=LONG_AGO)
    for sector in sectors:
        registry.body_scope_grant(actor=SYSTEM, body=body, scheme_code="EMS", iaf_sector=sector,
                                  granted_on=LONG_AGO)
    return body


def issue(body, holder, number, **kw) -> Certificate:
    return services.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=holder, number=number,
                                                                                     **kw))


def build_world() -> World:
    east = approved_body(schemes=("QMS",), sectors=(18, 19))
    west = approved_body("310101", schemes=("QMS",))
    huasheng = build_org(name="测试华盛电子有限公司", region_code="320102")
    jinggong = build_org(name="南京测试精工机械有限公司", region_code="320104")
    registry.organization_update(actor=SYSTEM, organization=jinggong, name="南京测试精密机械有限公司",
                                 renamed_on=TODAY - dt.timedelta(days=10))
    jinggong.refresh_from_db()
    suzhou = build_org(name="苏州测试纺织有限公司", region_code="320505", name_en="Suzhou Test Textiles Co., Ltd.")
    shanghai = build_org(name="上海测试华盛贸易有限公司", region_code="310101")
    certs = {
        "hs_qms": issue(east, huasheng, "TQ2401001Q", issued_on=TODAY - dt.timedelta(days=100)),
        "hs_ems": issue(east, huasheng, "TQ2401002E", scheme="EMS", scope_codes=["18"],
                        scope_text="电子元器件的生产及相关环境管理活动", issued_on=TODAY - dt.timedelta(days=90)),
        # Issued under the old name, before the rename.
        "jg_qms": issue(east, jinggong, "TQ2302003Q", holder_name="南京测试精工机械有限公司",
                        issued_on=TODAY - dt.timedelta(days=300)),
        # Surveillance was due 12 months after issue: overdue today, not yet recorded.
        "sz_qms": issue(east, suzhou, "TQ2203004Q", issued_on=TODAY - dt.timedelta(days=420)),
        "sh_qms": issue(west, shanghai, "WQ2404005Q", issued_on=TODAY - dt.timedelta(days=20)),
        # The same number at another body (numbers are unique per body only).
        "sh_dup": issue(west, shanghai, "TQ2401001Q", issued_on=TODAY - dt.timedelta(days=15)),
    }
    certs["jg_qms"] = services.certificate_revoke(actor=SYSTEM, certificate=certs["jg_qms"],
                                                  reason="冒用认证标志", signed_by="李主任")
    certs["hs_ems"] = services.certificate_suspend(actor=SYSTEM, certificate=certs["hs_ems"],
                                                   until=TODAY + dt.timedelta(days=60), reason="监督审核发现严重不符合",
                                                   signed_by="李主任")
    return World(east, west, huasheng, jinggong, suzhou, shanghai, certs)


@pytest.fixture
def world(db) -> World:
    return build_world()


def search(**kw) -> selectors.Page:
    return selectors.certificate_search(filters=CertificateFilters(**kw))


def numbers(page) -> list[str]:
    return [c.number for c in page.items]


# --- filters one by one ----------------------------------------------------------------------

def test_number_is_exact_and_forgives_case_and_full_width(world):
    assert sorted(numbers(search(number="TQ2401001Q"))) == ["TQ2401001Q", "TQ2401001Q"]
    assert len(search(number="tq2401001q").items) == 2
    assert len(search(number="ＴＱ２４０１００１Ｑ").items) == 2
    assert search(number="TQ240100").total == 0          # a part of a number is not a number


def test_two_chinese_characters_find_holders_by_name(world):
    page = search(q="华盛")
    assert set(numbers(page)) == {"TQ2401001Q", "TQ2401002E", "WQ2404005Q"}
    assert page.total == 4 and not page.total_is_lower_bound
    assert numbers(search(q="纺织")) == ["TQ2203004Q"]
    assert search(q="不存在的名字").total == 0


def test_former_and_english_names_find_holders(world):
    assert numbers(search(q="精工机械")) == ["TQ2302003Q"]          # the former name
    assert numbers(search(q="精密机械")) == ["TQ2302003Q"]          # the current name
    assert numbers(search(q="Test Textiles")) == ["TQ2203004Q"]


def test_best_matching_holder_comes_first(world):
    page = search(q="测试华盛电子有限公司")
    assert page.items[0].holder_id == world.huasheng.pk
    assert {c.holder_id for c in page.items} == {world.huasheng.pk}


def test_holder_code_whole_or_beginning(world):
    assert set(numbers(search(q=world.suzhou.uscc))) == {"TQ2203004Q"}
    assert set(numbers(search(q=world.suzhou.uscc.lower()))) == {"TQ2203004Q"}
    prefix = world.huasheng.uscc[:8]
    assert {c.holder_uscc[:8] for c in search(q=prefix).items} == {prefix}


def test_body_by_approval_number_or_id(world):
    by_no = search(body=world.west.approval_no)
    assert set(numbers(by_no)) == {"WQ2404005Q", "TQ2401001Q"}
    assert numbers(search(body=str(world.west.pk))) == numbers(by_no)
    assert numbers(search(body=world.west.approval_no.lower())) == numbers(by_no)
    assert search(body="CNCA-R-1999-999").total == 0


def test_scheme(world):
    assert numbers(search(scheme="EMS")) == ["TQ2401002E"]
    assert numbers(search(scheme="ems")) == ["TQ2401002E"]
    assert search(scheme="NOPE").total == 0


def test_status_is_the_status_today(world):
    assert set(numbers(search(status="valid"))) == {"TQ2401001Q", "WQ2404005Q"}
    # Suspended: one by its body, one for overdue surveillance (computed, not yet recorded).
    assert set(numbers(search(status="suspended"))) == {"TQ2401002E", "TQ2203004Q"}
    assert numbers(search(status="revoked")) == ["TQ2302003Q"]
    assert search(status="expired").total == 0
    # Four years on, every live certificate has expired; the revoked one stays revoked.
    later = TODAY + dt.timedelta(days=4 * 366)
    expired = selectors.certificate_search(filters=CertificateFilters(status="expired"), today=later)
    assert expired.total == 5
    assert all(c.status_today == "expired" for c in expired.items)


def test_status_today_is_carried_by_each_result(world):
    by_number = {c.number: c for c in search(body=world.east.approval_no).items}
    assert by_number["TQ2203004Q"].status == "valid"
    assert (by_number["TQ2203004Q"].status_today, by_number["TQ2203004Q"].status_today_why) == (
        "suspended", "surveillance_missed")
    assert by_number["TQ2302003Q"].status_today == "revoked"


@pytest.mark.parametrize(("region", "expected"), [
    ("32", {"TQ2401001Q", "TQ2401002E", "TQ2302003Q", "TQ2203004Q"}),
    ("3201", {"TQ2401001Q", "TQ2401002E", "TQ2302003Q"}),
    ("320104", {"TQ2302003Q"}),
    ("31", {"WQ2404005Q", "TQ2401001Q"}),
    ("44", set()),
])
def test_region_prefix(world, region, expected):
    assert set(numbers(search(region=region))) == expected


def test_date_ranges(world):
    recent = search(issued_from=TODAY - dt.timedelta(days=95))
    assert set(numbers(recent)) == {"TQ2401002E", "WQ2404005Q", "TQ2401001Q"}
    assert {c.body_id for c in recent.items if c.number == "TQ2401001Q"} == {world.west.pk}
    old = search(issued_to=TODAY - dt.timedelta(days=200))
    assert set(numbers(old)) == {"TQ2302003Q", "TQ2203004Q"}
    window = search(expires_from=TODAY + dt.timedelta(days=365 * 2), expires_to=TODAY + dt.timedelta(days=365 * 3))
    assert "TQ2203004Q" not in numbers(window) and "WQ2404005Q" in numbers(window)


def test_filters_combine(world):
    assert numbers(search(q="华盛", region="31", status="valid")) == ["TQ2401001Q", "WQ2404005Q"]
    assert numbers(search(q="华盛", scheme="EMS", status="suspended")) == ["TQ2401002E"]
    assert search(q="华盛", scheme="EMS", status="valid").total == 0
    assert numbers(search(number="TQ2401001Q", body=world.east.approval_no)) == ["TQ2401001Q"]


def test_newest_first_and_pages(world):
    page1 = search(page_size=2)
    page2 = search(page_size=2, page=2)
    page3 = search(page_size=2, page=3)
    assert (page1.total, page1.pages, page2.total, page3.total) == (6, 3, 6, 6)
    every = numbers(page1) + numbers(page2) + numbers(page3)
    assert len(set(zip(every, [c.body_id for c in page1.items + page2.items + page3.items], strict=True))) == 6
    issued = [c.issued_on for c in page1.items + page2.items + page3.items]
    assert issued == sorted(issued, reverse=True)
    assert search(page_size=2, page=4).items == []
    by_name = [c for p in (1, 2, 3, 4) for c in search(q="华盛", page_size=1, page=p).items]
    assert [c.holder_id for c in by_name] == [world.huasheng.pk] * 2 + [world.shanghai.pk] * 2
    assert len({c.pk for c in by_name}) == 4


def test_pages_stop_at_the_count_cap(world):
    with pytest.raises(ValidationFailed) as err:
        search(page=selectors.COUNT_CAP // 20 + 1, page_size=20)
    assert err.value.errors[0].code == "too_deep"


@pytest.mark.parametrize(("given", "field"), [
    ({"q": "华"}, "q"),
    ({"q": "x" * 101}, "q"),
    ({"region": "3"}, "region"),
    ({"region": "32A"}, "region"),
    ({"status": "lost"}, "status"),
    ({"body": "CNCA;R-2002"}, "body"),
    ({"scheme": "QMS;DROP"}, "scheme"),
    ({"number": "ab"}, "number"),
    ({"issued_from": "2024-13-01"}, "issued_from"),
    ({"page_size": 101}, "page_size"),
    ({"page": 0}, "page"),
])
def test_bad_filters_are_refused_with_the_field_named(given, field):
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as err:
        CertificateFilters(**given)
    assert err.value.errors()[0]["loc"][0] == field


def test_date_ranges_must_run_forwards():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="issued_from comes after issued_to"):
        CertificateFilters(issued_from="2024-05-01", issued_to="2024-04-01")


def test_blank_filters_are_no_filters(world):
    assert search(q="  ", region="", scheme="", body="", number="").total == 6


def test_a_blank_status_or_date_is_refused_as_the_api_documents(world):
    # The portal leaves out what a form sends blank; the API's document lists the statuses
    # and says a date is YYYY-MM-DD, so an empty one is refused, not taken for no filter.
    for blank in ({"status": ""}, {"issued_from": ""}, {"expires_to": "0"}):
        with pytest.raises(ValueError):
            CertificateFilters(**blank)


# --- a body's and an organization's certificates --------------------------------------------------

def test_certificates_of_body(world):
    page = selectors.certificates_of_body(body=world.east, filters=CertificateFilters(status="suspended"))
    assert set(numbers(page)) == {"TQ2401002E", "TQ2203004Q"}
    everything = selectors.certificates_of_body(body=world.west, filters=CertificateFilters(body="ignored-1"))
    assert set(numbers(everything)) == {"WQ2404005Q", "TQ2401001Q"}


def test_certificates_of_organization_live_first(world):
    result = selectors.certificates_of_organization(organization=world.huasheng)
    assert [c.number for c in result.certificates] == ["TQ2401001Q", "TQ2401002E"]
    assert result.counts == {"valid": 1, "suspended": 1}
    renamed = selectors.certificates_of_organization(organization=world.jinggong)
    assert [c.status_today for c in renamed.certificates] == ["revoked"]


# --- public records and exports ----------------------------------------------------------------------

def test_public_record_has_public_fields_only(world):
    cert = selectors.certificate_get(pk=world.certs["hs_ems"].pk)
    record = selectors.public_record(cert)
    assert record["status"] == "suspended" and record["suspended_until"] == TODAY + dt.timedelta(days=60)
    assert record["holder"] == {"name": "测试华盛电子有限公司", "uscc": world.huasheng.uscc,
                                "organization_id": world.huasheng.pk}
    for private in ("actor_label", "via", "version", "created_at", "updated_at", "contact_phone"):
        assert private not in record


def test_public_events_leave_out_who_typed_them_in(world):
    events = [selectors.public_event(e) for e in selectors.public_events(world.certs["jg_qms"])]
    assert [e["kind"] for e in events] == ["issued", "revoked"]
    assert events[1]["reason"] == "冒用认证标志" and events[1]["signed_by"] == "李主任"
    assert all("actor_label" not in e and "via" not in e for e in events)


def test_export_rows_follow_the_filters(world):
    rows = list(selectors.export_rows(filters=CertificateFilters(region="3201")))
    assert {r[0] for r in rows} == {"TQ2401001Q", "TQ2401002E", "TQ2302003Q"}
    assert all(len(r) == len(selectors.EXPORT_COLUMNS) for r in rows)
    by_name = list(selectors.export_rows(filters=CertificateFilters(q="华盛")))
    assert len(by_name) == 4
    assert list(selectors.export_rows(filters=CertificateFilters(body="CNCA-R-1999-999"))) == []
    capped = list(selectors.export_rows(filters=CertificateFilters(), cap=2))
    assert len(capped) == 2


@pytest.mark.parametrize("graces", [{}, {"QMS": 45, "EMS": 10}], ids=["one grace", "graces per scheme"])
def test_effective_status_query_agrees_with_the_rule_for_one_certificate(world, graces):
    """The SQL form of "status today" and the per-certificate rule give the same answer, on
    several days, whether every scheme has the same surveillance grace or not."""
    from certinel.certificates.lifecycle import effective_status
    from certinel.reference.models import Scheme

    for code, days in graces.items():
        Scheme.objects.filter(code=code).update(surveillance_grace_days=days)
    for offset in (0, 30, 60, 200, 290, 300, 330, 400, 1200, 1500):
        day = TODAY + dt.timedelta(days=offset)
        for cert in Certificate.objects.select_related("scheme"):
            status, _why = effective_status(cert, cert.scheme, day)
            matching = Certificate.objects.filter(selectors.effective_status_q(status, day), pk=cert.pk)
            assert matching.exists(), (cert.number, day, status)
            others = [s for s in ("valid", "suspended", "revoked", "cancelled", "expired") if s != status]
            for other in others:
                assert not Certificate.objects.filter(selectors.effective_status_q(other, day), pk=cert.pk).exists()


def test_name_search_reads_organizations_a_window_at_a_time(world, monkeypatch):
    """A common name part: organizations are read in growing windows until the page is full;
    the order is the same as reading them all, and the total says "at least" until the end."""
    everything = [c.pk for c in search(q="测试", page_size=100).items]
    assert len(everything) == 6
    monkeypatch.setattr(selectors, "NAME_ORG_WINDOW", 1)
    first = search(q="测试", page_size=2)
    assert [c.pk for c in first.items] == everything[:2] and first.total_is_lower_bound
    assert first.total_display.endswith("+")
    pages = [c.pk for p in (1, 2, 3) for c in search(q="测试", page_size=2, page=p).items]
    assert pages == everything
    last = search(q="测试", page_size=2, page=3)
    assert (last.total, last.total_is_lower_bound) == (6, False)


def test_totals_by_status_today_count_the_rows_the_job_has_not_updated(world):
    """Totals of a status filter add the certificates recorded otherwise but in that status
    today, and leave out those recorded in it but no longer: on several days, with pages of
    one so that the total is counted rather than read off the page."""
    from collections import Counter

    from certinel.certificates.lifecycle import effective_status

    for offset in (0, 300, 400, 1200, 1500):
        day = TODAY + dt.timedelta(days=offset)
        expected = Counter(effective_status(c, c.scheme, day)[0] for c in Certificate.objects.select_related("scheme"))
        for status in ("valid", "suspended", "revoked", "cancelled", "expired"):
            page = selectors.certificate_search(filters=CertificateFilters(status=status, page_size=1), today=day)
            assert (page.total, page.total_is_lower_bound) == (expected[status], False), (offset, status)
            every = selectors.certificate_search(filters=CertificateFilters(status=status, page_size=100), today=day)
            assert len(every.items) == expected[status]
            assert all(c.status_today == status for c in every.items)


@pytest.mark.parametrize("read_whole", [0, 2_000])
def test_pages_are_the_same_read_whole_or_in_index_order(world, monkeypatch, read_whole):
    """A small result is read whole and sorted in memory, a large one walked in index order:
    both give the same pages and totals, with a status (and the rows the job has not updated)
    and an expiry window (whose results come soonest expiry first)."""
    from certinel.certificates.lifecycle import effective_status

    monkeypatch.setattr(selectors, "READ_WHOLE", read_whole)
    day = TODAY + dt.timedelta(days=400)
    certs = list(Certificate.objects.select_related("scheme"))
    for filters in ({}, {"status": "valid"}, {"status": "suspended"}, {"status": "expired"},
                    {"status": "valid", "expires_to": (day + dt.timedelta(days=900)).isoformat()},
                    {"status": "valid", "region": "32", "expires_from": day.isoformat()},
                    {"region": "32"}, {"region": "3201", "status": "suspended"}, {"region": "31", "status": "valid"}):
        f = CertificateFilters(**filters, page_size=2)
        expected = [c for c in certs
                    if (not f.status or effective_status(c, c.scheme, day)[0] == f.status)
                    and (not f.expires_to or c.expires_on <= f.expires_to)
                    and (not f.expires_from or c.expires_on >= f.expires_from)
                    and (not f.region or c.region_code.startswith(f.region))]
        if f.expires_from or f.expires_to:  # soonest expiry first
            expected.sort(key=lambda c: (c.expires_on, c.pk))
        else:  # newest issue first
            expected.sort(key=lambda c: (c.issued_on, c.pk), reverse=True)
        got = []
        for page in (1, 2, 3, 4):
            result = selectors.certificate_search(filters=f.model_copy(update={"page": page}), today=day)
            assert (result.total, result.total_is_lower_bound) == (len(expected), False), filters
            got += result.items
        assert [c.pk for c in got] == [c.pk for c in expected], filters
