"""Account refusals are in the language active when they are raised: Chinese by default,
English when English is active. Given / when / then."""

from __future__ import annotations

import pytest
from django.utils import translation

from certinel.accounts.models import Role
from certinel.accounts.permissions import refusal_message, require
from certinel.accounts.services import api_key_create, user_create
from certinel.core.actor import Actor
from certinel.core.errors import NotPermitted, ValidationFailed
from certinel.core.testing.builders import SYSTEM, build_body, build_user, ensure_reference

pytestmark = pytest.mark.django_db


def test_only_an_administrator_creates_accounts_in_chinese_and_in_english():
    regulator = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="32"))
    for lang, text in (("zh-hans", "只有系统管理员可以创建账户。"),
                       ("en", "Only a system administrator can create accounts.")):
        with translation.override(lang), pytest.raises(NotPermitted) as err:
            user_create(actor=regulator, username="x", password=None, role=Role.ORG_USER)
        assert err.value.message == text and err.value.code == "forbidden"


def test_an_account_names_what_it_acts_for_in_chinese_and_in_english():
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as zh:
        user_create(actor=SYSTEM, username="x", password=None, role=Role.CB_OPERATOR)
    with translation.override("en"), pytest.raises(ValidationFailed) as en:
        user_create(actor=SYSTEM, username="x", password=None, role=Role.CB_OPERATOR)
    assert [(e.field, e.code, e.message) for e in zh.value.errors] == [
        ("body", "required", "认证机构操作员账户须指定所属认证机构。")]
    assert [(e.field, e.code) for e in en.value.errors] == [("body", "required")]
    assert en.value.errors[0].message.endswith(" account must name its certification body.")


def test_require_names_who_what_and_the_action_in_chinese_and_in_english():
    ensure_reference()
    city = Actor.for_user(build_user(Role.REGULATOR, jurisdiction_code="3201"))
    with translation.override("zh-hans"), pytest.raises(NotPermitted) as zh:
        require(city, "create", "body", region_code="320205")
    with translation.override("en"), pytest.raises(NotPermitted) as en:
        require(city, "create", "body", region_code="320205")
    assert zh.value.message == f"{city.label}无权新建认证机构。"
    assert en.value.message == f"{city.label} may not create a certification body."
    assert zh.value.details == en.value.details == {"action": "create", "kind": "body"}


def test_refusals_of_anonymous_callers_and_of_api_keys():
    ensure_reference()
    body = build_body()
    with translation.override("zh-hans"):
        assert refusal_message(Actor.system(""), "manage_keys", "body", body) == \
            f"匿名用户无权管理认证机构“{body.name}”的接口密钥。"
        with pytest.raises(ValidationFailed) as err:
            api_key_create(actor=SYSTEM, body=body, name=" ")
        assert err.value.errors[0].message == "请为接口密钥命名（写明使用该密钥的系统）。"
    with translation.override("en"):
        assert refusal_message(Actor.system(""), "manage_keys", "body", body) == \
            f"anonymous may not manage the API keys of certification body {body.name}."
