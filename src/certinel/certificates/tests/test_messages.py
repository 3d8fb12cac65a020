"""Messages of the reporting rules, the reporting engine and the single-certificate services
are in the language active when they are raised: Chinese by default, English when English is
active. Given / when / then."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import translation

from certinel.accounts.models import Role
from certinel.certificates import services
from certinel.certificates.reporting import report_certificates
from certinel.core.actor import Actor
from certinel.core.errors import Conflict, TransitionNotAllowed, ValidationFailed
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, build_user, certificate_data

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def body():
    return body_with_scopes(schemes=("QMS", "EMS"))


@pytest.fixture
def holder():
    return build_org(name="测试精工机械有限公司")


def report_errors(body, data, lang: str) -> list[tuple[str, str, str]]:
    with translation.override(lang):
        result = report_certificates(actor=SYSTEM, body=body, items=[data])
    return [(e.field, e.code, e.message) for e in result.errors]


def test_a_reporting_rule_in_chinese_and_in_english(body, holder):
    data = certificate_data(holder=holder, scope_codes=["45"])
    assert report_errors(body, data, "zh-hans") == [
        ("scope_codes", "unknown_sector", "“45”不是 IAF 行业代码（1–39）。")]
    assert report_errors(body, data, "en") == [
        ("scope_codes", "unknown_sector", "'45' is not an IAF sector (1–39).")]


def test_an_identifier_error_in_chinese_and_in_english(body, holder):
    data = certificate_data(holder=holder, holder_uscc=holder.uscc[:17] + ("0" if holder.uscc[17] != "0" else "1"))
    [(field, code, zh)] = report_errors(body, data, "zh-hans")
    [(_field, _code, en)] = report_errors(body, data, "en")
    assert (field, code) == ("holder_uscc", "invalid_identifier")
    assert zh.startswith("第18位：校验码应为") and en.startswith("position 18: check character should be")


def test_a_revoked_certificate_cannot_come_back_in_chinese_and_in_english(body, holder):
    data = certificate_data(holder=holder)
    assert report_certificates(actor=SYSTEM, body=body, items=[data]).ok
    revoked = dataclasses.replace(data, status="revoked", status_reason="虚假认证")
    assert report_certificates(actor=SYSTEM, body=body, items=[revoked]).ok
    again = dataclasses.replace(data, status="valid")
    assert report_errors(body, again, "zh-hans") == [
        ("status", "transition_not_allowed", f"证书 {data.number} 已撤销，不能再恢复为有效；请颁发新证书。")]
    assert report_errors(body, again, "en") == [
        ("status", "transition_not_allowed",
         f"Certificate {data.number} is revoked: it cannot become valid again; issue a new certificate.")]


@pytest.fixture
def issued(body, holder):
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=body))
    cert = services.certificate_issue(actor=operator, body=body, data=certificate_data(holder=holder))
    return operator, cert


def test_single_certificate_refusals_in_chinese_and_in_english(issued):
    operator, cert = issued
    for lang, reason_text in (("zh-hans", "请说明作出该决定的原因。"), ("en", "Give the reason for this decision.")):
        with translation.override(lang), pytest.raises(ValidationFailed) as err:
            services.certificate_revoke(actor=operator, certificate=cert, reason=" ", signed_by="李主任")
        assert [(e.field, e.code, e.message) for e in err.value.errors] == [("reason", "required", reason_text)]
    with translation.override("zh-hans"), pytest.raises(Conflict) as zh:
        services.certificate_revoke(actor=operator, certificate=cert, reason="x", signed_by="李主任",
                                    expected_version=cert.version + 1)
    assert zh.value.message.startswith(f"证书 {cert.number} 在您读取后已被修改")
    cert = services.certificate_revoke(actor=operator, certificate=cert, reason="虚假认证", signed_by="李主任")
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as zh_t:
        services.certificate_suspend(actor=operator, certificate=cert, until=TODAY + dt.timedelta(days=30),
                                     reason="x", signed_by="李主任")
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as en_t:
        services.certificate_suspend(actor=operator, certificate=cert, until=TODAY + dt.timedelta(days=30),
                                     reason="x", signed_by="李主任")
    assert zh_t.value.message == "证书当前状态为“撤销”，不能暂停；只有状态为有效的证书才可以。"
    assert en_t.value.message == "Cannot suspend a certificate that is revoked; only one that is valid can be."
