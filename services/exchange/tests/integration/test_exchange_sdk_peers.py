"""Peers that sign as the VPCP SDK does, or only carry its template block, on the real servers
with intake's worker registering what the connector takes in (issue 13 "How to prove it";
items 5; ADRs 0050 and 0053).

The peers are registered systems posting to the hub themselves, as another vendor's system
would; every package and key is made by the test.
"""

from __future__ import annotations

import io
import json
import secrets
from datetime import UTC, datetime

import httpx
import pytest
from exchange_testkit import (
    base_env,
    edxml_package,
    issued_document,
    publish_certificate,
    put_file,
    random_agency,
    register_agencies,
    send_request,
    start_connector,
    start_hub,
    tapping,
    waiting_document,
    with_sdk_template_signature,
)
from harness.polling import eventually
from harness.processes import ServiceProcess, free_port
from vanthu_contracts.events.intake import DocumentReceived
from vanthu_exchange.domain.edxml import (
    AttachmentSource,
    SignatureProfile,
    SignatureStatus,
    read_package,
    verify_package_signature,
)
from vanthu_exchange.domain.signing_keys import (
    certificate_from_pem,
    self_signed_key,
    signer_from_pem,
)
from vanthu_runtime.mongo import MongoDocument

PDF = b"%PDF-1.7 cong van gui qua truc lien thong"
DSIG = "http://www.w3.org/2000/09/xmldsig#"


def pdf_attachment() -> AttachmentSource:
    return AttachmentSource(
        content_id="cid:1",
        name="cong-van.pdf",
        content_type="application/pdf",
        stream=io.BytesIO(PDF),
    )


def template_signed(sender: str, recipient: str, number: str, subject: str) -> bytes:
    package = edxml_package(
        sender, [recipient], number=number, subject=subject, attachments=[pdf_attachment()]
    )
    return with_sdk_template_signature(package)


