"""The portal refuses forms that did not come from its own pages, and its session cookie only
travels over HTTPS unless a development setting says otherwise."""

from __future__ import annotations

import re

import httpx
import pytest
from exchange_testkit import HubProcess, edxml_package, random_agency, random_secret, start_hub

TOKEN_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(scope="module")
def hub(servers, tmp_path_factory) -> HubProcess:
    started = start_hub(
        servers,
        tmp_path_factory.mktemp("portal-logs"),
        hub_id="hub-portal-safety",
        extra_env={"VANTHU_EXCHANGE_PORTAL_COOKIE_SECURE": "true"},
    )
    yield started
    started.process.stop()


def _package(sender: str, recipient: str) -> bytes:
    return edxml_package(sender, [recipient], number="31", subject="V/v mời họp giao ban")


@pytest.fixture
def portal(hub):
    """A commune on the portal with one package waiting, signed in; its cookie sent by hand
    because it is Secure and the test talks plain HTTP."""
    sender, commune = random_agency("H41"), random_agency("H41")
    secrets_ = {sender: random_secret(), commune: random_secret()}
    for code in (sender, commune):
        assert hub.register(code, secrets_[code], [code]).status_code == 201
    sender_auth = hub.session(sender, secrets_[sender])
    sent = httpx.post(
        f"{hub.url}/hub/v1/packages",
        content=_package(sender, commune),
        headers={**sender_auth, "Idempotency-Key": "portal-safety"},
        timeout=30,
    )
    assert sent.status_code == 201, sent.text
    delivery_id = sent.json()["deliveries"][0]["delivery_id"]
    login = httpx.post(
        f"{hub.url}/portal/login", data={"agency_code": commune, "secret": secrets_[commune]}
    )
    assert login.status_code == 303
    cookie = login.headers["set-cookie"]
    session = cookie.split(";")[0]
    browser = httpx.Client(base_url=hub.url, headers={"Cookie": session}, timeout=30)
    yield {
        "browser": browser,
        "cookie": cookie,
        "delivery_id": delivery_id,
        "commune_auth": hub.session(commune, secrets_[commune]),
        "sender_auth": sender_auth,
        "hub": hub,
    }
    browser.close()


def _waiting(hub: HubProcess, auth: dict[str, str]) -> list[dict[str, object]]:
    return httpx.get(f"{hub.url}/hub/v1/packages", headers=auth, timeout=10).json()["packages"]


def test_the_session_cookie_is_secure_http_only_and_same_site_strict(portal):
    attributes = [a.strip().lower() for a in portal["cookie"].split(";")]

    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=strict" in attributes


def test_every_form_on_the_package_page_carries_the_sessions_token(portal):
    page = portal["browser"].get(f"/portal/packages/{portal['delivery_id']}").text

    tokens = TOKEN_FIELD.findall(page)
    assert len(tokens) == 4  # sign out, acknowledge, status, reply
    assert len(set(tokens)) == 1


@pytest.mark.parametrize("token", [None, "0" * 64, ""])
def test_an_acknowledgement_without_the_right_token_is_forbidden_and_changes_nothing(portal, token):
    browser, delivery_id = portal["browser"], portal["delivery_id"]
    form = {} if token is None else {"csrf_token": token}

    answer = browser.post(f"/portal/packages/{delivery_id}/ack", data=form)

    assert answer.status_code == 403
    assert answer.json()["detail"]["field"] == "csrf_token"
    waiting = _waiting(portal["hub"], portal["commune_auth"])
    assert [p["delivery_id"] for p in waiting] == [delivery_id]


def test_a_status_or_reply_without_the_token_is_forbidden_and_nothing_reaches_the_sender(portal):
    browser, delivery_id = portal["browser"], portal["delivery_id"]

    status = browser.post(
        f"/portal/packages/{delivery_id}/status",
        data={"status_code": "03", "staff": "Nguyễn Thị Hoa"},
    )
    reply = browser.post(
        f"/portal/packages/{delivery_id}/reply",
        data={"code_number": "05", "code_notation": "UBND-VP", "subject": "Trả lời"},
        files={"file": ("tra-loi.pdf", b"%PDF-1.4", "application/pdf")},
    )

    assert (status.status_code, reply.status_code) == (403, 403)
    assert _waiting(portal["hub"], portal["sender_auth"]) == []


def test_a_token_from_another_session_is_refused(portal, hub):
    other, secret = random_agency("H14"), random_secret()
    assert hub.register(other, secret, [other]).status_code == 201
    login = httpx.post(f"{hub.url}/portal/login", data={"agency_code": other, "secret": secret})
    with httpx.Client(
        base_url=hub.url, headers={"Cookie": login.headers["set-cookie"].split(";")[0]}
    ) as stranger:
        foreign = TOKEN_FIELD.findall(stranger.get("/portal/inbox").text)[0]

    answer = portal["browser"].post(
        f"/portal/packages/{portal['delivery_id']}/ack", data={"csrf_token": foreign}
    )

    assert answer.status_code == 403


def test_the_pages_own_token_lets_the_agency_acknowledge_and_sign_out(portal):
    browser, delivery_id = portal["browser"], portal["delivery_id"]
    token = TOKEN_FIELD.findall(browser.get(f"/portal/packages/{delivery_id}").text)[0]

    acknowledged = browser.post(f"/portal/packages/{delivery_id}/ack", data={"csrf_token": token})
    signed_out = browser.post("/portal/logout", data={"csrf_token": token})

    assert acknowledged.status_code == 200
    assert "Đã xác nhận" in acknowledged.text
    assert _waiting(portal["hub"], portal["commune_auth"]) == []
    assert signed_out.status_code == 303
