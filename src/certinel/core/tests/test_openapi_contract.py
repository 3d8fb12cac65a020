"""The open API keeps the contract its OpenAPI document states, so that a client generated
from the document works: schemathesis generates requests from the document and sends them to
a live server over real HTTP (every check: no 5xx, status codes, content types, headers and
bodies as documented, schema-valid requests accepted, schema-violating ones refused, the
security as declared), on a small register seeded here. Beside it, the rules schemathesis
cannot know: an Authorization header that is not a valid key is 401 on every operation, the
document is valid OpenAPI 3.1, and every request docs/api.md shows succeeds."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create
from certinel.core.actor import Actor
from certinel.core.testing.builders import SYSTEM, build_body, build_lab, build_org, build_user
from certinel.registry import services as registry

DOCS = Path(__file__).resolve().parents[4] / "docs" / "api.md"
# Codes that docs/api.md's examples name (the demo builds the same sample body).
DOC_BODY = "CNCA-R-2005-971"
DOC_ORG = "913201024B3XJ56N9P"
DOC_LAB = "233009212253"

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Served:
    url: str
    key: str


def _seed() -> str:
    """A small register: the certificate search's world, the bodies, lab and organization the
    docs name, and a body's API key (returned)."""
    from certinel.certificates.tests.test_search import build_world

    world = build_world()
    sample = build_body(approval_no=DOC_BODY)
    registry.body_scope_grant(actor=SYSTEM, body=sample, scheme_code="QMS", iaf_sector=19)
    build_org(name="南京星河精密科技有限公司", region_code="320102", uscc=DOC_ORG, industry_code="39")
    build_lab(cma_no=DOC_LAB)
    operator = build_user(Role.CB_OPERATOR, body=world.east)
    return api_key_create(actor=Actor.for_user(operator), body=world.east, name="contract test")[1]


@pytest.fixture
def served(live_server) -> Served:
    return Served(live_server.url, _seed())


def call(url: str, *, headers: dict[str, str] | None = None, method: str = "GET",
         body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the live server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def document(url: str) -> dict:
    status, _headers, content = call(f"{url}/api/v1/openapi.json")
    assert status == 200
    return json.loads(content)


# --- schemathesis -----------------------------------------------------------------------------

CONFIG = """
[generation]
max-examples = {examples}
database = "none"

[phases.stateful]
enabled = false

[[operations]]
include-operation-id = "list_certificates"
# Pages reach the first 10,000 results: a deeper page is a documented 422 (too_deep), a rule
# between page and page_size that no parameter schema states (the hooks bring the fuzzed
# queries within it; the coverage phase does not run hooks).
parameters = {{ "page" = 1 }}

[[operations]]
include-operation-id = "report_batch"
# A schema-valid batch can still name a scheme, sector or holder the register does not know:
# the batch then answers 422 with every row's error, as documented.
checks.positive_data_acceptance.expected-statuses = ["200", "422"]
"""


def test_schemathesis_finds_nothing_against_a_live_server(served, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(examples=os.environ.get("CERTINEL_SCHEMATHESIS_EXAMPLES", "8")))
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
               f"{served.url}/api/v1/openapi.json", "--checks", "all", "--workers", "1", "--seed", "20260511",
               "--request-timeout", "30", "--no-color", "--suppress-health-check", "all",
               "-H", f"Authorization: Bearer {served.key}"]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "certinel.core.tests.openapi_hooks"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path,  # noqa: S603
                          check=False, env=environment)
    report = "\n".join(line if len(line) < 400 else line[:400] + " …" for line in done.stdout.splitlines())
    assert done.returncode == 0, report[-30000:] + done.stderr[-3000:]
