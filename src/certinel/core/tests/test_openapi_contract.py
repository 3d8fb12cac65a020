"""The open API keeps the contract its OpenAPI document states, so that a client generated
from the document works: schemathesis generates requests from the document and sends them to
a live server over real HTTP (every check: no 5xx, status codes, content types, headers and
bodies as documented, schema-valid requests accepted, schema-violating ones refused, the
security as declared), on a small register seeded here. Beside it, the rules schemathesis
cannot know: an Authorization header that is not a valid key is 401 on every operation, the
document is valid OpenAPI 3.1, and every request docs/api.md shows succeeds."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from certinel.accounts.models import Role
from certinel.accounts.services import api_key_create, api_key_revoke
from certinel.core.actor import Actor
from certinel.core.testing.builders import SYSTEM, build_body, build_lab, build_org, build_user
from certinel.core.testing.served import served as serve
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
    revoked: str


def _seed() -> tuple[str, str]:
    """A small register: the certificate search's world, the body, lab and organization the
    docs name; a valid API key of the docs' body and a revoked one (returned)."""
    from certinel.certificates.tests.test_search import build_world

    build_world()
    sample = build_body(approval_no=DOC_BODY)
    registry.body_scope_grant(actor=SYSTEM, body=sample, scheme_code="QMS", iaf_sector=19)
    build_org(name="南京星河精密科技有限公司", region_code="320102", uscc=DOC_ORG, industry_code="39")
    build_lab(cma_no=DOC_LAB)
    operator = Actor.for_user(build_user(Role.CB_OPERATOR, body=sample))
    key = api_key_create(actor=operator, body=sample, name="contract test")[1]
    revoked, revoked_key = api_key_create(actor=operator, body=sample, name="revoked")
    api_key_revoke(actor=operator, key=revoked, reason="contract test")
    return key, revoked_key


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    """`certinel serve` (gunicorn, as deployed: threads that keep their database connections)
    on the seeded register; the rate limit raised so that no request is refused with 429."""
    key, revoked = _seed()
    with serve(tmp_path / "data", CERTINEL_RATE_LIMIT_PER_MINUTE="100000000") as server:
        yield Served(server.url, key, revoked)


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

[[operations]]
include-operation-id = "check_eligibility"
# A code of the declared form can still fail its check character: a documented 422.
checks.positive_data_acceptance.expected-statuses = ["200", "422"]

[[operations]]
include-operation-id = "check_eligibility_batch"
checks.positive_data_acceptance.expected-statuses = ["200", "422"]

[[operations]]
include-operation-id = "record_credit_fact"
# Only a regulator records facts: the body's key is refused (403); a schema-valid fact can still
# name an unknown subject (404) or a future date (422), as documented.
checks.positive_data_acceptance.expected-statuses = ["201", "403", "404", "422"]

[[operations]]
include-operation-id = "report_test_reports_batch"
# Only a lab's operator, signed in, reports test reports: the body's key is refused (403).
checks.positive_data_acceptance.expected-statuses = ["403"]

[[operations]]
include-operation-id = "verify_test_report"
# A schema-valid query can name no report (404) or give neither lab and number nor a hash (422).
checks.positive_data_acceptance.expected-statuses = ["200", "404", "422"]

[[operations]]
include-operation-id = "lab_scope_on"
# A lab of the declared form may not exist (404); a day of the declared form may not be a date (422).
checks.positive_data_acceptance.expected-statuses = ["200", "404", "422"]

[[operations]]
include-operation-id = "get_application"
# Only the applicant's operators and the regulators of its region see an application: 404 for a body's key.
checks.positive_data_acceptance.expected-statuses = ["404"]

[[operations]]
include-operation-id = "application_action"
# Only a lab's operator or a regulator, signed in, takes a step: the body's key is refused (403).
checks.positive_data_acceptance.expected-statuses = ["403"]

