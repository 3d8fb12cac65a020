"""Helpers shared by the portal's views: validating filters with the shared filter
definitions, turning their errors into messages people can read, htmx partial responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationError

F = TypeVar("F", bound=BaseModel)

_RANGES = {
    "iaf_sector": lambda: _("IAF 行业代码应为 1 到 39 之间的整数。"),
    "page": lambda: _("页码应为从 1 开始的整数。"),
    "page_size": lambda: _("每页条数超出允许范围。"),
    "days": lambda: _("天数应在 1 到 366 之间。"),
}


def _value_error(field: str, text: str) -> str:
    text = text.removeprefix("Value error, ")
    if text.startswith("enter at least two characters"):
        return _("请至少输入两个字符：名称中连续的两个或更多汉字，或者一个代码。")
    if text.startswith("at most 100 characters"):
        return _("最多输入 100 个字符。")
    if text.startswith("a region is"):
        return _("区划代码应为两位（省）、四位（市）或六位（区县）数字，例如 32、3201、320102。")
    if text.startswith("an industry is"):
        return _("行业应为国民经济行业分类（GB/T 4754）的门类字母（A–T）或 2–4 位数字代码。")
    if text.startswith("a kind is"):
        return _("请从列表中选择对象类型。")
    if text.startswith("an event name"):
        return _("事件名称只能包含小写字母和下划线。")
    return text


def message_for(error: dict[str, Any]) -> tuple[str, str]:
    """(field, message) for one pydantic error, in the user's language."""
    loc = [str(p) for p in error.get("loc", ())]
    field = loc[0] if loc else "q"
    kind = error.get("type", "")
    if kind == "value_error":
        return field, _value_error(field, str(error.get("msg", "")))
    if kind == "enum":
        return field, _("请从列表中选择。")
    if kind in ("int_parsing", "int_from_float"):
        return field, _("请输入整数。")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return field, _RANGES.get(field, lambda: _("数值超出允许范围。"))()
    if kind in ("string_too_long",):
        return field, _("输入过长。")
    return field, str(error.get("msg", _("输入无效。")))


def parse_filters(schema: type[F], data: Mapping[str, str]) -> tuple[F | None, dict[str, str], dict[str, str]]:
    """Validate query values with a shared filter definition. Returns (filters or None,
    errors by field, the raw values to put back into the form)."""
    raw = {name: (data.get(name) or "").strip() for name in schema.model_fields}
    given = {k: v for k, v in raw.items() if v != ""}
    try:
        return schema.model_validate(given), {}, raw
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field, message = message_for(dict(err))
            errors.setdefault(field, message)
        return None, errors, raw


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def render_page(request: HttpRequest, template: str, partial: str, context: dict[str, Any],
                status: int = 200) -> HttpResponse:
    """The whole page, or only its results (`partial`) when htmx asks for them."""
    response = render(request, partial if is_htmx(request) else template, context, status=status)
    response["Vary"] = "HX-Request, Cookie, Accept-Language"
    return response
