"""The demo's name generators: plausible, varied, deterministic, and tied to the reference lists."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from certinel.demo.names import Namer, Place, short_name
from certinel.demo.people import make_id_number
from certinel.demo.words import INDUSTRY_WORDS, LAB_ITEMS, TRADE_CHARS
from certinel.registry.search import normalise
from certinel.registry.services.people import id_number_error

KUNSHAN = Place("320583", "江苏省", "Jiangsu", "苏州市", "Suzhou", "昆山市")
GULOU = Place("320106", "江苏省", "Jiangsu", "南京市", "Nanjing", "鼓楼区")


@pytest.mark.parametrize(("name", "short"), [
    ("江苏省", "江苏"), ("苏州市", "苏州"), ("昆山市", "昆山"), ("鼓楼区", "鼓楼"), ("沛县", "沛县"),
    ("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("新疆维吾尔自治区", "新疆"),
    ("延边朝鲜族自治州", "延边"), ("黔东南苗族侗族自治州", "黔东南"), ("伊犁哈萨克自治州", "伊犁"),
    ("孟村回族自治县", "孟村"), ("阿拉善盟", "阿拉善"), ("大兴安岭地区", "大兴安岭"),
])
def test_short_place_names(name, short):
    assert short_name(name) == short


def test_company_names_read_as_real_and_are_deterministic():
    first = [Namer(random.Random(7)).company(KUNSHAN, english=True) for _ in range(3)]
    again = [Namer(random.Random(7)).company(KUNSHAN, english=True) for _ in range(3)]
    assert first == again
    namer = Namer(random.Random(1))
    names = [namer.company(KUNSHAN if i % 2 else GULOU, size_class="small") for i in range(500)]
    forms = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "厂")
    assert all(n.name.endswith(forms) for n in names)
    assert all(any(w in n.name for w in ("苏州", "昆山", "南京", "鼓楼", "江苏")) for n in names)
    assert len({n.name for n in names}) > 490
    assert sum("（" in n.name for n in names) > 20  # some carry their city in brackets
    assert not any("集团" in n.name for n in names)  # groups are medium or large firms


def test_english_names_follow_the_chinese_ones():
    namer = Namer(random.Random(3))
    company = namer.company(KUNSHAN, english=True)
    assert company.name_en.startswith("Suzhou ") and company.name_en.endswith(("Co., Ltd.", "Factory"))
    assert company.trade_en in company.name_en and company.trade in company.name


def test_former_names_differ_from_the_current_one():
    namer = Namer(random.Random(5))
    for _ in range(200):
        company = namer.company(KUNSHAN)
        former = namer.former_name(KUNSHAN, company)
        assert former and former != company.name


def test_people_addresses_and_phones():
    namer = Namer(random.Random(11))
    people = [namer.person() for _ in range(300)]
    assert all(2 <= len(p) <= 4 for p in people) and len(set(people)) > 200
    address = namer.address(GULOU)
    assert address.startswith("江苏省南京市鼓楼区") and address.endswith(("号", "室"))
    assert namer.landline(GULOU).startswith("025-")
    mobile = namer.mobile()
    assert len(mobile) == 11 and mobile.startswith("1")


def test_id_numbers_are_valid_gb11643():
    rng = random.Random(2)
    for _ in range(200):
        birth = dt.date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
        number = make_id_number("320106", birth, rng.randint(1, 999))
        assert id_number_error(number) is None, number


def test_word_lists_are_clean():
    chars = [c for c, _, _ in TRADE_CHARS]
    assert len(chars) == len(set(chars)) and all(len(c) == 1 for c in chars)
    assert all(p.isascii() and p.isalpha() for _, p, _ in TRADE_CHARS)
    words = [w for w, *_ in INDUSTRY_WORDS]
    assert len(words) == len(set(words))
    assert all(normalise(w) == w for w in words)
    assert all(items for items in LAB_ITEMS.values())


@pytest.mark.django_db
def test_industry_words_and_lab_fields_exist_in_the_reference_lists():
    from certinel.reference.models import Industry, LabField
    from certinel.reference.testing import ensure_reference_data

    ensure_reference_data()
    industries = set(Industry.objects.values_list("code", flat=True))
    assert {code for _, code, *_ in INDUSTRY_WORDS} <= industries
    assert set(LAB_ITEMS) <= set(LabField.objects.values_list("code", flat=True))
