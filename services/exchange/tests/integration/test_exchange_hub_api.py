"""A hub on the real servers: systems register, send, list, fetch and acknowledge packages."""

from __future__ import annotations

import io

import httpx
import pytest
from exchange_testkit import HubProcess, edxml_package, random_agency, random_secret, start_hub
from vanthu_exchange.domain.edxml import (
    AttachmentSource,
)


@pytest.fixture(scope="module")
def hub(servers, tmp_path_factory) -> HubProcess:
    started = start_hub(servers, tmp_path_factory.mktemp("hub-logs"), hub_id="hub-api-test")
    yield started
    started.process.stop()


def package_bytes(sender: str, recipients: list[str], number: str = "12") -> bytes:
    report = io.BytesIO(b"%PDF-1.4 ..." * 100)
    return edxml_package(
        sender,
        recipients,
        number=number,
        sender_name="Sở Nội vụ",
        attachments=[AttachmentSource("cid:1", "bao-cao.pdf", "application/pdf", report)],
    )


def two_systems(hub: HubProcess) -> tuple[str, dict[str, str], str, dict[str, str]]:
    sender, recipient = random_agency("H41"), random_agency("H14")
    secrets_ = {sender: random_secret(), recipient: random_secret()}
    for code in (sender, recipient):
        assert hub.register(code, secrets_[code], [code]).status_code == 201
    return (
        sender,
        hub.session(sender, secrets_[sender]),
        recipient,
        hub.session(recipient, secrets_[recipient]),
    )


def send(hub: HubProcess, auth: dict[str, str], body: bytes, key: str) -> httpx.Response:
    return httpx.post(
        f"{hub.url}/hub/v1/packages",
        content=body,
        headers={**auth, "Idempotency-Key": key},
        timeout=30,
    )


def test_a_package_sent_twice_reaches_the_recipient_once_and_is_handed_over_intact(hub) -> None:
    sender, sender_auth, recipient, recipient_auth = two_systems(hub)
    body = package_bytes(sender, [recipient])

    first = send(hub, sender_auth, body, "k-1")
    again = send(hub, sender_auth, body, "k-2")

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    delivery = first.json()["deliveries"][0]
    assert again.json()["deliveries"][0]["delivery_id"] == delivery["delivery_id"]
    assert again.json()["deliveries"][0]["duplicate"] is True
    pending = httpx.get(f"{hub.url}/hub/v1/packages", headers=recipient_auth).json()["packages"]
    assert [p["delivery_id"] for p in pending] == [delivery["delivery_id"]]
    assert pending[0]["from_agency"] == sender
    fetched = httpx.get(
        f"{hub.url}/hub/v1/packages/{delivery['delivery_id']}", headers=recipient_auth
    )
    assert fetched.content == body


def test_an_acknowledged_package_leaves_the_pending_list_and_the_sender_sees_it_done(hub) -> None:
    sender, sender_auth, recipient, recipient_auth = two_systems(hub)
    delivery_id = send(hub, sender_auth, package_bytes(sender, [recipient]), "k").json()[
        "deliveries"
    ][0]["delivery_id"]

    ack = httpx.post(
        f"{hub.url}/hub/v1/packages/{delivery_id}/ack",
        json={"status": "done"},
        headers=recipient_auth,
    )

    assert ack.status_code == 200, ack.text
    assert httpx.get(f"{hub.url}/hub/v1/packages", headers=recipient_auth).json()["packages"] == []
    sent = httpx.get(f"{hub.url}/hub/v1/sent", headers=sender_auth).json()["deliveries"]
    assert [(d["recipient"], d["state"]) for d in sent] == [(recipient, "done")]


def test_a_package_to_an_unknown_agency_is_refused_naming_the_field_and_nothing_is_queued(
    hub,
) -> None:
    sender, sender_auth, recipient, recipient_auth = two_systems(hub)
    stranger = random_agency("H49")

    response = send(hub, sender_auth, package_bytes(sender, [recipient, stranger]), "k")

    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "To/OrganId"
    assert stranger in response.json()["detail"]["reason"]
    assert httpx.get(f"{hub.url}/hub/v1/packages", headers=recipient_auth).json()["packages"] == []


def test_a_system_cannot_send_in_the_name_of_another_agency(hub) -> None:
    sender, sender_auth, recipient, _ = two_systems(hub)

    response = send(hub, sender_auth, package_bytes(recipient, [sender]), "k")

    assert response.status_code == 403
    assert response.json()["detail"]["field"] == "From/OrganId"


