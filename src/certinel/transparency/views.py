"""The log over HTTP, relative to where it is mounted (/log/): the C2SP tlog-tiles layout
(checkpoint, tiles, entry bundles) that any tiles client can follow, and proofs for clients
that would rather not compute them (tlog-proof receipts, consistency proofs)."""

from __future__ import annotations

import base64
import binascii
import gzip
import re

import orjson
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from certinel.core.errors import DomainError

from . import selectors
from .tiles import TilePathError, parse_tile_path

TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"
IMMUTABLE = "public, max-age=31536000, immutable"
# The checkpoint changes as the log grows: caches may keep it a few seconds only.
MUTABLE = "public, max-age=5, must-revalidate"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")


def _plain(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message.rstrip("\n") + "\n", content_type=TEXT, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _error(exc: DomainError) -> HttpResponse:
    response = _plain(exc.status, exc.message)
    if exc.status == 503:
        response["Retry-After"] = "60"
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.checkpoint_latest()
    if latest is None:
        return _plain(404, "The log has not signed a checkpoint yet.")
    response = HttpResponse(selectors.checkpoint_note(latest), content_type=TEXT)
    response["Cache-Control"] = MUTABLE
    return response


def _wants_gzip(request: HttpRequest) -> bool:
    return any(part.split(";")[0].strip() == "gzip"
               for part in request.headers.get("Accept-Encoding", "").split(","))


@require_safe
def tile(request: HttpRequest, path: str) -> HttpResponse:
    """tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>]."""
    try:
        ref = parse_tile_path("tile/" + path)
    except TilePathError as exc:
        return _plain(404, str(exc))
    try:
        if ref.level is None:
            body = selectors.entry_bundle(index=ref.index, width=ref.width)
        else:
            body = selectors.tile_hashes(level=ref.level, index=ref.index, width=ref.width)
    except DomainError as exc:
        return _error(exc)
    compress = ref.level is None and _wants_gzip(request)
    response = HttpResponse(gzip.compress(body, mtime=0) if compress else body, content_type=BINARY)
    if compress:
        response["Content-Encoding"] = "gzip"
    if ref.level is None:
        patch_vary_headers(response, ["Accept-Encoding"])
    # A tile of a given width never changes in an append-only log, partial or not.
    response["Cache-Control"] = IMMUTABLE
    return response


def _receipt_response(view: selectors.ReceiptView) -> HttpResponse:
    response = HttpResponse(view.text, content_type=TEXT)
    response["Content-Disposition"] = f'inline; filename="entry-{view.index}.tlog-proof"'
    response["Cache-Control"] = MUTABLE
    return response


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The log's landing page for people: its size, the latest signed checkpoint, how to
    check it, and the last entries with their receipts."""
    from .signers import log_origin

    latest = selectors.checkpoint_latest()
    return render(request, "transparency/index.html", {
        "origin": log_origin(), "size": selectors.log_size(), "checkpoint": latest,
        "note": selectors.checkpoint_note(latest) if latest else "", "entries": selectors.entries_latest(limit=20)})


@require_safe
def receipt(request: HttpRequest, index: str) -> HttpResponse:
    """proof/<index>: the c2sp.org/tlog-proof receipt of an entry."""
    if not _DECIMAL.fullmatch(index):
        return _plain(404, f"not an entry index: {index!r}")
    try:
        return _receipt_response(selectors.receipt_for(index=int(index)))
    except DomainError as exc:
        return _error(exc)


@require_safe
def receipt_by_hash(request: HttpRequest, leaf: str) -> HttpResponse:
    """proof/hash/<base64url or hex leaf hash>: the receipt of the entry with that leaf hash."""
    try:
        digest = bytes.fromhex(leaf) if len(leaf) == 64 else base64.urlsafe_b64decode(leaf + "=" * (-len(leaf) % 4))
    except (ValueError, binascii.Error):
        digest = b""
    if len(digest) != 32:
        return _plain(400, "a leaf hash is 32 bytes, in hex or unpadded base64url")
    try:
        return _receipt_response(selectors.receipt_by_leaf_hash(leaf_hash=digest))
    except DomainError as exc:
        return _error(exc)


@require_safe
def consistency(request: HttpRequest) -> HttpResponse:
    """proof/consistency?old=<size>&new=<size>: the consistency proof, one base64 hash a line."""
    old, new = request.GET.get("old", ""), request.GET.get("new", "")
    if not (_DECIMAL.fullmatch(old) and _DECIMAL.fullmatch(new)):
        return _plain(400, "give the two tree sizes as ?old=<size>&new=<size>, decimal")
    try:
        proof = selectors.consistency_proof_between(old_size=int(old), new_size=int(new))
    except DomainError as exc:
        return _error(exc)
    body = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    response = HttpResponse(body, content_type=TEXT)
    response["Cache-Control"] = IMMUTABLE
    return response


JSON = "application/json"


@require_safe
def key(request: HttpRequest) -> HttpResponse:
    """key: the log's verifier keys (note format), one a line. A monitor should pin the key it
    trusts rather than take it from the server it checks; this is where to read it the first
    time."""
    from .signers import log_verifiers

    keys = [v.vkey for v in log_verifiers()]
    if not keys:
        return _plain(404, "The log has no signing key configured.")
    response = HttpResponse("".join(f"{k}\n" for k in keys), content_type=TEXT)
    response["Cache-Control"] = MUTABLE
    return response


@require_safe
def state_index(request: HttpRequest) -> HttpResponse:
    """state/: the public kinds whose rows the log records, and the log's size now."""
    from .privacy import PUBLIC_KINDS
    from .register import public_models

    kinds = [{"type": t, "what": PUBLIC_KINDS[t], "url": f"state/{t}"} for t, _ in public_models()]
    response = HttpResponse(orjson.dumps({"kinds": kinds, "log_size": selectors.log_size()}), content_type=JSON)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def state(request: HttpRequest, object_type: str) -> HttpResponse:
    """state/<app.model>?after=<id>&limit=<n>: the register's rows of a public kind, a page at
    a time, as the fields the log's leaves hold, so that anyone can replay the log and compare
    (`certinel log verify --server`)."""
    from .register import PAGE, public_models, state_page

    if object_type not in dict(public_models()):
        return _plain(404, f"not a public kind of record: {object_type!r}")
    after = request.GET.get("after", "")
    limit = request.GET.get("limit", str(PAGE))
    if (after and not _DECIMAL.fullmatch(after)) or not _DECIMAL.fullmatch(limit) or not 0 < int(limit) <= PAGE:
        return _plain(400, f"after must be a row id and limit a number from 1 to {PAGE}")
    rows, following = state_page(object_type, after=after, limit=int(limit))
    body = {"type": object_type, "rows": rows, "next": following}
    response = HttpResponse(orjson.dumps(body), content_type=JSON)
    response["Cache-Control"] = "no-store"
    return response
