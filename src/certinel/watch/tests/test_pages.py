"""The watchlist pages through real requests (and one journey in headless Chromium): sign-in
required, own watchlists only, adding suppliers one by one or from a file with per-row errors,
the secret shown once, the delivery log."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest

from certinel.certificates import services as certificates
from certinel.core.actor import Actor
from certinel.core.testing.builders import SYSTEM, body_with_scopes, build_org, certificate_data
from certinel.reference.generators import make_uscc
from certinel.watch import services
from certinel.watch.models import WatchItem, Watchlist

RNG = random.Random(11)


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def mine(buyer) -> Watchlist:
    return services.watchlist_create(actor=Actor.for_user(buyer), name="主要供应商", email="buyer@example.com")[0]


def html(response) -> str:
    return response.content.decode()


def test_sign_in_is_required(client, db):
    response = client.get("/watch/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post("/watch/1/items/", {"uscc": "x"}).status_code == 302


def test_create_a_watchlist(signed_in, buyer):
    response = signed_in.get("/watch/")
    assert response.status_code == 200 and 'value="buyer@example.com"' in html(response)
    response = signed_in.post("/watch/", {"name": "电子元器件", "email": "buyer@example.com", "language": "zh-hans"})
    watchlist = Watchlist.objects.get(owner=buyer)
    assert response.status_code == 302 and response["Location"] == f"/watch/{watchlist.pk}/"
    page = html(signed_in.get(response["Location"]))
    assert "电子元器件" in page and "已创建关注列表" in page


def test_a_webhook_secret_is_shown_once_and_not_cached(signed_in, buyer, settings):
    settings.CERTINEL_WATCH_ALLOW_LOCAL_WEBHOOKS = True
    response = signed_in.post("/watch/", {"name": "ERP", "webhook_url": "http://127.0.0.1:9/h", "language": "en"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = html(response)
    assert 'id="new-secret"' in page and "whsec_" in page
    assert "X-Certinel-Signature: t=…,v1=…，其中 t 是发送时间" in page   # how to check it
    watchlist = Watchlist.objects.get(owner=buyer)
    page = html(signed_in.get(f"/watch/{watchlist.pk}/"))
    assert "whsec_" not in page and "X-Certinel-Signature: t=…,v1=…（“t.请求体”的 HMAC-SHA256）" in page
    english = html(signed_in.get(f"/watch/{watchlist.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "X-Certinel-Signature: t=…,v1=… (the HMAC-SHA256 of “t.body”)" in english


def test_form_errors_are_shown(signed_in):
    response = signed_in.post("/watch/", {"name": "x", "webhook_url": "http://example.com/h", "language": "zh-hans"})
    assert response.status_code == 200 and "Webhook 地址必须使用 https" in html(response)
    assert not Watchlist.objects.exists()


def test_add_and_remove_a_supplier(signed_in, mine):
    supplier = build_org(name="测试华盛电子有限公司")
    certificates.certificate_issue(actor=SYSTEM, body=body_with_scopes(), data=certificate_data(holder=supplier))
    response = signed_in.post(f"/watch/{mine.pk}/items/", {"uscc": supplier.uscc, "label": "华盛"})
    assert response.status_code == 302
    page = html(signed_in.get(f"/watch/{mine.pk}/"))
    assert supplier.uscc in page and "测试华盛电子有限公司" in page and "有效 1" in page
    bad = signed_in.post(f"/watch/{mine.pk}/items/", {"uscc": "91320102MA1TEST00X"})
    assert bad.status_code == 422 and "不是有效的统一社会信用代码" in html(bad)
    item = WatchItem.objects.get(watchlist=mine)
    assert signed_in.post(f"/watch/{mine.pk}/items/{item.pk}/remove/").status_code == 302
    assert not WatchItem.objects.filter(watchlist=mine).exists()


def test_upload_with_errors_lists_every_row_and_adds_nothing(signed_in, mine):
    good = make_uscc("320102", RNG)
    content = f"代码,名称\n{good},甲\nNOT-A-CODE,乙\n{good},丙\n".encode()
    response = signed_in.post(f"/watch/{mine.pk}/items/import/",
                              {"file": io.BytesIO(content)}, format="multipart")
    assert response.status_code == 422
    page = html(response)
    assert 'id="import-errors"' in page and "没有导入任何供应商" in page
    assert "与第 2 行重复" in page and "NOT-A-CODE" in page
    assert not WatchItem.objects.filter(watchlist=mine).exists()


def test_upload_an_excel_list(signed_in, mine):
    from openpyxl import Workbook

    book = Workbook()
    wanted = [make_uscc("320102", RNG) for _ in range(3)]
    for code in wanted:
        book.active.append([code, "供应商"])
    out = io.BytesIO()
    book.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "suppliers.xlsx"
    response = signed_in.post(f"/watch/{mine.pk}/items/import/", {"file": upload})
    assert response.status_code == 302
    assert sorted(WatchItem.objects.filter(watchlist=mine).values_list("uscc", flat=True)) == sorted(wanted)
    assert "已从 suppliers.xlsx 添加 3 个供应商" in html(signed_in.get(f"/watch/{mine.pk}/"))


def test_other_peoples_watchlists_are_not_found(client, mine, other_user):
    client.force_login(other_user)
    assert client.get(f"/watch/{mine.pk}/").status_code == 404
    for path in ("items/", "items/import/", "settings/", "secret/", "test/", "active/"):
        assert client.post(f"/watch/{mine.pk}/{path}", {"uscc": make_uscc("320102", RNG)}).status_code == 404
    assert f'href="/watch/{mine.pk}/"' not in html(client.get("/watch/"))
    assert not WatchItem.objects.exists()


def test_delivery_log_shows_attempts(signed_in, buyer, mine, receiver, django_capture_on_commit_callbacks):
    supplier = build_org(name="测试宏达机电有限公司")
    body = body_with_scopes()
    with django_capture_on_commit_callbacks(execute=True):
        cert = certificates.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=supplier))
    services.watchlist_update(actor=Actor.for_user(buyer), watchlist=mine, webhook_url=receiver.url)
    services.watch_item_add(actor=Actor.for_user(buyer), watchlist=mine, uscc=supplier.uscc)
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_suspend(actor=SYSTEM, certificate=cert, until=dt.date.today() + dt.timedelta(days=9),
                                         reason="监督审核不通过", signed_by="李")
    page = html(signed_in.get(f"/watch/{mine.pk}/"))
    assert "发送记录" in page and cert.number in page
    assert "已送达" in page and "重试中" in page and "HTTP 500" in page


def test_test_notification_and_pausing(signed_in, mine):
    response = signed_in.post(f"/watch/{mine.pk}/test/")
    assert response.status_code == 302
    assert "已发送测试通知" in html(signed_in.get(f"/watch/{mine.pk}/"))
    signed_in.post(f"/watch/{mine.pk}/active/", {"active": "0"})
    mine.refresh_from_db()
    assert not mine.active


def test_english_pages(signed_in, mine):
    response = signed_in.get(f"/watch/{mine.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and 'lang="en"' in html(response)


# --- in headless Chromium ------------------------------------------------------------------------

@pytest.mark.browser
def test_browser_upload_a_supplier_list(transactional_db, live_server, tmp_path):
    import os
    from pathlib import Path

    from openpyxl import Workbook
    from playwright.sync_api import sync_playwright

    from certinel.accounts.models import Role
    from certinel.core.testing.browser import CHROMIUM, LAUNCH_ARGS, available
    from certinel.core.testing.builders import build_user

    if not available():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    user = build_user(Role.ORG_USER, organization=build_org(name="测试采购方集团有限公司"))
    suppliers = [build_org(name=f"测试供应商{i}号有限公司") for i in range(3)]
    body = body_with_scopes()
    for org in suppliers:
        certificates.certificate_issue(actor=SYSTEM, body=body, data=certificate_data(holder=org))
    book = Workbook()
    book.active.append(["统一社会信用代码", "名称"])
    for org in suppliers:
        book.active.append([org.uscc, org.name])
    book.active.append(["91320102MA1TEST00X", "写错的代码"])
    bad_file, good_file = tmp_path / "suppliers-bad.xlsx", tmp_path / "suppliers.xlsx"
    book.save(bad_file)
    book.active.delete_rows(5)
    book.save(good_file)
    shots = Path(os.environ.get("CERTINEL_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
            tab = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            tab.goto(f"{live_server.url}/login/?next=/watch/")
            tab.fill("#id_username", user.username)
            tab.fill("#id_password", "test-password-123")
            tab.click("main form button[type=submit]")
            tab.wait_for_url("**/watch/")
            tab.fill("#id_name", "主要供应商")
            tab.fill("#id_email", "buyer@example.com")
            tab.click("main form button:has-text('创建')")
            tab.wait_for_url("**/watch/*/")
            tab.set_input_files("#id_file", str(bad_file))
            tab.click("text=上传并导入")
            tab.locator("#import-errors").wait_for()
            assert tab.locator("#import-errors td").first.inner_text() == "5"
            assert "91320102MA1TEST00X" in tab.locator("#import-errors").inner_text()
            tab.screenshot(path=str(shots / "watch-upload-errors.png"), full_page=True)
            tab.set_input_files("#id_file", str(good_file))
            tab.click("text=上传并导入")
            tab.get_by_text("添加 3 个供应商").wait_for()
            assert tab.locator("tbody tr").count() >= 3
            tab.screenshot(path=str(shots / "watch-list.png"), full_page=True)
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
