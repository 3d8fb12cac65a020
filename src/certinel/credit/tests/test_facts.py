"""Credit files: facts a regulator records (one, or a file of them, all or nothing), their
annulment, and the facts Certinel records from its own events. Given / when / then."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.certificates import services as certificates
from certinel.certificates.io.errors import FileRejected
from certinel.core.actor import Actor
from certinel.core.errors import NotFound, NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import (
    SYSTEM,
    body_with_scopes,
    build_body,
    build_lab,
    build_org,
    build_person,
    build_user,
    certificate_data,
)
from certinel.credit import services
from certinel.credit.automatic import on_records
from certinel.credit.choices import FactKind, FactStatus
from certinel.credit.models import CreditClass, CreditFact
from certinel.credit.services_facts import fact_annul, fact_record, facts_import
from certinel.registry import services as registry
from certinel.transparency.leaf import parse_leaf

from .factories import listed, regulator

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def penalty(actor: Actor, subject: str, **kw) -> CreditFact:
    values = {"kind": "administrative_penalty", "severity": "general", "occurred_on": TODAY - dt.timedelta(days=30),
              "decision_no": "苏市监罚〔2026〕101号", "authority": "南京市市场监督管理局",
              "description": "未按规定使用认证标志"}
    values.update(kw)
    return fact_record(actor=actor, subject=subject, **values)


def facts_of(subject) -> list[CreditFact]:
    field = {"Organization": "organization", "CertificationBody": "body", "Lab": "lab", "Person": "person"}[
        type(subject).__name__]
    return list(CreditFact.objects.filter(**{field: subject}).order_by("id"))


# --- a regulator records a fact ---------------------------------------------------------------------

def test_a_regulator_records_a_fact_with_its_decision_and_the_class_follows():
    org = build_org(region_code="320102")
    fact = penalty(regulator("3201"), org.uscc)
    assert (fact.organization, fact.kind, fact.status, fact.source, fact.region_code) == (
        org, "administrative_penalty", FactStatus.RECORDED, "regulator", "320102")
    [record] = history_for(fact)
    assert record.action == "credit_fact_recorded" and record.after["decision_no"] == "苏市监罚〔2026〕101号"
    # a private kind: the log holds a commitment, not the fact
    assert parse_leaf(bytes(ChangeRecord.objects.get(pk=record.pk).leaf))["type"] == "private"
    cls = CreditClass.objects.get(organization=org)
    assert (cls.grade, cls.score, cls.facts_counted) == ("A", 90, 1)
    assert [line["code"] for line in cls.explanation["indicators"]] == ["ORG-PEN-G"]


def test_bodies_labs_and_practitioners_have_files_too():
    actor = regulator("32")
    body, lab = build_body(region_code="320102"), build_lab(region_code="320102")
    auditor = build_person(name="赵审核")
    registry.person_role_add(actor=SYSTEM, person=auditor, kind="auditor", body=body, scheme_code="QMS",
                             grade="auditor", registration_no="2026-N1QMS-7700001")
    assert penalty(actor, body.uscc).body == body
    assert penalty(actor, lab.uscc, kind="untrue_report").lab == lab
    fact = penalty(actor, "2026-n1qms-7700001", kind="false_report", severity="serious")
    assert (fact.person, fact.subject_kind, fact.region_code) == (auditor, "person", "320102")
    assert CreditClass.objects.get(person=auditor).grade == "D"  # a false report: class D while it counts


def test_every_wrong_field_is_named_at_once():
    org = build_org()
    with pytest.raises(ValidationFailed) as caught:
        fact_record(actor=regulator(), subject=org.uscc, kind="gossip", severity="awful",
                    occurred_on=TODAY + dt.timedelta(days=1), decision_no=" ", authority="")
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("kind", "invalid"), ("severity", "invalid"), ("occurred_on", "future"), ("decision_no", "required"),
        ("authority", "required")}
    with pytest.raises(ValidationFailed) as caught:
        penalty(regulator(), org.uscc, kind="certificate_revoked")
    assert caught.value.errors[0].code == "automatic"
    with pytest.raises(NotFound):
        penalty(regulator(), "91320102MA1XXXXXX9")
    assert not CreditFact.objects.exists()


def test_only_regulators_of_the_subjects_region_record_and_annul():
    org = build_org(region_code="320102")
    others = [regulator("33"), regulator("320104"), Actor.for_user(build_user(Role.ORG_USER, organization=org)),
              Actor.for_user(build_user(Role.CB_OPERATOR, body=build_body()))]
    for actor in others:
        with pytest.raises(NotPermitted):
            penalty(actor, org.uscc)
    fact = penalty(regulator("320102"), org.uscc)
    for actor in others:
        with pytest.raises(NotPermitted):
            fact_annul(actor=actor, fact=fact, reason="撤销")
    assert CreditFact.objects.get().status == FactStatus.RECORDED


def test_the_same_decision_is_recorded_once_unless_annulled():
    org = build_org()
    actor = regulator()
    first = penalty(actor, org.uscc)
    with pytest.raises(ValidationFailed) as caught:
        penalty(actor, org.uscc)
    assert caught.value.errors[0].code == "duplicate"
    assert penalty(actor, org.uscc, kind="commitment_broken").kind == "commitment_broken"  # another kind
    fact_annul(actor=actor, fact=first, reason="行政复议撤销原处罚决定")
    assert penalty(actor, org.uscc).status == FactStatus.RECORDED


def test_annulment_takes_a_reason_happens_once_and_the_class_recovers():
    org = build_org()
    actor = regulator()
    fact = penalty(actor, org.uscc, severity="serious")
    assert CreditClass.objects.get(organization=org).score == 70
    with pytest.raises(ValidationFailed):
        fact_annul(actor=actor, fact=fact, reason=" ")
    annulled = fact_annul(actor=actor, fact=fact, reason="行政复议撤销原处罚决定")
    assert annulled.status == FactStatus.ANNULLED
    with pytest.raises(TransitionNotAllowed):
        fact_annul(actor=actor, fact=annulled, reason="again")
    assert [r.action for r in history_for(fact)] == ["credit_fact_recorded", "credit_fact_annulled"]
    assert history_for(fact).last().reason == "行政复议撤销原处罚决定"
    cls = CreditClass.objects.get(organization=org)
    assert (cls.grade, cls.score, cls.facts_counted, cls.explanation["indicators"]) == ("A", 100, 0, [])


# --- a file of facts ----------------------------------------------------------------------------------

HEADER = "主体代码,事项类别,严重程度,发生日期,决定书文号,作出决定的机关,说明\n"


def csv_file(*rows: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO((header + "".join(r + "\n" for r in rows)).encode("utf-8"))


def test_a_good_file_is_imported_whole_and_a_dry_run_writes_nothing():
    a, b = build_org(region_code="320102"), build_org(region_code="320205")
    day = (TODAY - dt.timedelta(days=10)).isoformat()
    rows = (f"{a.uscc},administrative_penalty,general,{day},罚1,南京市市场监督管理局,",
            f"{a.uscc},告知承诺不实或未履行,严重,{day},承1,南京市市场监督管理局,承诺不实",
            f"{b.uscc},award,minor,{day},奖1,江苏省市场监督管理局,质量奖")
    dry = facts_import(actor=regulator("32"), source=csv_file(*rows), name="facts.csv", dry_run=True)
    assert (dry.ok, dry.rows, dry.created) == (True, 3, 0) and not CreditFact.objects.exists()
    done = facts_import(actor=regulator("32"), source=csv_file(*rows), name="facts.csv")
    assert (done.ok, done.created) == (True, 3)
    assert [f.kind for f in facts_of(a)] == ["administrative_penalty", "commitment_broken"]
    assert CreditClass.objects.get(organization=a).score == 75  # 100 - 10 - 15
    assert CreditClass.objects.get(organization=b).score == 100  # an award offsets, never beyond the base


def test_every_bad_row_is_reported_and_nothing_is_written():
    mine, elsewhere = build_org(region_code="320102"), build_org(region_code="330102")
    day = (TODAY - dt.timedelta(days=10)).isoformat()
    rows = (f"{mine.uscc},administrative_penalty,general,{day},罚1,局,",           # 2: good
            f"{mine.uscc},gossip,general,{day},罚2,局,",                           # 3: unknown kind
            f"{mine.uscc},administrative_penalty,general,2026-02-30,罚3,局,",      # 4: no such date
            f"91320102MA1XXXXXX9,award,minor,{day},奖1,局,",                       # 5: unknown subject
            f"{elsewhere.uscc},award,minor,{day},奖2,局,",                         # 6: outside the region
            f"{mine.uscc},administrative_penalty,general,{day},罚1,局,",           # 7: repeats row 2
            ",certificate_revoked,bad,,,,")                                      # 8: everything wrong
    result = facts_import(actor=regulator("32"), source=csv_file(*rows), name="facts.csv")
    found = {(e.row, e.field, e.code) for e in result.errors}
    assert found == {
        (3, "kind", "invalid"), (4, "occurred_on", "invalid_date"), (5, "subject", "not_found"),
        (6, "subject", "not_permitted"), (7, "decision_no", "duplicate_row"),
        (8, "subject", "required"), (8, "kind", "automatic"), (8, "severity", "invalid"),
        (8, "occurred_on", "required"), (8, "decision_no", "required"), (8, "authority", "required")}
    assert all(e.column for e in result.errors)
    assert (result.ok, result.created) == (False, 0) and not CreditFact.objects.exists()
    penalty(regulator(), mine.uscc, decision_no="罚1", occurred_on=TODAY - dt.timedelta(days=10), authority="局")
    again = facts_import(actor=regulator("32"), source=csv_file(rows[0]), name="facts.csv")
    assert [(e.row, e.code) for e in again.errors] == [(2, "duplicate")]


def test_a_file_that_is_not_one_of_facts_is_refused_whole():
    with pytest.raises(FileRejected) as caught:
        facts_import(actor=regulator(), source=csv_file("x,y", header="主体代码,颜色,发生日期\n"), name="f.csv")
    assert {(e.column, e.code) for e in caught.value.errors} == {
        ("颜色", "unknown_column"), ("事项类别", "missing_column"), ("严重程度", "missing_column"),
        ("决定书文号", "missing_column"), ("作出决定的机关", "missing_column")}
    with pytest.raises(FileRejected) as caught:
        facts_import(actor=regulator(), source=csv_file(), name="f.csv")
    assert caught.value.code == "no_rows"
    with pytest.raises(FileRejected) as caught:
        facts_import(actor=regulator(), source=io.BytesIO(b"%PDF-1.7 ..."), name="f.csv")
    assert caught.value.code == "not_a_table"


def test_english_headers_and_gb18030_are_read():
    org = build_org()
    text = ("subject,kind,severity,occurred_on,decision_no,authority\n"
            f"{org.uscc},抽查检验不合格,一般,{TODAY.isoformat()},抽1,南京市市场监督管理局\n")
    result = facts_import(actor=regulator(), source=io.BytesIO(text.encode("gb18030")), name="f.csv")
    assert result.ok and facts_of(org)[0].kind == FactKind.SAMPLING_FAILED


def test_the_command_imports_and_exits_with_the_outcome(tmp_path, capsys):
    org = build_org()
    good = tmp_path / "good.csv"
    good.write_text(HEADER + f"{org.uscc},inspection_failed,general,{TODAY.isoformat()},检1,局,\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{org.uscc},inspection_failed,general,,检2,局,\n", encoding="utf-8")
    user = build_user(Role.REGULATOR, jurisdiction_code="32")
    call_command("credit", "facts", "import", str(good), "--dry-run", "--as", user.username)
    assert "1 row(s) checked, all good" in capsys.readouterr().out and not CreditFact.objects.exists()
    call_command("credit", "facts", "import", str(good), "--as", user.username)
    assert "1 fact(s) recorded." in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        call_command("credit", "facts", "import", str(bad))
    assert stopped.value.code == 1 and "row 2, 发生日期" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stopped:
        call_command("credit", "facts", "import", str(tmp_path / "missing.csv"))
    assert stopped.value.code == 2
    assert CreditFact.objects.count() == 1


# --- facts from Certinel's own events -----------------------------------------------------------------

@pytest.fixture
def reported(db):
    body = body_with_scopes()
    holder = build_org(region_code="320102")
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    cert = certificates.certificate_issue(actor=operator, body=body, data=certificate_data(holder=holder))
    return {"body": body, "holder": holder, "operator": operator, "cert": cert}


def test_a_suspension_and_a_revocation_by_the_body_are_facts_of_the_holder(reported):
    op, cert, holder = reported["operator"], reported["cert"], reported["holder"]
    cert = certificates.certificate_suspend(actor=op, certificate=cert, until=TODAY + dt.timedelta(days=60),
                                            reason="监督审核发现严重不符合", signed_by="李主任")
    [fact] = facts_of(holder)
    assert (fact.kind, fact.source, fact.decision_no, fact.description, fact.occurred_on) == (
        "certificate_suspended", "certinel:certificate_suspended", cert.number, "监督审核发现严重不符合", TODAY)
    assert fact.change_record.action == "certificate_suspended" and fact.change_record.object_id == str(cert.pk)
    certificates.certificate_revoke(actor=op, certificate=cert, reason="暂停期满未整改", signed_by="李主任")
    assert [f.kind for f in facts_of(holder)] == ["certificate_suspended", "certificate_revoked"]
    cls = CreditClass.objects.get(organization=holder)
    assert (cls.score, cls.facts_counted) == (84, 2)
    assert {r.action for r in history_for(cls)} == {"credit_class_assigned", "credit_class_changed"}


def test_an_event_seen_twice_makes_one_fact(reported):
    certificates.certificate_revoke(actor=reported["operator"], certificate=reported["cert"], reason="r",
                                    signed_by="李主任")
    record = history_for(reported["cert"]).last()
    from django.db import transaction

    with transaction.atomic():
        on_records([record])
    assert len(facts_of(reported["holder"])) == 1


def test_a_late_report_is_a_fact_of_the_body(reported, settings):
    op, body = reported["operator"], reported["body"]
    # the fixture's certificate was reported 30 days after its issue, past the 5 days allowed
    [issued] = facts_of(body)
    assert (issued.kind, issued.severity, issued.details["events"], issued.details["max_delay_days"],
            issued.details["certificates"]) == ("late_reporting", "minor", 1, 30, [reported["cert"].number])
    certificates.certificate_surveillance_pass(actor=op, certificate=reported["cert"], signed_by="李主任",
                                               occurred_on=TODAY - dt.timedelta(days=3))
    assert len(facts_of(body)) == 1  # in time
    settings.CERTINEL_REPORTING_DEADLINE_DAYS = 10
    certificates.certificate_suspend(actor=op, certificate=reported["cert"], until=TODAY + dt.timedelta(days=60),
                                     reason="r", signed_by="李主任", occurred_on=TODAY - dt.timedelta(days=2))
    assert len(facts_of(body)) == 1
    certificates.certificate_reinstate(actor=op, certificate=reported["cert"], reason="r", signed_by="李主任",
                                       occurred_on=TODAY - dt.timedelta(days=1))
    certificates.certificate_revoke(actor=op, certificate=reported["cert"], reason="r", signed_by="李主任",
                                    occurred_on=TODAY)
    assert len(facts_of(body)) == 1
    assert CreditClass.objects.get(body=body).score == 98
    assert facts_of(body)[0].change_record.action == "certificate_issued"


def test_a_listing_is_a_serious_fact_and_its_annulment_annuls_it():
    org = build_org()
    actor = regulator()
    entry = listed(actor, org.uscc, listed_on=TODAY)
    [fact] = facts_of(org)
    assert (fact.kind, fact.severity, fact.decision_no, fact.details) == (
        "serious_violation_listed", "serious", entry.decision_no, {"entry": entry.pk})
    cls = CreditClass.objects.get(organization=org)
    assert (cls.grade, cls.explanation["limited_to"]) == ("D", "D")
    services.entry_annul(actor=actor, entry=entry, reason="处罚决定被撤销")
    fact.refresh_from_db()
    assert fact.status == FactStatus.ANNULLED
    assert [r.reason for r in history_for(fact)][-1] == "处罚决定被撤销"
    assert CreditClass.objects.get(organization=org).grade == "A"
