"""The pages in English speak English: on a small demo, every main page, public and signed in,
is rendered in English, and no text of the page's own (labels, headings, buttons, table
headers, messages, titles and tooltips) may be Chinese, and no identifier of the history
(`certificate_suspended` …) may show. What the register holds is data and may be Chinese
(names, addresses, reasons, the names of reference codes that have no English name);
reference names that do have an English name must be shown in English. An element that
declares itself Chinese (`lang="zh-…"`, the language switch) is exempt.

Given a demo, when each page is opened in English, then its own words are English."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.utils import timezone, translation

from certinel.accounts.models import User
from certinel.certificates.models import Certificate
from certinel.core.actions import ACTION_LABELS, SYSTEM_WORDS
from certinel.core.actor import Actor
from certinel.core.models import ChangeRecord
from certinel.registry.models import CertificationBody, Lab, Organization

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[4] / "docs" / "samples"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Search examples that the English help texts quote on purpose.
QUOTED = ("科技", "机械")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
SKIPPED = {"script", "style", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# --- Reading a page -------------------------------------------------------------------------


class Texts(HTMLParser):
    """The text a reader sees (text nodes, the document's title, tooltips, placeholders),
    without what is inside an element that declares a Chinese `lang`."""

    def __init__(self, *, exempt_chinese: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.exempt_chinese = exempt_chinese
        self.stack: list[tuple[str, bool]] = []  # (tag, inside a Chinese element or a skipped one)
        self.texts: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # Chinese on purpose: an element in a declared Chinese `lang`, or Chinese offered by its
        # own name in a choice of languages.
        chinese = self.exempt_chinese and ((values.get("lang") or "").lower().startswith("zh") or (
            tag == "option" and (values.get("value") or "").lower().startswith("zh")))
        hidden = self._hidden() or chinese or tag in SKIPPED
        if not hidden:
            self.texts += [values[a] or "" for a in SHOWN_ATTRIBUTES if values.get(a)]
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._hidden():
            values = dict(attrs)
            self.texts += [values[a] or "" for a in SHOWN_ATTRIBUTES if values.get(a)]

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._hidden():
            self.texts.append(data.strip())


def texts_of(html: str, *, exempt_chinese: bool = True) -> list[str]:
    parser = Texts(exempt_chinese=exempt_chinese)
    parser.feed(html)
    return parser.texts


# --- What the register holds ----------------------------------------------------------------


def _leaves(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)


def _strings(model: type[models.Model], *, translated_names: bool) -> Iterator[str]:
    fields = [f.name for f in model._meta.concrete_fields
              if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
    english = "name_en" in fields
    for row in model.objects.values(*fields).iterator():
        for name, value in row.items():
            # A reference name with an English name is a label that has a translation.
            if english and name == "name" and row["name_en"] and not translated_names:
                continue
            if isinstance(value, str):
                yield value
            elif value is not None:
                yield from _leaves(value if not isinstance(value, str) else json.loads(value))


class Data:
    """Every Chinese string the database holds, found inside a text by its first characters."""

    def __init__(self, values: Iterable[str]) -> None:
        self.by_start: dict[str, list[str]] = defaultdict(list)
        for value in {v.strip() for v in values if v and CJK.search(v)}:
            self.by_start[value[:2]].append(value)
        for group in self.by_start.values():
            group.sort(key=len, reverse=True)

    def uncovered(self, text: str) -> str:
        """The Chinese characters of `text` that are not part of a value of the database."""
        left, i = [], 0
        while i < len(text):
            found = next((v for key in (text[i:i + 2], text[i]) for v in self.by_start.get(key, ())
                          if text.startswith(v, i)), None)
            if found:
                i += len(found)
                continue
            if CJK.match(text[i]):
                left.append(text[i])
            i += 1
        return "".join(left)


def _data(*, translated_names: bool) -> Data:
    """The database's strings, less the words the system writes on its own (SYSTEM_WORDS),
    which must be shown translated."""
    from certinel.certificates.io.cells import _STATUS_NAMES
    from certinel.certificates.io.columns import COLUMNS

    # The words of the import file's format (its Chinese headers, examples and status names)
    # and the search examples the help texts quote.
    values: list[str] = [*(c.zh for c in COLUMNS), *(c.example for c in COLUMNS), *_STATUS_NAMES, *QUOTED]
    for model in apps.get_models():
        if model._meta.app_label in {"registry", "certificates", "reference", "core", "accounts", "watch",
                                     "credentials"}:
            values += _strings(model, translated_names=translated_names)
    # The history's before and after, which its leaves hold (and PrivateDetail for some).
    for record in ChangeRecord.objects.order_by().iterator():
        for value in (record.before, record.after):
            if value is not None:
                values += _leaves(value)
    return Data(v for v in values if v not in SYSTEM_WORDS)


# --- The demo -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """A small demo (committed), then a suspension and a buyer's watchlist through the
    services; removed again afterwards."""
    from certinel.certificates.services import certificate_suspend, certificates_tick
    from certinel.watch.services import watchlist_create

    with django_db_blocker.unblock():
        try:
            call_command("demo", "--no-serve", "--organizations", "150", stdout=io.StringIO())
            cb = User.objects.get(username="demo-cb")
            cert = Certificate.objects.filter(body=cb.body, status="valid").order_by("pk").first()
            certificate_suspend(actor=Actor.for_user(cb), certificate=cert,
                                until=timezone.localdate() + dt.timedelta(days=30),
                                reason="suspended at the holder's request", signed_by="Wang")
            certificates_tick()  # expiries and missed surveillance, with the system's own reasons
            assert ChangeRecord.objects.filter(reason__in=list(SYSTEM_WORDS)).exists()
            org_user = User.objects.get(username="demo-org")
            watchlist, _secret = watchlist_create(actor=Actor.for_user(org_user), name="Main suppliers",
                                         email="buyer@example.org")
            yield {"suspended": cert.pk, "watchlist": watchlist.pk,
                   "strict": _data(translated_names=False), "lenient": _data(translated_names=True)}
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(built, db):
    return built


def english(username: str | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def _pages(demo) -> dict[str | None, list[str]]:
    cb = User.objects.get(username="demo-cb").body
    org = User.objects.get(username="demo-org").organization
    lab = User.objects.get(username="demo-lab").lab
    suspended = Certificate.objects.get(pk=demo["suspended"])
    renamed = Organization.objects.filter(former_names__isnull=False).first() or org
    body = CertificationBody.objects.exclude(pk=cb.pk).order_by("pk").first()
    other_lab = Lab.objects.exclude(pk=lab.pk).order_by("pk").first()
    return {
        None: ["/", "/search/?q=科技", "/bodies/", f"/bodies/{body.approval_no}/", "/labs/",
               f"/labs/{other_lab.cma_no}/", "/organizations/", f"/organizations/{renamed.uscc}/",
               "/certificates/", "/certificates/?status=suspended", f"/certificates/{suspended.pk}/",
               f"/bodies/{cb.approval_no}/certificates/", "/verify/",
               f"/verify/{suspended.number}?holder={suspended.holder_name}",
               f"/verify/{suspended.number}?holder=Example+Trading", "/verify/XX00000000000?holder=Example+Trading",
               "/log/", "/login/"],
        "demo-province": ["/changes/", "/changes/?days=90&kind=body", f"/bodies/{cb.approval_no}/decide/",
                          f"/labs/{lab.cma_no}/decide/", f"/bodies/{cb.approval_no}/"],
        "demo-cb": ["/report/", "/account/api-keys/", f"/bodies/{cb.approval_no}/", "/changes/", "/transfers/"],
        "demo-lab": [f"/labs/{lab.cma_no}/", "/changes/"],
        "demo-org": ["/watch/", f"/watch/{demo['watchlist']}/", f"/organizations/{org.uscc}/",
                     f"/organizations/{org.uscc}/edit/", f"/organizations/{org.uscc}/certificates/", "/changes/",
                     "/transfers/"],
    }


def _admin_pages() -> dict[str, list[str]]:
    """The back office's index, every list, an add form and a record of the history."""
    from django.contrib import admin
    from django.urls import reverse

    lists = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    record = ChangeRecord.objects.filter(action="certificate_suspended").latest("pk")
    return {"demo-admin": ["/admin/", *lists, reverse("admin:registry_organization_add"),
                           reverse("admin:core_changerecord_change", args=[record.pk])],
            "demo-province": ["/admin/", "/admin/core/changerecord/", "/admin/registry/lab/"]}


def _problems(client: Client, path: str, data: Data, identifiers: set[str]) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    out = []
    for text in texts_of(response.content.decode()):
        left = data.uncovered(text) if CJK.search(text) else ""
        if left:
            out.append(f"{path}: Chinese in English: {text[:100]!r} ({left})")
        raw = identifiers & set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text))
        if raw:
            out.append(f"{path}: raw identifier {sorted(raw)} in {text[:100]!r}")
    return out


