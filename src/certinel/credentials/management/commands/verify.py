"""`certinel verify FILE`: check an e-certificate file offline (or against a server).

Exit status: 0 only for a genuine, currently valid certificate; 1 for anything else (invalid,
revoked, suspended, expired, or status unknown); 2 when an input cannot be read.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from certinel.credentials.dataintegrity import parse_xsd_datetime
from certinel.credentials.did import BundleResolver, ChainResolver, DidResolutionError, DidResolver, WebResolver
from certinel.credentials.verify import (
    FAIL,
    PASS,
    ChainStatusLists,
    FileStatusLists,
    StatusListSource,
    Verdict,
    WebStatusLists,
    verify_credential,
)

VERDICTS = {
    "valid": ("有效：证书真实，当前有效", "VALID: genuine and currently valid"),
    "invalid": ("无效：证书不可信或已失效", "INVALID: not genuine, or no longer valid"),
    "unknown": ("无法确认：签名或状态未能核验", "UNKNOWN: could not check everything"),
}
SUMMARY_LABELS = {
    "certificateNumber": "证书编号 / Number", "holder": "获证组织 / Holder", "scheme": "认证项目 / Scheme",
    "standard": "依据标准 / Standard", "validFrom": "生效 / Valid from", "validUntil": "截止 / Valid until",
}
MARKS = {PASS: "通过 PASS", FAIL: "失败 FAIL", "unknown": "未知 ????"}


class Unreadable(Exception):
    pass


def _read_json(path: str, zh: str, en: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"无法读取{zh} / cannot read the {en} {path}: {exc}") from exc


class Command(BaseCommand):
    help = "核验电子证书文件（签名、签发机构与密钥、状态、有效期） / Verify an e-certificate file."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="credential JSON file")
        parser.add_argument("--status-list", action="append", default=[], metavar="FILE",
                            help="a BitstringStatusListCredential file (repeatable)")
        parser.add_argument("--did-document", action="append", default=[], metavar="FILE",
                            help="a DID document (or a list of them) of the issuer (repeatable)")
        parser.add_argument("--server", metavar="URL",
                            help="fetch DID documents and status lists from this server (e.g. https://certs.example.cn)")
        parser.add_argument("--at", metavar="DATETIME", help="check validity at this time instead of now")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            verdict = self._verify(options)
        except Unreadable as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"valid": False, "status": "unreadable", "error": str(exc)},
                                             ensure_ascii=False, indent=2))
            else:
                self.stderr.write(str(exc))
            raise SystemExit(2) from None
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self._human(options["file"], verdict))
        raise SystemExit(0 if verdict.valid else 1)

    def _verify(self, options: dict[str, Any]) -> Verdict:
        document = _read_json(options["file"], "证书文件", "credential file")
        resolvers: list[DidResolver] = []
        if options["did_document"]:
            for path in options["did_document"]:
                _read_json(path, " DID 文档", "DID document")
            try:
                resolvers.append(BundleResolver.from_files(options["did_document"]))
            except DidResolutionError as exc:
                raise Unreadable(str(exc)) from exc
        sources: list[StatusListSource] = []
        if options["status_list"]:
            sources.append(FileStatusLists(_read_json(p, "状态列表", "status list")
                                           for p in options["status_list"]))
        if options["server"]:
            resolvers.append(WebResolver(server=options["server"]))
            sources.append(WebStatusLists(server=options["server"]))
        now = None
        if options["at"]:
            now = parse_xsd_datetime(options["at"])
            if now is None:
                raise Unreadable(f"--at 须为带时区的时间 / --at must be a dateTime with a zone: {options['at']}")
        return verify_credential(document, resolver=ChainResolver(*resolvers),
                                 status_source=ChainStatusLists(*sources) if sources else None,
                                 now=now or dt.datetime.now(dt.UTC))

    def _human(self, path: str, verdict: Verdict) -> str:
        zh, en = VERDICTS[verdict.status]
        lines = ["电子证书核验 / Credential verification", f"文件 / File: {path}"]
        if verdict.credential_id:
            lines.append(f"证书标识 / Credential: {verdict.credential_id}")
        if verdict.issuer:
            name = f"{verdict.issuer_name} " if verdict.issuer_name else ""
            lines.append(f"签发机构 / Issuer: {name}({verdict.issuer})")
        for key, value in verdict.summary.items():
            lines.append(f"{SUMMARY_LABELS.get(key, key)}: {value}")
        lines.append("")
        for check in verdict.checks:
            lines.append(f"  [{MARKS.get(check.result, check.result)}] {check.zh} / {check.en}")
        lines += ["", f"结论 / Verdict: {zh} / {en}"]
        return "\n".join(lines)
