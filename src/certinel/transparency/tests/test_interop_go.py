"""An independent client follows the log: golang.org/x/mod/sumdb/note verifies the checkpoint
and golang.org/x/mod/sumdb/tlog reads the tiles over HTTP, checks the tree hash and checks an
inclusion and a consistency proof. Runs when Go and x/mod are installed (Debian: golang-go,
golang-golang-x-mod-dev)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from certinel.transparency import merkle as m
from certinel.transparency.services import checkpoint_sign

from .conftest import record

# Where Debian's golang-golang-x-mod-dev installs golang.org/x/mod (GOPATH mode).
GOPATH = Path(os.environ.get("CERTINEL_GOPATH", "/usr/share/gocode"))
PROGRAM = Path(__file__).parent / "interop" / "tlogcheck.go"

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir(),
                       reason="Go and golang.org/x/mod are not installed"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("certinel.transparency.tests.urls"),
]


def go_check(url: str, origin: str, vkey: str, index: int, old: int, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(cache), "GOFLAGS": ""}
    return subprocess.run(["go", "run", str(PROGRAM), url, origin, vkey, str(index), str(old)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def test_go_sumdb_follows_the_log(live_server, fill, signer, origin, tmp_path):
    fill(66_000)  # tiles at three levels, partial at each
    cp = checkpoint_sign(signer=signer)
    result = go_check(live_server.url + "/log/", origin, signer.vkey, 65_537, 300, tmp_path)
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert words[:3] == ["OK", origin, "66000"]
    assert words[3] == base64.b64encode(bytes(cp.root_hash)).decode()
    old_root = m.root_hash([m.leaf_hash(record(i)) for i in range(300)])
    assert words[4] == base64.b64encode(old_root).decode()
    # The same client refuses a checkpoint signed by another key.
    result = go_check(live_server.url + "/log/", origin, type(signer).generate(origin).vkey, 5, 3, tmp_path)
    assert result.returncode == 1 and "checkpoint" in result.stderr
