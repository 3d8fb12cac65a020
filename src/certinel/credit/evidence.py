"""The evidence files of a request for credit repair: checked before anything is written (how
many, how large, and what they are by their content, never by their name), then kept by their
SHA-256 digest under DATA_DIR/credit-evidence/ (not under MEDIA_ROOT, which a web server may
publish), and served only to those who may see the request."""

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

MAX_FILES = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# What an evidence file may be, told by its first bytes.
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def max_bytes() -> int:
    return int(getattr(settings, "CERTINEL_CREDIT_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class EvidenceFile:
    """A file as it was uploaded: its name as the sender gave it, and its content."""

    name: str
    data: bytes

    @property
    def content_type(self) -> str | None:
        return next((kind for magic, kind in SIGNATURES if self.data.startswith(magic)), None)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _safe_name(name: str) -> str:
    """The file's own name without any folder, control characters or excess length."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if c.isprintable()).strip() or "evidence"
    return base[-120:]


def check(files: list[EvidenceFile]) -> None:
    """Raise ValidationFailed naming every problem: none or too many files, a file too large
    or empty, or one that is not a PDF, PNG or JPEG."""
    errors = ErrorList()
    if not files:
        errors.add("evidence", _("Attach at least one evidence file."), "required")
    elif len(files) > MAX_FILES:
        errors.add("evidence", _("At most %(n)d evidence files may be attached.") % {"n": MAX_FILES}, "too_many")
    for file in files[:MAX_FILES]:
        name = _safe_name(file.name)
        if not file.data:
            errors.add("evidence", _("%(name)s is empty.") % {"name": name}, "empty")
        elif len(file.data) > max_bytes():
            errors.add(
                "evidence",
                _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(max_bytes())},
                "too_large",
            )
        elif file.content_type is None:
            errors.add("evidence", _("%(name)s is not a PDF, PNG or JPEG file.") % {"name": name}, "file_type")
    errors.raise_if_any()


def folder() -> Path:
    return Path(settings.DATA_DIR) / "credit-evidence"


def path_of(digest: str) -> Path:
    if not DIGEST.match(digest or ""):
        raise ValueError("not a SHA-256 digest")
    return folder() / digest[:2] / digest


def store(files: list[EvidenceFile]) -> list[dict[str, Any]]:
    """Keep checked files by their digest (the same content is kept once); what the request
    records of each."""
    out = []
    for file in files:
        digest = file.sha256
        path = path_of(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(file.data)
            partial.replace(path)
        out.append(
            {"name": _safe_name(file.name), "sha256": digest, "size": len(file.data), "content_type": file.content_type}
        )
    return out


def read(digest: str) -> bytes:
    """A kept file's content, checked against its digest."""
    data = path_of(digest).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(f"the evidence file {digest} does not match its digest")
    return data
