"""`certinel verify FILE`: check an e-certificate file offline (or against a server).

FILE is a verification bundle (`….bundle.json`: the credential with its issuer's DID document
and status lists), or a credential whose bundle lies beside it (`X.json` and `X.bundle.json`),
or a credential checked with `--did-document`/`--status-list` files or `--server`. Nothing is
fetched unless `--server` is given; with it, the server is asked first and what the file
carries is the fallback.

Exit status: 0 only for a genuine, currently valid certificate; 1 for anything else (invalid,
tampered or not a credential at all, revoked, suspended, expired, or status unknown); 2 when a
file named on the command line cannot be read.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from certinel.credentials.bundle import Bundle, BundleError, bundle_beside, is_bundle, parse_bundle
from certinel.credentials.dataintegrity import parse_xsd_datetime
from certinel.credentials.did import (
    FROM_BUNDLE,
    BundleResolver,
    ChainResolver,
    DidResolutionError,
    DidResolver,
    WebResolver,
)
from certinel.credentials.verify import (
    FAIL,
    PASS,
    UNKNOWN,
    ChainStatusLists,
    Check,
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
HINT = ("提示 / Hint: 未能取得签发机构的 DID 文档或状态列表。请在证书页面下载核验包（certificate-….bundle.json），"
        "直接核验它或把它放在凭证文件旁边；或加 --server 地址联网核验。 / The issuer's DID document or status "
        "lists were not at hand: download the verification bundle from the certificate's page "
        "(certificate-….bundle.json) and check it, or put it beside the credential file; or check online with "
        "--server URL.")


class Unreadable(Exception):
    pass


class NotACredential(Exception):
    """FILE was read but holds no credential: a verdict of INVALID, not an input error."""


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
        parser.add_argument("file", help="a verification bundle (….bundle.json) or a credential JSON file")
        parser.add_argument("--bundle", metavar="FILE",
                            help="the verification bundle to check FILE with (default: X.bundle.json beside X.json)")
        parser.add_argument("--status-list", action="append", default=[], metavar="FILE",
                            help="a BitstringStatusListCredential file (repeatable)")
        parser.add_argument("--did-document", action="append", default=[], metavar="FILE",
                            help="a DID document (or a list of them) of the issuer (repeatable)")
        parser.add_argument("--server", metavar="URL",
                            help="fetch DID documents and status lists from this server (e.g. https://certs.example.cn)")
        parser.add_argument("--at", metavar="DATETIME", help="check validity at this time instead of now")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        self._bundle_path: str | None = None
        try:
            verdict = self._verify(options)
        except NotACredential as exc:
            verdict = Verdict("invalid", [Check("format", FAIL, "文件不是可读的电子证书（已损坏或被改动）",
                                                f"not a readable credential (damaged or altered): {exc}")])
        except Unreadable as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"valid": False, "status": "unreadable", "error": str(exc)},
                                             ensure_ascii=False, indent=2))
            else:
                self.stderr.write(str(exc))
            raise SystemExit(2) from None
        if options["json"]:
            self.stdout.write(json.dumps({**verdict.as_dict(), "bundle": self._bundle_path}, ensure_ascii=False,
                                         indent=2))
        else:
            self.stdout.write(self._human(options["file"], verdict))
        raise SystemExit(0 if verdict.valid else 1)

    def _read_file(self, options: dict[str, Any]) -> tuple[Any, Bundle | None]:
        """The credential in FILE and the bundle that carries what checking it needs."""
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise Unreadable(f"无法读取证书文件 / cannot read the credential file {path}: {exc}") from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise NotACredential(f"{path} is not JSON ({exc})") from exc
        if is_bundle(data):
            try:
                bundle = parse_bundle(data)
            except BundleError as exc:
                raise NotACredential(f"{path}: {exc}") from exc
            self._bundle_path = str(path)
            return bundle.credential, bundle
        beside = Path(options["bundle"]) if options["bundle"] else bundle_beside(
            path, data.get("id") if isinstance(data, dict) else None)
        if beside is None:
            return data, None
        carried = _read_json(str(beside), "核验包", "verification bundle")
        try:
            bundle = parse_bundle(carried)
        except BundleError as exc:
            raise Unreadable(f"核验包不可用 / unusable verification bundle {beside}: {exc}") from exc
        self._bundle_path = str(beside)
        return data, bundle

    def _verify(self, options: dict[str, Any]) -> Verdict:
        document, bundle = self._read_file(options)
        resolvers: list[DidResolver] = []
        sources: list[StatusListSource] = []
        if options["server"]:
            resolvers.append(WebResolver(server=options["server"]))
            sources.append(WebStatusLists(server=options["server"]))
        if options["did_document"]:
            for path in options["did_document"]:
                _read_json(path, " DID 文档", "DID document")
            try:
                resolvers.append(BundleResolver.from_files(options["did_document"]))
            except DidResolutionError as exc:
                raise Unreadable(str(exc)) from exc
        if options["status_list"]:
            sources.append(FileStatusLists(_read_json(p, "状态列表", "status list")
                                           for p in options["status_list"]))
        if bundle is not None:
            try:
                resolvers.append(BundleResolver(bundle.did_documents, source=FROM_BUNDLE))
            except DidResolutionError as exc:
                raise NotACredential(f"the verification bundle's DID documents: {exc}") from exc
            sources.append(FileStatusLists(bundle.status_lists, source=FROM_BUNDLE))
        now = None
        if options["at"]:
            now = parse_xsd_datetime(options["at"])
            if now is None:
                raise Unreadable(f"--at 须为带时区的时间 / --at must be a dateTime with a zone: {options['at']}")
        start_of_today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return verify_credential(document, resolver=ChainResolver(*resolvers),
                                 status_source=ChainStatusLists(*sources) if sources else None,
                                 now=now or dt.datetime.now(dt.UTC), fresh_since=start_of_today)

    def _human(self, path: str, verdict: Verdict) -> str:
        zh, en = VERDICTS[verdict.status]
        lines = ["电子证书核验 / Credential verification", f"文件 / File: {path}"]
        if self._bundle_path and self._bundle_path != path:
            lines.append(f"核验包 / Verification bundle: {self._bundle_path}")
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
        for note in verdict.notes:
            lines.append(f"注意 / Note: {note.zh} / {note.en}")
        if any(c.result == UNKNOWN and (c.name == "issuer" or c.name.startswith("status")) for c in verdict.checks):
            lines.append(HINT)
        return "\n".join(lines)
