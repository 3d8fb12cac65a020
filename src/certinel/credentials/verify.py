"""Verifying a Certinel e-certificate the way an outsider would: from the file alone, the
issuer's DID document and the status lists (carried with the credential in a verification
bundle, local files, or fetched from a server).

`verify_credential` never raises on bad input; it returns a `Verdict` made of named checks,
each with a Chinese and an English message, and notes on what the verdict rests on (material
carried with the file rather than fetched; a status list older than today).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import bitstring
from .dataintegrity import parse_xsd_datetime, verify_proof
from .did import (
    FROM_BUNDLE,
    FROM_FILE,
    FROM_SERVER,
    DidResolutionError,
    DidResolver,
    Fetch,
    answered_by,
    did_of,
    is_assertion_method,
    rebase_url,
    urllib_fetch,
    verification_method,
)
from .ldloader import VC_V2_CONTEXT, PinnedDocumentLoader

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
CLOCK_SKEW = dt.timedelta(minutes=5)
PURPOSE_LABELS = {"revocation": ("撤销", "revoked"), "suspension": ("暂停", "suspended")}


@dataclass
class Check:
    name: str
    result: str  # pass / fail / unknown
    zh: str
    en: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Verdict:
    """`valid` only when every check passed; `status` says why not."""

    status: str  # valid / invalid / unknown
    checks: list[Check]
    credential_id: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def as_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "status": self.status, "credentialId": self.credential_id,
                "issuer": self.issuer, "issuerName": self.issuer_name, "summary": self.summary,
                "checks": [asdict(c) for c in self.checks], "notes": [asdict(n) for n in self.notes]}


@dataclass
class Note:
    """What a verdict rests on, said beside it (it does not change the verdict)."""

    name: str
    zh: str
    en: str


class StatusListSource(Protocol):
    def get(self, url: str) -> dict[str, Any]: ...


class StatusListUnavailable(Exception):
    pass


class FileStatusLists:
    """Status list credentials from local files or a verification bundle, found by their `id`."""

    def __init__(self, documents: Iterable[dict[str, Any]] = (), *, source: str = FROM_FILE) -> None:
        self.source = source
        self._docs = {d.get("id"): d for d in documents if isinstance(d, dict)}

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> FileStatusLists:
        return cls(json.loads(Path(p).read_text(encoding="utf-8")) for p in paths)

    def get(self, url: str) -> dict[str, Any]:
        if url not in self._docs:
            raise StatusListUnavailable(f"no status list file given for {url}")
        return self._docs[url]


class WebStatusLists:
    """Status list credentials fetched from their URL (or from `server` instead of their host)."""

    source = FROM_SERVER

    def __init__(self, *, fetch: Fetch | None = None, server: str | None = None) -> None:
        self._fetch, self._server = fetch or urllib_fetch, server

    def get(self, url: str) -> dict[str, Any]:
        target = rebase_url(url, self._server)
        try:
            return json.loads(self._fetch(target))
        except Exception as exc:
            raise StatusListUnavailable(f"cannot fetch {target}: {exc}") from exc


class ChainStatusLists:
    """Try sources in order; `answered` says which one gave each list."""

    def __init__(self, *sources: StatusListSource) -> None:
        self._sources = sources
        self.answered: dict[str, str | None] = {}

    def get(self, url: str) -> dict[str, Any]:
        errors = []
        for source in self._sources:
            try:
                document = source.get(url)
            except StatusListUnavailable as exc:
                errors.append(str(exc))
                continue
            self.answered[url] = _source_of(source, url)
            return document
        raise StatusListUnavailable("; ".join(errors) or f"no status source for {url}")


def _source_of(source: Any, url: str) -> str | None:
    if isinstance(source, ChainStatusLists):
        return source.answered.get(url)
    return getattr(source, "source", None)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _check_shape(document: Any) -> Check:
    problems = []
    if not isinstance(document, dict):
        return Check("format", FAIL, "不是 JSON 对象", "not a JSON object")
    ctx = document.get("@context")
    if not (isinstance(ctx, list) and ctx and ctx[0] == VC_V2_CONTEXT):
        problems.append(f"first @context must be {VC_V2_CONTEXT}")
    types = document.get("type")
    if not (isinstance(types, list) and "VerifiableCredential" in types):
        problems.append("type must include VerifiableCredential")
    if _issuer_id(document) is None:
        problems.append("issuer id missing")
    if not isinstance(document.get("credentialSubject"), dict | list):
        problems.append("credentialSubject missing")
    if problems:
        return Check("format", FAIL, "不是 W3C 可验证凭证 2.0 格式", "; ".join(problems))
    return Check("format", PASS, "W3C 可验证凭证 2.0 格式", "W3C Verifiable Credential 2.0")


@dataclass
class _KeyCheck:
    checks: list[Check]
    public_key: str | None = None


def _check_key(document: dict[str, Any], resolver: DidResolver) -> _KeyCheck:
    """Issuer is the controller of the proof's key; the key is an assertion method of the
    issuer's DID and was not compromised when the proof says it was made."""
    issuer = _issuer_id(document) or ""
    proof = _obj(document.get("proof"))
    vm_id = proof.get("verificationMethod") if isinstance(proof.get("verificationMethod"), str) else ""
    if not vm_id or did_of(vm_id) != issuer:
        return _KeyCheck([Check("issuer", FAIL, "签名密钥不属于签发机构",
                                f"the proof's key {vm_id!r} does not belong to the issuer {issuer!r}")])
    try:
        did_doc = resolver.resolve(issuer)
    except DidResolutionError as exc:
        return _KeyCheck([Check("issuer", UNKNOWN, "无法获取签发机构的 DID 文档",
                                f"cannot resolve the issuer's DID document: {exc}")])
    vm = verification_method(did_doc, vm_id)
    if vm is None or vm.get("controller") != issuer or vm.get("type") != "Multikey":
        return _KeyCheck([Check("issuer", FAIL, "签发机构的 DID 文档中没有该密钥",
                                f"{vm_id} is not a Multikey controlled by {issuer} in its DID document")])
    source = answered_by(resolver, issuer)
    checks = [Check("issuer", PASS, "签名密钥属于签发机构" + SOURCE_ZH.get(source, ""),
                    f"key {vm_id} is controlled by the issuer" + SOURCE_EN.get(source, ""),
                    {"source": source, "publicKeyMultibase": vm.get("publicKeyMultibase")})]
    revoked = parse_xsd_datetime(vm["revoked"]) if isinstance(vm.get("revoked"), str) else None
    created = parse_xsd_datetime(proof.get("created", "")) if isinstance(proof.get("created"), str) else None
    if revoked is not None:
        after = created is None or created >= revoked
        checks.append(Check(
            "key", FAIL,
            ("签名晚于密钥泄露时间" if after else "签名密钥其后已泄露，证书须由机构重新签发") + f"（{vm['revoked']}）",
            (f"signed at or after the key was compromised ({vm['revoked']})" if after else
             f"the key was compromised since {vm['revoked']}; the body must re-issue this credential"),
            {"revoked": vm["revoked"], "created": proof.get("created")}))
    elif not is_assertion_method(did_doc, vm_id):
        checks.append(Check("key", FAIL, "该密钥未被授权签发证书",
                            f"{vm_id} is not an assertion method of {issuer}"))
    else:
        checks.append(Check("key", PASS, "签名密钥有效且未被吊销", "the key is authorised and not revoked"))
    return _KeyCheck(checks, vm.get("publicKeyMultibase"))


