"""Watchlist services: who may do what, checks of codes and channels, imports that take all
or nothing, secrets at rest, history. Given / when / then; all names and codes fictional."""

from __future__ import annotations

import io
import random

import pytest

from certinel.core.actor import Actor
from certinel.core.errors import NotFound, NotPermitted, ValidationFailed
from certinel.core.history import history_for
from certinel.core.testing.builders import SYSTEM
from certinel.reference.generators import make_uscc
from certinel.watch import services
from certinel.watch.io import read_codes
from certinel.watch.models import WatchItem, Watchlist

RNG = random.Random(7)


def codes(n: int) -> list[str]:
    return [make_uscc("320102", RNG) for _ in range(n)]


@pytest.fixture
def mine(buyer) -> Watchlist:
    watchlist, _secret = services.watchlist_create(actor=Actor.for_user(buyer), name="主要供应商",
                                                   email="buyer@example.com")
    return watchlist


def test_create_and_history(buyer):
    watchlist, secret = services.watchlist_create(actor=Actor.for_user(buyer), name=" 电子元器件 ",
                                                  email="buyer@example.com")
    assert (watchlist.name, watchlist.owner_id, secret, watchlist.language) == ("电子元器件", buyer.pk, None, "zh-hans")
    record = history_for(watchlist).get()
    assert record.action == "watchlist_created" and record.actor_label == buyer.username
    assert record.after["email"].startswith("hmac-sha256:")        # personal data kept as a hash
    assert "webhook_secret" not in record.after


def test_anonymous_and_system_cannot_make_watchlists(db):
    with pytest.raises(NotPermitted):
        services.watchlist_create(actor=SYSTEM, name="x")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": " "}, "name"),
    ({"name": "x", "email": "not-an-address"}, "email"),
    ({"name": "x", "webhook_url": "ftp://example.com/hook"}, "webhook_url"),
    ({"name": "x", "webhook_url": "http://example.com/hook"}, "webhook_url"),
    ({"name": "x", "webhook_url": "https://127.0.0.1/hook"}, "webhook_url"),
    ({"name": "x", "webhook_url": "https://10.1.2.3/hook"}, "webhook_url"),
    ({"name": "x", "webhook_url": "https://169.254.169.254/latest"}, "webhook_url"),
    ({"name": "x", "webhook_url": "https://user:pw@example.com/hook"}, "webhook_url"),
    ({"name": "x", "webhook_url": "https://[::1]/hook"}, "webhook_url"),
])
def test_bad_settings_are_refused(buyer, kwargs, field):
    with pytest.raises(ValidationFailed) as err:
        services.watchlist_create(actor=Actor.for_user(buyer), **kwargs)
    assert err.value.errors[0].field == field
    assert not Watchlist.objects.exists()


def test_local_http_webhooks_only_when_allowed(buyer, settings):
    settings.CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS = True
    watchlist, secret = services.watchlist_create(actor=Actor.for_user(buyer), name="本地测试",
                                                  webhook_url="http://127.0.0.1:8765/hook")
    assert secret.startswith("whsec_") and watchlist.has_secret


def test_the_demo_takes_a_receiver_on_this_machine(settings):
    """`certinel demo` serves with DEBUG off; trying webhooks there means a local receiver."""
    from certinel.watch.webhooks import WebhookRefused, check_url

    settings.DEBUG, settings.CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS = False, False
    settings.CERTINEL_DEMO = False
    with pytest.raises(WebhookRefused):
        check_url("http://127.0.0.1:8302/hook")
    settings.CERTINEL_DEMO = True
    assert check_url("http://127.0.0.1:8302/hook") == "http://127.0.0.1:8302/hook"


def test_webhook_secret_is_encrypted_and_bound_to_its_watchlist(buyer, settings):
    settings.CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS = True
    first, secret = services.watchlist_create(actor=Actor.for_user(buyer), name="一", webhook_url="http://127.0.0.1/h")
    second, _ = services.watchlist_create(actor=Actor.for_user(buyer), name="二", webhook_url="http://127.0.0.1/h")
    first.refresh_from_db()
    assert secret.encode() not in bytes(first.webhook_secret)
    assert services.watchlist_secret(first) == secret.encode()
    # The ciphertext of one watchlist does not open on another.
    second.webhook_secret, second.webhook_secret_kek = first.webhook_secret, first.webhook_secret_kek
    from certinel.credentials.keycrypt import KeyDecryptionError

    with pytest.raises(KeyDecryptionError):
        services.watchlist_secret(second)


def test_rotating_the_secret_replaces_it(buyer, settings):
    settings.CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS = True
    watchlist, old = services.watchlist_create(actor=Actor.for_user(buyer), name="一", webhook_url="http://127.0.0.1/h")
    new = services.watchlist_rotate_secret(actor=Actor.for_user(buyer), watchlist=watchlist)
    watchlist.refresh_from_db()
    assert new != old and services.watchlist_secret(watchlist) == new.encode()
    assert history_for(watchlist).filter(action="watchlist_secret_rotated").count() == 1


