"""Errors of the transparency log, as domain errors the API and views can report."""

from __future__ import annotations

from certinel.core.errors import Conflict, DomainError, NotFound


class EntryTooLarge(DomainError):
    code = "entry_too_large"
    status = 422


class CheckpointConflict(Conflict):
    """Signing would contradict a checkpoint the log signed before: refused."""

    code = "checkpoint_conflict"


class LogCorrupted(DomainError):
    """The stored log does not agree with itself or with what it signed."""

    code = "log_corrupted"
    status = 503


class EntryNotFound(NotFound):
    code = "entry_not_found"


class NotYetCheckpointed(DomainError):
    """The entry exists but no signed checkpoint covers it yet."""

    code = "not_checkpointed"
    status = 503


class SignerNotConfigured(DomainError):
    code = "signer_not_configured"
    status = 503
