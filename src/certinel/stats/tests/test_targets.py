"""The texts' targets as data, their progress from the register, and the responsible units'
own reports (who may enter them, what is refused, what is recorded). Given / when / then."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certinel.accounts.models import Role
from certinel.cases.evidence import EvidenceFile
from certinel.certificates import services as certs
from certinel.core.actor import Actor
from certinel.core.errors import NotFound, NotPermitted, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data
from certinel.reference.models import Scheme
from certinel.stats.refresh import stats_refresh
from certinel.stats.services import progress_report_create
from certinel.stats.targets import TargetsError, progress, read_targets, targets_in_force, targets_progress

TODAY = dt.date.today()
HEADER = ("id,effective_from,region,source,clause,title,title_en,measure,schemes,family,level,baseline,baseline_on,"
          "target,due,lead,co_operating,note\n")


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_the_targets_file_holds_every_target_of_the_texts():
    found = {t.id: t for t in targets_in_force()}
    assert len(found) == 12
    assert found["JS-ALL-200K"].target == 200000 and found["JS-EMS-30K"].target == 30000
    assert found["JS-EnMS-1K"].schemes == ("EnMS",) and found["SPB-MS-1200"].region == "500106"
    assert found["JS-ORGANIC-1K"].lead == ("省農委",)
    assert found["JS-ORGANIC-1K"].co_operating == ("省糧食局", "省食品藥品監管局", "省質監局")
    assert found["SPB-UPGRADE-200"].measure == "reported"
    assert {t.level for t in found.values() if t.measure == "pass_rate"} == {"national", "provincial"}
    for t in found.values():
        assert t.source and t.clause and t.lead and t.due


@pytest.mark.django_db
def test_every_scheme_a_target_names_is_in_the_reference_data():
    codes = set(Scheme.objects.values_list("code", flat=True))
    for t in targets_in_force():
        assert set(t.schemes) <= codes, t.id


@pytest.mark.parametrize(("row", "message"), [
    ("X,,32,src,clause,t,t,valid_certificates,QMS,,,,,,2020-12-31,省質監局,,", "target figure is required"),
    ("X,,32,src,clause,t,t,count,QMS,,,,,5,2020-12-31,省質監局,,", "measure must be one of"),
    ("X,,32,src,clause,t,t,pass_rate,,,county,,,,2020-12-31,省質監局,,", "sampling level"),
    ("X,,32,src,clause,t,t,valid_certificates,QMS,,,,,5,2020-12-31,,,", "responsible unit leads"),
    ("X,,32,src,clause,t,t,valid_certificates,QMS,,,,,5,2020-13-31,省質監局,,", "line 2"),
])
def test_a_bad_targets_file_is_refused_with_its_line(tmp_path, row, message):
    path = tmp_path / "targets.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(TargetsError, match=message):
        read_targets(path)
    with pytest.raises(CommandError):
        call_command("targets", "check", "--file", str(path), stdout=StringIO())


def test_a_later_edition_replaces_an_earlier_one(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(HEADER + "T,2018-01-01,32,src,c,t,t,valid_certificates,QMS,,,,,100,2030-12-31,省質監局,,\n"
                    f"T,{ago(1)},32,src,c2,t,t,valid_certificates,QMS,,,,,150,2030-12-31,省質監局,,\n"
                    "T,2099-01-01,32,src,c3,t,t,valid_certificates,QMS,,,,,999,2030-12-31,省質監局,,\n",
                    encoding="utf-8")
    assert [t.target for t in targets_in_force(file=path)] == [150]


@pytest.fixture
def register(db):
    body = body_with_scopes(schemes=("QMS", "QMS-GRADED"))
    a, b = build_org(region_code="320102"), build_org(region_code="320505")
    certs.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=a, issued_on=ago(300)))
    certs.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=a, scheme="QMS-GRADED",
                                                                           issued_on=ago(200)))
    certs.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=b, scheme="QMS-GRADED",
                                                                           issued_on=ago(100)))
    stats_refresh()
    return body


def test_progress_from_the_register_with_the_forecast_at_the_current_pace(register, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(HEADER + f"Q,,32,src,c,t,t,valid_certificates,QMS;QMS-GRADED,,,,{ago(400)},10,"
                    f"{TODAY + dt.timedelta(days=400)},省質監局,省發展改革委,\n"
                    f"F,,32,src,c,t,t,firms,QMS-GRADED,,,,{ago(400)},2,{ago(150)},省質監局,,\n", encoding="utf-8")
    q, f = read_targets(path)
    found = progress(q, today=TODAY)
    # Three certificates in 400 days from none: three more in the next 400.
    assert (found["baseline"], found["actual"], found["forecast"], found["at_due"]) == (0, 3, 6, None)
    assert found["responsible"] == {"lead": ["省質監局"], "co_operating": ["省發展改革委"]}
    assert found["on_track"] is False and found["met"] is False
    # Due 150 days ago: one firm held a graded certificate then (the other came later).
    found = progress(f, today=TODAY)
    assert (found["actual"], found["at_due"], found["met"]) == (2, 1, False)


def test_pass_rate_targets_come_from_the_supervision_app(db):
    rows = {t["id"]: t for t in targets_progress(region="320000")}
    assert rows["JS-SAMPLING-NATIONAL-90"]["target"] == 90
    assert rows["JS-SAMPLING-PROVINCIAL-95"]["target"] == 95
    assert "苏政发〔2012〕91号" in rows["JS-SAMPLING-PROVINCIAL-95"]["target_source"]
    assert rows["JS-SAMPLING-NATIONAL-90"]["actual"] is None  # nothing sampled yet
    assert "SPB-MS-1200" not in rows


def test_the_command_prints_each_target_with_its_progress(db):
    out = StringIO()
    call_command("targets", "progress", "--json", stdout=out)
    found = json.loads(out.getvalue())
    assert len(found) == 12
    for t in found:
        assert {"id", "source", "target", "actual", "due", "responsible"} <= set(t)


PDF = EvidenceFile("进展.pdf", b"%PDF-1.4 progress")


def test_a_regulator_of_the_region_enters_a_units_report(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="50"))
    report = progress_report_create(actor=regulator, target_id="SPB-UPGRADE-200", unit="区经信委", as_of=ago(3),
                                    figure=Decimal("120"), narrative="完成换版升级120家", attachment=PDF)
    progress_report_create(actor=regulator, target_id="SPB-UPGRADE-200", unit="区市场监管局", as_of=ago(2),
                           figure=Decimal("30"), narrative="完成30家")
    progress_report_create(actor=regulator, target_id="SPB-UPGRADE-200", unit="区经信委", as_of=ago(1),
                           figure=Decimal("130"), narrative="累计130家")
    assert report.attachment["sha256"] and (tmp_path / "stats-progress").exists()
    record = history_for(report).get()
    assert record.action == "target_progress_reported" and record.region_code == "500106"
    row = next(t for t in targets_progress() if t["id"] == "SPB-UPGRADE-200")
    assert (row["actual"], row["reports"], row["as_of"]) == (160, 3, ago(1).isoformat())


@pytest.mark.parametrize(("role", "binding", "allowed"), [
    (Role.REGULATOR, lambda: {"jurisdiction_code": "32"}, False),  # another province
    (Role.REGULATOR, lambda: {"jurisdiction_code": "5001"}, True),  # the city above the district
    (Role.CB_OPERATOR, lambda: {"body": body_with_scopes()}, False),
    (Role.ORG_USER, lambda: {"organization": build_org()}, False),
])
def test_who_may_enter_a_report(db, role, binding, allowed):
    user = build_user(role, **binding())
    call = lambda: progress_report_create(actor=Actor.for_user(user), target_id="SPB-UPGRADE-200",  # noqa: E731
                                          unit="区经信委", as_of=ago(1), narrative="进展")
    if allowed:
        assert call().pk
    else:
        with pytest.raises(NotPermitted):
            call()


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"unit": "省質監局"}, {"unit": "not_responsible"}),
    ({"as_of": TODAY + dt.timedelta(days=1)}, {"as_of": "future_date"}),
    ({"narrative": " "}, {"narrative": "required"}),
    ({"figure": Decimal("-1")}, {"figure": "negative"}),
    ({"attachment": EvidenceFile("x.exe", b"MZ\x90\x00")}, {"evidence": "file_type"}),
])
def test_a_wrong_report_is_refused_and_nothing_is_written(db, kwargs, expected):
    from certinel.stats.models import ProgressReport

    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="50"))
    values = {"target_id": "SPB-UPGRADE-200", "unit": "区经信委", "as_of": ago(1), "narrative": "进展", **kwargs}
    with pytest.raises(ValidationFailed) as err:
        progress_report_create(actor=regulator, **values)
    assert {e.field: e.code for e in err.value.errors} == expected
    assert not ProgressReport.objects.exists()


def test_an_unknown_target_is_not_found(db):
    with pytest.raises(NotFound):
        progress_report_create(actor=SYSTEM, target_id="NOPE", unit="x", as_of=ago(1), narrative="x")