def _identifiers() -> set[str]:
    return set(ChangeRecord.objects.values_list("action", flat=True).distinct()) | set(ACTION_LABELS)


# --- The tests ------------------------------------------------------------------------------


def test_every_main_page_in_english_has_no_chinese_words_of_its_own_and_no_identifiers(demo):
    identifiers = _identifiers()
    problems: list[str] = []
    for username, paths in _pages(demo).items():
        client = english(username)
        for path in paths:
            problems += _problems(client, path, demo["strict"], identifiers)
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_back_office_in_english_has_no_chinese_words_of_its_own_and_no_identifiers(demo):
    """The back office shows reference records by their register names (data); its own
    words and the history's events must be English."""
    identifiers = _identifiers()
    problems: list[str] = []
    for username, paths in _admin_pages().items():
        client = english(username)
        for path in paths:
            problems += _problems(client, path, demo["lenient"], identifiers)
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_log_names_public_events_in_words_and_private_records_only_as_private(demo):
    page = english().get("/log/").content.decode()
    texts = texts_of(page)
    assert "Private record (commitment only)" in texts  # the watchlist created last
    assert "Certificate suspended" in texts
    assert not {"Watchlist created", "watchlist_created", "certificate_suspended"} & set(texts)
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/log/").content.decode()
    assert "非公开记录（仅承诺值）" in chinese and "证书暂停" in chinese and "关注清单创建" not in chinese


