"""Reports for assessment: the figures are the stats app's, the files open and carry them, the
history record (the log leaf) fixes their digests, verification finds a genuine file and refuses
a changed one, who may generate, and the scheduled run made once. Given / when / then."""

from __future__ import annotations

import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from certinel.accounts.models import Role
from certinel.assessment import content as c
from certinel.assessment import services
from certinel.assessment.models import AssessmentReport
from certinel.assessment.render import render_xlsx
from certinel.assessment.selectors import verify_bytes
from certinel.assessment.services import ScheduleRule, report_generate, scheduled_generate, stored_path
from certinel.certificates import services as certs
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, ValidationFailed
from certinel.core.history import history_for
from certinel.core.scheduler import JOBS, assessment_reports
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data
from certinel.stats import selectors as sel
from certinel.stats.refresh import stats_refresh

TODAY = timezone.localdate()
PERIOD = c.previous_quarter(TODAY)


def day(offset: int) -> dt.date:
    return PERIOD.start + dt.timedelta(days=offset)


@pytest.fixture
def real_pdf():
    """The test renders the PDF with the Chinese font (a few seconds); the others a stand-in."""


@pytest.fixture(autouse=True)
def quick_pdf(request, monkeypatch):
    if "real_pdf" not in request.fixturenames:
        monkeypatch.setattr(services, "render_pdf",
                            lambda document, digest: b"%PDF-1.4\n% " + digest.encode() + b"\n%%EOF\n")


@pytest.fixture
def store(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def register(store):
    """In Jiangsu: one certificate valid throughout, one issued and suspended in the quarter, one
    revoked in it; in Chongqing one more (not counted)."""
    body = body_with_scopes(schemes=("QMS", "EMS"))
    a, b = build_org(region_code="320102"), build_org(region_code="320505")
    certs.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=a, issued_on=day(-40)))
    new = certs.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=b, scheme="EMS",
                                                                                 issued_on=day(3)))
    certs.certificate_suspend(actor=SYSTEM, certificate=new, until=day(100), reason="监督不合格",
                              signed_by="王签发", occurred_on=day(10))
    old = certs.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=a, issued_on=day(-60)))
    certs.certificate_revoke(actor=SYSTEM, certificate=old, reason="撤销", signed_by="王签发", occurred_on=day(20))
    certs.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=build_org(region_code="500106"),
                                                                           issued_on=day(5)))
    stats_refresh()
    return body


def regulator(code: str = "32") -> Actor:
    return Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code=code))


def test_a_report_carries_the_stats_apps_figures_in_its_pdf_and_workbook_and_its_leaf(register, real_pdf):
    done = report_generate(actor=regulator(), region="320000", period=PERIOD.code)
    assert done.created and done.report.version == 1
    document = json.loads(stored_path(done.report.content_sha256).read_bytes())
    stats = document["statistics"]
    filters = sel.Filters(region="320000")
    assert stats["at_end"] == sel.counts(on=PERIOD.end, filters=filters)
    assert stats["at_end"] == {"valid": 1, "suspended": 1, "withdrawn": 1, "expired": 0}
    assert stats["in_period"] == {"new": 1, "suspended": 1, "withdrawn": 1, "expired": 0}
    assert {r["family"]: r["valid"] for r in stats["by_family"]} == {"management": 1}
    targets = {t["id"]: t for t in document["targets"]}
    assert targets["JS-ALL-200K"]["actual"] == 1 and targets["JS-ALL-200K"]["responsible"]["lead"]
    assert "SPB-MS-1200" not in targets
    assert [s["level"] for s in document["supervision"]["sampling"]] == ["national", "provincial"]
    # The PDF and the workbook open and carry the figures.
    pdf = stored_path(done.report.pdf_sha256).read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    book = load_workbook(io.BytesIO(stored_path(done.report.xlsx_sha256).read_bytes()))
    assert book.sheetnames == ["封面", "认证统计", "目标进展", "进展报告", "监督检查", "监督抽查"]
    cover = {row[0]: row[1] for row in book["封面"].iter_rows(values_only=True)}
    assert cover["报告 SHA-256 Report digest"] == done.report.content_sha256
    total = next(row for row in book["认证统计"].iter_rows(values_only=True) if row[0] == "合计")
    assert total[1:] == (1, 1, 1, 0, 1, 1, 1, 0)
    # One history record, whose after-snapshot (the leaf) carries the three digests.
    from certinel.transparency.leaf import full_record_leaf

    record = history_for(done.report).get()
    assert record.action == "assessment_report_generated" and record.region_code == "320000"
    leaf = full_record_leaf(record, object_type="assessment.assessmentreport")
    for digest in (done.report.content_sha256, done.report.pdf_sha256, done.report.xlsx_sha256):
        assert digest.encode() in leaf
    # The workbook is rebuilt byte for byte from the stored JSON; the PDF is dated by it too.
    document = json.loads(stored_path(done.report.content_sha256).read_bytes())
    assert c.sha256(render_xlsx(document, done.report.content_sha256)) == done.report.xlsx_sha256
    stamp = dt.datetime.fromisoformat(document["generated_at"]).strftime("%Y%m%d%H%M%S")
    assert f"/CreationDate (D:{stamp}".encode() in pdf
    assert f"/Subject ({done.report.content_sha256})".encode() in pdf