[[operations]]
include-operation-id = "create_survey"
# Only a regulator drafts a survey: the body's key is refused (403).
checks.positive_data_acceptance.expected-statuses = ["201", "403", "422"]
"""


# The phases split between the two runs (the suite runs once on each database, side by side):
# the coverage phase (every parameter's boundaries and wrong types, about 3,000 requests) on
# PostgreSQL, the stricter of the two (integer ranges, NUL characters in text); the examples and
# the fuzzing on SQLite. CERTINEL_SCHEMATHESIS_PHASES chooses others (all three:
# "examples,coverage,fuzzing").
PHASES = {"postgresql": "coverage", "sqlite": "examples,fuzzing"}


def test_schemathesis_finds_nothing_against_a_live_server(served, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(examples=os.environ.get("CERTINEL_SCHEMATHESIS_EXAMPLES", "5")))
    phases = os.environ.get("CERTINEL_SCHEMATHESIS_PHASES") or PHASES[connection.vendor]
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
               "--phases", phases,
               f"{served.url}/api/v1/openapi.json", "--checks", "all", "--workers", "2", "--seed", "20260511",
               "--request-timeout", "30", "--no-color", "--suppress-health-check", "all",
               "-H", f"Authorization: Bearer {served.key}"]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "certinel.core.tests.openapi_hooks"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          check=False, env=environment)
    report = "\n".join(line if len(line) < 400 else line[:400] + " …" for line in done.stdout.splitlines())
    assert done.returncode == 0, report[-30000:] + done.stderr[-3000:]


# --- the rules schemathesis cannot know ------------------------------------------------------

def _requests(url: str) -> list[tuple[str, str, str, bytes | None]]:
    """(operation id, method, URL, body) of one well-formed request per documented operation."""
    out = []
    for path, operations in document(url)["paths"].items():
        for method, operation in operations.items():
            filled = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    example = {"key": DOC_BODY, "cert_id": "1", "number": "JS-2026-001", "uscc": DOC_ORG,
                               "token": "no-such-follow-link", "survey_id": "1", "dataset": "counts"}[
                        parameter["name"]]
                    if path.startswith("/api/v1/labs/"):
                        example = DOC_LAB
                    elif path.startswith("/api/v1/organizations/"):
                        example = DOC_ORG
                    filled = filled.replace("{" + parameter["name"] + "}", example)
            body = None
            if operation["operationId"] == "report_batch":
                body = json.dumps({"dry_run": True, "certificates": []}).encode()
            elif operation["operationId"] == "check_eligibility_batch":
                body = json.dumps({"purpose": "procurement", "codes": [DOC_ORG]}).encode()
            elif operation["operationId"] == "record_credit_fact":
                body = json.dumps({"subject": DOC_ORG, "kind": "award", "severity": "minor",
                                   "occurred_on": "2026-01-05", "decision_no": "宁政奖〔2026〕1号",
                                   "authority": "南京市人民政府"}).encode()
            elif operation["operationId"] == "report_test_reports_batch":
                body = json.dumps({"dry_run": True, "reports": [{
                    "number": "JC2026-000123", "issued_on": "2026-03-15", "sample_received_on": "2026-03-10",
                    "client_name": "示例食品有限公司", "object": "大米", "signatory": "李签字",
                    "parameters": [{"parameter": "铅含量", "standard": "GB 5009.12-2017"}]}]}).encode()
            elif operation["operationId"] == "application_action":
                body = json.dumps({"action": "submit"}).encode()
            elif operation["operationId"] == "create_application":
                body = json.dumps({"lab": DOC_LAB, "kind": "first"}).encode()
            elif operation["operationId"] == "change_application":
                body = json.dumps({"site": {"address": "检测路1号", "area_m2": "800"}}).encode()
            elif operation["operationId"] == "submit_complaint":
                body = json.dumps({"kind": "report", "subject": DOC_ORG, "facts": "证书与实际不符"}).encode()
            elif operation["operationId"] in SURVEY_BODIES:
                body = json.dumps(SURVEY_BODIES[operation["operationId"]]).encode()
            query = {"verify": "?number=TQ2401001Q",
                     "check_eligibility": f"?uscc={DOC_ORG}&purpose=procurement",
                     "verify_test_report": f"?lab={DOC_LAB}&number=JC2026-000123"}.get(operation["operationId"], "")
            out.append((operation["operationId"], method.upper(), f"{url}{filled}{query}", body))
    return out


# The surveys' operations (a user signed in to the portal) and their bodies.
SURVEY_OPERATIONS = ("list_surveys", "create_survey", "get_survey", "change_survey", "publish_survey",
                     "close_survey", "survey_results", "get_answer", "put_answer")
SURVEY_BODIES = {
    "create_survey": {"title": "认证需求调查", "purpose": "摸清需求。", "region_code": "3201",
                      "opens_on": "2026-01-01", "closes_on": "2026-12-31",
                      "questions": [{"kind": "text", "text": "意见"}]},
    "change_survey": {"title": "认证需求调查"},
    "close_survey": {"reason": "样本已足够。"},
    "put_answer": {"answers": {"q1": "意见"}},
}


WRONG = ("Bearer ck_wrong_key", "Bearer ck_abc_def", "Basic dXNlcjpwYXNz", "Bearer", "Token ck_x", "ck_x")


def test_an_authorization_that_is_not_a_valid_key_is_401_on_every_operation(served):
    operations = _requests(served.url)
    assert len(operations) >= 13
    for header in (*WRONG, f"Bearer {served.revoked}"):
        for op_id, method, url, body in operations:
            status, _headers, content = call(url, method=method, body=body, headers={
                "Authorization": header, "Content-Type": "application/json"})
            assert status == 401, (op_id, header, status)
            answer = json.loads(content)
            assert answer["code"] == "unauthorized" and "Authorization" in answer["message"], (op_id, answer)


def test_without_a_key_public_operations_answer_and_reporting_ones_ask_for_one(served):
    for op_id, method, url, body in _requests(served.url):
        status, _headers, content = call(url, method=method, body=body, headers={"Content-Type": "application/json"})
        if op_id in ("report_batch", "reporting_delays", "record_credit_fact",  # a regulator signed in
                     "report_test_reports_batch", *SURVEY_OPERATIONS,  # a lab operator, a portal user
                     "application_action", "create_application",  # a lab operator or a regulator signed in
                     "change_application"):
            assert status == 401 and json.loads(content)["code"] == "unauthorized", op_id
        else:
            assert status in (200, 404), (op_id, status)
        status, _headers, _content = call(url, method=method, body=body, headers={
            "Authorization": f"Bearer {served.key}", "Content-Type": "application/json"})
        if op_id in ("record_credit_fact", "report_test_reports_batch",  # nor report a lab's test reports
                     "create_survey",  # nor draft a survey
                     "application_action",  # nor take a step of a qualification application
                     "create_application", "change_application"):  # nor fill one in
            assert status == 403, (op_id, status)
        else:
            assert status in (200, 404, 422), (op_id, status)  # a batch of none is a 422, with its reason


def test_the_document_is_valid_openapi_31_and_states_the_security(served):
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

    doc = document(served.url)
    OPENAPI_31_VALIDATOR.validate(doc)
    assert doc["openapi"].startswith("3.1") and set(doc["components"]["securitySchemes"]) == {"ApiKey"}
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            reporting = operation["operationId"] in ("report_batch", "reporting_delays")
            assert operation["security"] == ([{"ApiKey": []}] if reporting else [{}, {"ApiKey": []}]), path
            assert {"401", "429"} <= set(operation["responses"]), path
            assert not any(p["name"].lower() == "authorization" for p in operation.get("parameters", [])), path
    search = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/certificates"]["get"]["parameters"]}
    for name in ("region", "scheme", "body", "q", "number"):
        assert "pattern" in json.dumps(search[name]), name
    assert search["status"]["anyOf"][0]["$ref"] == "#/components/schemas/CertificateStatus"
    assert "valid" in doc["components"]["schemas"]["CertificateStatus"]["enum"]
    key = doc["paths"]["/api/v1/organizations/{key}"]["get"]["parameters"][0]["schema"]
    assert re.fullmatch(key["pattern"], DOC_ORG) and not re.fullmatch(key["pattern"], DOC_ORG + "0")
    assert call(f"{served.url}/api/v1/organizations/{DOC_ORG.lower()}")[0] == 200  # the case does not matter
    assert call(f"{served.url}/api/v1/organizations/{DOC_ORG}0")[0] == 404        # outside the pattern: not found
    export = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/certificates/export"]["get"]["parameters"]}
    assert export["format"]["enum"] == ["csv", "xlsx", "jsonl", "parquet"]


def _doc_examples() -> list[tuple[str, int]]:
    """The curl lines of docs/api.md's "Examples", each with the status its comment gives
    (200 unless it says otherwise)."""
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("## Examples", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    out = []
    for line in block.splitlines():
        if line.startswith("curl "):
            command, _sep, comment = line.partition("#")
            expected = re.match(r"\s*(\d{3})", comment)
            out.append((command.strip(), int(expected.group(1)) if expected else 200))
    return out


def test_every_example_of_the_api_guide_answers_as_it_says(served, tmp_path):
    examples = _doc_examples()
    assert len(examples) >= 12
    values = {"$BASE": f"{served.url}/api/v1", "$CERTINEL_API_KEY": served.key}
    for command, expected in examples:
        words = [re.sub(r"\$[A-Z_]+", lambda m: values[m.group(0)], w) for w in shlex.split(command)[1:]]
        done = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *words], capture_output=True, text=True,
                              cwd=tmp_path, timeout=60, check=False)
        status = int(done.stdout.rsplit("\n", 1)[-1] or 0)
        assert status == expected, (command, status, done.stdout[-500:], done.stderr[-500:])
    saved = list(tmp_path.glob("certificates-*.parquet"))
    assert len(saved) == 1 and saved[0].read_bytes()[:4] == b"PAR1"
