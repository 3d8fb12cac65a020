"""Results by region and industry with the small cells withheld.

Given twelve answers to a survey of Nanjing (six firms in Xuanwu, of industry 39; three in
Qinhuai, one in Jianye, two in Gulou, with no industry registered), when the results are
counted, then Xuanwu shows on its own, the three small districts are merged into one row, counts
below five are "<5" (and the one count that would give a lone "<5" away is withheld too), no
lowest or highest value and no free text is shown, and the CSV holds the same figures."""

from __future__ import annotations

import csv
import io

import pytest

from certinel.core.testing.builders import SYSTEM, build_org
from certinel.surveys import policy, results, services

from .factories import answers, build_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered():
    survey = build_survey()
    plan = [("320102", "39", "已获证")] * 5 + [("320102", "39", "正在申请")] + [("320104", "", "暂无计划")] * 3 + [
        ("320105", "", "已获证"), ("320106", "", "暂无计划"), ("320106", "", "已获证")]
    for n, (region, industry, certified) in enumerate(plan):
        org = build_org(region_code=region, **({"industry_code": industry} if industry else {}))
        services.answer_submit(actor=SYSTEM, survey=survey, organization=org,
                               answers=answers(certified=certified, staff=n, advice=f"意见{n:02d}"))
    return survey


def _row(found, code):
    return next(r for r in found["rows"] if r["code"] == code)


def _question(row, key):
    return next(q for q in row["questions"] if q["key"] == key)


def test_results_by_county_city_and_industry_small_cells_withheld_and_the_csv(answered):
    found = results.survey_results(answered, by="region", level="county")
    assert found["min_cell"] == 5 and "统计法" in found["rule"]["source"]
    assert [(r["code"], r["answers"]) for r in found["rows"]] == [("320102", 6), ("*", 6)]
    xuanwu = _row(found, "320102")
    # 5 granted, 1 applying, 0 none: the lone "<5" would be 6 - 5, so the 5 is withheld too.
    assert _question(xuanwu, "certified")["choices"] == [
        {"choice": "已获证", "count": "<5"}, {"choice": "正在申请", "count": "<5"}, {"choice": "暂无计划", "count": 0}]
    assert _question(xuanwu, "needs")["choices"][2] == {"choice": "能源管理体系", "count": 6}
    staff = _question(xuanwu, "staff")
    assert staff["mean"] == 2.5 and "min" not in staff and "max" not in staff
    assert _question(xuanwu, "advice") == {"key": "advice", "kind": "text", "text": "对认证工作的意见和建议",
                                           "answered": 6}
    merged = _row(found, "*")
    assert _question(merged, "certified")["choices"] == [
        {"choice": "已获证", "count": "<5"}, {"choice": "正在申请", "count": 0}, {"choice": "暂无计划", "count": "<5"}]
    total = found["total"]
    assert total["answers"] == 12 and _question(total, "certified")["choices"][0] == {"choice": "已获证",
                                                                                       "count": 7}
    assert "意见0" not in str(found) and "意见1" not in str(found)

    # By city and by industry.
    by_city = results.survey_results(answered, by="region", level="city")
    assert [(r["code"], r["name"], r["answers"]) for r in by_city["rows"]] == [("320100", "南京市", 12)]
    by_industry = results.survey_results(answered, by="industry")
    assert [(r["code"], r["answers"]) for r in by_industry["rows"]] == [("", 6), ("39", 6)]
    assert _row(by_industry, "")["name"] == "未登记行业"
    assert _row(by_industry, "39")["name"].startswith("计算机")

    # The free texts, for the regulator only, and the CSV.
    texts = results.texts(answered)
    assert texts[0]["key"] == "advice" and texts[0]["answers"] == sorted(f"意见{n:02d}" for n in range(12))
    lines = list(csv.DictReader(io.StringIO(results.results_csv(found))))
    assert {"group_code": "320102", "group": "玄武区", "answers": "6", "question_key": "certified",
            "question": "贵单位是否已获得管理体系认证？", "figure": "choice:正在申请", "value": "<5"} in lines
    assert not any("意见0" in str(line) for line in lines)
    found["rows"][0]["name"] = "=HYPERLINK(1)"
    assert "'=HYPERLINK(1)" in results.results_csv(found)


def test_a_small_survey_shows_nothing_but_withheld_counts():
    survey = build_survey()
    services.answer_submit(actor=SYSTEM, survey=survey, organization=build_org(), answers=answers())
    found = results.survey_results(survey, by="region", level="county")
    assert found["total"] == {"code": "", "name": "合计", "answers": "<5", "questions": None}
    assert found["rows"] == [{"code": "*", "name": "其他（合并）", "answers": "<5", "questions": None}]


def test_small_groups_borrow_the_next_smallest_so_that_no_group_is_had_by_subtraction():
    groups = {"a": [{}] * 7, "b": [{}] * 6, "c": [{}] * 2}
    assert results._merge_small(groups, 5) == (["a"], ["c", "b"])
    assert results._merge_small({"a": [{}] * 5, "b": [{}] * 5}, 5) == (["a", "b"], [])
    assert results._merge_small({"a": [{}] * 3}, 5) == ([], ["a"])


def test_the_disclosure_rule_file_names_its_source():
    rules = policy.disclosures()
    assert rules and all(r.source and r.min_cell >= 2 for r in rules)
