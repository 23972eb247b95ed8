"""The portal refuses forms that did not come from its own pages, and its session cookie only
travels over HTTPS unless a development setting says otherwise."""

from __future__ import annotations

import re

import httpx
import pytest
from exchange_testkit import (
    HubProcess,
    edxml_package,
    login_form_token,
    random_agency,
    random_secret,
    start_hub,
)

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


def secure_sign_in(hub: HubProcess, code: str, secret: str) -> str:
    """Signs in and returns the session's Set-Cookie; the cookies are Secure and the test talks
    plain HTTP, so they are sent by hand."""
    form = httpx.get(f"{hub.url}/portal/login")
    login = httpx.post(
        f"{hub.url}/portal/login",
        data={"agency_code": code, "secret": secret, "csrf_token": login_form_token(form.text)},
        headers={"Cookie": form.headers["set-cookie"].split(";")[0]},
    )
    assert login.status_code == 303, login.text
    return next(c for c in login.headers.get_list("set-cookie") if c.startswith("vanthu_portal="))


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
    cookie = secure_sign_in(hub, commune, secrets_[commune])
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
    session = secure_sign_in(hub, other, secret).split(";")[0]
    with httpx.Client(base_url=hub.url, headers={"Cookie": session}) as stranger:
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


@pytest.fixture
def agency(hub) -> tuple[str, str]:
    code, secret = random_agency("H14"), random_secret()
    assert hub.register(code, secret, [code]).status_code == 201
    return code, secret


def _sign_in_post(hub: HubProcess, data: dict[str, str], cookie: str = "") -> httpx.Response:
    headers = {"Cookie": cookie} if cookie else {}
    return httpx.post(f"{hub.url}/portal/login", data=data, headers=headers)


def _login_cookie(form: httpx.Response) -> str:
    return form.headers["set-cookie"].split(";")[0]


def test_a_sign_in_posted_from_elsewhere_is_refused_and_opens_no_session(hub, agency) -> None:
    code, secret = agency
    form = httpx.get(f"{hub.url}/portal/login")
    other_browser = httpx.get(f"{hub.url}/portal/login")

    without_anything = _sign_in_post(hub, {"agency_code": code, "secret": secret})
    without_cookie = _sign_in_post(
        hub, {"agency_code": code, "secret": secret, "csrf_token": login_form_token(form.text)}
    )
    foreign_token = _sign_in_post(
        hub,
        {
            "agency_code": code,
            "secret": secret,
            "csrf_token": login_form_token(other_browser.text),
        },
        _login_cookie(form),
    )

    for refused in (without_anything, without_cookie, foreign_token):
        assert refused.status_code == 403
        assert "csrf_token" in refused.text
        assert not any(
            c.startswith("vanthu_portal=") for c in refused.headers.get_list("set-cookie")
        )


def test_forged_sign_ins_are_not_counted_towards_the_lock(hub, agency) -> None:
    code, secret = agency

    for _ in range(10):
        _sign_in_post(hub, {"agency_code": code, "secret": "sai-mat-khau-0000"})

    assert secure_sign_in(hub, code, secret).startswith("vanthu_portal=")


def test_the_login_page_says_which_field_a_refused_form_lacked_in_vietnamese(hub, agency) -> None:
    refused = _sign_in_post(hub, {"agency_code": agency[0], "secret": agency[1]})

    assert "Biểu mẫu đăng nhập không hợp lệ" in refused.text
    assert TOKEN_FIELD.search(refused.text)  # a fresh form to try again from


def test_every_portal_answer_carries_the_security_headers(portal) -> None:
    browser, delivery_id = portal["browser"], portal["delivery_id"]
    answers = {
        "sign-in page": httpx.get(f"{portal['hub'].url}/portal/login"),
        "redirect to sign in": httpx.get(f"{portal['hub'].url}/portal/inbox"),
        "inbox": browser.get("/portal/inbox"),
        "package": browser.get(f"/portal/packages/{delivery_id}"),
        "refused form": browser.post(f"/portal/packages/{delivery_id}/ack", data={}),
        "no such package": browser.get("/portal/packages/no-such-package"),
    }

    for what, answer in answers.items():
        policy = answer.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, what
        assert "default-src 'none'" in policy, what
        assert "form-action 'self'" in policy, what
        assert answer.headers.get("x-frame-options") == "DENY", what
        assert answer.headers.get("referrer-policy") == "no-referrer", what
        assert answer.headers.get("x-content-type-options") == "nosniff", what


def test_the_pages_style_is_the_one_the_policy_allows_and_no_script_runs(portal) -> None:
    import base64
    import hashlib

    page = portal["browser"].get("/portal/inbox")
    style = page.text.split("<style>")[1].split("</style>")[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()

    assert f"style-src 'sha256-{digest}'" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    assert "<script" not in page.text
