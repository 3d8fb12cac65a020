"""The public complaint form and follow page, uploads, and the regulators' pages."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certinel.accounts.models import Role
from certinel.cases.models import Complaint
from certinel.cases.services_cases import case_note
from certinel.core.testing.builders import build_org, build_user

from .factories import PDF, complaint, open_case, regulator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _post(client, org, **kw):
    data = {"kind": "complaint", "subject": org.uscc, "facts": "获证组织未按认证范围生产。", "contact_name": "李四",
            "contact_phone": "13900000000", "contact_email": ""}
    data.update(kw)
    return client.post(reverse("cases:submit"), data)


def test_the_form_without_an_account_gives_a_link_and_code_that_open_the_follow_page(client):
    org = build_org()
    page = client.get(reverse("cases:submit"))
    assert page.status_code == 200 and b"complaint-form" in page.content
    done = _post(client, org, evidence=SimpleUploadedFile("../../etc/合同.pdf", PDF.data, "text/html"))
    assert done.status_code == 302 and done["Location"] == reverse("cases:submitted")
    shown = client.get(done["Location"]).content.decode()
    code = re.search(r'id="follow-code">(\w+)<', shown).group(1)
    link = re.search(r'id="follow-link" href="([^"]+)"', shown).group(1)
    complaint_ = Complaint.objects.get()
    assert complaint_.evidence[0]["name"] == "合同.pdf" and complaint_.channel == "web"
    assert client.get(reverse("cases:submitted")).status_code == 302  # the code is shown once
    assert client.get(link).status_code == 200
    wrong = client.post(link, {"code": "WRONGCODE"})
    assert wrong.status_code == 404
    opened = client.post(link, {"code": code.lower()})
    body = opened.content.decode()
    assert opened.status_code == 200 and complaint_.number in body and "13900000000" not in body and "李四" not in body
    unknown = client.post(reverse("cases:follow", kwargs={"token": "x" * 43}), {"code": code})
    assert unknown.status_code == 404 and unknown.content.count(b"notice-error") == wrong.content.count(b"notice-error")


def test_refusals_are_shown_on_the_form_and_nothing_is_written(client):
    org = build_org()
    bad = _post(client, org, subject="", facts="", kind="complaint", anonymous="on", contact_name="")
    assert bad.status_code == 400 and Complaint.objects.count() == 0
    html = _post(client, org, evidence=SimpleUploadedFile("a.pdf", b"<html><script>x</script>", "application/pdf"))
    assert html.status_code == 400 and "a.pdf" in html.content.decode() and Complaint.objects.count() == 0


def test_an_anonymous_report_keeps_no_contact(client):
    org = build_org()
    done = _post(client, org, kind="report", anonymous="on", contact_name="", contact_phone="")
    assert done.status_code == 302
    found = Complaint.objects.get()
    assert found.anonymous and (found.contact_name, found.contact_phone, found.contact_email) == ("", "", "")


def test_files_over_the_limit_are_refused(client, settings):
    settings.CERTINEL_CASES_EVIDENCE_MAX_BYTES = 100
    org = build_org()
    big = _post(client, org, evidence=SimpleUploadedFile("big.pdf", PDF.data + b"0" * 200, "application/pdf"))
    assert big.status_code == 400 and Complaint.objects.count() == 0
    settings.CERTINEL_CASES_EVIDENCE_MAX_FILES = 1
    huge = client.post(reverse("cases:submit"), b"x" * 70_000, content_type="multipart/form-data; boundary=zz")
    assert huge.status_code == 413


def test_the_form_is_rate_limited_per_address(client, settings):
    settings.CERTINEL_CASES_SUBMISSIONS_PER_HOUR = 2
    org = build_org()
    assert [_post(client, org).status_code for _ in range(3)] == [302, 302, 429]
    assert Complaint.objects.count() == 2


def test_wrong_codes_are_rate_limited(client, settings):
    settings.CERTINEL_CASES_FOLLOW_FAILURES_PER_HOUR = 3
    found, code = complaint()
    url = reverse("cases:follow", kwargs={"token": found.follow_token})
    assert [client.post(url, {"code": "BAD"}).status_code for _ in range(3)] == [404, 404, 404]
    assert client.post(url, {"code": code}).status_code == 429


def test_evidence_is_served_only_as_an_attachment_to_who_may_see_it(client):
    reg = regulator()
    case = open_case(reg)
    note = case_note(actor=reg, case=case, text="现场照片", evidence=[PDF])
    user = reg.user
    url = reverse("cases:complaint_evidence", kwargs={"pk": case.complaint_id, "n": 0})
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="11"))
    assert client.get(url).status_code == 404
    client.force_login(user)
    got = client.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment; filename=") and "合同" not in got["Content-Disposition"]
    assert got["X-Content-Type-Options"] == "nosniff" and "sandbox" in got["Content-Security-Policy"]
    assert client.get(reverse("cases:note_evidence", kwargs={"pk": note.pk, "n": 0})).status_code == 200
    assert client.get(reverse("cases:note_evidence", kwargs={"pk": note.pk, "n": 5})).status_code == 404


def test_the_queue_puts_overdue_first_and_the_case_page_shows_its_trail(client):
    import datetime as dt

    reg = regulator()
    fresh, _c = complaint()
    old, _c = complaint(received_on=dt.date.today() - dt.timedelta(days=40))
    case = open_case(reg)
    client.force_login(reg.user)
    page = client.get(reverse("cases:queue")).content.decode()
    assert page.index(old.number) < page.index(fresh.number) and "已超期" in page
    overdue = client.get(reverse("cases:queue"), {"overdue": "1"}).content.decode()
    assert old.number in overdue and fresh.number not in overdue
    shown = client.get(reverse("cases:case", kwargs={"pk": case.pk})).content.decode()
    assert case.number in shown and 'id="trail"' in shown and shown.count("<li><span class=\"mono\">") >= 5
    done = client.post(reverse("cases:case", kwargs={"pk": case.pk}), {
        "action": "decide", "decide-decision": "penalty", "decide-decision_text": "罚款", "decide-signatory": "张"})
    assert done.status_code == 200 and "法律依据" in done.content.decode()


def test_outsiders_do_not_reach_the_regulators_pages(client):
    client.force_login(build_user(Role.ORG_USER, organization=build_org()))
    assert client.get(reverse("cases:queue")).status_code == 403
    reg = regulator()
    case = open_case(reg)
    assert client.get(reverse("cases:case", kwargs={"pk": case.pk})).status_code == 404
    client.force_login(build_user(Role.REGULATOR, jurisdiction_code="11"))
    assert client.get(reverse("cases:case", kwargs={"pk": case.pk})).status_code == 404
    assert case.number not in client.get(reverse("cases:queue")).content.decode()
