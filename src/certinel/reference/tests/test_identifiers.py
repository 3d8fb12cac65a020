"""Identifier validation: known public codes, generated codes (hypothesis), every error path."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certinel.reference.generators import make_cb_approval, make_ccc_number, make_cma, make_org_code, make_uscc
from certinel.reference.identifiers import (
    USCC_CHARSET,
    IdentifierError,
    org_code_check,
    uscc_check,
    validate_cb_approval,
    validate_ccc_number,
    validate_cma,
    validate_uscc,
)

TODAY = dt.date(2026, 6, 1)
# Unified social credit codes published by their holders (public registration data); used here
# only to show that real codes validate.
PUBLIC_USCC = [
    "914403001922038216", "91440300708461136T", "911000001000013428", "91330100716105852F",
    "91110000710925462X", "91620102739638125B", "91110108551385082Q", "91110000100006485K",
    "911100001000044477", "91110000710935003U",
]
REGIONS = st.sampled_from(["320000", "320100", "320508", "110101", "500229", "659001", "100000"])
DEPARTMENT_CATEGORIES = st.sampled_from([("9", "1"), ("9", "2"), ("9", "3"), ("1", "1"), ("5", "3"), ("A", "1"),
                                         ("N", "2"), ("Y", "1"), ("3", "5"), ("8", "9")])


def error_of(func, value, **kwargs) -> IdentifierError:
    with pytest.raises(IdentifierError) as info:
        func(value, **kwargs)
    return info.value


# --- USCC -------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", PUBLIC_USCC)
def test_public_codes_validate(code):
    result = validate_uscc(code)
    assert result.code == code and result.department == "9" and result.category == "1"
    assert result.organization_code == code[8:17]


def test_parts_and_names():
    result = validate_uscc("914403001922038216")
    assert (result.region, result.check, result.department_name, result.category_name) == (
        "440300", "6", "工商", "企业")


@settings(max_examples=300)
@given(seed=st.integers(0, 2**32), region=REGIONS, dc=DEPARTMENT_CATEGORIES)
def test_generated_uscc_validates(seed, region, dc):
    code = make_uscc(region, random.Random(seed), department=dc[0], category=dc[1])
    assert validate_uscc(code).region == region


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32), position=st.integers(0, 17), replacement=st.characters(
    codec="utf-8", exclude_characters="\n\r\t "))
def test_every_single_character_change_is_caught(seed, position, replacement):
    code = make_uscc("320508", random.Random(seed))
    if replacement == code[position]:
        return
    changed = code[:position] + replacement + code[position + 1:]
    with pytest.raises(IdentifierError):
        validate_uscc(changed)


@pytest.mark.parametrize("code", PUBLIC_USCC[:3])
def test_every_substitution_with_a_valid_character_is_caught_exhaustively(code):
    for position in range(18):
        for ch in USCC_CHARSET:
            if ch != code[position]:
                with pytest.raises(IdentifierError):
                    validate_uscc(code[:position] + ch + code[position + 1:])


@pytest.mark.parametrize(("value", "position", "en", "zh"), [
    ("", 1, "empty value", "内容为空"),
    ("91440300192203821", 18, "too short: 17 characters, 18 expected", "长度不足"),
    ("9144030019220382160", 19, "too long: 19 characters, 18 expected", "长度超出"),
    ("91440300I922038216", 9, "'I' is never used", "不得使用"),
    ("91440300-922038216", 9, "'-' is not a digit or capital letter", "不是数字或大写英文字母"),
    ("91440300192203821x", 18, "'x' is lower case", "小写"),
    ("B14403001922038216", 1, "registration department code 'B' does not exist", "登记管理部门代码“B”不存在"),
    ("94440300192203821X", 2, "category code '4' is not used by department '9'", "机构类别代码“4”不属于"),
    ("91A40300192203821X", 3, "'A' is not a digit; positions 3-8 are a region code", "第3-8位为行政区划码"),
    ("91990300192203821X", 3, "'99' is not a province code of GB/T 2260", "不是GB/T 2260的省级代码"),
    ("914403001922038226", 17, "organization code check character should be 1, is 2", "组织机构代码校验码应为1，实为2"),
    ("914403001922038217", 18, "check character should be 6, is 7", "校验码应为6，实为7"),
])
def test_uscc_errors(value, position, en, zh):
    error = error_of(validate_uscc, value)
    assert error.position == position
    assert en in error.message_en and error.message_en.startswith(f"position {position}: ")
    assert zh in error.message_zh and error.message_zh.startswith(f"第{position}位：")
    assert str(error) == error.message_en and error.value == value.strip()


def test_localized_follows_the_active_language():
    from django.utils import translation

    error = error_of(validate_uscc, "914403001922038217")
    with translation.override("zh-hans"):
        assert error.localized() == "第18位：校验码应为6，实为7"
    with translation.override("en"):
        assert error.localized() == "position 18: check character should be 6, is 7"
    with translation.override(None):
        assert error.localized() == error.message_en


def test_uscc_region_lookup():
    code = make_uscc("320508", random.Random(1))
    assert validate_uscc(code, region_exists=lambda c: c == "320508").region == "320508"
    error = error_of(validate_uscc, code, region_exists=lambda c: False)
    assert (error.position, error.reason) == (3, "region 320508 is not in GB/T 2260")
    national = make_uscc("100000", random.Random(1))
    assert validate_uscc(national, region_exists=lambda c: False).region == "100000"


def test_check_functions_match_the_standard_examples():
    assert org_code_check("D2143569") == "X"  # GB 11714 worked example: D2143569-X
    assert uscc_check("91440300192203821") == "6"
    body = make_org_code(random.Random(3))
    assert org_code_check(body[:8]) == body[8]


def test_make_uscc_rejects_bad_arguments():
    with pytest.raises(ValueError, match="6 digits"):
        make_uscc("3205", random.Random(1))
    with pytest.raises(ValueError, match="category"):
        make_uscc("320508", random.Random(1), department="9", category="9")


# --- CB approvals -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["CNCA-R-2002-001", "CNCA-RF-2002-07", "CNCA-RF-2003-27", "CNCA-R-2017-258"])
def test_cb_approval_valid(code):
    result = validate_cb_approval(code, today=TODAY)
    assert result.code == code and result.foreign_invested == code.startswith("CNCA-RF")


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32), foreign=st.booleans())
def test_generated_cb_approvals_validate(seed, foreign):
    code = make_cb_approval(random.Random(seed), foreign_invested=foreign)
    assert validate_cb_approval(code).foreign_invested is foreign


@pytest.mark.parametrize(("value", "position", "en"), [
    ("", 1, "too short: 'C' expected here"),
    ("CNCB-R-2002-001", 4, "'A' expected, found 'B'"),
    ("cnca-R-2002-001", 1, "'c' is lower case; use 'C'"),
    ("CNCA-X-2002-001", 6, "'R' expected, found 'X'"),
    ("CNCA-Rf-2002-07", 7, "'f' is lower case; use 'F'"),
    ("CNCA-R-20A2-001", 10, "'A' is not a digit"),
    ("CNCA-R-2001-001", 8, "year 2001 is outside 2002-2026"),
    ("CNCA-R-2030-001", 8, "year 2030 is outside 2002-2026"),
    ("CNCA-R-2002_001", 12, "'-' expected, found '_'"),
    ("CNCA-R-2002-01", 15, "the serial number has 3 digits, found 2"),
    ("CNCA-RF-2002-007", 16, "the serial number has 2 digits, found 3"),
    ("CNCA-R-2002-000", 13, "the serial number starts at 1"),
    ("CNCA-R-2002-0a1", 14, "'a' is not a digit"),
])
def test_cb_approval_errors(value, position, en):
    error = error_of(validate_cb_approval, value, today=TODAY)
    assert (error.position, error.reason) == (position, en)
    assert error.message_zh.startswith(f"第{position}位：")


# --- CMA numbers ------------------------------------------------------------------------------

@settings(max_examples=200)
@given(seed=st.integers(0, 2**32))
def test_generated_cma_validates(seed):
    code = make_cma(random.Random(seed))
    assert validate_cma(code).code == code


def test_cma_parts():
    result = validate_cma("191000110023", today=TODAY)
    assert (result.year, result.authority_name, result.field, result.industry_department, result.serial) == (
        2019, "江苏", "00", "11", 23)


@pytest.mark.parametrize(("value", "position", "en"), [
    ("", 1, "empty value"),
    ("1910001100A3", 11, "'A' is not a digit"),
    ("19100011002", 12, "too short: 11 characters, 12 expected"),
    ("1910001100234", 13, "too long: 13 characters, 12 expected"),
    ("271000110023", 1, "year of issue 2027 is in the future"),
    ("193200110023", 3, "issuing authority code 32 does not exist (00-31)"),
    ("191022110023", 5, "professional field code 22 does not exist (00-21)"),
    ("191000350023", 7, "industry authority code 35 does not exist (00-34)"),
    ("191000110000", 9, "the serial number starts at 0001"),
])
def test_cma_errors(value, position, en):
    error = error_of(validate_cma, value, today=TODAY)
    assert (error.position, error.reason) == (position, en)


# --- CCC numbers ------------------------------------------------------------------------------

def test_ccc_number_public_example():
    result = validate_ccc_number("2013010702607951", today=TODAY)  # a CQC electric fan certificate
    assert (result.year, result.body, result.product_code, result.serial) == (2013, "01", "0702", 607951)


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32), product=st.sampled_from(["0101", "0702", "0901", "2403"]))
def test_generated_ccc_numbers_validate(seed, product):
    code = make_ccc_number(random.Random(seed), product_code=product)
    assert validate_ccc_number(code).product_code == product


@pytest.mark.parametrize(("value", "position", "en"), [
    ("", 1, "empty value"),
    ("20130107026079x1", 15, "'x' is not a digit"),
    ("201301070260795", 16, "too short: 15 characters, 16 expected"),
    ("20000107026079511", 17, "too long: 17 characters, 16 expected"),
    ("2000010702607951", 1, "year 2000 is outside 2001-2026"),
    ("2013000702607951", 5, "certification body code 00 does not exist"),
    ("2013010002607951", 7, "0002 is not a catalogue product code"),
    ("2013010700607951", 9, "0700 is not a catalogue product code"),
    ("2013010702000000", 11, "the serial number starts at 000001"),
])
def test_ccc_number_errors(value, position, en):
    error = error_of(validate_ccc_number, value, today=TODAY)
    assert (error.position, error.reason) == (position, en)


def test_ccc_number_product_lookup():
    assert validate_ccc_number("2013010702607951", today=TODAY, product_exists={"0702"}.__contains__)
    error = error_of(validate_ccc_number, "2013010702607951", today=TODAY, product_exists=lambda c: False)
    assert (error.position, error.reason) == (7, "product code 0702 is not in the CCC catalogue")


def test_make_ccc_number_rejects_bad_product_code():
    with pytest.raises(ValueError, match="4 digits"):
        make_ccc_number(random.Random(1), product_code="07")
