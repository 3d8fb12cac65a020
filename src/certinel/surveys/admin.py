"""The back office shows surveys and answers read-only: every change goes through the services
(the regulators' pages and the API)."""

from django.contrib import admin

from .models import Survey, SurveyAnswer


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnly):
    list_display = ("title", "region_code", "status", "opens_on", "closes_on")
    list_filter = ("status",)
    search_fields = ("title", "region_code")


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnly):
    list_display = ("survey", "organization", "region_code", "industry_code", "revision", "updated_at")
    list_select_related = ("survey", "organization")
