"""The forms of the serious-violation list's public pages: the list's filters (shared checks
of the registry's lists) and the joint punishment check (codes, one a line, and a purpose)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic import Field, field_validator

from certinel.reference.identifiers import IdentifierError, validate_uscc
from certinel.registry.filters import (
    REGION_PATTERN,
    TEXT_PATTERN,
    _check_query,
    _check_region,
    _Paged,
    blank_is_none,
    declared,
)

from .policy import purposes
from .selectors import MAX_CODES

# The purposes a check is made for (policy.purposes(), from measures.csv), in words.
PURPOSE_LABELS = {
    "licensing": _("行政许可"),
    "procurement": _("政府采购"),
    "tendering": _("工程招投标"),
    "awards": _("表彰奖励"),
    "subsidies": _("财政资金与政策扶持"),
    "commitment": _("告知承诺"),
    "supervision": _("重点监管"),
}

# Bad codes named one by one on the page; the count says how many more there are.
SHOWN_ERRORS = 100


def purpose_label(code: str) -> str:
    return str(PURPOSE_LABELS.get(code, code))


def purpose_choices() -> list[tuple[str, str]]:
    return [(p, purpose_label(p)) for p in purposes()]


class ListFilters(_Paged):
    """The published list's filters, for the page and the API: a name or a code, a region prefix."""

    q: str | None = Field(None, max_length=100, description="Part of the subject's name, or its whole USCC.",
                          json_schema_extra=declared(TEXT_PATTERN))
    region: str | None = Field(None, description="Region code prefix: 32 (province), 3201 (city), 320102.",
                               json_schema_extra=declared(REGION_PATTERN), examples=["32"])

    _blank = field_validator("q", "region", mode="before")(blank_is_none)

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        return _check_query(value)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _check_region(value)


@dataclass(frozen=True)
class BadCode:
    line: int
    code: str
    error: IdentifierError

    @property
    def message(self) -> str:
        return self.error.localized()


class CodesInvalid(forms.ValidationError):
    """Some lines are not unified social credit codes: each one is kept to be shown."""

    def __init__(self, bad: list[BadCode]) -> None:
        self.bad = bad
        super().__init__(_("%(n)s 行不是有效的统一社会信用代码。"), code="bad_codes", params={"n": len(bad)})


class CheckForm(forms.Form):
    codes = forms.CharField(
        label=_("统一社会信用代码"), max_length=MAX_CODES * 40,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("每行一个，18 位；一次最多 10,000 个。"),
        error_messages={"required": _("请至少输入一个统一社会信用代码。")})
    purpose = forms.ChoiceField(
        label=_("核查用途"), choices=(),
        error_messages={"required": _("请选择核查用途。"),
                        "invalid_choice": _("没有这一核查用途，请从列表中选择。")})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose"]).choices = [("", _("请选择")), *purpose_choices()]
        self.bad_codes: list[BadCode] = []

    def clean_codes(self) -> list[str]:
        lines = self.cleaned_data["codes"].splitlines()
        codes: list[str] = []
        bad: list[BadCode] = []
        for number, line in enumerate(lines, start=1):
            code = line.strip().upper()
            if not code:
                continue
            try:
                validate_uscc(code)
            except IdentifierError as exc:
                bad.append(BadCode(number, code, exc))
            codes.append(code)
        if not codes:
            raise forms.ValidationError(self.fields["codes"].error_messages["required"], code="required")
        if len(codes) > MAX_CODES:
            raise forms.ValidationError(_("一次最多核查 %(max)s 个代码，您输入了 %(n)s 个。"), code="too_many",
                                        params={"max": f"{MAX_CODES:,}", "n": f"{len(codes):,}"})
        if bad:
            self.bad_codes = bad
            raise CodesInvalid(bad)
        return codes
