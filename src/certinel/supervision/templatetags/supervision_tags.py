"""`{% supervision_results uscc %}`: a subject's published random-inspection results and its
credit page, on the register's pages of bodies, labs and organizations (what a firm choosing a
body, or a buyer, looks for: R3.1, JOURNEYS 4)."""

from __future__ import annotations

from typing import Any

from django import template

from certinel.supervision.selectors import results_of_subject

register = template.Library()
SHOWN = 5


@register.inclusion_tag("supervision/includes/subject_results.html")
def supervision_results(uscc: str) -> dict[str, Any]:
    found = list(results_of_subject(uscc)[:SHOWN + 1])
    return {"uscc": uscc, "results": found[:SHOWN], "more": len(found) > SHOWN}
