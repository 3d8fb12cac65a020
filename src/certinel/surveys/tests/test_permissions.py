"""Who may draft, publish, close, see, answer and read the results of a survey, written out by
hand: regulators of the survey's region (province and city), of another city and of another
province; the firm, another firm of the same city, a firm of another city; a body's operator;
anonymous; the administrator. No firm sees another firm's answer."""

from __future__ import annotations

import pytest

from certinel.core.actor import Actor
from certinel.core.errors import NotFound, NotPermitted
from certinel.core.models import Via
from certinel.core.testing.builders import SYSTEM
from certinel.surveys import selectors, services

from .factories import answers, build_survey, survey_data

pytestmark = pytest.mark.django_db

MANAGERS = {"reg_province", "reg_nanjing", "admin"}
# A survey of Nanjing (3201) is addressed to the two Nanjing firms, not to the Wuxi firm.
ANSWERING = {"firm": "firm", "other_firm": "other_firm"}
EVERYONE = ("firm", "other_firm", "wuxi_firm", "reg_province", "reg_nanjing", "reg_wuxi", "reg_beijing",
            "cb_operator", "anonymous", "admin")


def _actor(user) -> Actor:
    label = user.get_username() or "anonymous"
    return Actor(user=user, label=label, via=Via.WEB)


def test_only_regulators_of_the_region_and_the_administrator_draft_publish_and_close(people):
    users, _orgs = people
    draft, published = build_survey(state="draft"), build_survey()
    for name in EVERYONE:
        actor = _actor(users[name])
        may = name in MANAGERS
        if may:
            survey = services.survey_create(actor=actor, data=survey_data())
            services.survey_update(actor=actor, survey=survey, data={"title": "改过的标题"})
            services.survey_publish(actor=actor, survey=survey)
            services.survey_close(actor=actor, survey=survey, reason="样本已足够。")
            continue
        with pytest.raises(NotPermitted):
            services.survey_create(actor=actor, data=survey_data())
        with pytest.raises(NotPermitted):
            services.survey_update(actor=actor, survey=draft, data={"title": "改过的标题"})
        with pytest.raises(NotPermitted):
            services.survey_publish(actor=actor, survey=draft)
        with pytest.raises(NotPermitted):
            services.survey_close(actor=actor, survey=published, reason="不是我的")
    # A city's regulator may not move a survey up to the province.
    mine = services.survey_create(actor=_actor(users["reg_nanjing"]), data=survey_data())
    with pytest.raises(NotPermitted):
        services.survey_update(actor=_actor(users["reg_nanjing"]), survey=mine, data={"region_code": "32"})


def test_who_sees_a_survey_and_who_answers_it(people):
    users, orgs = people
    draft, published = build_survey(state="draft"), build_survey()
    for name in EVERYONE:
        user = users[name]
        for survey, visible in ((draft, name in MANAGERS), (published, name in MANAGERS | set(ANSWERING))):
            if visible:
                assert selectors.survey_visible(user, survey.pk) == survey, (name, survey.status)
            else:
                with pytest.raises(NotFound):
                    selectors.survey_visible(user, survey.pk)
        managed = set(selectors.surveys_managed(user))
        assert managed == ({draft, published} if name in MANAGERS else set()), name
    assert set(selectors.surveys_for_firm(orgs["firm"])) == {published}
    assert set(selectors.surveys_for_firm(orgs["wuxi_firm"])) == set()
    with pytest.raises(NotFound):
        selectors.survey_visible(users["firm"], "not-a-number")

    for name in EVERYONE:
        actor = _actor(users[name])
        for org_name in ("firm", "wuxi_firm"):
            may = ANSWERING.get(name) == org_name or (name == "admin" and org_name == "firm")
            if may:
                services.answer_submit(actor=actor, survey=published, organization=orgs[org_name],
                                       answers=answers())
            else:
                with pytest.raises(NotPermitted):
                    services.answer_submit(actor=actor, survey=published, organization=orgs[org_name],
                                           answers=answers())


def test_no_firm_sees_another_firms_answer(people):
    _users, orgs = people
    survey = build_survey()
    services.answer_submit(actor=SYSTEM, survey=survey, organization=orgs["firm"],
                           answers=answers(advice="只给监管部门看的意见"))
    assert selectors.answer_of(survey, orgs["other_firm"]) is None
    assert selectors.answer_of(survey, orgs["firm"]).answers["advice"] == "只给监管部门看的意见"
