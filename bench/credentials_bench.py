"""Benchmark of e-certificate signing and verification.

Certinel's own code (Python) against the independent JavaScript verifier (@digitalbazaar/vc
with eddsa-rdfc-2022, interop/verify.mjs) on the same credentials, in the same run:

- sign/s: `create_proof` (RDFC-1.0 canonicalisation + Ed25519), and the full
  `credential_issue` service (status index allocation, database, history) on a throwaway
  test database;
- verify/s, signature only: Certinel `verify_proof` vs the JS stack without status lists;
- verify/s, full: Certinel `verify_credential` (DID document, key status, signature, dates, and
  both status lists, each verified) vs the JS stack with its status list check.

The JS verifier runs once per repetition on the whole batch (one node process), so its start-up
is reported apart from its verification time.

    .venv/bin/python bench/credentials_bench.py [--n 300] [--repeat 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certinel.settings.test")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from certinel.credentials import bitstring  # noqa: E402
from certinel.credentials.dataintegrity import create_proof, verify_proof, xsd_datetime  # noqa: E402
from certinel.credentials.did import BundleResolver, KeyEntry, build_did_document, did_web  # noqa: E402
from certinel.credentials.ldloader import CERTINEL_V1_CONTEXT, VC_V2_CONTEXT  # noqa: E402
from certinel.credentials.multibase import public_key_to_multikey  # noqa: E402
from certinel.credentials.verify import FileStatusLists, verify_credential  # noqa: E402

HOST = "certs.example.test"
SIZE = 131_072


def subject(n: int) -> dict[str, Any]:
    """A fictional certification certificate (see docs/credentials.md)."""
    return {
        "id": f"https://{HOST}/certificates/BENCH{n:08d}", "type": "CertificationCertificate",
        "certificateNumber": f"BENCH{n:08d}",
        "scheme": {"type": "CertificationScheme", "code": "QMS", "name": "质量管理体系认证"},
        "standard": "GB/T 19001-2016 / ISO 9001:2015",
        "certificateHolder": {"type": "CertifiedOrganization", "name": f"示例制造{n}有限公司",
                              "uscc": "91320102MA1XXXXX0X"},
        "scope": "精密零部件的设计和生产", "issueDate": "2024-03-01", "expiryDate": "2027-02-28",
        "sites": [{"type": "CertifiedSite", "address": f"南京市玄武区示例路{n}号", "scope": "生产"}],
        "certificateStatus": "有效",
    }


class Fixture:
    """A body's key, DID document and status lists, made in memory."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.did = did_web(host=HOST, slug="cnca-r-2099-001")
        self.vm = f"{self.did}#key-1"
        self.did_document = build_did_document(did=self.did, keys=[KeyEntry(
            "key-1", public_key_to_multikey(self.key.public_key()), usable=True)])
        self.now = dt.datetime.now(dt.UTC)
        self.lists = {p: self._list(p) for p in ("revocation", "suspension")}

    def list_url(self, purpose: str) -> str:
        return f"https://{HOST}/bodies/cnca-r-2099-001/status/{purpose}/1"

    def _list(self, purpose: str) -> dict[str, Any]:
        unsigned = bitstring.status_list_credential(
            list_url=self.list_url(purpose), issuer=self.did, purpose=purpose,
            encoded_list=bitstring.encode_bits([], size=SIZE), valid_from=xsd_datetime(self.now))
        return create_proof(unsigned, private_key=self.key, verification_method=self.vm, created=self.now)

    def unsigned(self, n: int) -> dict[str, Any]:
        return {
            "@context": [VC_V2_CONTEXT, CERTINEL_V1_CONTEXT], "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            "type": ["VerifiableCredential", "CertificationCertificateCredential"],
            "issuer": {"id": self.did, "name": "基准测试认证中心"}, "validFrom": "2024-03-01T00:00:00Z",
            "validUntil": "2099-02-28T00:00:00Z", "credentialSubject": subject(n),
            "credentialStatus": [bitstring.status_entry(list_url=self.list_url(p), purpose=p, index=n % SIZE)
                                 for p in ("revocation", "suspension")],
        }


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_python(fx: Fixture, n: int) -> tuple[dict[str, float], list[dict[str, Any]]]:
    unsigned = [fx.unsigned(i) for i in range(n)]
    signed: list[dict[str, Any]] = []
    t_sign = timed(lambda: signed.extend(create_proof(u, private_key=fx.key, verification_method=fx.vm,
                                                      created=fx.now) for u in unsigned))
    public = fx.did_document["verificationMethod"][0]["publicKeyMultibase"]

    def verify_sig() -> None:
        assert all(verify_proof(s, public_key=public).ok for s in signed)

    resolver, lists = BundleResolver([fx.did_document]), FileStatusLists(fx.lists.values())

    def verify_full() -> None:
        assert all(verify_credential(s, resolver=resolver, status_source=lists).valid for s in signed)

    return {"sign_per_s": n / t_sign, "verify_signature_per_s": n / timed(verify_sig),
            "verify_full_per_s": n / timed(verify_full)}, signed


