"""The code lists in the back office, read-only: they change only through their data files and
`certinel reference sync` (see docs/reference-data.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CCCCategory,
    CCCEdition,
    CCCProduct,
    CodeListVersion,
    IAFSector,
    Industry,
    LabField,
    Region,
    Scheme,
    Standard,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent_code", "valid_from", "valid_to", "source")
    list_filter = ("level", "valid_from", "valid_to")
    search_fields = ("code", "name", "name_en")


@admin.register(Industry)
class IndustryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent_code", "edition")
    list_filter = ("edition", "level")
    search_fields = ("code", "name", "name_en")


@admin.register(IAFSector)
class IAFSectorAdmin(ReadOnlyAdmin):
    list_display = ("number", "name", "name_en", "nace")
    search_fields = ("name", "name_en", "nace")


@admin.register(LabField)
class LabFieldAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    list_display = ("code", "equivalent", "title")
    search_fields = ("code", "equivalent", "title", "title_en")


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "family", "scope_kind", "validity_months", "surveillance_interval_months",
                    "max_suspension_months", "active")
    list_filter = ("family", "scope_kind", "active")
    search_fields = ("code", "name", "name_en")


@admin.register(CCCEdition)
class CCCEditionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "effective_from")


@admin.register(CCCCategory)
class CCCCategoryAdmin(ReadOnlyAdmin):
    list_display = ("edition", "number", "name")
    list_filter = ("edition",)


@admin.register(CCCProduct)
class CCCProductAdmin(ReadOnlyAdmin):
    list_display = ("edition", "number", "code", "name", "category", "self_declaration_mode")
    list_filter = ("edition", "self_declaration_mode", "category__number")
    search_fields = ("code", "codes", "name")


@admin.register(CodeListVersion)
class CodeListVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "edition", "rows", "checksum", "loaded_at")
    list_filter = ("name",)
