"""The warning rules on planted cases and innocent look-alikes, recording findings once, the
queue and the command line."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certinel.cases import rules
from certinel.cases.models import RiskWarning
from certinel.cases.services_cases import case_open, warning_dismiss
from certinel.cases.services_warnings import mark_due, run_if_due, warnings_record, warnings_run
from certinel.certificates.services import certificate_issue, certificate_suspend
from certinel.core.actor import Actor
from certinel.core.errors import TransitionNotAllowed
from certinel.core.testing.builders import body_with_scopes, build_org, certificate_data
from certinel.registry import services as registry

from .factories import regulator

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
TODAY = dt.date.today()


def _issue(body, holder, number, **kw):
    return certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=holder, number=number, **kw))


def test_hopping_finds_the_move_after_a_suspension_and_not_a_second_certificate_at_the_same_body():
    old, new = body_with_scopes(), body_with_scopes()
    hopper, loyal = build_org(), build_org()
    first = _issue(old, hopper, "HOP-1", issued_on=TODAY - dt.timedelta(days=200))
    certificate_suspend(actor=SYSTEM, certificate=first, until=TODAY + dt.timedelta(days=60), reason="监督审核不通过",
                        signed_by="王", occurred_on=TODAY - dt.timedelta(days=20))
    _issue(new, hopper, "HOP-2", issued_on=TODAY - dt.timedelta(days=5), scheme="EMS")
    same = _issue(old, loyal, "LOY-1", issued_on=TODAY - dt.timedelta(days=200))
    certificate_suspend(actor=SYSTEM, certificate=same, until=TODAY + dt.timedelta(days=60), reason="x",
                        signed_by="王", occurred_on=TODAY - dt.timedelta(days=20))
    _issue(old, loyal, "LOY-2", issued_on=TODAY - dt.timedelta(days=5), scheme="EMS")
    found = rules.run("hopping")
    assert [(f.subject_code, f.evidence["old_certificate"], f.evidence["new_certificate"]) for f in found] == [
        (hopper.uscc, "HOP-1", "HOP-2")]
    assert found[0].evidence["days_between"] == 15 and found[0].severity == "medium"


def test_mills_and_a_city_threshold():
    mill = body_with_scopes(region_code="320102")      # Nanjing: 20 a day is enough
    busy = body_with_scopes(region_code="320506")      # Suzhou: the province's 30
    day = TODAY - dt.timedelta(days=10)
    for n in range(21):
        _issue(mill, build_org(), f"MILL-{n}", issued_on=day)
        _issue(busy, build_org(region_code="320506"), f"BUSY-{n}", issued_on=day)
    found = rules.run("mills")
    assert [(f.subject_code, f.evidence["organizations"], f.edition) for f in found] == [
        (mill.uscc, 21, "2026-01/3201")]


def test_mills_do_not_count_certificates_taken_over_by_transfer():
    leaving, taking = body_with_scopes(region_code="320102"), body_with_scopes(region_code="320102")
    for n in range(21):
        holder = build_org()
        source = _issue(leaving, holder, f"OLD-{n}", issued_on=TODAY - dt.timedelta(days=40 + n))
        _issue(taking, holder, f"NEW-{n}", issued_on=TODAY - dt.timedelta(days=2),
               transferred_from_body=leaving.approval_no, transferred_from_number=source.number,
               first_issued_on=source.issued_on)
    assert rules.run("mills") == []
    for n in range(20):
        _issue(taking, build_org(), f"OWN-{n}", issued_on=TODAY - dt.timedelta(days=2))
    [found] = rules.run("mills")
    assert (found.subject_code, found.evidence["organizations"]) == (taking.uscc, 20)


def test_reporting_lag_counts_late_reports_by_local_day_and_spares_a_report_on_the_deadline():
    late, on_time = body_with_scopes(), body_with_scopes()
    for n in range(3):
        _issue(late, build_org(), f"LATE-{n}", issued_on=TODAY - dt.timedelta(days=6 + n))
        _issue(on_time, build_org(), f"ONTIME-{n}", issued_on=TODAY - dt.timedelta(days=5))
    [found] = rules.run("reporting_lag")
    assert (found.subject_code, found.evidence["late_events"], found.evidence["late_events_previous_window"]) == (
        late.uscc, 3, 0)
    # Reported today: on the window's first local day it still counts; a day later it is the previous window's.
    last = TODAY + dt.timedelta(days=89)
    assert rules._day_start(TODAY).date() == TODAY and rules._day_start(TODAY).hour == 0
    [still] = rules.run("reporting_lag", on=last)
    assert (still.evidence["late_events"], still.evidence["late_events_previous_window"]) == (3, 0)
    assert rules.run("reporting_lag", on=last + dt.timedelta(days=1)) == []


def test_out_of_scope_and_body_withdrawn():
    body = body_with_scopes(schemes=("QMS",))
    org = build_org()
    cert = _issue(body, org, "SCOPE-1", issued_on=TODAY)
    assert rules.run("out_of_scope") == []
    scope = body.scopes.get()
    registry.body_scope_withdraw(actor=SYSTEM, scope=scope, reason="撤回", on=TODAY)
    [found] = rules.run("out_of_scope")
    assert found.subject_code == cert.number and found.severity == "high"
    assert found.evidence["approved_now"] is False
    assert rules.run("body_withdrawn") == []
    registry.body_suspend(actor=SYSTEM, body=body, reason="暂停")
    [withdrawn] = rules.run("body_withdrawn")
    assert withdrawn.subject_code == body.uscc and withdrawn.evidence["valid_certificates"] == 1


def test_findings_are_recorded_once_and_go_to_the_region_queue():
    old, new = body_with_scopes(), body_with_scopes()
    hopper = build_org()
    first = _issue(old, hopper, "HOP-1", issued_on=TODAY - dt.timedelta(days=200))
    certificate_suspend(actor=SYSTEM, certificate=first, until=TODAY + dt.timedelta(days=60), reason="x",
                        signed_by="王", occurred_on=TODAY - dt.timedelta(days=20))
    _issue(new, hopper, "HOP-2", issued_on=TODAY - dt.timedelta(days=5), scheme="EMS")
    assert warnings_run(rule="hopping") == {"hopping": 1}
    assert warnings_run(rule="hopping") == {"hopping": 0}
    warning = RiskWarning.objects.get()
    assert (warning.region_code, warning.organization_id, warning.status) == ("320102", hopper.pk, "open")
    reg = regulator()
    case = case_open(actor=reg, warning=warning, summary="核查是否规避暂停")
    assert case.source == "warning" and case.organization_id == hopper.pk
    with pytest.raises(TransitionNotAllowed):
        warning_dismiss(actor=reg, warning=warning, reason="x")


def test_the_rules_run_after_changes_only_when_due():
    from django.core.cache import cache

    cache.clear()
    assert run_if_due() == {}
    mark_due([type("R", (), {"action": "certificate_issued"})()])
    assert set(run_if_due()) == set(rules.RULES)
    assert run_if_due() == {}
    assert warnings_record([]) == []


def test_cli_prints_one_json_object_per_finding():
    old, new = body_with_scopes(), body_with_scopes()
    hopper = build_org()
    first = _issue(old, hopper, "HOP-1", issued_on=TODAY - dt.timedelta(days=200))
    certificate_suspend(actor=SYSTEM, certificate=first, until=TODAY + dt.timedelta(days=60), reason="x",
                        signed_by="王", occurred_on=TODAY - dt.timedelta(days=20))
    _issue(new, hopper, "HOP-2", issued_on=TODAY - dt.timedelta(days=5), scheme="EMS")
    out = io.StringIO()
    call_command("warnings", "run", "--rule", "hopping", "--json", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    found = json.loads(lines[0])
    assert list(found) == ["rule", "subject", "severity", "evidence"] and found["subject"] == hopper.uscc
    with pytest.raises(CommandError) as exc:
        call_command("warnings", "run", "--rule", "nope", "--json", stdout=io.StringIO())
    assert exc.value.returncode == 2


def _hop(old, new, holder, prefix):
    first = _issue(old, holder, f"{prefix}-1", issued_on=TODAY - dt.timedelta(days=200))
    certificate_suspend(actor=SYSTEM, certificate=first, until=TODAY + dt.timedelta(days=60), reason="x",
                        signed_by="王", occurred_on=TODAY - dt.timedelta(days=20))
    _issue(new, holder, f"{prefix}-2", issued_on=TODAY - dt.timedelta(days=5), scheme="EMS")


def test_an_incremental_run_finds_what_a_full_run_finds_about_the_changes_and_reads_only_those():
    from django.core.cache import cache

    from certinel.cases.services_warnings import MARK_KEY, _last_record_id, touched_since, warnings_run_incremental

    cache.clear()
    # Given findings already recorded by a full run (a hop, a mill in Nanjing) ...
    old, new = body_with_scopes(), body_with_scopes()
    _hop(old, new, build_org(), "HOPA")
    mill = body_with_scopes(region_code="320102")
    for n in range(20):
        _issue(mill, build_org(), f"MILL-{n}", issued_on=TODAY - dt.timedelta(days=3))
    assert warnings_run()["mills"] == 1 and cache.get(MARK_KEY) is not None
    mark = cache.get(MARK_KEY)
    before = {code: {f.fingerprint for f in rules.run(code)} for code in rules.RULES}
    # ... when new certificates are reported: another hop, a second mill day, one more certificate
    # for the old mill day, a body suspended, a scope withdrawn.
    _hop(old, new, build_org(), "HOPB")
    for n in range(20):
        _issue(mill, build_org(), f"MILLB-{n}", issued_on=TODAY - dt.timedelta(days=1))
    _issue(mill, build_org(), "MILL-20", issued_on=TODAY - dt.timedelta(days=3))
    withdrawn = body_with_scopes()
    _issue(withdrawn, build_org(), "WD-1")
    registry.body_suspend(actor=SYSTEM, body=withdrawn, reason="暂停")
    scoped = body_with_scopes(schemes=("QMS",))
    _issue(scoped, build_org(), "SC-1", issued_on=TODAY)
    registry.body_scope_withdraw(actor=SYSTEM, scope=scoped.scopes.get(), reason="撤回", on=TODAY)
    touched = touched_since(mark, _last_record_id())
    assert touched is not None and scoped.pk in touched.changed_bodies and withdrawn.pk in touched.changed_bodies
    # then for each rule the incremental run finds every finding the full run finds anew
    expected = {}
    for code in rules.RULES:
        full = {f.fingerprint for f in rules.run(code)}
        expected[code] = len(full - before[code])
        part = {f.fingerprint for f in rules.run(code, touched=touched)}
        assert full - before[code] <= part <= full, code
        if code in ("hopping", "out_of_scope"):
            assert len(part) < len(full), code  # and reads less
    mills = {f.evidence["issued_on"]: f.evidence["organizations"] for f in rules.run("mills", touched=touched)}
    assert mills == {(TODAY - dt.timedelta(days=1)).isoformat(): 20, (TODAY - dt.timedelta(days=3)).isoformat(): 21}
    hops = [f.evidence["new_certificate"] for f in rules.run("hopping", touched=touched)]
    assert hops == ["HOPB-2"]  # the first hop's holder was not touched
    mark_due([type("R", (), {"action": "certificate_issued"})()])
    assert run_if_due() == expected
    assert (expected["hopping"], expected["mills"], expected["body_withdrawn"]) == (1, 1, 1)
    assert warnings_run_incremental() == dict.fromkeys(rules.RULES, 0)  # nothing changed since


def test_an_incremental_run_without_a_mark_runs_everything():
    from django.core.cache import cache

    from certinel.cases.services_warnings import MARK_KEY, warnings_run_incremental

    cache.clear()
    old, new = body_with_scopes(), body_with_scopes()
    _hop(old, new, build_org(), "HOPC")
    assert warnings_run_incremental()["hopping"] == 1
    assert cache.get(MARK_KEY) is not None