def _check_signature(document: dict[str, Any], public_key: str | None,
                     loader: PinnedDocumentLoader | None) -> Check:
    if public_key is None:
        return Check("signature", UNKNOWN, "无法核验签名（缺少公钥）", "signature not checked: no public key")
    result = verify_proof(document, public_key=public_key, loader=loader)
    if result.ok:
        return Check("signature", PASS, "签名正确，内容未被篡改",
                     f"signature valid ({result.cryptosuite}), content unchanged", {"created": result.created})
    return Check("signature", FAIL, "签名无效：内容或签名被改动，或密钥不符", "; ".join(result.reasons))


def _check_dates(document: dict[str, Any], now: dt.datetime) -> Check:
    raw_from, raw_until = document.get("validFrom"), document.get("validUntil")
    start = parse_xsd_datetime(raw_from) if raw_from is not None else None
    end = parse_xsd_datetime(raw_until) if raw_until is not None else None
    if (raw_from is not None and start is None) or (raw_until is not None and end is None):
        return Check("dates", FAIL, "有效期格式错误", "validFrom/validUntil is not a valid dateTime")
    if start is not None and now < start:
        return Check("dates", FAIL, f"尚未生效（生效时间 {raw_from}）", f"not yet valid (validFrom {raw_from})")
    if end is not None and now > end:
        return Check("dates", FAIL, f"已过有效期（{raw_until}）", f"expired (validUntil {raw_until})")
    return Check("dates", PASS, "在有效期内", "within its validity period",
                 {"validFrom": raw_from, "validUntil": raw_until})


