"""The reviewers' own record as credit facts (issue 16, point 2): when a review closes, a review
closed after the time told is a `review_late` fact, and findings upheld (raised, corrected and
verified) a `review_findings_upheld` fact, in each active reviewer's file, under the
application's number. Dates are pinned."""

from __future__ import annotations

import datetime as dt

import pytest

from certinel.core.errors import ValidationFailed
from certinel.credit.models import CreditFact
from certinel.credit.scorecard import scorecard_for
from certinel.credit.services_facts import fact_record
from certinel.qualification import services_applications as apps
from certinel.qualification import services_review as review
from certinel.registry.models import PersonRole

from .applications import SOURCES, people, reviewers, submitted

pytestmark = pytest.mark.django_db
SUBMITTED, ACCEPTED, DRAWN = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)


def reviewing(findings: int = 0):
    lab, operator, regulator = people()
    reviewers(3)
    app = submitted(lab, operator, on=SUBMITTED)
    apps.application_accept(actor=regulator, application=app, on=ACCEPTED)
    review.reviewers_draw(actor=regulator, application=app, sources=SOURCES, on=DRAWN)
    for n in range(findings):
        finding = review.finding_record(actor=regulator, application=app, stage="onsite", description=f"记录不全{n}")
        review.finding_close(actor=regulator, finding=finding, corrective_action="补充记录", on=DRAWN)
    return app, regulator


def facts(app, kind):
    return CreditFact.objects.filter(kind=kind, decision_no=app.number).order_by("person_id")


def test_a_review_closed_late_is_a_fact_in_each_reviewers_file():
    app, regulator = reviewing()
    review.review_close(actor=regulator, application=app, on=dt.date(2026, 6, 1))  # beyond 30 working days
    team = list(app.assignments.filter(active=True).order_by("reviewer__person_id"))
    assert [a.on_time for a in team] == [False, False]
    late = list(facts(app, "review_late"))
    assert [f.person_id for f in late] == [a.reviewer.person_id for a in team]
    assert late[0].severity == "minor" and late[0].occurred_on == dt.date(2026, 6, 1)
    assert late[0].authority.endswith(("市场监督管理局", "市场监督管理部门"))
    assert app.number in late[0].description and "30" in late[0].description
    assert not facts(app, "review_findings_upheld").exists()  # no findings, none upheld


def test_a_review_on_time_makes_no_lateness_fact_and_findings_upheld_are_recorded():
    app, regulator = reviewing(findings=2)
    review.review_close(actor=regulator, application=app, on=dt.date(2026, 3, 20))
    assert all(a.on_time for a in app.assignments.filter(active=True))
    assert not facts(app, "review_late").exists()
    upheld = list(facts(app, "review_findings_upheld"))
    assert len(upheld) == 2 and all("2" in f.description for f in upheld)
    # The same fact cannot be recorded again by hand under the same application.
    with pytest.raises(ValidationFailed) as exc:
        fact_record(actor=regulator, subject=upheld[0].person.roles.first().registration_no,
                    kind="review_findings_upheld", severity="minor", occurred_on=dt.date(2026, 3, 20),
                    decision_no=app.number, authority="江苏省市场监督管理局")
    assert [(e.field, e.code) for e in exc.value.errors] == [("decision_no", "duplicate")]


def test_a_reviewer_without_a_registration_number_has_no_file_and_the_review_still_closes():
    app, regulator = reviewing()
    PersonRole.objects.filter(pk__in=app.assignments.values("reviewer_id")).update(registration_no="")
    review.review_close(actor=regulator, application=app, on=dt.date(2026, 6, 1))
    app.refresh_from_db()
    assert app.status == "reviewed" and not facts(app, "review_late").exists()


def test_the_person_scorecard_weighs_the_reviewers_facts_with_their_source():
    card = scorecard_for("person", on=dt.date(2026, 12, 1))
    by_kind = {i.kind: i for i in card.indicators}
    assert by_kind["review_late"].points > 0 and "资质认定管理办法" in by_kind["review_late"].source
    assert by_kind["review_findings_upheld"].points < 0 and by_kind["review_findings_upheld"].source
