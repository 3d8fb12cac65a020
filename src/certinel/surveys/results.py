"""A survey's results, counted by region (province, city or county of each organization's
GB/T 2260 code when it answered) or by industry (its GB/T 4754 code in the register), with the
small cells withheld so that no single firm's answer can be read:

* a group (a region, an industry) with fewer answers than the disclosure rule's `min_cell`
  (`policy.disclosure`, 5 in the first edition) is not shown on its own: such groups are merged
  into one row "other (merged)", and when that row would still be small the next smallest group
  joins it, so that no group's figures can be had by subtracting the shown rows from the total;
* inside a row, a count of a choice between 1 and min_cell - 1 is shown as "<5"; when a
  single-choice question would have exactly one such count (which the others would give away
  by subtraction), the next smallest count is withheld too;
* a number question shows how many answered it and their mean, only from min_cell answers up;
  never its lowest or highest value (one firm's own);
* free-text answers are not in the results: the regulator reads them on the survey's page
  (`texts`), without the organizations' names and in a fixed order (not the order of answering).

A withheld count is the string "<N"; every shown count is exact."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import Any

from django.utils.timezone import localdate
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from certinel.certificates.io.safety import spreadsheet_safe

from . import policy
from .choices import QuestionKind
from .models import Survey, SurveyAnswer

LEVELS = {"province": 2, "city": 4, "county": 6}
BY = ("region", "industry")
MERGED = "*"


def _names(by: str, codes: set[str]) -> dict[str, str]:
    english = (get_language() or "").startswith("en")
    if by == "region":
        from certinel.reference.models import Region

        rows = Region.objects.current().filter(code__in=codes).values_list("code", "name", "name_en")
    else:
        from certinel.reference.models import Industry

        rows = Industry.objects.filter(code__in=codes).values_list("code", "name", "name_en")
    return {code: (name_en if english and name_en else name) for code, name, name_en in rows}


def _group_key(by: str, level: str, row: dict[str, Any]) -> str:
    if by == "region":
        return (row["region_code"] or "")[:LEVELS[level]].ljust(6, "0")
    return row["industry_code"] or ""


def _merge_small(groups: dict[str, list[dict[str, Any]]], k: int) -> tuple[list[str], list[str]]:
    """(the groups shown on their own, the groups merged into one row)."""
    order = sorted(groups, key=lambda g: (len(groups[g]), g))
    merged = [g for g in order if len(groups[g]) < k]
    shown = [g for g in order if len(groups[g]) >= k]
    while merged and sum(len(groups[g]) for g in merged) < k and shown:
        merged.append(shown.pop(0))
    return sorted(shown), merged


def _count(n: int, k: int) -> int | str:
    return n if n == 0 or n >= k else f"<{k}"


def _question_cells(q: dict[str, Any], rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    values = [r["answers"].get(q["key"]) for r in rows]
    given = [v for v in values if v not in (None, "", [])]
    cell: dict[str, Any] = {"key": q["key"], "kind": q["kind"], "text": q["text"], "answered": _count(len(given), k)}
    if q["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        counts = {c: 0 for c in q["choices"]}
        for v in given:
            for c in (v if isinstance(v, list) else [v]):
                if c in counts:
                    counts[c] += 1
        shown: dict[str, int | str] = {c: _count(n, k) for c, n in counts.items()}
        small = [c for c, v in shown.items() if isinstance(v, str)]
        if q["kind"] == QuestionKind.SINGLE and len(small) == 1:
            others = sorted((n, c) for c, n in counts.items() if c not in small and n > 0)
            if others:
                shown[others[0][1]] = f"<{k}"
        cell["choices"] = [{"choice": c, "count": shown[c]} for c in q["choices"]]
    elif q["kind"] == QuestionKind.NUMBER:
        numbers = [float(v) for v in given if isinstance(v, int | float)]
        cell["mean"] = round(sum(numbers) / len(numbers), 2) if len(numbers) >= k else None
    return cell


def _row(code: str, name: str, rows: list[dict[str, Any]], questions: list[dict[str, Any]], k: int) -> dict[str, Any]:
    if len(rows) < k:
        return {"code": code, "name": name, "answers": _count(len(rows), k), "questions": None}
    return {"code": code, "name": name, "answers": len(rows),
            "questions": [_question_cells(q, rows, k) for q in questions]}


def survey_results(survey: Survey, *, by: str = "region", level: str = "city",
                   on: dt.date | None = None) -> dict[str, Any]:
    """The survey's results by region (at `level`) or by industry, small cells withheld."""
    if by not in BY:
        by = "region"
    if level not in LEVELS:
        level = "city"
    rule = policy.disclosure(on=on or localdate(), region_code=survey.region_code)
    k = rule.min_cell
    answers = list(SurveyAnswer.objects.filter(survey=survey).values("region_code", "industry_code", "answers"))
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in answers:
        groups[_group_key(by, level, row)].append(row)
    shown, merged = _merge_small(groups, k)
    names = _names(by, set(groups))
    unknown = _("未登记行业") if by == "industry" else _("未知地区")
    questions = [q for q in survey.questions if q["kind"] != QuestionKind.TEXT] + [
        q for q in survey.questions if q["kind"] == QuestionKind.TEXT]
    rows = [_row(code, names.get(code, code or unknown), groups[code], questions, k) for code in shown]
    if merged:
        pooled = [r for code in merged for r in groups[code]]
        rows.append(_row(MERGED, _("其他（合并）"), pooled, questions, k))
    return {"survey": survey.pk, "by": by, "level": level if by == "region" else None, "min_cell": k,
            "rule": {"edition": rule.edition, "source": rule.source},
            "total": _row("", _("合计"), answers, questions, k), "rows": rows}


def texts(survey: Survey) -> list[dict[str, Any]]:
    """The free-text answers, for the regulator: per text question, the texts in a fixed order
    (sorted), without who wrote them."""
    out = []
    found = list(SurveyAnswer.objects.filter(survey=survey).values_list("answers", flat=True))
    for q in survey.questions:
        if q["kind"] == QuestionKind.TEXT:
            out.append({"key": q["key"], "text": q["text"],
                        "answers": sorted(a[q["key"]] for a in found if a.get(q["key"]))})
    return out


def results_csv(results: dict[str, Any]) -> str:
    """The aggregates as CSV, one line per group, question and figure; text cells escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group_code", "group", "answers", "question_key", "question", "figure", "value"])
    for row in [results["total"], *results["rows"]]:
        base = [row["code"], row["name"], row["answers"]]
        if not row["questions"]:
            writer.writerow([spreadsheet_safe(v) for v in [*base, "", "", "", ""]])
            continue
        for q in row["questions"]:
            lines = [("answered", q["answered"])]
            lines += [(f"choice:{c['choice']}", c["count"]) for c in q.get("choices", [])]
            if q["kind"] == QuestionKind.NUMBER:
                lines.append(("mean", "" if q["mean"] is None else q["mean"]))
            for figure, value in lines:
                writer.writerow([spreadsheet_safe(v) for v in [*base, q["key"], q["text"], figure, value]])
    return out.getvalue()
