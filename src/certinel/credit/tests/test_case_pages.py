"""The case pages of the serious-violation list, through real requests: a regulator serves a
notice by form, the subject states its case, the regulator lists it; the subject applies for
early removal and the regulator decides; others see nothing, and may do nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.core.testing.builders import build_org, build_user
from certinel.credit.choices import EntryStatus, NoticeStatus
from certinel.credit.models import ListEntry, ListNotice

from .factories import listed, regulator

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOTICE = {"violation": "伪造认证证书", "basis": "《认证认可条例》", "penalty": "吊销营业执照",
          "penalty_decision_no": "宁市监罚〔2026〕7号", "authority": "南京市市场监督管理局"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_notice_served_stated_and_decided_on_the_pages():
    org = build_org(region_code="320102")
    reg = signed_in(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    own = signed_in(build_user(Role.ORG_USER, organization=org))
    served = TODAY - dt.timedelta(days=3)
    answer = reg.post("/credit/cases/notice/new/", {**NOTICE, "uscc": org.uscc, "served_on": served.isoformat()})
    notice = ListNotice.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/credit/cases/notice/{notice.pk}/"
    page = own.get(f"/credit/cases/notice/{notice.pk}/").content.decode()
    assert "宁市监罚〔2026〕7号" in page and 'value="state_case"' in page and 'value="decide"' not in page
    assert own.post(f"/credit/cases/notice/{notice.pk}/", {"action": "state_case",
                                                            "statement-text": "已整改"}).status_code == 302
    assert own.post(f"/credit/cases/notice/{notice.pk}/", {"action": "decide", "decision_no": "X"}).status_code == 403
    page = reg.get(f"/credit/cases/notice/{notice.pk}/").content.decode()
    assert "已整改" in page and 'value="decide"' in page
    # Inside the statement period the service refuses, and the page says why.
    early = reg.post(f"/credit/cases/notice/{notice.pk}/", {"action": "decide", "decision_no": "宁市监信列〔2026〕1号"})
    assert early.status_code == 200 and ListEntry.objects.count() == 0
    later = (notice.statement_until + dt.timedelta(days=1)).isoformat()
    done = reg.post(f"/credit/cases/notice/{notice.pk}/", {"action": "decide", "decision_no": "宁市监信列〔2026〕1号",
                                                            "listed_on": later})
    entry = ListEntry.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/credit/cases/entry/{entry.pk}/"
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DECIDED and entry.listed_on.isoformat() == later
    listing = reg.get("/credit/cases/").content.decode()
    assert "宁市监信列〔2026〕1号" in listing


def test_early_removal_applied_for_and_decided_on_the_pages():
    org = build_org(region_code="320102")
    entry = listed(regulator("32"), org.uscc, listed_on=TODAY - dt.timedelta(days=400))
    reg = signed_in(build_user(Role.REGULATOR, jurisdiction_code="32"))
    own = signed_in(build_user(Role.ORG_USER, organization=org))
    url = f"/credit/cases/entry/{entry.pk}/"
    assert 'value="request_removal"' in own.get(url).content.decode()
    assert own.post(url, {"action": "remove_early", "text": "自己移出"}).status_code == 403
    assert own.post(url, {"action": "request_removal", "text": "已履行处罚"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REMOVAL_REQUESTED
    empty = reg.post(url, {"action": "remove_early", "text": ""})
    assert empty.status_code == 200 and "field-error" in empty.content.decode()
    assert reg.post(url, {"action": "remove_early", "text": "符合条件"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REMOVED_EARLY
    page = reg.get(url).content.decode()
    assert "符合条件" in page and 'value="annul"' not in page


def test_others_see_nothing_and_may_serve_nothing():
    org = build_org(region_code="320102")
    entry = listed(regulator("32"), org.uscc, listed_on=TODAY - dt.timedelta(days=10))
    outsider = signed_in(build_user(Role.REGULATOR, jurisdiction_code="33"))
    stranger = signed_in(build_user(Role.ORG_USER, organization=build_org()))
    for client in (outsider, stranger):
        assert client.get(f"/credit/cases/entry/{entry.pk}/").status_code == 404
        assert client.get(f"/credit/cases/notice/{entry.notice.pk}/").status_code == 404
        assert entry.decision_no not in client.get("/credit/cases/").content.decode()
    assert stranger.post("/credit/cases/notice/new/", {**NOTICE, "uscc": org.uscc}).status_code == 403
    wrong_region = outsider.post("/credit/cases/notice/new/", {**NOTICE, "uscc": org.uscc})
    assert wrong_region.status_code == 200 and ListNotice.objects.count() == 1
    assert Client().get("/credit/cases/").status_code == 302  # to the sign-in page
