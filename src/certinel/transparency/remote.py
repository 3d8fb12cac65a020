"""Holding a running server's register against its log, from the outside, with nothing but its
public data: no database access, no trust in the server.

1. The latest signed checkpoint (`/log/checkpoint`), verified with the log's key (given by the
   one who checks; read from `/log/key` only when none is given, trusting it on first use).
2. Every entry up to the checkpoint's size, from the entry bundles (`/log/tile/entries/…`,
   C2SP tlog-tiles): their tree must have the checkpoint's root, so they are the entries the
   log signed.
3. The leaves replayed into the state of every public object (`replay.py`).
4. The register's rows of every public kind (`/log/state/<kind>`), each compared with its state:
   a changed field, a row no leaf records, an object the log records whose row is missing.
   Rows changed after the checkpoint was signed are held against the entries that follow it
   (served, not yet signed) and said to be so.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .checkpoint import open_checkpoint
from .leaf import LeafError, parse_leaf
from .merkle import leaf_hash
from .note import NoteError, Verifier, parse_verifier_key, split_note
from .privacy import PRIVATE_TYPE
from .replay import Mismatch, ObjectState, compare
from .tiledtree import TileBuilder
from .tiles import TILE_WIDTH, BundleError, decode_bundle, tile_path

Progress = Callable[[str, int, int], None]


class RemoteError(RuntimeError):
    """The server could not be read, or what it served cannot be checked at all."""


@dataclass
class RemoteReport:
    server: str
    origin: str = ""
    size: int = 0  # entries covered by the signed checkpoint
    read_after: int = 0  # entries read beyond it (served, not yet signed)
    rows: int = 0
    key_source: str = ""
    problems: list[Mismatch] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.log_problems


class Client:
    """GETs relative to a server's log (`<server>/log/`)."""

    def __init__(self, server: str, *, timeout: float = 60.0) -> None:
        if urllib.parse.urlsplit(server).scheme not in ("http", "https"):
            raise RemoteError(f"a server is an http:// or https:// address, not {server!r}")
        self.base = server.rstrip("/") + "/log/"
        self.timeout = timeout

    def get(self, path: str) -> bytes:
        url = urllib.parse.urljoin(self.base, path)
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked above
            url, headers={"Accept-Encoding": "gzip", "User-Agent": "certinel-monitor"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
                data = response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                return data
        except urllib.error.HTTPError as exc:
            raise RemoteError(f"{url}: HTTP {exc.code} {exc.read(300).decode('utf-8', 'replace').strip()}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise RemoteError(f"{url}: {exc}") from exc

    def json(self, path: str) -> Any:
        try:
            return json.loads(self.get(path))
        except ValueError as exc:
            raise RemoteError(f"{path}: not JSON") from exc


class RemoteMonitor:
    def __init__(self, server: str, *, verifiers: Sequence[Verifier] = (), origin: str | None = None,
                 progress: Progress | None = None, client: Client | None = None) -> None:
        self.client = client or Client(server)
        self.verifiers, self.origin, self.progress = list(verifiers), origin, progress
        self.report = RemoteReport(server)
        self.states: dict[tuple[str, str], ObjectState] = {}
        self._builder = TileBuilder()

    # --- the log -----------------------------------------------------------------------------

    def _checkpoint(self) -> tuple[int, bytes]:
        note = self.client.get("checkpoint").decode("utf-8", "replace")
        if not self.verifiers:
            keys = self.client.get("key").decode().split()
            try:
                self.verifiers = [parse_verifier_key(k) for k in keys]
            except NoteError as exc:
                raise RemoteError(f"the server's log key cannot be read: {exc}") from exc
            self.report.key_source = "the server's /log/key (trusted on first use: pin it with --key)"
        else:
            self.report.key_source = "given"
        origin = self.origin or split_note(note)[0].split("\n", 1)[0]
        try:
            opened = open_checkpoint(note, origin=origin, verifiers=self.verifiers)
        except NoteError as exc:
            raise RemoteError(f"the server's checkpoint does not verify: {exc}") from exc
        self.report.origin = origin
        return opened.size, opened.root_hash

    def _bundle(self, index: int, width: int) -> list[bytes]:
        try:
            entries = decode_bundle(self.client.get(tile_path(None, index, width)))
        except BundleError as exc:
            raise RemoteError(f"entry bundle {index}: {exc}") from exc
        if len(entries) != width:
            raise RemoteError(f"entry bundle {index} holds {len(entries)} entries, not {width}")
        return entries

    def _read(self, start: int, stop: int, *, signed: bool) -> None:
        """Entries [start, stop): hashed into the tree when `signed`, and replayed."""
        position = start
        while position < stop:
            index, offset = divmod(position, TILE_WIDTH)
            width = min(TILE_WIDTH, stop - index * TILE_WIDTH)
            for n, data in enumerate(self._bundle(index, width)[offset:]):
                if signed:
                    self._builder.add(leaf_hash(data))
                self._replay(position + n, data)
            position = index * TILE_WIDTH + width
            if self.progress:
                self.progress("entries", position, stop)

    def _replay(self, index: int, data: bytes) -> None:
        try:
            leaf = parse_leaf(data)
        except LeafError as exc:
            self.report.log_problems.append(f"entry {index} cannot be read: {exc}")
            return
        if leaf.get("type") == PRIVATE_TYPE or not isinstance(leaf.get("object"), dict):
            return
        key = (str(leaf["object"].get("type")), str(leaf["object"].get("id")))
        state = self.states.get(key)
        if state is None:
            state = self.states[key] = ObjectState(*key)
        state.apply(index, leaf)

    # --- the register ------------------------------------------------------------------------

    def _rows(self, object_type: str) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        after = ""
        while True:
            page = self.client.json(f"state/{object_type}" + (f"?after={after}" if after else ""))
            for row in page.get("rows", []):
                rows[str(row["id"])] = row["fields"]
            if self.progress:
                self.progress(object_type, len(rows), 0)
            after = page.get("next") or ""
            if not after:
                return rows

    def _compare(self, kinds: list[str]) -> list[Mismatch]:
        problems: list[Mismatch] = []
        self.report.rows = 0
        for object_type in kinds:
            rows = self._rows(object_type)
            self.report.rows += len(rows)
            for object_id, fields in rows.items():
                state = self.states.get((object_type, object_id))
                problems += compare(state, fields, object_type=object_type, object_id=object_id)
            for (kind, object_id), state in self.states.items():
                if kind == object_type and object_id not in rows:
                    problems += compare(state, None, object_type=object_type, object_id=object_id)
        return [p for p in problems if p.kind != "private"]

    def run(self) -> RemoteReport:
        started = time.monotonic()
        size, root = self._checkpoint()
        self._read(0, size, signed=True)
        if self._builder.root() != root:
            raise RemoteError(f"the entries served do not make the tree the checkpoint of size {size} signed")
        self.report.size = size
        index = self.client.json("state/")
        kinds = [k["type"] for k in index.get("kinds", [])]
        problems = self._compare(kinds)
        if problems:
            # Rows may have changed after the checkpoint was signed: read the entries that
            # follow it (served, not yet signed) and compare again.
            now = int(self.client.json("state/").get("log_size", size))
            if now > size:
                self._read(size, now, signed=False)
                self.report.read_after = now - size
                problems = self._compare(kinds)
        self.report.problems = problems
        self.report.seconds = time.monotonic() - started
        return self.report


def verify_remote(server: str, *, verifiers: Sequence[Verifier] = (), origin: str | None = None,
                  progress: Progress | None = None) -> RemoteReport:
    """Hold a server's register against its log from its public data (see the module)."""
    return RemoteMonitor(server, verifiers=verifiers, origin=origin, progress=progress).run()
