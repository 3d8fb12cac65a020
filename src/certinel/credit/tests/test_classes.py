"""Credit risk classes: computed from the facts by the scorecard files (per kind of subject and
region, each indicator with its weight, window and source), with the explanation of every
point, recomputed when facts arrive and on schedule, their history kept, and shown only to
regulators of the subject's region. Given / when / then."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.core import scheduler
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.errors import NotPermitted
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import build_body, build_org, build_user
from certinel.credit import scorecard as scorecards
from certinel.credit.choices import CreditSubjectKind, FactKind
from certinel.credit.models import CreditClass, CreditFact
from certinel.credit.scorecard import ScorecardError, read_file, score, scorecard_for
from certinel.credit.selectors import class_for, class_history, classes_visible
from certinel.credit.services_classes import classes_recompute
from certinel.credit.services_facts import fact_record
from certinel.transparency.leaf import parse_leaf
from certinel.transparency.privacy import PUBLIC_KINDS

from .factories import regulator

TODAY = timezone.localdate()


def record(actor, subject, kind="administrative_penalty", severity="general", days_ago=30, n=[0]):  # noqa: B006
    n[0] += 1
    return fact_record(actor=actor, subject=subject, kind=kind, severity=severity,
                       occurred_on=TODAY - dt.timedelta(days=days_ago), decision_no=f"罚{n[0]}",
                       authority="南京市市场监督管理局")


# --- the scorecard files ----------------------------------------------------------------------------

def test_every_kind_of_subject_has_a_scorecard_whose_every_indicator_names_its_source():
    for kind in CreditSubjectKind.values:
        card = scorecard_for(kind, on=TODAY, region_code="320102")
        assert card.source and card.base == 100 and dict(card.classes) == {"A": 90, "B": 75, "C": 60}
        assert all(i.source and i.kind in FactKind.values for i in card.indicators)
    assert {i.kind for i in scorecard_for("lab", on=TODAY).indicators} >= {"false_report", "untrue_report"}
    assert {i.kind for i in scorecard_for("body", on=TODAY).indicators} >= {"late_reporting"}


def test_score_caps_windows_and_the_worst_class():
    card = scorecard_for("organization", on=TODAY)
    grade, value, n, ex = score(card, {("administrative_penalty", "general", 24): 5,
                                       ("award", "minor", 36): 1})
    assert (grade, value, n) == ("B", 75, 6)  # 5 x 10 capped at 30, an award gives 5 back
    assert [(line["code"], line["facts"], line["deducted"]) for line in ex["indicators"]] == [
        ("ORG-PEN-G", 5, 30), ("ORG-AWD", 1, -5)]
    assert ex["score"] == 75 and ex["class"] == "B" and "source" not in ex["indicators"][0]
    # Stored compact; the edition's words (points, cap, source) are added when it is read.
    full = scorecards.expand(ex)
    assert full["indicators"][0]["source"] and full["indicators"][0]["points_each"] == 10
    assert full["base"] == 100 and full["classes"] == {"A": 90, "B": 75, "C": 60} and full["score"] == 75
    # a count in another window than the indicator's is not the indicator's
    assert score(card, {("administrative_penalty", "general", 36): 5})[1] == 100
    grade, value, _n, ex = score(card, {("serious_violation_listed", "serious", 36): 1})
    assert (grade, value, ex["limited_to"]) == ("D", 60, "D")  # 60 would be C: the listing makes it D
    assert [card.grade_of(s) for s in (100, 90, 89, 75, 74, 60, 59, 0)] == ["A", "A", "B", "B", "C", "C", "D", "D"]


@pytest.fixture
def card_dir(tmp_path, monkeypatch) -> Path:
    """A scorecard directory of the test's own, starting as a copy of the real one."""
    directory = tmp_path / "scorecards"
    shutil.copytree(scorecards.SCORECARD_DIR, directory)
    monkeypatch.setattr(scorecards, "SCORECARD_DIR", directory)
    return directory


REGIONAL = '''
subject_kind = "organization"

[[edition]]
edition = "2027-01"
effective_from = {effective}
region = "32"
base = 100
classes = {{ A = 95, B = 80, C = 60 }}
source = "A fictional regional edition for tests"

[[edition.indicator]]
code = "JS-PEN"
kind = "administrative_penalty"
severity = "*"
window_months = 12
points = 20
source = "test"
'''


@pytest.mark.django_db
def test_a_regions_edition_applies_to_its_subjects_from_its_day(card_dir):
    (card_dir / "organization-32.toml").write_text(REGIONAL.format(effective=TODAY.isoformat()), encoding="utf-8")
    jiangsu, beijing = build_org(region_code="320102"), build_org(region_code="110101")
    record(regulator("32"), jiangsu.uscc)
    record(regulator("11"), beijing.uscc)
    mine, theirs = CreditClass.objects.get(organization=jiangsu), CreditClass.objects.get(organization=beijing)
    assert (mine.scorecard, mine.score, mine.grade) == ("organization/2027-01/32", 80, "B")
    assert (theirs.scorecard, theirs.score, theirs.grade) == ("organization/2026-12", 90, "A")
    # before its effective day, the national edition applies
    classes_recompute(on=TODAY - dt.timedelta(days=1))
    assert CreditClass.objects.get(organization=jiangsu).scorecard == "organization/2026-12"


