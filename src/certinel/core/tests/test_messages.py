"""Domain error messages are in the language active when the error is raised: Chinese by
default, English when English is active. Given / when / then."""

from __future__ import annotations

import pytest
from django.utils import translation

from certinel.core.errors import FieldError, NotFound, TransitionNotAllowed, ValidationFailed
from certinel.core.services import apply_changes, lock
from certinel.core.transitions import SAME, Transitions, state_label
from certinel.registry.models import CertificationBody

BODY = Transitions("certification body", {
    "suspend": ({"approved"}, "suspended"),
    "revoke": ({"approved", "suspended"}, "revoked"),
    "correct": ({"approved"}, SAME),
})


def refusal(action: str, current: str) -> TransitionNotAllowed:
    with pytest.raises(TransitionNotAllowed) as info:
        BODY.target(action, current)
    return info.value


def test_a_refused_transition_names_action_and_states_in_the_active_language():
    with translation.override("zh-hans"):
        zh = refusal("suspend", "revoked")
    with translation.override("en"):
        en = refusal("suspend", "revoked")
    assert zh.message == "认证机构当前状态为“撤销”，不能暂停；只有状态为有效的认证机构才可以。"
    assert en.message == "Cannot suspend a certification body that is revoked; only one that is approved can be."
    assert zh.code == en.code == "transition_not_allowed"
    assert zh.details == en.details == {"action": "suspend", "current": "revoked", "allowed_from": ["approved"]}


def test_several_allowed_states_and_unknown_actions():
    with translation.override("zh-hans"):
        assert "只有状态为有效或暂停的认证机构才可以" in refusal("revoke", "revoked").message
        unknown = refusal("explode", "approved")
    with translation.override("en"):
        assert "only one that is approved, suspended can be" in refusal("revoke", "revoked").message
    assert unknown.code == "unknown_action" and unknown.message == "认证机构没有“explode”这一操作。"


def test_english_puts_the_right_article_before_the_subject_and_chinese_none():
    plan = Transitions("inspection plan", {"publish": ({"draft"}, "published")})
    fact = Transitions("published fact", {"end": ({"shown"}, "ended")})
    with pytest.raises(TransitionNotAllowed) as info, translation.override("en"):
        plan.target("publish", "published")
    assert info.value.message.startswith("Cannot publish an inspection plan that is")
    with pytest.raises(TransitionNotAllowed) as info, translation.override("en"):
        fact.target("end", "ended")
    assert info.value.message.startswith("Cannot end published credit information that is")
    with translation.override("en"):
        assert refusal("explode", "approved").message == "Unknown action explode for a certification body."
    with pytest.raises(TransitionNotAllowed) as info, translation.override("zh-hans"):
        plan.target("publish", "published")
    assert " a " not in info.value.message and "an " not in info.value.message


def test_state_words_depend_on_the_subject_and_unknown_words_are_shown_as_they_are():
    with translation.override("zh-hans"):
        assert state_label("active", "organization") == "存续"
        assert state_label("active", "registration") == "有效"
        assert state_label("nonexistent") == "nonexistent"
    with translation.override("en"):
        assert state_label("active", "organization") == "active"


def test_validation_failed_joins_its_fields_in_the_active_language():
    errors = [FieldError("name", "x"), FieldError("address", "y")]
    with translation.override("zh-hans"):
        assert ValidationFailed(errors).message == "name：x；address：y"
    with translation.override("en"):
        assert ValidationFailed(errors).message == "name: x; address: y"


def test_fields_that_may_not_change_are_refused_in_the_active_language():
    body = CertificationBody(name="测试")
    for lang, text in (("zh-hans", "此处不能修改该字段。"), ("en", "This field cannot be changed here.")):
        with translation.override(lang), pytest.raises(ValidationFailed) as info:
            apply_changes(body, {"uscc": "x"}, allowed=("name",))
        assert [(e.field, e.code, e.message) for e in info.value.errors] == [("uscc", "not_editable", text)]


@pytest.mark.django_db
def test_a_missing_row_is_named_in_the_active_language():
    with translation.override("zh-hans"), pytest.raises(NotFound) as zh:
        lock(CertificationBody, 999999)
    with translation.override("en"), pytest.raises(NotFound) as en:
        lock(CertificationBody, 999999)
    assert zh.value.message == "不存在编号为 999999 的认证机构。"
    assert en.value.message.startswith("No ") and en.value.message.endswith(" with id 999999.")
    assert zh.value.code == en.value.code == "not_found"
