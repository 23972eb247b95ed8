"""A portal session ends when the agency signs out, and it is a credential of the portal only:
neither the portal cookie nor a hub API token opens the other's door."""

from __future__ import annotations

import re

import httpx
import pytest
from exchange_testkit import HubProcess, portal_sign_in, random_agency, random_secret, start_hub

TOKEN_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(scope="module")
def hub(servers, tmp_path_factory) -> HubProcess:
    started = start_hub(servers, tmp_path_factory.mktemp("portal-sessions"), hub_id="hub-sessions")
    yield started
    started.process.stop()


@pytest.fixture
def agency(hub) -> tuple[str, str]:
    code, secret = random_agency(), random_secret()
    assert hub.register(code, secret, [code]).status_code == 201
    return code, secret


def signed_in(hub: HubProcess, code: str, secret: str) -> tuple[httpx.Client, str]:
    browser = httpx.Client(base_url=hub.url, timeout=10)
    answer = portal_sign_in(browser, code, secret)
    assert answer.status_code == 303, answer.text
    return browser, browser.cookies["vanthu_portal"]


def test_after_signing_out_the_old_cookie_opens_nothing(hub, agency) -> None:
    browser, cookie = signed_in(hub, *agency)
    token = TOKEN_FIELD.findall(browser.get("/portal/inbox").text)[0]

    signed_out = browser.post("/portal/logout", data={"csrf_token": token})
    with httpx.Client(base_url=hub.url, cookies={"vanthu_portal": cookie}) as kept_cookie:
        inbox = kept_cookie.get("/portal/inbox")
        acknowledge = kept_cookie.post("/portal/packages/x/ack", data={"csrf_token": token})

    assert signed_out.status_code == 303
    assert (inbox.status_code, inbox.headers["location"]) == (303, "/portal/login")
    assert acknowledge.status_code == 303
    browser.close()


def test_signing_out_ends_only_that_session(hub, agency) -> None:
    first, _ = signed_in(hub, *agency)
    second, _ = signed_in(hub, *agency)
    token = TOKEN_FIELD.findall(first.get("/portal/inbox").text)[0]

    first.post("/portal/logout", data={"csrf_token": token})

    assert second.get("/portal/inbox").status_code == 200
    first.close()
    second.close()


def test_the_portal_cookie_is_not_a_hub_api_token(hub, agency) -> None:
    browser, cookie = signed_in(hub, *agency)

    answer = httpx.get(f"{hub.url}/hub/v1/packages", headers={"Authorization": f"Bearer {cookie}"})

    assert answer.status_code == 401
    assert answer.json()["detail"]["field"] == "Authorization"
    browser.close()


def test_a_hub_api_token_is_not_a_portal_session(hub, agency) -> None:
    api_token = hub.sign_in(*agency).json()["token"]

    with httpx.Client(base_url=hub.url, cookies={"vanthu_portal": api_token}) as browser:
        inbox = browser.get("/portal/inbox")

    assert (inbox.status_code, inbox.headers["location"]) == (303, "/portal/login")