def test_a_recipient_cannot_fetch_or_acknowledge_a_package_of_another_system(hub) -> None:
    sender, sender_auth, recipient, _ = two_systems(hub)
    delivery_id = send(hub, sender_auth, package_bytes(sender, [recipient]), "k").json()[
        "deliveries"
    ][0]["delivery_id"]

    assert (
        httpx.get(f"{hub.url}/hub/v1/packages/{delivery_id}", headers=sender_auth).status_code
        == 404
    )
    assert (
        httpx.post(
            f"{hub.url}/hub/v1/packages/{delivery_id}/ack",
            json={"status": "done"},
            headers=sender_auth,
        ).status_code
        == 404
    )


def test_a_wrong_secret_opens_no_session_and_the_hub_never_stores_the_secret(hub) -> None:
    code, secret = random_agency(), random_secret()
    hub.register(code, secret, [code])

    response = httpx.post(
        f"{hub.url}/hub/v1/sessions", json={"system_id": code, "secret": secret + "x"}
    )

    assert response.status_code == 401
    assert httpx.get(f"{hub.url}/hub/v1/packages").status_code == 401


def test_only_administrators_of_the_operating_agency_register_systems(hub) -> None:
    code = random_agency()
    response = httpx.post(
        f"{hub.url}/hub/v1/systems",
        headers={"Authorization": f"Bearer {hub.admin_token(agency='000.00.00.H41')}"},
        json={
            "system_id": code,
            "secret": random_secret(),
            "agencies": [{"code": code, "name": "x"}],
        },
    )
    assert response.status_code == 403


def test_a_hostile_package_is_refused_with_the_reason_and_nothing_is_queued(hub) -> None:
    _, sender_auth, _, recipient_auth = two_systems(hub)
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><edXML>&b;</edXML>'

    response = send(hub, sender_auth, bomb, "k")

    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "package"
    assert httpx.get(f"{hub.url}/hub/v1/packages", headers=recipient_auth).json()["packages"] == []


def test_the_directory_lists_registered_agencies_with_a_version_for_incremental_sync(hub) -> None:
    sender, sender_auth, recipient, _ = two_systems(hub)
    everything = httpx.get(f"{hub.url}/hub/v1/agencies", headers=sender_auth).json()
    codes = {a["code"] for a in everything["agencies"]}
    assert {sender, recipient} <= codes

    later = httpx.get(
        f"{hub.url}/hub/v1/agencies", params={"since": everything["version"]}, headers=sender_auth
    ).json()
    assert later["agencies"] == []


def test_a_package_resent_after_its_acknowledgement_is_not_listed_again(hub) -> None:
    sender, sender_auth, recipient, recipient_auth = two_systems(hub)
    body = package_bytes(sender, [recipient], number="44")
    delivery_id = send(hub, sender_auth, body, "k-1").json()["deliveries"][0]["delivery_id"]
    httpx.get(f"{hub.url}/hub/v1/packages/{delivery_id}", headers=recipient_auth)
    listed = httpx.get(f"{hub.url}/hub/v1/packages", headers=recipient_auth).json()["packages"]
    assert [(p["delivery_id"], p["state"]) for p in listed] == [(delivery_id, "fetched")]
    httpx.post(
        f"{hub.url}/hub/v1/packages/{delivery_id}/ack",
        json={"status": "done"},
        headers=recipient_auth,
    )

    again = send(hub, sender_auth, body, "k-2")

    assert again.json()["deliveries"][0] == {
        "recipient": recipient,
        "delivery_id": delivery_id,
        "state": "done",
        "duplicate": True,
    }
    assert httpx.get(f"{hub.url}/hub/v1/packages", headers=recipient_auth).json()["packages"] == []


def test_each_system_lists_only_what_waits_for_it(hub) -> None:
    sender, sender_auth, recipient, recipient_auth = two_systems(hub)
    other, secret = random_agency("H30"), random_secret()
    assert hub.register(other, secret, [other]).status_code == 201
    other_auth = hub.session(other, secret)

    sent = send(hub, sender_auth, package_bytes(sender, [recipient, other], number="45"), "k")

    ids = {d["recipient"]: d["delivery_id"] for d in sent.json()["deliveries"]}
    for code, auth in ((recipient, recipient_auth), (other, other_auth)):
        listed = httpx.get(f"{hub.url}/hub/v1/packages", headers=auth).json()["packages"]
        assert [p["delivery_id"] for p in listed] == [ids[code]]
