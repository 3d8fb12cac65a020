"""Signed answers of the joint punishment check, for a procurement officer to file.

An answer is a signed note (c2sp.org/signed-note): its text is one line of canonical JSON
(RFC 8785) holding the register's name and each code's answer with its measures, its basis and
the moment of the check; below a blank line, the log operator's signature. Anyone verifies it
offline with the log's public key (`/log/key`): `certinel credit check-answer FILE --key KEY`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from certinel.transparency.note import NoteError, open_note, parse_verifier_key, sign_note
from certinel.transparency.signers import log_origin, operator_signer

from .selectors import Eligibility, answer_text

ANSWER_TYPE = "certinel-credit-eligibility"


def signed_answer(answers: list[Eligibility]) -> str:
    """The signed note of these answers (SignerNotConfigured when the log has no key)."""
    return sign_note(answer_text(answers, origin=log_origin()), [operator_signer()])


@dataclass(frozen=True)
class CheckedAnswer:
    register: str
    answers: list[dict[str, Any]]
    key_name: str


class AnswerInvalid(ValueError):
    """A file that is not a genuine signed answer under the key given."""


def check_answer(note: str | bytes, *, vkey: str) -> CheckedAnswer:
    """Verify a signed answer against the log's verifier key (or keys, one a line, as `/log/key`
    gives them while a key is being rotated); its content when genuine."""
    try:
        verifiers = [parse_verifier_key(k) for k in vkey.split()]
    except NoteError as exc:
        raise AnswerInvalid(f"the key is not a verifier key: {exc}") from exc
    if not verifiers:
        raise AnswerInvalid("no verifier key given")
    try:
        opened = open_note(note, verifiers)
    except NoteError as exc:
        raise AnswerInvalid(f"the signature does not verify under {verifiers[0].name}: {exc}") from exc
    try:
        body = json.loads(opened.text)
    except ValueError as exc:
        raise AnswerInvalid("the signed text is not an answer") from exc
    if not isinstance(body, dict) or body.get("type") != ANSWER_TYPE or not isinstance(body.get("answers"), list):
        raise AnswerInvalid("the signed text is not an answer of the joint punishment check")
    return CheckedAnswer(str(body.get("register", "")), body["answers"], opened.signatures[0].name)