@pytest.fixture(scope="module")
def peers(servers, tmp_path_factory, topics_ready):
    logs = tmp_path_factory.mktemp("exchange-sdk-peers")
    hub = start_hub(servers, logs, hub_id="hub-sdk-peers")
    province = random_agency("H41")
    lenient, strict = random_agency("H49"), random_agency("H14")
    sdk, modern = random_agency("H30"), random_agency("H22")
    codes = register_agencies(hub, province, lenient, strict, sdk, modern)
    keys = {}
    for code in (sdk, modern):
        key_pem, certificate_pem = self_signed_key(code)
        keys[code] = signer_from_pem(key_pem, certificate_pem)
        published = publish_certificate(hub, hub.session(code, codes[code]), code, certificate_pem)
        assert published.status_code == 200, published.text
    bucket = f"conn-{secrets.token_hex(4)}"
    receiver = start_connector(
        servers,
        logs,
        hub,
        province,
        codes[province],
        [province],
        bucket=bucket,
        extra_env={
            "VANTHU_EXCHANGE_PEERS": json.dumps(
                {
                    lenient: {"require_signature": False},
                    strict: {"require_signature": True},
                    sdk: {"sdk_signature": True},
                }
            )
        },
    )
    # Intake's worker: the province's registry, reading the files from the connector's bucket.
    intake = ServiceProcess(
        "intake",
        "worker",
        free_port(),
        {
            **base_env(servers),
            "VANTHU_MONGO_DATABASE": f"intake_{secrets.token_hex(4)}",
            "VANTHU_S3_BUCKET": bucket,
            "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        },
        logs / "intake-worker.log",
    ).start()
    intake.wait_ready()
    yield {
        "intake_database": intake.env["VANTHU_MONGO_DATABASE"],
        "hub": hub,
        "receiver": receiver,
        "province": province,
        "lenient": lenient,
        "strict": strict,
        "sdk": sdk,
        "modern": modern,
        "secrets": codes,
        "keys": keys,
    }
    for process in (intake, receiver.process, hub.process):
        process.stop()


@pytest.fixture
async def tap(platform_settings):
    async with tapping(platform_settings.kafka.bootstrap_servers, "document.received") as tap:
        yield tap


async def post(peers, sender: str, package: bytes) -> httpx.AsyncClient:
    hub = peers["hub"]
    client = httpx.AsyncClient(
        base_url=hub.url, timeout=30, headers=hub.session(sender, peers["secrets"][sender])
    )
    sent = await client.post(
        "/hub/v1/packages", content=package, headers={"Idempotency-Key": secrets.token_hex(8)}
    )
    assert sent.status_code == 201, sent.text
    return client


async def statuses_back(client: httpx.AsyncClient, number: str, wanted: set[str]):
    """The status packages answering the sender's document numbered ``number``, by code, once
    every code of ``wanted`` came back."""

    async def waiting():
        pending = (await client.get("/hub/v1/packages")).json()["packages"]
        answers = {
            p["status_code"]: p
            for p in pending
            if p["kind"] == "status" and f",{number}/" in (p.get("document_code") or "")
        }
        return answers if wanted <= answers.keys() else None

    answers = await eventually(waiting, timeout=90, what=f"statuses {sorted(wanted)} back")
    return {
        code: (await client.get(f"/hub/v1/packages/{p['delivery_id']}")).text
        for code, p in answers.items()
    }


async def in_our_register(servers, peers, sender: str) -> MongoDocument | None:
    """The document our intake worker registered at the province from ``sender``."""
    from pymongo import AsyncMongoClient

    client = AsyncMongoClient(servers.mongo_uri, tz_aware=True, retryWrites=False)
    try:
        return await client[peers["intake_database"]]["intake_documents"].find_one(
            {"agency_code": peers["province"], "exchange.sender_agency_code": sender}
        )
    finally:
        await client.close()


def registered(tap, province: str, subject: str) -> list[DocumentReceived]:
    return tap.matching(
        lambda e: (
            isinstance(e, DocumentReceived) and e.agency_code == province and e.abstract == subject
        )
    )


async def test_a_template_signed_package_from_a_peer_not_required_to_sign_is_registered_by_intake(
    peers, servers, tap
) -> None:
    lenient, province = peers["lenient"], peers["province"]
    subject = f"V/v thử gói tin mẫu chữ ký {secrets.token_hex(3)}"

    client = await post(peers, lenient, template_signed(lenient, province, "41", subject))
    try:
        answers = await statuses_back(client, "41", {"01", "03"})
    finally:
        await client.aclose()

    # Other intake workers on the shared broker may register it in their registries too.
    document, *_ = await eventually(
        lambda: registered(tap, province, subject), timeout=60, what="intake's registration"
    )
    assert document.exchange is not None
    assert document.exchange.sender_agency_code == lenient
    assert document.arrival_number >= 1
    assert [f.name for f in document.files] == ["cong-van.pdf"]
    assert "02" not in answers
    assert await in_our_register(servers, peers, lenient) is not None


async def test_a_template_signed_package_from_a_peer_required_to_sign_is_refused_with_the_reason(
    peers, servers, tap
) -> None:
    strict, province = peers["strict"], peers["province"]
    subject = f"V/v gói tin không ký {secrets.token_hex(3)}"

    client = await post(peers, strict, template_signed(strict, province, "42", subject))
    try:
        answers = await statuses_back(client, "42", {"02"})
    finally:
        await client.aclose()

    assert "Chữ ký số của gói tin không hợp lệ" in answers["02"]
    assert f"{strict} is required to sign its packages" in answers["02"]
    assert not registered(tap, province, subject)
    assert await in_our_register(servers, peers, strict) is None


async def test_a_package_signed_the_sdks_way_by_a_peer_configured_so_is_registered(
    peers, servers, tap
) -> None:
    sdk, province = peers["sdk"], peers["province"]
    subject = f"V/v gói tin ký theo SDK {secrets.token_hex(3)}"
    package = edxml_package(
        sdk,
        [province],
        number="43",
        subject=subject,
        attachments=[pdf_attachment()],
        signer=peers["keys"][sdk],
        signature_profile=SignatureProfile.SDK,
    )
    assert b"xmldsig#rsa-sha1" in package

    client = await post(peers, sdk, package)
    try:
        await statuses_back(client, "43", {"01", "03"})
    finally:
        await client.aclose()

    # Other intake workers on the shared broker may register it in their registries too.
    document, *_ = await eventually(
        lambda: registered(tap, province, subject), timeout=60, what="intake's registration"
    )
    assert document.exchange.sender_agency_code == sdk
    assert await in_our_register(servers, peers, sdk) is not None


async def test_a_sha1_signature_from_a_peer_not_configured_for_the_sdks_profile_is_refused(
    peers, tap
) -> None:
    modern, province = peers["modern"], peers["province"]
    subject = f"V/v gói tin SHA-1 {secrets.token_hex(3)}"
    package = edxml_package(
        modern,
        [province],
        number="44",
        subject=subject,
        attachments=[pdf_attachment()],
        signer=peers["keys"][modern],
        signature_profile=SignatureProfile.SDK,
    )

    client = await post(peers, modern, package)
    try:
        answers = await statuses_back(client, "44", {"02"})
    finally:
        await client.aclose()

    assert f"{modern} signed with SHA-1" in answers["02"]
    assert "accepted only from peers configured" in answers["02"]
    assert not registered(tap, province, subject)


async def test_a_document_goes_to_an_sdk_peer_signed_the_sdks_way_and_to_another_signed_ours(
    peers, servers, publisher
) -> None:
    province, sdk, modern = peers["province"], peers["sdk"], peers["modern"]
    pdf = put_file(servers, peers["receiver"].bucket, PDF, name="cong-van.pdf")
    document = issued_document(province, [sdk, modern], (pdf,))

    await publisher.publish(document)
    await publisher.publish(send_request(document, [sdk, modern]))

    hub = peers["hub"]
    async with httpx.AsyncClient(base_url=hub.url, timeout=10) as client:
        answer = await client.get(
            "/hub/v1/agencies", headers=hub.session(sdk, peers["secrets"][sdk])
        )
    directory = answer.json()["agencies"]
    (entry,) = [a for a in directory if a["code"] == province]
    certificate = certificate_from_pem(entry["certificate_pem"])
    methods = {}
    for agency in (sdk, modern):
        body = await waiting_document(hub, agency, peers["secrets"][agency])
        read = read_package(io.BytesIO(body))
        verdict = verify_package_signature(read, lambda code: [certificate])
        assert verdict.status is SignatureStatus.VALID, verdict.reason
        methods[agency] = verdict.legacy_algorithm
    assert methods == {sdk: True, modern: False}
