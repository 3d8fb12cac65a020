"""Every action the code writes into the history has words in both languages.

The actions are collected from the code itself: every call that writes a history record
(`record_change`, `change_record`, the demo's bulk `_history`) is read, its literal actions
taken, and the actions it builds from data (`certificate_<event kind>`,
`<body|lab|…>_<past tense of a transition>` …) expanded from that same data. A call that
builds its action some other way fails the test until it is listed here, so that no
identifier can reach a page without words."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils import translation

import certinel
from certinel.core.actions import ACTION_LABELS, PRIVATE_RECORD, SYSTEM_WORDS, action_label, recorded

SRC = Path(certinel.__file__).parent
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
# The functions that write a history record: where they are called from, and where their
# action is (core/history.py is where they are defined: it passes its own argument on).
WRITERS = {"record_change": ("", "action"), "change_record": ("", "action"), "_history": ("demo/", 1)}
PLUMBING = "core/history.py"


@functools.cache
def _parsed() -> tuple[tuple[str, ast.Module], ...]:
    """Every source file of the application, parsed once for all the tests of this module."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        if {"tests", "migrations", "testing"} & set(path.relative_to(SRC).parts):
            continue
        out.append((path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8"))))
    return tuple(out)


def _sources() -> Iterator[tuple[str, ast.Module]]:
    yield from _parsed()


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _argument(node: ast.Call, where: str | int) -> ast.expr | None:
    if isinstance(where, int):
        return node.args[where] if len(node.args) > where else None
    return next((k.value for k in node.keywords if k.arg == where), None)


def _calls_of(name: str, *, under: str = "") -> Iterator[tuple[str, ast.Call]]:
    for path, tree in _sources():
        if path.startswith(under):
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _called(node) == name:
                    yield path, node


def _decided() -> list[str]:
    """`registry.services.common.decide`: `<event>_<past tense of the transition's action>`."""
    from certinel.registry import transitions
    from certinel.registry.services.common import PAST_TENSE

    out = []
    for _path, call in _calls_of("decide", under="registry/services/"):
        event, table = _argument(call, "event"), _argument(call, "transitions")
        assert isinstance(event, ast.Constant) and isinstance(table, ast.Name), ast.unparse(call)
        out += [f"{event.value}_{PAST_TENSE[a]}" for a in getattr(transitions, table.id).actions()]
    return out


def _withdrawn() -> list[str]:
    """`registry.services.common.withdraw`: its `event` is the action."""
    out = []
    for _path, call in _calls_of("withdraw", under="registry/services/"):
        event = _argument(call, "event")
        assert isinstance(event, ast.Constant), ast.unparse(call)
        out.append(event.value)
    return out


def _certificate_events() -> list[str]:
    from certinel.certificates.choices import EventKind

    return [f"certificate_{kind}" for kind in EventKind.values]


def _transfer_states() -> list[str]:
    from certinel.certificates.choices import TransferState

    # A transfer is written as `transfer_requested` when it starts; it is settled into the others.
    return [f"transfer_{state}" for state in TransferState.values if state != TransferState.PENDING]


def _status_bits() -> list[str]:
    from certinel.credentials.choices import StatusPurpose

    return [f"credential_{purpose}_{change}" for purpose in StatusPurpose.values for change in ("set", "cleared")]


def _credit_decisions() -> list[str]:
    # credit.services._entry_decide: the regulator's decisions on an entry, one event each.
    return ["credit_removed_early", "credit_removal_refused", "credit_annulled"]


def _cma_certificate_ends() -> list[str]:
    """`qualification.services_applications._certificate_end(actor, cert, status, action, reason)`:
    the literal actions its callers pass."""
    return [call.args[3].value for _path, call in _calls_of("_certificate_end", under="qualification/")
            if len(call.args) > 3 and isinstance(call.args[3], ast.Constant)]


# Actions built from data: (file, the action's expression as written) -> every value it takes.
BUILT: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("certificates/lifecycle.py", "f'certificate_{event_kind}'"): _certificate_events,
    ("certificates/services_transfers.py", "f'transfer_{t.state}'"): _transfer_states,
    ("registry/services/common.py", "f'{event}_{PAST_TENSE[action]}'"): _decided,
    ("registry/services/common.py", "event"): _withdrawn,
    ("credentials/services.py", "action"): _status_bits,
    ("credit/services.py", "event"): _credit_decisions,
    ("qualification/services_applications.py", "action"): _cma_certificate_ends,
}


def _literals(expr: ast.expr) -> list[str] | None:
    """The actions an expression can take when it is made of literals only, else None."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.IfExp):
        body, orelse = _literals(expr.body), _literals(expr.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


@functools.cache
def written_actions() -> tuple[frozenset[str], tuple[str, ...]]:
    """Every action the code writes, and the writing calls this test cannot read."""
    found: set[str] = set()
    unread: list[str] = []
    for name, (under, where) in WRITERS.items():
        for path, call in _calls_of(name, under=under):
            if path == PLUMBING:
                continue
            expr = _argument(call, where)
            if expr is None:
                unread.append(f"{path}:{call.lineno}: {ast.unparse(call)[:80]}")
                continue
            literal = _literals(expr)
            if literal is not None:
                found.update(literal)
            elif (path, ast.unparse(expr)) in BUILT:
                found.update(BUILT[path, ast.unparse(expr)]())
            else:
                unread.append(f"{path}:{call.lineno}: action={ast.unparse(expr)}")
    return frozenset(found), tuple(unread)


def test_the_test_reads_every_call_that_writes_history():
    found, unread = written_actions()
    assert not unread, "actions built in a way this test does not know (add them to BUILT):\n" + "\n".join(unread)
    # The collection really reads the code: actions of every family are among them.
    assert {"certificate_suspended", "body_scope_granted", "organization_registered", "watchlist_created",
            "person_role_banned", "credential_suspension_cleared", "transfer_deemed_confirmed"} <= found


def test_every_action_the_code_writes_has_words_and_no_words_are_for_nothing():
    found, _unread = written_actions()
    assert sorted(found - set(ACTION_LABELS)) == [], "actions without words in certinel.core.actions"
    assert sorted(set(ACTION_LABELS) - found) == [], "words for actions the code never writes"


def _system_words_written() -> set[str]:
    """The reasons and signers the certificates' services write on their own: the `*_SIGNER`
    constants, and the literal reasons of `certificate_act` and `Action` (the fourth argument)."""
    from certinel.certificates import services, services_transfers

    found = {services.SYSTEM_SIGNER, services_transfers.TRANSFER_SIGNER}
    for name, where in (("certificate_act", "reason"), ("Action", 3)):
        for _path, call in _calls_of(name, under="certificates/"):
            expr = _argument(call, where)
            if isinstance(expr, ast.BoolOp):  # `given or "default"`
                expr = expr.values[-1]
            if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and CJK.search(expr.value):
                found.add(expr.value)
    return found


def test_the_words_the_system_writes_are_shown_in_the_readers_language():
    written = _system_words_written()
    assert {"有效期届满", "未按期接受监督审核", "信息更正"} <= written  # the collection reads the code
    assert sorted(written - set(SYSTEM_WORDS)) == [], "system words without a translation in SYSTEM_WORDS"
    with translation.override("en"):
        assert recorded("未按期接受监督审核") == "Surveillance audit not held in time"
        assert recorded("由获证组织申请暂停") == "由获证组织申请暂停"  # a person's reason is shown as given
        assert recorded(None) is None


def test_every_label_reads_in_chinese_and_in_english():
    untranslated = []
    for action, label in [*ACTION_LABELS.items(), *SYSTEM_WORDS.items(), ("(private)", PRIVATE_RECORD)]:
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        if not CJK.search(zh) or not en.strip() or CJK.search(en) or "_" in en:
            untranslated.append(f"{action}: zh={zh!r} en={en!r}")
    assert not untranslated, "\n".join(untranslated)


def test_an_action_without_words_is_shown_readably_never_raw():
    with translation.override("en"):
        assert action_label("certificate_suspended") == "Certificate suspended"
        assert action_label("some_new_thing") == "Some new thing"
        assert action_label("") == action_label(None) == "—"
    with translation.override("zh-hans"):
        assert action_label("certificate_suspended") == "证书暂停"
