"""The joint punishment check from the command line and the open API: answers, exit codes,
the signed answer verified offline (and refused when tampered with), and bad input."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from certinel.core.testing.builders import build_org
from certinel.credit import services
from certinel.credit.answers import AnswerInvalid, check_answer
from certinel.transparency.signers import log_verifiers

from .factories import listed, regulator

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def world():
    actor = regulator()
    bad, good, ended = build_org(), build_org(), build_org()
    entry = listed(actor, bad.uscc, listed_on=TODAY - dt.timedelta(days=20))
    services.entry_annul(actor=actor, entry=listed(actor, ended.uscc, listed_on=TODAY), reason="处罚被撤销")
    return {"bad": bad.uscc, "good": good.uscc, "ended": ended.uscc, "entry": entry}


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("credit", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_cli_answers_in_json_with_exit_codes(world):
    code, out = run("eligible", world["good"], "--purpose", "procurement", "--json")
    assert code == 0 and json.loads(out) == {"uscc": world["good"], "eligible": True, "measures": []}
    code, out = run("eligible", world["bad"], "--purpose", "procurement", "--json")
    answer = json.loads(out)
    assert code == 1 and answer["eligible"] is False
    assert [m["code"] for m in answer["measures"]] == ["L1"]
    assert answer["measures"][0]["until"] == world["entry"].expires_on.isoformat()
    assert "Order No. 44" in answer["measures"][0]["basis"]
    # An annulled entry no longer counts; a purpose no measure names is bad input.
    assert run("eligible", world["ended"], "--purpose", "procurement")[0] == 0
    assert run("eligible", world["good"], world["bad"], "--purpose", "awards")[0] == 1
    code, message = run("eligible", world["good"], "--purpose", "lottery")
    assert code == 2 and "procurement" in message
    code, message = run("eligible", "91320102MA1XXXXXX1", "--purpose", "procurement")
    assert code == 2 and "position 17" in message


def test_signed_answer_verifies_offline_and_a_tampered_one_does_not(world, tmp_path):
    path = tmp_path / "answer.txt"
    code, _out = run("eligible", world["bad"], world["good"], "--purpose", "tendering", "--signed", str(path))
    assert code == 1
    key = log_verifiers()[0].vkey
    checked = check_answer(path.read_bytes(), vkey=key)
    assert [(a["uscc"], a["eligible"]) for a in checked.answers] == [(world["bad"], False), (world["good"], True)]
    code, out = run("check-answer", str(path), "--key", key)
    assert code == 0 and out.startswith("GENUINE")
    forged = tmp_path / "forged.txt"
    forged.write_text(path.read_text().replace('"eligible":false', '"eligible":true'), encoding="utf-8")
    with pytest.raises(AnswerInvalid):
        check_answer(forged.read_bytes(), vkey=key)
    code, out = run("check-answer", str(forged), "--key", key)
    assert code == 1 and out.startswith("INVALID")


def test_cli_expire_removes_entries_at_the_end_of_their_period():
    actor = regulator()
    listed(actor, build_org().uscc, listed_on=TODAY.replace(year=TODAY.year - 3) - dt.timedelta(days=2))
    assert run("expire")[1].startswith("1 entry removed")
    assert run("expire")[1].startswith("0 entries removed")


def test_api_list_shows_entries_in_force_only(client, world):
    page = client.get("/api/v1/credit/list").json()
    assert [i["uscc"] for i in page["items"]] == [world["bad"]] and page["total"] == 1
    item = page["items"][0]
    assert item["decision_no"] == world["entry"].decision_no and item["status"] == "listed"
    assert "removal_request" not in item and "statement" not in item
    assert client.get("/api/v1/credit/list", {"q": world["bad"]}).json()["total"] == 1
    assert client.get("/api/v1/credit/list", {"region": "33"}).json()["total"] == 0
    assert client.get("/api/v1/credit/list", {"region": "3x"}).status_code == 422


def test_api_eligibility_one_and_many(client, world):
    one = client.get("/api/v1/credit/eligibility", {"uscc": world["bad"], "purpose": "subsidies"}).json()
    assert one["eligible"] is False and one["measures"][0]["code"] == "L5"
    assert client.get("/api/v1/credit/eligibility", {"uscc": world["good"], "purpose": "subsidies"}).json()[
        "eligible"] is True
    wrong = client.get("/api/v1/credit/eligibility", {"uscc": "91320102MA1XXXXXX1", "purpose": "subsidies"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "invalid_uscc"
    assert client.get("/api/v1/credit/eligibility", {"uscc": world["bad"], "purpose": "x"}).status_code == 422
    many = client.post("/api/v1/credit/eligibility", {"purpose": "procurement", "signed": True,
                                                      "codes": [world["good"], world["bad"], world["good"]]},
                       content_type="application/json").json()
    assert [a["eligible"] for a in many["answers"]] == [True, False, True]
    assert (many["eligible"], many["not_eligible"]) == (2, 1)
    assert len(check_answer(many["signed_answer"], vkey=log_verifiers()[0].vkey).answers) == 3
    refused = client.post("/api/v1/credit/eligibility", {"purpose": "procurement", "codes": ["bad", world["good"]]},
                          content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "codes.0"
    assert client.post("/api/v1/credit/eligibility", {"purpose": "procurement", "codes": []},
                       content_type="application/json").status_code == 422
