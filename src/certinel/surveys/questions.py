"""The questions of a survey as structured data, and answers checked against them.

A question is a JSON object:

    {"key": "q1", "kind": "single" | "multiple" | "number" | "text", "text": "…",
     "required": true, "choices": ["…", …],          # single and multiple only
     "min": 0, "max": 100000}                         # number only, each optional

An answer is an object from question keys to values: a choice (single), a list of choices
(multiple), a number (number), a text (text). Every problem is reported at once, each naming its
question by number and words."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from certinel.core.errors import ErrorList

from .choices import QuestionKind

KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_QUESTIONS = 60
MAX_CHOICES = 30
MAX_TEXT = 500
MAX_CHOICE = 100
MAX_ANSWER_TEXT = 2000
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return None
        return float(parsed) if parsed.is_finite() else None
    return None


def clean_questions(raw: Any) -> list[dict[str, Any]]:
    """The questions in their stored form, or ValidationFailed naming each problem."""
    errors = ErrorList()
    if not isinstance(raw, list) or not raw:
        errors.add("questions", _("A survey needs at least one question."), "required")
        errors.raise_if_any()
    if len(raw) > MAX_QUESTIONS:
        errors.add("questions", _("At most %(n)d questions.") % {"n": MAX_QUESTIONS}, "too_many")
        errors.raise_if_any()
    out: list[dict[str, Any]] = []
    keys: set[str] = set()
    for n, item in enumerate(raw, start=1):
        field = f"questions.{n}"
        if not isinstance(item, dict):
            errors.add(field, _("Question %(n)d is not an object.") % {"n": n})
            continue
        key = str(item.get("key") or f"q{n}")
        kind = item.get("kind")
        text = str(item.get("text") or "").strip()
        if not KEY.match(key):
            errors.add(field, _("Question %(n)d: its key must be lower-case letters, digits or _ (at most 32).")
                       % {"n": n}, "invalid_key")
        elif key in keys:
            errors.add(field, _("Question %(n)d: the key %(key)s is used twice.") % {"n": n, "key": key}, "duplicate")
        keys.add(key)
        if kind not in QuestionKind.values:
            errors.add(field, _("Question %(n)d: the kind must be single, multiple, number or text.") % {"n": n},
                       "invalid_kind")
            continue
        if not text or len(text) > MAX_TEXT:
            errors.add(field, _("Question %(n)d: write the question (1 to %(max)d characters).")
                       % {"n": n, "max": MAX_TEXT}, "required")
        question: dict[str, Any] = {"key": key, "kind": kind, "text": text, "required": bool(item.get("required"))}
        if kind in CHOICE_KINDS:
            choices = [str(c).strip() for c in item.get("choices") or [] if str(c).strip()]
            if len(choices) < 2 or len(choices) > MAX_CHOICES:
                errors.add(field, _("Question %(n)d: give 2 to %(max)d choices.") % {"n": n, "max": MAX_CHOICES},
                           "choices")
            elif len(set(choices)) != len(choices) or any(len(c) > MAX_CHOICE for c in choices):
                errors.add(field, _("Question %(n)d: each choice must be different and at most %(max)d characters.")
                           % {"n": n, "max": MAX_CHOICE}, "choices")
            question["choices"] = choices
        if kind == QuestionKind.NUMBER:
            low, high = item.get("min"), item.get("max")
            low = None if low in (None, "") else _number(low)
            high = None if high in (None, "") else _number(high)
            if (item.get("min") not in (None, "") and low is None) or (item.get("max") not in (None, "")
                                                                       and high is None):
                errors.add(field, _("Question %(n)d: the lowest and highest values must be numbers.") % {"n": n},
                           "invalid_range")
            elif low is not None and high is not None and low > high:
                errors.add(field, _("Question %(n)d: the lowest value is above the highest.") % {"n": n},
                           "invalid_range")
            question["min"], question["max"] = low, high
        out.append(question)
    errors.raise_if_any()
    return out


def _label(n: int, question: dict[str, Any]) -> dict[str, Any]:
    text = question["text"]
    return {"n": n, "text": text if len(text) <= 40 else text[:39] + "…"}


def clean_answers(questions: list[dict[str, Any]], raw: Any) -> dict[str, Any]:
    """The answers in their stored form (unanswered optional questions left out), or
    ValidationFailed with one error per question, its field the question's key."""
    errors = ErrorList()
    if not isinstance(raw, dict):
        errors.add("answers", _("The answers must be an object from question keys to values."))
        errors.raise_if_any()
    known = {q["key"] for q in questions}
    for key in sorted(set(raw) - known):
        errors.add(str(key)[:40], _("There is no question %(key)s in this survey.") % {"key": str(key)[:40]},
                   "unknown_question")
    out: dict[str, Any] = {}
    for n, q in enumerate(questions, start=1):
        value = raw.get(q["key"])
        label = _label(n, q)
        if value is None or value == "" or value == []:
            if q["required"]:
                errors.add(q["key"], _("Question %(n)d (%(text)s) must be answered.") % label, "required")
            continue
        kind = q["kind"]
        if kind == QuestionKind.SINGLE:
            if not isinstance(value, str) or value not in q["choices"]:
                errors.add(q["key"], _("Question %(n)d (%(text)s): choose one of its choices.") % label,
                           "invalid_choice")
                continue
        elif kind == QuestionKind.MULTIPLE:
            if isinstance(value, str):
                value = [value]
            if (not isinstance(value, list) or any(not isinstance(v, str) or v not in q["choices"] for v in value)
                    or len(set(value)) != len(value)):
                errors.add(q["key"], _("Question %(n)d (%(text)s): choose among its choices, each once.") % label,
                           "invalid_choice")
                continue
            value = [c for c in q["choices"] if c in value]
        elif kind == QuestionKind.NUMBER:
            number = _number(value)
            if number is None:
                errors.add(q["key"], _("Question %(n)d (%(text)s): enter a number.") % label, "not_a_number")
                continue
            low, high = q.get("min"), q.get("max")
            if (low is not None and number < low) or (high is not None and number > high):
                errors.add(q["key"], _("Question %(n)d (%(text)s): enter a number from %(min)s to %(max)s.")
                           % {**label, "min": _shown(low), "max": _shown(high)}, "out_of_range")
                continue
            value = int(number) if number.is_integer() else number
        else:
            if not isinstance(value, str):
                errors.add(q["key"], _("Question %(n)d (%(text)s): write a text.") % label, "invalid")
                continue
            value = value.strip()
            if len(value) > MAX_ANSWER_TEXT:
                errors.add(q["key"], _("Question %(n)d (%(text)s): at most %(max)d characters.")
                           % {**label, "max": MAX_ANSWER_TEXT}, "too_long")
                continue
            if not value:
                if q["required"]:
                    errors.add(q["key"], _("Question %(n)d (%(text)s) must be answered.") % label, "required")
                continue
        out[q["key"]] = value
    errors.raise_if_any()
    return out


def _shown(bound: float | None) -> str:
    if bound is None:
        return "…"
    return str(int(bound)) if float(bound).is_integer() else str(bound)