def _status_list_problem(status_list: dict[str, Any], *, issuer: str, purpose: str, resolver: DidResolver,
                         loader: PinnedDocumentLoader | None) -> str | None:
    """Why a status list credential cannot be trusted, or None."""
    if _issuer_id(status_list) != issuer:
        return "status list issued by someone else"
    if "BitstringStatusListCredential" not in (status_list.get("type") or []):
        return "not a BitstringStatusListCredential"
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
        return "status list purpose does not match"
    key = _check_key(status_list, resolver)
    problems = [c for c in key.checks if c.result != PASS]
    if problems:
        return problems[0].en
    if _check_signature(status_list, key.public_key, loader).result != PASS:
        return "status list signature invalid"
    # A status list tells the status as published: its dates are checked against the real
    # clock (with five minutes of skew), whatever moment the credential is checked at.
    real_now = dt.datetime.now(dt.UTC)
    start, end = (parse_xsd_datetime(status_list.get(k) or "") for k in ("validFrom", "validUntil"))
    if (status_list.get("validFrom") and start is None) or (status_list.get("validUntil") and end is None):
        return "status list dates are malformed"
    if (start and start > real_now + CLOCK_SKEW) or (end and end < real_now - CLOCK_SKEW):
        return "status list outside its validity period"
    return None


def _check_status(document: dict[str, Any], *, resolver: DidResolver, source: StatusListSource | None,
                  loader: PinnedDocumentLoader | None, fresh_since: dt.datetime | None = None) -> list[Check]:
    entries = document.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries] if entries else []
    if not entries:
        return [Check("status", UNKNOWN, "证书未声明状态列表，无法确认是否被撤销",
                      "no credentialStatus: revocation cannot be checked")]
    checks = []
    for entry in entries:
        try:
            url, purpose, index = bitstring.parse_status_entry(entry)
        except bitstring.StatusListError as exc:
            checks.append(Check("status", FAIL, "状态条目格式错误", str(exc)))
            continue
        name = f"status:{purpose}"
        label = PURPOSE_LABELS.get(purpose, (purpose, purpose))
        if source is None:
            checks.append(Check(name, UNKNOWN, f"未提供状态列表，无法确认是否{label[0]}",
                                f"no status list given: cannot tell whether it is {label[1]}", {"list": url}))
            continue
        came_from = None
        try:
            status_list = source.get(url)
            problem = _status_list_problem(status_list, issuer=_issuer_id(document) or "", purpose=purpose,
                                           resolver=resolver, loader=loader)
            if problem:
                checks.append(Check(name, FAIL, "状态列表不可信", f"status list {url}: {problem}"))
                continue
            value = bitstring.bit(bitstring.decode_bits(status_list["credentialSubject"]["encodedList"]), index)
            came_from = _source_of(source, url)
        except (StatusListUnavailable, bitstring.StatusListError, KeyError, TypeError) as exc:
            checks.append(Check(name, UNKNOWN, f"无法读取状态列表，不能确认是否{label[0]}",
                                f"status list unavailable: {exc}", {"list": url}))
            continue
        published = status_list.get("validFrom")
        when = parse_xsd_datetime(published) if isinstance(published, str) else None
        stale = came_from != FROM_SERVER and fresh_since is not None and when is not None and when < fresh_since
        where_zh, where_en = SOURCE_ZH.get(came_from, ""), SOURCE_EN.get(came_from, "")
        checks.append(Check(name, FAIL if value else PASS,
                            f"已{label[0]}" if value else f"未{label[0]}（状态列表发布于 {published}{where_zh}）",
                            label[1] if value else f"not {label[1]} (status list published {published}{where_en})",
                            {"list": url, "index": index, "published": published, "source": came_from,
                             "stale": stale}))
    return checks