def test_same_figures_no_new_report_changed_figures_a_new_version(register):
    first = report_generate(actor=regulator(), region="320000", period=PERIOD.code).report
    again = report_generate(actor=regulator(), region="320000", period=PERIOD.code)
    assert not again.created and again.report == first
    org = build_org(region_code="320102")
    certs.certificate_issue(actor=SYSTEM, body=register, data=certificate_data(holder=org, issued_on=day(7)))
    stats_refresh()
    second = report_generate(actor=regulator(), region="320000", period=PERIOD.code)
    assert second.created and second.report.version == 2
    assert AssessmentReport.objects.count() == 2 and stored_path(first.pdf_sha256).exists()


def test_verify_finds_a_genuine_file_and_refuses_a_changed_one(register, tmp_path, client):
    report = report_generate(actor=regulator(), region="320000", period=PERIOD.code).report
    pdf = stored_path(report.pdf_sha256).read_bytes()
    found = verify_bytes(pdf)
    assert found.genuine and found.kind == "pdf" and found.report == report
    assert not verify_bytes(pdf + b"\n").genuine
    path = tmp_path / "r.xlsx"
    path.write_bytes(stored_path(report.xlsx_sha256).read_bytes())
    out = StringIO()
    call_command("assessment", "verify", str(path), "--json", stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["genuine"] and answer["region"] == "320000" and answer["period"] == PERIOD.code
    path.write_bytes(path.read_bytes()[:-1] + b"x")
    with pytest.raises(SystemExit):
        call_command("assessment", "verify", str(path), stdout=StringIO())
    page = client.post("/assessment/verify/", {"file": io.BytesIO(pdf)})
    assert page.status_code == 200 and b'id="genuine"' in page.content and PERIOD.code.encode() in page.content
    page = client.post("/assessment/verify/", {"file": io.BytesIO(b"%PDF-1.7 forged")})
    assert b'id="not-issued"' in page.content
    assert client.post("/assessment/verify/", {}).status_code == 422


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"region": "32"}, {"region": "invalid"}),
    ({"period": "2026Q5"}, {"period": "invalid"}),
    ({"period": f"{TODAY.year + 1}"}, {"period": "future_period"}),
])
def test_a_wrong_request_is_refused_and_nothing_is_written(db, kwargs, expected):
    values = {"region": "320000", "period": PERIOD.code, **kwargs}
    with pytest.raises(ValidationFailed) as err:
        report_generate(actor=SYSTEM, **values)
    assert {e.field: e.code for e in err.value.errors} == expected
    assert not AssessmentReport.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("region", 200), ("above", 200), ("other", 403), ("body", 403), ("anonymous", 302)])
def test_who_may_see_and_generate_a_regions_reports(store, client, who, status):
    report = report_generate(actor=SYSTEM, region="320100", period=PERIOD.code).report
    users = {"region": lambda: build_user(Role.REGULATOR, jurisdiction_code="3201"),
             "above": lambda: build_user(Role.REGULATOR, jurisdiction_code="32"),
             "other": lambda: build_user(Role.REGULATOR, jurisdiction_code="50"),
             "body": lambda: build_user(Role.CB_OPERATOR, body=body_with_scopes()), "anonymous": lambda: None}
    user = users[who]()
    if user is not None:
        client.force_login(user)
    assert client.get("/assessment/?region=320100").status_code == status
    assert client.get(f"/assessment/{report.pk}/pdf/").status_code == status
    posted = client.post("/assessment/", {"region": "320100", "period": f"{TODAY.year - 1}"})
    assert posted.status_code == (302 if status == 200 else status)
    if status == 200:
        assert AssessmentReport.objects.filter(period=f"{TODAY.year - 1}").count() == 1
        assert client.get(f"/assessment/{report.pk}/pdf/").getvalue().startswith(b"%PDF-")
        with pytest.raises(NotPermitted):
            report_generate(actor=Actor.for_user(user), region="500000", period=PERIOD.code)


def test_the_scheduled_run_makes_last_quarters_province_reports_once(store, monkeypatch):
    monkeypatch.setattr(services, "schedule_rule",
                        lambda on: ScheduleRule("Q", None, "32", "province", 10, "src"))
    first_day = PERIOD.end + dt.timedelta(days=1)
    made = scheduled_generate(today=first_day)
    assert [(d.report.region_code, d.report.period, d.created) for d in made] == [("320000", PERIOD.code, True)]
    assert [d.created for d in scheduled_generate(today=first_day + dt.timedelta(days=1))] == [False]
    assert scheduled_generate(today=first_day + dt.timedelta(days=20)) == []
    assert AssessmentReport.objects.count() == 1
    assert any(job.run is assessment_reports for job in JOBS)


def test_the_command_generates_a_report(store):
    out = StringIO()
    call_command("assessment", "generate", "--region", "320000", "--period", PERIOD.code, "--json", stdout=out)
    found = json.loads(out.getvalue())
    assert found["created"] and found["version"] == 1 and len(found["pdf_sha256"]) == 64
