"""The transfer pages through real requests (and, marked `browser`, in headless Chromium): who
sees a pending transfer, who may answer it, the answer through the form, the notice on the
certificate's public page, both languages."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from certinel.certificates.models import CertificateTransfer
from certinel.core.testing.browser import CHROMIUM, available

from .test_transfers import World, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def transfer(world) -> CertificateTransfer:
    return world.take_over()


def get(client, user, url: str, *, lang: str = "zh-hans"):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    return response, response.content.decode()


def answer(client, user, transfer, decision: str, **fields):
    client.force_login(user)
    data = {"signed_by": "赵经理", "reason": "", "version": transfer.version, "decision": decision, **fields}
    return client.post(f"/transfers/{transfer.pk}/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_signing_in_is_needed(client, transfer):
    for url in ("/transfers/", f"/transfers/{transfer.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_parties_asked_see_it_to_answer(client, world, transfer):
    for user in (world.old_op, world.holder_user):
        _response, html = get(client, user, "/transfers/")
        to_answer = html.split("待您确认")[1].split("最近处理")[0]
        assert world.old.number in to_answer and world.new_body.name in to_answer
        _response, html = get(client, user, f"/transfers/{transfer.pk}/")
        assert 'value="confirm"' in html and 'value="object"' in html
        assert transfer.deadline.isoformat() in html and "IAF MD 2" in html


@pytest.mark.parametrize("who", ["new_op", "regulator"])
def test_the_asking_body_and_the_regulator_only_follow_it(client, world, transfer, who):
    _response, html = get(client, getattr(world, who), "/transfers/")
    assert "没有需要您确认的转换" in html and "等待对方确认" in html and world.old.number in html
    _response, html = get(client, getattr(world, who), f"/transfers/{transfer.pk}/")
    assert world.old.number in html and 'value="confirm"' not in html
    assert answer(client, getattr(world, who), transfer, "confirm").status_code == 403
    assert reload(transfer).state == "pending"


@pytest.mark.parametrize("who", ["third_op", "other_user"])
def test_strangers_do_not_see_it(client, world, transfer, who):
    _response, html = get(client, getattr(world, who), "/transfers/")
    assert world.old.number not in html
    response, _html = get(client, getattr(world, who), f"/transfers/{transfer.pk}/")
    assert response.status_code == 404
    assert answer(client, getattr(world, who), transfer, "confirm").status_code == 404


def test_the_holder_confirms_through_the_form(client, world, transfer):
    response = answer(client, world.holder_user, transfer, "confirm")
    assert response.status_code == 302 and response["Location"] == f"/transfers/{transfer.pk}/"
    assert (reload(transfer).state, transfer.decided_by, transfer.signed_by) == ("confirmed", "holder", "赵经理")
    assert reload(world.old).status == "cancelled"
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已确认转换" in html and 'value="confirm"' not in html
    # A second post (another tab) answers nothing.
    assert answer(client, world.old_op, transfer, "object", reason="迟到的异议").status_code == 403


def test_an_objection_needs_a_reason_and_keeps_the_certificate(client, world, transfer):
    response = answer(client, world.old_op, transfer, "object")
    assert response.status_code == 200 and "请说明提出异议的理由" in response.content.decode()
    assert reload(transfer).state == "pending"
    response = answer(client, world.old_op, transfer, "object", reason="客户尚有未结审核")
    assert response.status_code == 302 and reload(transfer).state == "objected"
    assert reload(world.old).status == "valid"
    # The old certificate's public page shows the refusal in its record.
    html = client.get(f"/certificates/{world.old.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "转换被拒绝" in html and "客户尚有未结审核" in html


def test_a_stale_form_is_refused(client, world, transfer):
    stale = transfer.version
    answer(client, world.old_op, transfer, "object", reason="客户尚有未结审核")
    response = answer(client, world.holder_user, transfer, "confirm", version=stale)
    assert response.status_code == 403  # settled meanwhile: no form any more
    assert reload(transfer).state == "objected"


def test_the_certificate_pages_say_it_waits(client, world, transfer):
    html = client.get(f"/certificates/{world.old.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "转换待确认" in html and transfer.target.number in html and transfer.deadline.isoformat() in html
    assert f"/transfers/{transfer.pk}/" not in html  # anonymous: no link to the parties' page
    _response, html = get(client, world.holder_user, f"/certificates/{world.old.pk}/")
    assert f"/transfers/{transfer.pk}/" in html
    html = client.get(f"/certificates/{transfer.target.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "转换待原发证机构或获证组织确认" in html and world.old.number in html
    verify = client.get(f"/verify/{world.old.number}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "证书真实有效" in verify and "在原发证机构或持有人确认前，这张证书仍然有效" in verify


def test_in_english(client, world, transfer):
    _response, html = get(client, world.old_op, "/transfers/", lang="en")
    assert "Certificate transfers" in html and "Awaiting your answer" in html and "Awaiting confirmation" in html
    _response, html = get(client, world.old_op, f"/transfers/{transfer.pk}/", lang="en")
    assert "Confirm the transfer" in html and "Objection deadline" in html and "待确认" not in html
    client.logout()
    html = client.get(f"/certificates/{world.old.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transfer pending" in html and "转换待确认" not in html


# --- in headless Chromium ------------------------------------------------------------------------
# Screenshots go to a temporary folder (CERTINEL_SCREENSHOTS names another).

NO_CHROMIUM = f"Chromium is not installed at {CHROMIUM}: install Debian's 'chromium' package to run these tests."




@pytest.mark.browser
@pytest.mark.skipif(not available(), reason=NO_CHROMIUM)
def test_browser_the_holder_objects(browser, transactional_db, live_server, shots):
    world = World()
    transfer = world.take_over()
    base, host = live_server.url, urlparse(live_server.url).netloc
    problems: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    tab.on("request", lambda r: problems.append(f"external request {r.url}")
           if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
    try:
        tab.goto(f"{base}/login/?next=/transfers/")
        tab.fill("#id_username", world.holder_user.username)
        tab.fill("#id_password", "test-password-123")
        tab.click("main form button[type=submit]")
        tab.wait_for_url(f"{base}/transfers/")
        tab.screenshot(path=str(shots / "transfers-list.png"), full_page=True)
        tab.click(f"a[href='/transfers/{transfer.pk}/']")
        tab.locator("button[value=confirm]").wait_for()
        tab.screenshot(path=str(shots / "transfer-pending.png"), full_page=True)
        tab.fill("#id_signed_by", "赵经理")
        tab.click("button[value=object]")
        assert "请说明提出异议的理由" in tab.locator(".field-error").inner_text()
        tab.fill("#id_reason", "本公司未申请转换")
        tab.click("button[value=object]")
        tab.locator(".message-success").wait_for()
        assert "转换不成立" in tab.locator(".message-success").inner_text()
        tab.screenshot(path=str(shots / "transfer-objected.png"), full_page=True)
    finally:
        context.close()
    assert reload(transfer).state == "objected" and reload(world.old).status == "valid"
    assert not problems, problems