def test_the_certificate_page_names_its_events_in_words(demo):
    cert = Certificate.objects.get(pk=demo["suspended"])
    texts = texts_of(english().get(f"/certificates/{cert.pk}/").content.decode())
    assert "Certificate suspended" in texts and "Certificate issued" in texts
    assert not {"certificate_suspended", "certificate_issued"} & set(texts)
    # A change the system made on its own: its reason and signer in English too.
    ticked = ChangeRecord.objects.filter(reason__in=list(SYSTEM_WORDS), content_type__model="certificate").first()
    page = " ".join(texts_of(english().get(f"/certificates/{ticked.object_id}/").content.decode()))
    with translation.override("en"):
        reason = str(SYSTEM_WORDS[ticked.reason])
    assert f"Reason: {reason}" in page and "Signed by the system (automatic, on schedule)" in page
    assert ticked.reason not in page and "系统" not in page


def test_the_changes_page_names_events_in_words_in_both_languages(demo):
    for language, words in (("en", "Certificate suspended"), ("zh-hans", "证书暂停")):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(User.objects.get(username="demo-cb"))
        response = client.get("/changes/")
        assert response.status_code == 200, (language, response.status_code)
        texts = texts_of(response.content.decode(), exempt_chinese=False)
        assert words in texts and "certificate_suspended" not in texts


def test_a_resent_file_says_nothing_changed_in_english(demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = english("demo-cb")
    shown, problems = [], []
    for _ in range(2):
        upload = SimpleUploadedFile("sample.csv", (SAMPLES / "certificates-sample.csv").read_bytes())
        response = client.post("/report/", {"file": upload, "mode": "write"})
        assert response.status_code == 302, response.content.decode()[:2000]
        shown.append(" ".join(texts_of(client.get(response["Location"]).content.decode())))
        problems += _problems(client, response["Location"], _data(translated_names=False), _identifiers())
    assert not problems, "\n".join(problems)
    assert "All data written: 6 created, 0 updated, 0 unchanged." in shown[0]
    assert "Nothing changed: all 6 certificates already match the register; nothing was written." in shown[1]
    assert "All data written" not in shown[1]
