"""Back office views of keys, status lists and issued credentials: read-only (changes go
through the services). The private key column is never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import IssuedCredential, SigningKey, StatusEntry, StatusList


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    fields = ("body", "jurisdiction", "sequence", "fragment", "public_key_multibase", "status", "created_at",
              "retired_at", "revoked_at", "compromised_since", "revocation_reason", "kek_id")
    readonly_fields = fields
    list_display = ("body", "fragment", "status", "created_at", "retired_at", "compromised_since")
    list_filter = ("status",)
    search_fields = ("body__name", "body__approval_no", "public_key_multibase")


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    fields = ("body", "jurisdiction", "purpose", "number", "scheme", "host", "size", "allocated", "published_at",
              "created_at")
    readonly_fields = fields
    list_display = ("body", "purpose", "number", "allocated", "size", "published_at")
    list_filter = ("purpose",)


@admin.register(StatusEntry)
class StatusEntryAdmin(ReadOnlyAdmin):
    fields = ("status_list", "index", "credential_id", "value", "allocated_at", "changed_at")
    readonly_fields = fields
    list_display = ("credential_id", "status_list", "index", "value", "changed_at")
    search_fields = ("credential_id",)


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(ReadOnlyAdmin):
    fields = ("credential_id", "body", "jurisdiction", "signing_key", "signed_at", "revocation_entry",
              "suspension_entry", "document")
    readonly_fields = fields
    list_display = ("credential_id", "body", "signing_key", "signed_at")
    search_fields = ("credential_id",)
