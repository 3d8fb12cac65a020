"""Filtering by region code prefix (a jurisdiction: 32 province, 3201 city, 320102 county)."""

from __future__ import annotations

from django.db.models import Q


def within_region(prefix: str, field: str = "region_code") -> Q:
    """Rows whose 6-digit region code starts with `prefix`, as a range (`>= 320100 AND <=
    320199`), which both databases answer from an index; SQLite cannot use one for LIKE."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lte": prefix.ljust(6, "9")})