BAD_FILES = {
    "syntax": ("subject_kind = ", "cannot be read"),
    "kind": ('subject_kind = "shop"\n', "subject_kind must be one of"),
    "no edition": ('subject_kind = "lab"\n', "holds no [[edition]]"),
    "classes": (REGIONAL.format(effective="2027-01-01").replace("A = 95, B = 80, C = 60", "A = 60, B = 80, C = 95"),
                "must fall from A to C"),
    "fact kind": (REGIONAL.format(effective="2027-01-01").replace('kind = "administrative_penalty"',
                                                                  'kind = "rumour"'), "unknown fact kind 'rumour'"),
    "severity": (REGIONAL.format(effective="2027-01-01").replace('severity = "*"', 'severity = "awful"'),
                 "unknown severity"),
    "window": (REGIONAL.format(effective="2027-01-01").replace("window_months = 12", "window_months = 0"),
               "window_months must be at least 1"),
    "source": (REGIONAL.format(effective="2027-01-01").replace('source = "test"', 'source = ""'),
               "indicator JS-PEN: source is required"),
    "region": (REGIONAL.format(effective="2027-01-01").replace('region = "32"', 'region = "Jiangsu"'),
               "GB/T 2260 prefix"),
    "date": (REGIONAL.format(effective='"soon"'), "effective_from must be a date"),
    "unknown key": (REGIONAL.format(effective="2027-01-01").replace("points = 20", "points = 20\nweight = 3"),
                    "unknown keys weight"),
    "points": (REGIONAL.format(effective="2027-01-01").replace("points = 20", "points = 2.5"),
               "points must be a whole number"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_scorecard_file_is_refused_with_its_name_and_the_reason(tmp_path, case):
    text, expected = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScorecardError) as caught:
        read_file(path)
    assert str(caught.value).startswith("bad.toml") and expected in str(caught.value), str(caught.value)


@pytest.mark.django_db
def test_a_bad_file_stops_the_computation_and_a_duplicated_edition_is_refused(card_dir):
    (card_dir / "organization-32.toml").write_text(BAD_FILES["window"][0], encoding="utf-8")
    with pytest.raises(ScorecardError):
        classes_recompute()
    (card_dir / "organization-32.toml").write_text(
        (card_dir / "organization.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScorecardError, match="defined twice"):
        scorecard_for("organization", on=TODAY)


# --- computing, recomputing, history ----------------------------------------------------------------

@pytest.mark.django_db
def test_facts_age_out_on_schedule_and_the_history_keeps_every_class():
    org = build_org()
    actor = regulator()
    record(actor, org.uscc, severity="serious", days_ago=400)  # counts 36 months
    record(actor, org.uscc, severity="general", days_ago=400)  # counts 24 months
    record(actor, org.uscc, severity="minor", days_ago=300)    # counts 12 months
    cls = CreditClass.objects.get(organization=org)
    assert (cls.grade, cls.score, cls.facts_counted) == ("D", 57, 3)  # 100 - 30 - 10 - 3
    assert classes_recompute().changed == 0  # nothing changed: nothing written
    in_a_year = add_months(TODAY, 12)
    done = classes_recompute(on=in_a_year)
    assert (done.changed, done.unchanged) == (1, 0)
    cls.refresh_from_db()
    assert (cls.grade, cls.score, [line["code"] for line in cls.explanation["indicators"]]) == (
        "C", 70, ["ORG-PEN-S"])
    classes_recompute(on=add_months(TODAY, 36))
    cls.refresh_from_db()
    assert (cls.grade, cls.score, cls.facts_counted) == ("A", 100, 0)
    states = class_history(actor=actor, row=cls)
    assert [(s["grade"], s["score"]) for s in states] == [("C", 70), ("C", 60), ("D", 57), ("C", 70), ("A", 100)]
    assert states[0]["action"] == "credit_class_assigned"
    assert all(s["explanation"]["indicators"] is not None for s in states)


def _recompute_afresh(**kw) -> tuple[int, int]:
    """Classes written and queries made by a recomputation from no classes at all."""
    CreditClass.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        done = classes_recompute(**kw)
    return done.assigned, len(queries.captured_queries)


@pytest.mark.django_db
def test_a_recomputation_of_everyone_counts_in_sql_not_per_subject():
    actor = regulator()
    record(actor, build_body().uscc, kind="complaint_upheld")
    orgs = [build_org() for _ in range(12)]
    for org in orgs[:3]:
        record(actor, org.uscc)
    expected = {c.organization_id or -1: (c.grade, c.score) for c in CreditClass.objects.all()}
    few = _recompute_afresh()
    for i, org in enumerate(orgs[3:]):
        for _ in range(1 + i % 3):
            record(actor, org.uscc)
    expected = {c.organization_id or -1: (c.grade, c.score) for c in CreditClass.objects.all()}
    many = _recompute_afresh()
    assert (few[0], many[0]) == (4, 13)
    assert many[1] == few[1]  # as many queries for 13 subjects as for 4
    assert {c.organization_id or -1: (c.grade, c.score) for c in CreditClass.objects.all()} == expected
    stepped = _recompute_afresh(step=4)  # in ranges of 4 ids: the same classes
    assert stepped[0] == 13
    assert {c.organization_id or -1: (c.grade, c.score) for c in CreditClass.objects.all()} == expected
    assert classes_recompute().total == 13 and classes_recompute().changed == 0


@pytest.mark.django_db
def test_a_class_is_a_private_record_of_the_log():
    org = build_org()
    record(regulator(), org.uscc)
    cls = CreditClass.objects.get(organization=org)
    [change] = history_for(cls)
    assert parse_leaf(bytes(ChangeRecord.objects.get(pk=change.pk).leaf))["type"] == "private"
    assert "credit.creditclass" not in PUBLIC_KINDS and "credit.creditfact" not in PUBLIC_KINDS


# --- who sees it ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_only_regulators_of_the_subjects_region_see_the_class_and_its_explanation():
    org, other = build_org(region_code="320102"), build_org(region_code="110101")
    record(regulator(), org.uscc)
    record(regulator("11"), other.uscc)
    clean = build_org(region_code="320102")
    mine = class_for(actor=regulator("3201"), kind="organization", subject=org)
    assert mine.grade == "A" and mine.explanation["indicators"][0]["points_each"] == 10
    assert class_for(actor=regulator("32"), kind="organization", subject=clean).score == 100  # clean, not stored
    own = Actor.for_user(build_user(Role.ORG_USER, organization=org))
    for actor in (regulator("11"), regulator("320104"), own, Actor(user=None, label="anonymous", via="web")):
        if actor.user is None:
            from django.contrib.auth.models import AnonymousUser

            actor = Actor(user=AnonymousUser(), label="anonymous", via="web")
        with pytest.raises(NotPermitted):
            class_for(actor=actor, kind="organization", subject=org)
    assert [c.organization for c in classes_visible(actor=regulator("32"))] == [org]
    assert list(classes_visible(actor=own)) == []
    with pytest.raises(NotPermitted):
        class_history(actor=own, row=CreditClass.objects.get(organization=org))


# --- the command and the schedule -----------------------------------------------------------------------

@pytest.mark.django_db
def test_the_command_classifies_one_subject_or_everyone(capsys):
    org = build_org()
    record(regulator(), org.uscc, kind="sampling_failed")
    call_command("credit", "classify", org.uscc)
    out = capsys.readouterr().out
    assert "class A, score 90 of 100 (organization/2026-12)" in out and "ORG-SMP: 1 x 10 (cap 30) = 10" in out
    call_command("credit", "classify", org.uscc, "--json")
    answer = json.loads(capsys.readouterr().out)
    assert (answer["class"], answer["explanation"]["indicators"][0]["code"]) == ("A", "ORG-SMP")
    call_command("credit", "classify", "--all", "--json")
    assert json.loads(capsys.readouterr().out) == {"assigned": 0, "changed": 0, "unchanged": 1,
                                                   "classes": {"A": 1}}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("credit", "classify")
    with pytest.raises(CommandError):
        call_command("credit", "classify", "91320102MA1XXXXXX9")


@pytest.mark.django_db
def test_the_classes_are_recomputed_on_schedule(monkeypatch):
    from contextlib import nullcontext

    monkeypatch.setattr(scheduler, "guard", nullcontext)  # the guard closes connections: not in a test
    assert "certinel.credit.tasks.classify" in {job["task"] for job in django_settings.CELERY_BEAT_SCHEDULE.values()}
    job = next(j for j in scheduler.JOBS if j.name == "credit classes")
    org = build_org()
    record(regulator(), org.uscc)
    CreditFact.objects.filter(organization=org).update(occurred_on=TODAY - dt.timedelta(days=800))
    assert scheduler.credit_classes() == "0 assigned, 1 changed"
    assert CreditClass.objects.get(organization=org).score == 100
    assert job.every == 86400.0


@pytest.mark.django_db
def test_the_history_pages_show_a_class_change_without_its_explanation_inline():
    from certinel.portal.views.history import present

    org = build_org()
    record(regulator(), org.uscc)
    record(regulator(), org.uscc)  # the class changes: its change is itemised
    shown = present(history_for(CreditClass.objects.get(organization=org)).last())
    assert any(str(c.after) in ("详情", "Details") for c in shown.changes)
    assert all(not isinstance(c.after, dict) for c in shown.changes)