def test_update_adds_a_secret_with_the_first_webhook(buyer, mine, settings):
    settings.CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS = True
    watchlist, secret = services.watchlist_update(actor=Actor.for_user(buyer), watchlist=mine,
                                                  webhook_url="http://127.0.0.1:9/h", name="改名")
    assert secret and watchlist.name == "改名"
    _, again = services.watchlist_update(actor=Actor.for_user(buyer), watchlist=mine, email="")
    assert again is None
    assert history_for(mine).filter(action="watchlist_updated").count() == 2


def test_someone_elses_watchlist_does_not_exist_for_you(buyer, other_user, mine):
    stranger = Actor.for_user(other_user)
    for call in (
        lambda: services.watch_item_add(actor=stranger, watchlist=mine, uscc=codes(1)[0]),
        lambda: services.watchlist_update(actor=stranger, watchlist=mine, name="偷改"),
        lambda: services.watchlist_rotate_secret(actor=stranger, watchlist=mine),
        lambda: services.watchlist_set_active(actor=stranger, watchlist=mine, active=False),
        lambda: services.watchlist_send_test(actor=stranger, watchlist=mine),
    ):
        with pytest.raises(NotFound):
            call()
    mine.refresh_from_db()
    assert mine.name == "主要供应商" and mine.active


def test_add_checks_the_code(buyer, mine):
    me = Actor.for_user(buyer)
    code = codes(1)[0]
    item = services.watch_item_add(actor=me, watchlist=mine, uscc=" " + code.lower() + " ", label="华盛")
    assert (item.uscc, item.label) == (code, "华盛")
    with pytest.raises(ValidationFailed) as err:
        services.watch_item_add(actor=me, watchlist=mine, uscc=code)
    assert err.value.errors[0].code == "duplicate"
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as err:
        services.watch_item_add(actor=me, watchlist=mine, uscc=bad)
    assert err.value.errors[0].code == "invalid_identifier" and "校验码" in err.value.errors[0].message
    assert history_for(item).get().action == "watch_item_added"


def test_remove_keeps_the_history(buyer, mine):
    me = Actor.for_user(buyer)
    item = services.watch_item_add(actor=me, watchlist=mine, uscc=codes(1)[0])
    services.watch_item_remove(actor=me, watchlist=mine, item=item)
    assert not WatchItem.objects.filter(pk=item.pk).exists()
    assert [r.action for r in history_for(item)] == ["watch_item_added", "watch_item_removed"]


def test_import_csv_in_gb18030_with_a_header(buyer, mine):
    wanted = codes(3)
    text = "统一社会信用代码,供应商名称\n" + "\n".join(f"{c},测试供应商{i}" for i, c in enumerate(wanted)) + "\n"
    result = services.watch_items_import(actor=Actor.for_user(buyer), watchlist=mine,
                                         codes=read_codes(text.encode("gb18030"), "suppliers.csv"))
    assert result.ok and sorted(i.uscc for i in result.added) == sorted(wanted)
    assert WatchItem.objects.get(uscc=wanted[1]).label == "测试供应商1"


def test_import_excel_and_codes_already_watched(buyer, mine):
    from openpyxl import Workbook

    me = Actor.for_user(buyer)
    wanted = codes(3)
    services.watch_item_add(actor=me, watchlist=mine, uscc=wanted[0])
    book = Workbook()
    book.active.append(["代码", "名称"])
    for c in wanted:
        book.active.append([c, "供应商"])
    out = io.BytesIO()
    book.save(out)
    result = services.watch_items_import(actor=me, watchlist=mine, codes=read_codes(out.getvalue(), "list.xlsx"))
    assert result.ok and len(result.added) == 2 and result.already == [wanted[0]]
    assert WatchItem.objects.filter(watchlist=mine).count() == 3


def test_import_takes_all_or_nothing_and_names_every_bad_row(buyer, mine):
    good = codes(2)
    rows = [good[0], "NOT-A-CODE", good[1], good[0], "91320102MA1TEST00"]
    content = "\n".join(rows).encode()
    result = services.watch_items_import(actor=Actor.for_user(buyer), watchlist=mine,
                                         codes=read_codes(content, "list.csv"))
    assert not result.ok and not result.added
    assert [(e.row, e.code) for e in result.errors] == [(2, "invalid_identifier"), (4, "duplicate"),
                                                        (5, "invalid_identifier")]
    assert "第 1 行" in result.errors[1].message
    assert not WatchItem.objects.filter(watchlist=mine).exists()


@pytest.mark.parametrize(("content", "name", "code"), [
    (b"", "empty.csv", "empty"),
    (b"\x00\x01\x02binary", "list.xls", "unreadable"),
    (b"PK\x03\x04not really a zip", "list.xlsx", "unreadable"),
    (b"x" * (2 * 1024 * 1024 + 1), "big.csv", "too_large"),
])
def test_unreadable_files_are_explained(content, name, code):
    assert read_codes(content, name).errors[0].code == code


def test_pause_and_resume(buyer, mine):
    me = Actor.for_user(buyer)
    assert not services.watchlist_set_active(actor=me, watchlist=mine, active=False).active
    assert services.watchlist_set_active(actor=me, watchlist=mine, active=True).active
    assert [r.action for r in history_for(mine)] == ["watchlist_created", "watchlist_paused", "watchlist_resumed"]