def bench_js(fx: Fixture, signed: list[dict[str, Any]], *, with_status: bool) -> dict[str, float]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        raise SystemExit("node and node_modules are needed: run `npm ci` at the repository root")
    with tempfile.TemporaryDirectory() as tmp:
        def write(name: str, data: Any) -> str:
            path = Path(tmp) / name
            path.write_text(json.dumps(data, ensure_ascii=False))
            return str(path)

        args = [node, str(ROOT / "interop" / "verify.mjs"), "--did", write("did.json", fx.did_document)]
        if with_status:
            for purpose, doc in fx.lists.items():
                args += ["--status-list", write(f"{purpose}.json", doc)]
        args.append(write("batch.json", signed))
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, timeout=3600, check=False, cwd=ROOT)
        wall = time.perf_counter() - start
    out = json.loads(done.stdout)
    if not all(r["valid"] for r in out["results"]):
        raise SystemExit(f"the JS verifier rejected a credential: {out['results'][0]}")
    verify_s = out["verifyMs"] / 1000
    return {"verify_per_s": len(signed) / verify_s, "startup_s": wall - verify_s, "wall_s": wall}


def bench_issue(n: int) -> float:
    """credential_issue through the database (SQLite test database, created and dropped here)."""
    from django.db import connection

    from certinel.core.actor import Actor
    from certinel.credentials.services import credential_issue, signing_key_create
    from certinel.reference.models import Region
    from certinel.registry.models import CertificationBody

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        region = Region.objects.create(code="320102", name="玄武区", level=3, parent_code="320100",
                                       valid_from=dt.date(2000, 1, 1), source="bench")
        body = CertificationBody.objects.create(
            name="基准测试认证中心", uscc="91320102BENCH00001", approval_no="CNCA-R-2099-001",
            approval_date=dt.date(2015, 3, 1), region=region, region_code="320102", address="测试路1号")
        actor = Actor.system("bench")
        signing_key_create(actor=actor, body=body)

        def run() -> None:
            for i in range(n):
                credential_issue(actor=actor, body=body, subject=subject(i), host=HOST,
                                 types=["CertificationCertificateCredential"], valid_from=dt.date(2024, 3, 1),
                                 valid_until=dt.date(2099, 2, 28), credential_id=f"urn:uuid:bench-{i}")
        return n / timed(run)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300, help="credentials per repetition")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    runs: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        fx = Fixture()
        python, signed = bench_python(fx, args.n)
        figures = {f"python_{k}": v for k, v in python.items()}
        for with_status, label in ((False, "signature"), (True, "full")):
            for k, v in bench_js(fx, signed, with_status=with_status).items():
                figures[f"js_{label}_{k}"] = v
        figures["python_issue_with_db_per_s"] = bench_issue(max(args.n // 3, 10))
        for k, v in figures.items():
            runs.setdefault(k, []).append(v)
    medians = {k: round(statistics.median(v), 3) for k, v in runs.items()}
    report = {"n": args.n, "repeat": args.repeat, "python": sys.version.split()[0],
              "node": subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip(),
              "median": medians, "runs": runs}
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
