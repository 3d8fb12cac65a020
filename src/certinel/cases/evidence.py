"""Evidence files of complaints, reports and cases.

Checked before anything is written: how many, how large, and what they are by their first
bytes (never by their name or the type the sender claims). The allowed types and the limits
are settings (`CERTINEL_CASES_EVIDENCE_TYPES`, `..._MAX_BYTES`, `..._MAX_FILES`) over the
defaults below. A file is kept under its SHA-256 digest in DATA_DIR/cases-evidence/ (outside
MEDIA_ROOT, which a web server may publish): the name the sender gave is kept only as text to
show, cleaned, and never used as a path. Files are served only as attachments under a generated
name with the type found by their content (`views.evidence_response`), never inline."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from certinel.core.errors import ErrorList

# What a file may be, told by its first bytes: content type, suffix of the generated name.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
DEFAULT_TYPES = ("application/pdf", "image/png", "image/jpeg")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5
DIGEST = re.compile(r"^[0-9a-f]{64}$")
SUFFIXES = {kind: suffix for _magic, kind, suffix in SIGNATURES}


def allowed_types() -> tuple[str, ...]:
    return tuple(getattr(settings, "CERTINEL_CASES_EVIDENCE_TYPES", DEFAULT_TYPES))


def max_bytes() -> int:
    return int(getattr(settings, "CERTINEL_CASES_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_files() -> int:
    return int(getattr(settings, "CERTINEL_CASES_EVIDENCE_MAX_FILES", DEFAULT_MAX_FILES))


@dataclass(frozen=True)
class EvidenceFile:
    """A file as it was uploaded: the name the sender gave, and its content."""

    name: str
    data: bytes

    @property
    def content_type(self) -> str | None:
        found = next((kind for magic, kind, _suffix in SIGNATURES if self.data.startswith(magic)), None)
        return found if found in allowed_types() else None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def shown_name(name: str) -> str:
    """The sender's name for the file, to show as text: no folder, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if c.isprintable() and c not in "<>\"'`").strip() or "evidence"
    return base[-120:]


def check(files: list[EvidenceFile], *, required: bool = False) -> None:
    """Raise ValidationFailed naming every problem: too many files, a file empty, too large or
    of a type not allowed."""
    errors = ErrorList()
    if required and not files:
        errors.add("evidence", _("Attach at least one evidence file."), "required")
    if len(files) > max_files():
        errors.add("evidence", _("At most %(n)d evidence files may be attached.") % {"n": max_files()}, "too_many")
    for file in files[:max_files()]:
        name = shown_name(file.name)
        if not file.data:
            errors.add("evidence", _("%(name)s is empty.") % {"name": name}, "empty")
        elif len(file.data) > max_bytes():
            errors.add("evidence", _("%(name)s is larger than %(limit)s.")
                       % {"name": name, "limit": filesizeformat(max_bytes())}, "too_large")
        elif file.content_type is None:
            errors.add("evidence", _("%(name)s is not a PDF, PNG or JPEG file.") % {"name": name}, "file_type")
    errors.raise_if_any()


def folder() -> Path:
    return Path(settings.DATA_DIR) / "cases-evidence"


def path_of(digest: str) -> Path:
    if not DIGEST.match(digest or ""):
        raise ValueError("not a SHA-256 digest")
    return folder() / digest[:2] / digest


def store(files: list[EvidenceFile]) -> list[dict[str, Any]]:
    """Keep checked files by their digest; what the record keeps of each."""
    out = []
    for file in files:
        digest = file.sha256
        path = path_of(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(file.data)
            partial.replace(path)
        out.append({"name": shown_name(file.name), "sha256": digest, "size": len(file.data),
                    "content_type": file.content_type})
    return out


def read(digest: str) -> bytes:
    data = path_of(digest).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(f"the evidence file {digest} does not match its digest")
    return data
