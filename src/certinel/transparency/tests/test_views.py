"""The log over HTTP: the tlog-tiles layout a tiles client follows, and receipts."""

from __future__ import annotations

import base64
import gzip

import pytest

from certinel.transparency import merkle as m
from certinel.transparency import tiledtree
from certinel.transparency.checkpoint import open_checkpoint
from certinel.transparency.proof import verify_receipt
from certinel.transparency.services import checkpoint_sign
from certinel.transparency.tiles import decode_bundle, tile_path, tiles_for_size

from .conftest import record

pytestmark = [pytest.mark.django_db, pytest.mark.urls("certinel.transparency.tests.urls")]


class HttpTileStore(tiledtree.TileStore):
    """A tiles client's view of the log: every tile comes over HTTP."""

    def __init__(self, client) -> None:
        self.client, self.paths = client, []

    def read_tiles(self, keys):
        out = {}
        for level, index, width in keys:
            path = "/log/" + tile_path(level, index, width)
            self.paths.append(path)
            response = self.client.get(path)
            if response.status_code != 200:
                raise tiledtree.MissingTile(path)
            out[(level, index, width)] = response.content
        return out


@pytest.fixture
def log(fill, signer):
    fill(70_000 // 100 + 3)  # 703 entries: two full level-0 tiles, partial tiles at two levels
    return checkpoint_sign(signer=signer)


def test_checkpoint(client, fill, signer, origin):
    response = client.get("/log/checkpoint")
    assert response.status_code == 404 and response["Content-Type"] == "text/plain; charset=utf-8"
    fill(3)
    cp = checkpoint_sign(signer=signer)
    response = client.get("/log/checkpoint")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=5" in response["Cache-Control"]
    opened = open_checkpoint(response.content.decode(), origin=origin, verifiers=[signer.verifier])
    assert opened.size == 3 and opened.root_hash == bytes(cp.root_hash)
    assert client.post("/log/checkpoint").status_code == 405


def test_a_tiles_client_can_follow_the_log(client, log, signer, origin):
    """Only the checkpoint and the tiles, as any tlog-tiles client would fetch them."""
    opened = open_checkpoint(client.get("/log/checkpoint").content.decode(), origin=origin,
                             verifiers=[signer.verifier])
    store = HttpTileStore(client)
    assert tiledtree.tree_root(store, opened.size) == opened.root_hash
    first = decode_bundle(client.get("/log/" + tile_path(None, 0)).content)
    assert first[7] == record(7)
    proof = tiledtree.inclusion_proof(store, 7, opened.size)
    assert m.verify_inclusion(m.leaf_hash(first[7]), 7, opened.size, proof, opened.root_hash)
    assert set(store.paths) >= {"/log/" + ref.path for ref in tiles_for_size(opened.size) if ref.level == 0}


def test_tile_responses(client, log):
    full = client.get("/log/tile/0/001")
    assert full.status_code == 200 and full["Content-Type"] == "application/octet-stream"
    assert len(full.content) == 8192 and "immutable" in full["Cache-Control"]
    assert full.content == b"".join(m.leaf_hash(record(i)) for i in range(256, 512))
    partial = client.get("/log/tile/0/002.p/191")
    assert len(partial.content) == 191 * 32 and "immutable" in partial["Cache-Control"]
    # A partial tile of a smaller checkpoint stays available, and so does a prefix of a full one.
    assert client.get("/log/tile/0/002.p/5").content == partial.content[:5 * 32]
    assert client.get("/log/tile/0/000.p/9").content == client.get("/log/tile/0/000").content[:9 * 32]
    level1 = client.get("/log/tile/1/000.p/2")
    assert level1.content == m.root_hash([m.leaf_hash(record(i)) for i in range(256)]) + \
        m.root_hash([m.leaf_hash(record(i)) for i in range(256, 512)])
    for missing in ["tile/0/002", "tile/0/002.p/192", "tile/0/003.p/1", "tile/1/000", "tile/2/000.p/1",
                    "tile/entries/002", "tile/0/0001", "tile/0/x000/001", "tile/0/000.p/256"]:
        response = client.get("/log/" + missing)
        assert response.status_code == 404, missing
        assert response["Cache-Control"] == "no-store"


def test_entry_bundles(client, log):
    response = client.get("/log/tile/entries/001")
    assert response["Content-Type"] == "application/octet-stream" and "immutable" in response["Cache-Control"]
    assert decode_bundle(response.content) == [record(i) for i in range(256, 512)]
    zipped = client.get("/log/tile/entries/002.p/191", HTTP_ACCEPT_ENCODING="gzip, identity")
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert decode_bundle(gzip.decompress(zipped.content)) == [record(i) for i in range(512, 703)]


def test_receipts_verify_offline(client, log, signer, origin):
    response = client.get("/log/proof/300")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="entry-300.tlog-proof"'
    done = verify_receipt(response.content, origin=origin, verifiers=[signer.verifier])
    assert done.index == 300 and done.entry == record(300) and done.checkpoint.size == 703
    leaf = m.leaf_hash(record(42))
    for form in (leaf.hex(), base64.urlsafe_b64encode(leaf).decode().rstrip("=")):
        by_hash = client.get(f"/log/proof/hash/{form}")
        assert verify_receipt(by_hash.content, origin=origin, verifiers=[signer.verifier]).index == 42
    assert client.get("/log/proof/hash/" + "0" * 64).status_code == 404
    assert client.get("/log/proof/hash/" + "z" * 64).status_code == 400
    assert client.get("/log/proof/703").status_code == 404
    assert client.get("/log/proof/0300").status_code == 404


def test_receipts_wait_for_a_checkpoint(client, log, fill):
    fill(1, start=703)
    response = client.get("/log/proof/703")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert b"not yet covered" in response.content


def test_consistency_proofs(client, log, fill, signer):
    old_root = bytes(log.root_hash)
    fill(100, start=703)
    new = checkpoint_sign(signer=signer)
    response = client.get("/log/proof/consistency", {"old": 703, "new": 803})
    assert response.status_code == 200 and "immutable" in response["Cache-Control"]
    proof = [base64.b64decode(line) for line in response.content.decode().splitlines()]
    assert m.verify_consistency(703, 803, old_root, bytes(new.root_hash), proof)
    assert client.get("/log/proof/consistency", {"old": 803, "new": 803}).content == b""
    for bad in [{"old": "x", "new": 3}, {"old": 1}, {"old": "-1", "new": 3}]:
        assert client.get("/log/proof/consistency", bad).status_code == 400
    for impossible in [{"old": 0, "new": 3}, {"old": 5, "new": 4}, {"old": 1, "new": 900}]:
        assert client.get("/log/proof/consistency", impossible).status_code == 404