# How a check names where its material came from.
SOURCE_ZH: dict[str | None, str] = {FROM_BUNDLE: "，取自随证书携带的核验包", FROM_FILE: "，取自给定的文件",
                                    FROM_SERVER: "，取自服务器"}
SOURCE_EN: dict[str | None, str] = {FROM_BUNDLE: ", carried with the credential in its verification bundle",
             FROM_FILE: ", from the file given", FROM_SERVER: ", fetched from the server"}


def _notes(checks: list[Check]) -> list[Note]:
    """What a reader should know about the material the verdict rests on."""
    notes = []
    issuer = next((c for c in checks if c.name == "issuer" and c.result == PASS), None)
    if issuer is not None and issuer.details.get("source") in (FROM_BUNDLE, FROM_FILE):
        key = issuer.details.get("publicKeyMultibase")
        notes.append(Note(
            "issuer_offline",
            f"签发机构的公钥（{key}）取自随文件提供的 DID 文档，未向签发机构核对：签名证明内容未被改动且由该密钥签署；"
            "若要排除整份文件连同 DID 文档一并伪造，请联网核验一次（--server），"
            "或与签发机构公布的 DID 文档核对该公钥。",
            f"the issuer's public key ({key}) comes from the DID document provided with the file, not from "
            "the issuer: the signature proves the content is unchanged and signed by that key; to rule out a "
            "file forged together with its DID document, check once online (--server) or compare the key with "
            "the DID document the issuer publishes."))
    stale = [c for c in checks if c.name.startswith("status:") and c.details.get("stale")]
    if stale:
        published = min(str(c.details.get("published")) for c in stale)
        notes.append(Note(
            "status_as_of",
            f"状态截至 {published}：随文件携带的状态列表早于今天，此后的暂停或撤销不会反映在这里；"
            "今天的状态请联网核验（--server）或打开证书的核验页面。",
            f"status as of {published}: the status list carried with the file is older than today, so a "
            "suspension or revocation since then does not show here; for today's status check online "
            "(--server) or open the certificate's verification page."))
    return notes


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    subject = _obj(document.get("credentialSubject"))
    holder, scheme = _obj(subject.get("certificateHolder")), _obj(subject.get("scheme"))
    out = {"certificateNumber": subject.get("certificateNumber"), "holder": holder.get("name"),
           "scheme": scheme.get("name"), "standard": subject.get("standard"),
           "validFrom": document.get("validFrom"), "validUntil": document.get("validUntil")}
    return {k: v for k, v in out.items() if v}


def verify_credential(document: Any, *, resolver: DidResolver, status_source: StatusListSource | None = None,
                      now: dt.datetime | None = None, loader: PinnedDocumentLoader | None = None,
                      fresh_since: dt.datetime | None = None) -> Verdict:
    """Check signature, issuer and key, key status, validity dates and status. A status list
    not fetched from a server and published before `fresh_since` (the start of today, say)
    gets a note that the status is only known as of its date."""
    now = now or dt.datetime.now(dt.UTC)
    shape = _check_shape(document)
    if shape.result != PASS:
        return Verdict("invalid", [shape])
    key = _check_key(document, resolver)
    checks = [shape, *key.checks, _check_signature(document, key.public_key, loader), _check_dates(document, now),
              *_check_status(document, resolver=resolver, source=status_source, loader=loader,
                             fresh_since=fresh_since)]
    results = {c.result for c in checks}
    status = "invalid" if FAIL in results else "unknown" if UNKNOWN in results else "valid"
    issuer = document.get("issuer")
    return Verdict(status, checks, credential_id=document.get("id"), issuer=_issuer_id(document),
                   issuer_name=issuer.get("name") if isinstance(issuer, dict) else None, summary=_summary(document),
                   notes=_notes(checks) if status != "invalid" else [])
