"""Registry messages (services and the shared filters) are in the language active when they
are raised: Chinese by default, English when English is active. Given / when / then."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from pydantic import ValidationError

from certinel.accounts.models import Role
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from certinel.core.testing.builders import SYSTEM, build_body, build_person, build_user, ensure_reference
from certinel.registry import services
from certinel.registry.filters import ChangeFilters, OrganizationFilters

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reference(db):
    ensure_reference()


def messages(exc: ValidationFailed) -> dict[str, tuple[str, str]]:
    return {e.field: (e.code, e.message) for e in exc.errors}


def create_body_badly() -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        services.body_create(actor=SYSTEM, name=" ", uscc="91320000ABCDEFGHIJ", approval_no="CNCA-R-2020-001",
                             approval_date=dt.date(2020, 1, 1), region_code="320102", address="南京市测试路1号")
    return err.value


def test_body_create_errors_in_chinese_and_in_english():
    with translation.override("zh-hans"):
        zh = messages(create_body_badly())
    with translation.override("en"):
        en = messages(create_body_badly())
    assert zh["name"] == ("required", "请填写认证机构名称。")
    assert en["name"] == ("required", "The body's name is required.")
    # Identifier errors name the character position, in the same language.
    assert zh["uscc"][0] == en["uscc"][0] == "invalid_identifier"
    assert zh["uscc"][1].startswith("第") and "位：" in zh["uscc"][1]
    assert en["uscc"][1].startswith("position ")


def test_unknown_region_in_chinese_and_in_english():
    for lang, text in (("zh-hans", "“329999”不是现行有效的行政区划代码（GB/T 2260）。"),
                       ("en", "'329999' is not a current administrative division code (GB/T 2260).")):
        with translation.override(lang), pytest.raises(ValidationFailed) as err:
            build_body(region_code="329999")
        assert messages(err.value) == {"region_code": ("unknown_region", text)}


def test_a_refused_decision_in_chinese_and_in_english():
    body = build_body()
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as zh:
        services.body_reinstate(actor=SYSTEM, body=body, reason="无需恢复")
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as en:
        services.body_reinstate(actor=SYSTEM, body=body, reason="无需恢复")
    assert zh.value.message == "认证机构当前状态为“有效”，不能恢复；只有状态为暂停的认证机构才可以。"
    assert en.value.message == ("Cannot reinstate a certification body that is approved; only one that is "
                                "suspended can be.")


def test_a_refused_permission_in_chinese_and_in_english():
    body = build_body(region_code="320205")
    city = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    with translation.override("zh-hans"), pytest.raises(NotPermitted) as zh:
        services.body_suspend(actor=city, body=body, reason="检查")
    with translation.override("en"), pytest.raises(NotPermitted) as en:
        services.body_suspend(actor=city, body=body, reason="检查")
    assert zh.value.message == f"{city.label}无权对认证机构“{body.name}”作出决定。"
    assert en.value.message == f"{city.label} may not decide on certification body {body.name}."


def test_person_errors_in_chinese_and_in_english():
    for lang, id_text, phone_text in (
            ("zh-hans", "居民身份证号码无效：第18位：校验码应为X，实为1。", "手机号码应为以 1 开头的 11 位数字。"),
            ("en", "Not a valid resident ID number: position 18: check character should be X, is 1.",
             "A mobile number has 11 digits and starts with 1.")):
        with translation.override(lang), pytest.raises(ValidationFailed) as err:
            build_person(id_number="110105194912310021", phone="2345")
        assert messages(err.value) == {"id_number": ("invalid_identifier", id_text),
                                       "phone": ("invalid_phone", phone_text)}


def test_a_role_names_what_it_needs_in_the_active_language():
    person = build_person()
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as zh:
        services.person_role_add(actor=SYSTEM, person=person, kind="cqo")
    with translation.override("en"), pytest.raises(ValidationFailed) as en:
        services.person_role_add(actor=SYSTEM, person=person, kind="cqo")
    assert messages(zh.value) == {"organization": ("required", "首席质量官须注明所属组织。")}
    assert messages(en.value)["organization"][0] == "required"
    assert messages(en.value)["organization"][1].endswith(" needs an organization.")


def filter_message(schema, **values) -> str:
    with pytest.raises(ValidationError) as err:
        schema.model_validate(values)
    return err.value.errors()[0]["msg"]


def test_filter_messages_in_chinese_and_in_english():
    with translation.override("zh-hans"):
        assert "请至少输入两个字符" in filter_message(OrganizationFilters, q="星")
        assert "请从列表中选择对象类型：body, lab" in filter_message(ChangeFilters, kind="nope")
    with translation.override("en"):
        assert "enter at least two characters" in filter_message(OrganizationFilters, q="星")
        assert "a kind is one of: body, lab" in filter_message(ChangeFilters, kind="nope")
