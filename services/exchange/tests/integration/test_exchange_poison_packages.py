"""A partner's bad package cannot block an agency: the hub refuses it, and one that reached the
hub's store anyway is set aside (refused with status 02 and listed for the operator) while the
next package is taken in (issue 16 item 4)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from exchange_testkit import (
    HubProcess,
    edxml_package,
    minio_client,
    publish_certificate,
    random_agency,
    random_secret,
    start_connector,
    start_hub,
    tapping,
)
from harness.polling import eventually
from pymongo import MongoClient
from vanthu_contracts.events.exchange import PackageReceived
from vanthu_exchange.domain.edxml import AttachmentSource
from vanthu_exchange.domain.signing_keys import self_signed_key, signer_from_pem

HEADER_BREAKERS = {
    "ContentType": {"content_type": "application/pdf\r\nX-Injected: 1"},
    "AttachmentName": {"name": "bao-cao\r\n.pdf"},
    "ContentId": {"content_id": "cid:\r\n1"},
    "DocumentId": {"notation": "SNV-VP\r\nX"},  # the notation is part of the id
}


def attachment(
    *, content_id: str = "cid:1", name: str = "bao-cao.pdf", content_type: str = "application/pdf"
) -> AttachmentSource:
    return AttachmentSource(content_id, name, content_type, io.BytesIO(b"%PDF-1.4 bao cao" * 50))


def hostile_package(
    sender: str, recipient: str, breaker: dict[str, str], signer=None, number: str = "13"
) -> bytes:
    notation = breaker.get("notation", "SNV-VP")
    fields = {k: v for k, v in breaker.items() if k != "notation"}
    return edxml_package(
        sender,
        [recipient],
        number=number,
        notation=notation,
        attachments=[attachment(**fields)],
        signer=signer,
    )


def send(hub: HubProcess, auth: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(
        f"{hub.url}/hub/v1/packages",
        content=body,
        headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )


@pytest.fixture(scope="module")
def hub(servers, tmp_path_factory) -> HubProcess:
    started = start_hub(servers, tmp_path_factory.mktemp("poison-logs"), hub_id="hub-poison")
    yield started
    started.process.stop()


@pytest.mark.parametrize("field", HEADER_BREAKERS)
def test_a_package_with_a_line_break_in_a_header_like_field_is_refused_by_the_hub_naming_it(
    hub, field
) -> None:
    sender, recipient = random_agency("H41"), random_agency("H14")
    secrets_ = {sender: random_secret(), recipient: random_secret()}
    for code in (sender, recipient):
        assert hub.register(code, secrets_[code], [code]).status_code == 201

    response = send(
        hub,
        hub.session(sender, secrets_[sender]),
        hostile_package(sender, recipient, HEADER_BREAKERS[field]),
    )

    assert response.status_code == 422
    assert response.json()["detail"]["field"] == "package"
    assert field in response.json()["detail"]["reason"]
    waiting = httpx.get(
        f"{hub.url}/hub/v1/packages", headers=hub.session(recipient, secrets_[recipient])
    )
    assert waiting.json()["packages"] == []


def inject_delivery(
    servers, hub: HubProcess, body: bytes, *, sender: str, recipient: str, created_at: datetime
) -> str:
    """A package written into the hub's store as the hub writes an accepted one, past its checks."""
    sha = hashlib.sha256(body).hexdigest()
    key = f"hub/packages/{sha}"
    client = minio_client(servers)
    if not client.bucket_exists(hub.bucket):
        client.make_bucket(hub.bucket)
    client.put_object(hub.bucket, key, io.BytesIO(body), len(body), content_type="application/xml")
    delivery_id = str(uuid.uuid4())
    with MongoClient(servers.mongo_uri) as mongo:
        mongo[hub.database]["hub_deliveries"].insert_one(
            {
                "_id": delivery_id,
                "kind": "edoc",
                "sender_system": sender,
                "from_agency": sender,
                "recipient": recipient,
                "recipient_system": recipient,
                "peer_hub": None,
                "state": "pending",
                "object_key": key,
                "sha256": sha,
                "size": len(body),
                "idempotency_key": delivery_id,
                "hub_trace": ["hub-poison"],
                "created_at": created_at,
                "updated_at": created_at,
                "document_code": f"{sender},2026/11/20,13/SNV-VP",
                "subject": "V/v gói tin hỏng",
                "business_doc_type": 0,
                "target_document_code": None,
            }
        )
    return delivery_id


@pytest.fixture
async def tap(platform_settings):
    async with tapping(platform_settings.kafka.bootstrap_servers, "exchange.inbound") as tap:
        yield tap


def set_aside_listing(servers, database: str) -> list[dict[str, object]]:
    env = {
        **os.environ,
        **servers.env(),
        "VANTHU_MONGO_DATABASE": database,
    }
    done = subprocess.run(
        [sys.executable, "-m", "vanthu_runtime.cli", "exchange", "set-aside", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


async def test_a_package_that_slipped_past_the_hub_is_set_aside_and_the_next_one_is_taken(
    hub, servers, tmp_path_factory, topics_ready, tap
) -> None:
    sender, recipient = random_agency("H41"), random_agency("H14")
    secrets_ = {sender: random_secret(), recipient: random_secret()}
    for code in (sender, recipient):
        assert hub.register(code, secrets_[code], [code]).status_code == 201
    sender_auth = hub.session(sender, secrets_[sender])
    key_pem, certificate_pem = self_signed_key(sender)
    assert publish_certificate(hub, sender_auth, sender, certificate_pem).status_code == 200
    signer = signer_from_pem(key_pem, certificate_pem)
    poison = hostile_package(sender, recipient, HEADER_BREAKERS["ContentType"], signer)
    poisoned = inject_delivery(
        servers,
        hub,
        poison,
        sender=sender,
        recipient=recipient,
        created_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    good = edxml_package(
        sender, [recipient], number="77", attachments=[attachment()], signer=signer
    )
    assert send(hub, sender_auth, good).status_code == 201
    connector = start_connector(
        servers,
        tmp_path_factory.mktemp("poison-connector"),
        hub,
        recipient,
        secrets_[recipient],
        [recipient],
    )
    try:
        received = await eventually(
            lambda: tap.matching(
                lambda e: isinstance(e, PackageReceived) and e.agency_code == recipient
            ),
            timeout=60,
            what="the good package taken in after the bad one",
        )
        assert [e.code_number for e in received] == ["77"]

        def sent_states() -> dict[str, dict[str, object]]:
            answer = httpx.get(f"{hub.url}/hub/v1/sent", headers=sender_auth, timeout=10)
            return {d["delivery_id"]: d for d in answer.json()["deliveries"]}

        refused = await eventually(
            lambda: (d := sent_states().get(poisoned)) and d["state"] == "failed" and d,
            timeout=60,
            what="the bad package acknowledged as failed at the hub",
        )
        assert "ContentType" in refused["reason"]

        def statuses_back() -> list[dict[str, object]]:
            answer = httpx.get(f"{hub.url}/hub/v1/packages", headers=sender_auth, timeout=10)
            return [p for p in answer.json()["packages"] if p["kind"] == "status"]

        back = await eventually(
            lambda: [p for p in statuses_back() if p["status_code"] == "02"],
            timeout=60,
            what="status 02 back at the sender",
        )
        assert back[0]["document_code"] == f"{sender},2026/11/20,13/SNV-VP"
        listed = set_aside_listing(servers, connector.database)
        assert [(e["delivery_id"], e["from_agency"]) for e in listed] == [(poisoned, sender)]
        assert "ContentType" in str(listed[0]["reason"])
    finally:
        connector.process.stop()
