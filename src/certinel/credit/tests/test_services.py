"""The serious-violation list's services: every step allowed and refused, who may take it, the
dates the policy gives, and every change written once to the history and the log (the entry
public, the notice private)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from certinel.accounts.models import Role
from certinel.core.actor import Actor
from certinel.core.dates import add_months
from certinel.core.errors import NotFound, NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.history import history_for
from certinel.core.models import ChangeRecord
from certinel.core.testing.builders import build_body, build_lab, build_org, build_user
from certinel.credit import services
from certinel.credit.choices import EntryStatus, NoticeStatus
from certinel.credit.models import ListEntry
from certinel.credit.policy import list_policy
from certinel.transparency.leaf import parse_leaf
from certinel.transparency.register import check_register

from .factories import listed, regulator, serve

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _leaf(record) -> dict:
    return parse_leaf(bytes(ChangeRecord.objects.get(pk=record.pk).leaf))


def test_a_notice_then_a_decision_lists_the_subject_with_the_policys_dates():
    org = build_org(region_code="320102")
    actor = regulator("3201")
    served = TODAY - dt.timedelta(days=10)
    notice = serve(actor, org.uscc, served_on=served)
    policy = list_policy(on=served, region_code=org.region_code)
    assert notice.status == NoticeStatus.OPEN
    assert notice.statement_until == served + dt.timedelta(days=policy.statement_days)
    assert (notice.organization_id, notice.subject_name, notice.region_code) == (org.pk, org.name, "320102")
    entry = services.entry_decide(actor=actor, notice=notice, decision_no="苏市监列〔2026〕1号")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DECIDED
    assert entry.status == EntryStatus.LISTED and entry.listed_on == TODAY
    assert entry.earliest_removal_on == add_months(TODAY, policy.early_removal_after_months) \
        == add_months(TODAY, 12)
    assert entry.expires_on == add_months(TODAY, policy.removal_after_months) == add_months(TODAY, 36)
    assert entry.policy == policy.label


def test_bodies_and_labs_are_listed_by_their_code_too():
    actor = regulator("32")
    for subject in (build_body(region_code="320102"), build_lab(region_code="320102")):
        entry = listed(actor, subject.uscc, listed_on=TODAY)
        assert entry.subject == subject


def test_the_decision_waits_for_the_statement_period():
    org = build_org()
    actor = regulator()
    notice = serve(actor, org.uscc, served_on=TODAY)
    with pytest.raises(ValidationFailed) as caught:
        services.entry_decide(actor=actor, notice=notice, decision_no="X1", listed_on=notice.statement_until)
    assert caught.value.errors[0].code == "statement_period"
    assert not ListEntry.objects.exists()


def test_a_notice_needs_every_fact_and_a_registered_subject():
    actor = regulator()
    with pytest.raises(ValidationFailed) as caught:
        services.notice_serve(actor=actor, uscc=build_org().uscc, violation="", basis=" ", penalty_decision_no="",
                              penalty="", authority="")
    assert {e.field for e in caught.value.errors} == {"violation", "basis", "penalty_decision_no", "penalty",
                                                      "authority"}
    with pytest.raises(NotFound):
        serve(actor, "91320102MA1XXXXXX9")


def test_the_same_penalty_is_not_noticed_twice_unless_dropped():
    org = build_org()
    actor = regulator()
    first = serve(actor, org.uscc, penalty_decision_no="苏市监罚〔2026〕900号")
    with pytest.raises(ValidationFailed):
        serve(actor, org.uscc, penalty_decision_no="苏市监罚〔2026〕900号")
    services.notice_drop(actor=actor, notice=first, reason="陈述申辩理由成立")
    again = serve(actor, org.uscc, penalty_decision_no="苏市监罚〔2026〕900号")
    assert again.status == NoticeStatus.OPEN


def test_only_regulators_of_the_subjects_region_decide():
    org = build_org(region_code="320102")
    others = [regulator("33"), Actor.for_user(build_user(Role.ORG_USER, organization=org)),
              Actor.for_user(build_user(Role.CB_OPERATOR, body=build_body())), Actor.system("anonymous-test")]
    for actor in others[:3]:
        with pytest.raises(NotPermitted):
            serve(actor, org.uscc)
    notice = serve(regulator("32"), org.uscc, served_on=TODAY - dt.timedelta(days=30))
    for actor in others[:3]:
        with pytest.raises(NotPermitted):
            services.entry_decide(actor=actor, notice=notice, decision_no="X")
        with pytest.raises(NotPermitted):
            services.notice_drop(actor=actor, notice=notice, reason="r")
    entry = services.entry_decide(actor=regulator("3201"), notice=notice, decision_no="X")
    for actor in others[:3]:
        with pytest.raises(NotPermitted):
            services.entry_annul(actor=actor, entry=entry, reason="r")


def test_the_subject_states_its_case_in_time_and_only_its_own_users_may():
    org = build_org()
    own = Actor.for_user(build_user(Role.ORG_USER, organization=org))
    stranger = Actor.for_user(build_user(Role.ORG_USER, organization=build_org()))
    notice = serve(regulator(), org.uscc)
    with pytest.raises(NotPermitted):
        services.notice_state_case(actor=stranger, notice=notice, statement="我们没有违法")
    with pytest.raises(ValidationFailed):
        services.notice_state_case(actor=own, notice=notice, statement="  ")
    stated = services.notice_state_case(actor=own, notice=notice, statement="已整改，申请从轻")
    assert stated.statement == "已整改，申请从轻"
    late = serve(regulator(), org.uscc, served_on=TODAY - dt.timedelta(days=60))
    with pytest.raises(ValidationFailed) as caught:
        services.notice_state_case(actor=own, notice=late, statement="迟到的陈述")
    assert caught.value.errors[0].code == "too_late"


def test_early_removal_after_the_minimum_period_on_request_decided_by_a_regulator():
    org = build_org()
    own = Actor.for_user(build_user(Role.ORG_USER, organization=org))
    actor = regulator()
    recent = listed(actor, org.uscc, listed_on=TODAY - dt.timedelta(days=100))
    with pytest.raises(ValidationFailed) as caught:
        services.entry_request_removal(actor=own, entry=recent, statement="已履行处罚")
    assert caught.value.errors[0].code == "too_early"
    old = listed(actor, org.uscc, listed_on=TODAY - dt.timedelta(days=400))
    with pytest.raises(TransitionNotAllowed):
        services.entry_remove_early(actor=actor, entry=old, reason="未申请")
    asked = services.entry_request_removal(actor=own, entry=old, statement="已履行处罚，消除影响，未再受较重处罚")
    assert asked.status == EntryStatus.REMOVAL_REQUESTED and asked.removal_requested_on == TODAY
    refused = services.entry_refuse_removal(actor=actor, entry=asked, reason="罚款尚未缴清")
    assert refused.status == EntryStatus.LISTED
    asked = services.entry_request_removal(actor=own, entry=refused, statement="罚款已缴清")
    with pytest.raises(ValidationFailed):
        services.entry_remove_early(actor=actor, entry=asked, reason="")
    removed = services.entry_remove_early(actor=actor, entry=asked, reason="符合提前移出条件")
    assert (removed.status, removed.ended_on, removed.end_reason) == (EntryStatus.REMOVED_EARLY, TODAY,
                                                                      "符合提前移出条件")
    for step in (lambda: services.entry_request_removal(actor=own, entry=removed, statement="again"),
                 lambda: services.entry_annul(actor=actor, entry=removed, reason="r"),
                 lambda: services.entry_refuse_removal(actor=actor, entry=removed, reason="r")):
        with pytest.raises(TransitionNotAllowed):
            step()


def test_decided_and_dropped_notices_take_no_further_step():
    org = build_org()
    actor = regulator()
    entry = listed(actor, org.uscc, listed_on=TODAY)
    with pytest.raises(TransitionNotAllowed):
        services.entry_decide(actor=actor, notice=entry.notice, decision_no="again", listed_on=TODAY)
    dropped = services.notice_drop(actor=actor, notice=serve(actor, org.uscc), reason="不予列入")
    with pytest.raises(TransitionNotAllowed):
        services.notice_drop(actor=actor, notice=dropped, reason="again")
    with pytest.raises(TransitionNotAllowed):
        services.entry_decide(actor=actor, notice=dropped, decision_no="X", listed_on=TODAY + dt.timedelta(days=30))


def test_annulment_and_expiry_end_the_entry():
    actor = regulator()
    annulled = services.entry_annul(actor=actor, entry=listed(actor, build_org().uscc, listed_on=TODAY),
                                    reason="行政处罚决定被撤销")
    assert annulled.status == EntryStatus.ANNULLED
    due = listed(actor, build_org().uscc, listed_on=TODAY.replace(year=TODAY.year - 3) - dt.timedelta(days=1))
    running = listed(actor, build_org().uscc, listed_on=TODAY - dt.timedelta(days=10))
    assert services.entries_expire() == 1
    due.refresh_from_db()
    running.refresh_from_db()
    assert (due.status, due.ended_on, due.end_reason) == (EntryStatus.EXPIRED, due.expires_on, "名单期限届满")
    assert running.status == EntryStatus.LISTED
    assert services.entries_expire() == 0
    assert [r.actor_label for r in history_for(due)][-1] == "credit:expiry"


def test_each_change_is_one_history_record_and_one_leaf_the_entry_public_the_notice_private():
    org = build_org()
    actor = regulator()
    entry = listed(actor, org.uscc, listed_on=TODAY)
    notice_records = list(history_for(entry.notice))
    entry_records = list(history_for(entry))
    assert [r.action for r in notice_records] == ["credit_notice_served", "credit_notice_decided"]
    assert [r.action for r in entry_records] == ["credit_listed"]
    for record in notice_records:
        assert _leaf(record)["type"] == "private"
    leaf = _leaf(entry_records[0])
    assert leaf["type"] == "credit_listed" and leaf["object"]["type"] == "credit.listentry"
    assert leaf["after"]["uscc"] == org.uscc and leaf["after"]["status"] == "listed"


def test_the_monitor_holds_the_list_against_the_log():
    actor = regulator()
    entry = listed(actor, build_org().uscc, listed_on=TODAY - dt.timedelta(days=400))
    services.entry_request_removal(actor=Actor.for_user(build_user(Role.ORG_USER, organization=entry.organization)),
                                   entry=entry, statement="申请提前移出")
    checked, problems = check_register()
    assert checked and not [p for p in problems if p.object_type == "credit.listentry"]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ListEntry._meta.db_table} SET status = 'removed_early' WHERE id = %s", [entry.pk])
    _checked, problems = check_register()
    assert [p.object_id for p in problems if p.object_type == "credit.listentry"] == [str(entry.pk)]
