"""Accounts at a running hub: failed sign-ins lock a system on the hub API and the portal alike,
weak secrets are refused, a system is registered once."""

from __future__ import annotations

import time

import httpx
import pytest
from exchange_testkit import HubProcess, portal_sign_in, random_agency, random_secret, start_hub


@pytest.fixture(scope="module")
def hub(servers, tmp_path_factory) -> HubProcess:
    """Without back-off, so that a test reaches the lock in a few quick attempts."""
    started = start_hub(
        servers,
        tmp_path_factory.mktemp("accounts-logs"),
        hub_id="hub-accounts",
        extra_env={"VANTHU_EXCHANGE_HUB_SIGN_IN_BACKOFF_S": "0"},
    )
    yield started
    started.process.stop()


@pytest.fixture(scope="module")
def patient_hub(servers, tmp_path_factory) -> HubProcess:
    """With a back-off of 3 s after the first failure (1 s by default), doubling."""
    started = start_hub(
        servers,
        tmp_path_factory.mktemp("accounts-logs"),
        hub_id="hub-backoff",
        extra_env={"VANTHU_EXCHANGE_HUB_SIGN_IN_BACKOFF_S": "3"},
    )
    yield started
    started.process.stop()


def registered(hub: HubProcess) -> tuple[str, str]:
    code, secret = random_agency(), random_secret()
    assert hub.register(code, secret, [code]).status_code == 201
    return code, secret


def test_thirty_wrong_secrets_lock_the_system_and_then_the_right_one_is_refused(hub) -> None:
    code, secret = registered(hub)

    wrong = [hub.sign_in(code, f"{secret}-wrong-{i}").status_code for i in range(30)]
    right = hub.sign_in(code, secret)

    assert wrong == [401] * 4 + [429] * 26
    assert right.status_code == 429
    assert right.json()["detail"]["field"] == "secret"
    assert "locked until" in right.json()["detail"]["reason"]
    assert "even with the right secret" in right.json()["detail"]["reason"]
    assert int(right.headers["Retry-After"]) > 11 * 3600


def test_the_right_secret_just_after_a_wrong_one_waits_for_the_back_off(patient_hub) -> None:
    code, secret = registered(patient_hub)

    patient_hub.sign_in(code, "wrong-secret-Xy-0000")
    right = patient_hub.sign_in(code, secret)

    assert right.status_code == 429
    assert "try again in" in right.json()["detail"]["reason"]
    assert 1 <= int(right.headers["Retry-After"]) <= 3


def test_quick_retries_during_the_back_off_do_not_lock_the_system(patient_hub) -> None:
    code, secret = registered(patient_hub)
    patient_hub.sign_in(code, "wrong-secret-Xy-0000")

    answers = []
    deadline = time.monotonic() + 15
    while not answers or answers[-1] != 200:
        assert time.monotonic() < deadline, f"never signed in: {answers}"
        answers.append(patient_hub.sign_in(code, secret).status_code)
        time.sleep(0.1)

    assert len(answers) > 5  # more refused retries than the five failures that would lock it
    assert set(answers[:-1]) == {429}


def test_on_the_portal_thirty_wrong_secrets_lock_the_agency_and_the_page_says_until_when(
    hub,
) -> None:
    code, secret = registered(hub)
    with httpx.Client(base_url=hub.url, timeout=10) as browser:
        for i in range(30):
            portal_sign_in(browser, code, f"sai-mat-khau-{i}")
        right = portal_sign_in(browser, code, secret)

    assert right.status_code == 429
    assert "vanthu_portal=" not in right.headers.get("set-cookie", "")
    assert "bị khóa đến" in right.text
    assert "kể cả khi nhập đúng mật khẩu" in right.text
    assert hub.sign_in(code, secret).status_code == 429  # the same account on the hub API


def test_an_operator_unlocks_a_locked_system_and_the_right_secret_signs_in(hub) -> None:
    code, secret = registered(hub)
    for i in range(5):
        hub.sign_in(code, f"wrong-secret-Xy-{i}")

    unlocked = hub.unlock(code)

    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["failures"] == 5
    assert hub.sign_in(code, secret).status_code == 200


def test_only_the_operators_administrators_unlock(hub) -> None:
    code, _ = registered(hub)

    answer = httpx.delete(
        f"{hub.url}/hub/v1/systems/{code}/lock",
        headers={"Authorization": f"Bearer {hub.admin_token(agency='000.00.00.H41')}"},
    )

    assert answer.status_code == 403


@pytest.mark.parametrize(
    "weak", [" " * 16, "aaaaaaaaaaaaaaaa", "abcdefghijklmnop", "Ab1-Ab1", " Ab1-Cd2-Ef3-Gh4-"]
)
def test_a_weak_secret_is_refused_at_registration_and_nothing_is_registered(hub, weak) -> None:
    code = random_agency()

    refused = hub.register(code, weak, [code])

    assert refused.status_code == 422
    assert refused.json()["detail"]["field"] == "secret"
    assert hub.sign_in(code, weak).status_code == 401
    assert hub.register(code, random_secret(), [code]).status_code == 201


def test_registering_an_existing_system_again_is_refused_and_its_secret_stays(hub) -> None:
    code, secret = registered(hub)
    token = hub.sign_in(code, secret).json()["token"]

    again = hub.register(code, random_secret(), [code])

    assert again.status_code == 409
    assert again.json()["detail"]["field"] == "system_id"
    assert hub.sign_in(code, secret).status_code == 200
    still = httpx.get(f"{hub.url}/hub/v1/agencies", headers={"Authorization": f"Bearer {token}"})
    assert still.status_code == 200
