"""What a connector does with peers configured per agency (issue 13 items 3 and 5, ADR 0050):
attachments zipped the vendor libraries' way, the SDK's template signature, on the real servers.

Peers here are registered systems that post to the hub themselves, as another vendor's system
would; every package and zip is made by the test.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import httpx
import pytest
from exchange_testkit import (
    edxml_package,
    issued_document,
    minio_client,
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
from vanthu_contracts.events.exchange import PackageReceived
from vanthu_exchange.domain.edxml import AttachmentSource, DocumentType, read_package

TEXT = "Ghi chú cuộc họp về liên thông văn bản điện tử\n".encode() * 200


def zipped(files: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return sink.getvalue()


def library_package(
    sender: str,
    recipient: str,
    number: str,
    attachment: bytes,
    name: str,
    document_type: DocumentType | None = None,
):
    """As a vendor library writes it: the file zipped, zip on the attachment, the original type
    in the manifest, the SDK's template signature in the header."""
    package = edxml_package(
        sender,
        [recipient],
        number=number,
        document_type=document_type,
        attachments=[
            AttachmentSource(
                content_id="cid:1",
                name=name,
                content_type="application/zip",
                manifest_content_type="text/plain",
                stream=io.BytesIO(attachment),
            )
        ],
    )
    return with_sdk_template_signature(package)


@pytest.fixture(scope="module")
def peers(servers, tmp_path_factory, topics_ready):
    logs = tmp_path_factory.mktemp("exchange-peers")
    hub = start_hub(servers, logs, hub_id="hub-peers")
    province = random_agency("H41")
    lenient, strict, plain = random_agency("H49"), random_agency("H14"), random_agency("H30")
    codes = register_agencies(hub, province, lenient, strict, plain)
    receiver = start_connector(
        servers,
        logs,
        hub,
        province,
        codes[province],
        [province],
        extra_env={
            "VANTHU_EXCHANGE_PEERS": json.dumps(
                {
                    lenient: {"require_signature": False, "zip_attachments": True},
                    strict: {"require_signature": True},
                }
            )
        },
    )
    yield {
        "hub": hub,
        "receiver": receiver,
        "province": province,
        "lenient": lenient,
        "strict": strict,
        "plain": plain,
        "secrets": codes,
    }
    for process in (receiver.process, hub.process):
        process.stop()


@pytest.fixture
async def tap(platform_settings):
    async with tapping(
        platform_settings.kafka.bootstrap_servers, "exchange.inbound", "exchange.status"
    ) as tap:
        yield tap


async def post(hub, sender: str, secret: str, package: bytes, key: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=hub.url, timeout=30, headers=hub.session(sender, secret))
    sent = await client.post("/hub/v1/packages", content=package, headers={"Idempotency-Key": key})
    assert sent.status_code == 201, sent.text
    return client


async def status_back(client: httpx.AsyncClient, number: str) -> str:
    """The status answering the sender's document numbered ``number`` (edxml_package's code)."""

    async def waiting():
        pending = (await client.get("/hub/v1/packages")).json()["packages"]
        return [
            p
            for p in pending
            if p["kind"] == "status" and f",{number}/" in (p.get("document_code") or "")
        ]

    answers = await eventually(waiting, timeout=60, what="a status back to the sender")
    assert answers[0]["status_code"] == "02"
    return (await client.get(f"/hub/v1/packages/{answers[0]['delivery_id']}")).text


async def received_record(servers, deployment, sender: str):
    from pymongo import AsyncMongoClient

    client = AsyncMongoClient(servers.mongo_uri, tz_aware=True, retryWrites=False)
    try:
        return await client[deployment.database]["received_packages"].find_one(
            {"from_agency": sender, "outcome": "accepted"}
        )
    finally:
        await client.close()


async def test_a_zipped_unsigned_package_from_a_lenient_peer_arrives_unwrapped_with_its_zip_kept(
    peers, servers, tap
) -> None:
    lenient, province = peers["lenient"], peers["province"]
    wrapped = zipped({"ghi-chu.txt": TEXT})
    # Written with its ND 30 type code only, as some libraries do: read as Quyết định.
    package = library_package(
        lenient, province, "31", wrapped, "ghi-chu.txt", DocumentType(type_code="2")
    )

    client = await post(peers["hub"], lenient, peers["secrets"][lenient], package, "zip-1")
    await client.aclose()

    received = await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.from_agency_code == lenient
        ),
        timeout=60,
        what="the package registered at the province",
    )
    assert received[0].document_type.name == "Quyết định"
    (attachment,) = received[0].attachments
    assert attachment.name == "ghi-chu.txt"
    assert attachment.media_type == "text/plain"
    assert (attachment.sha256, attachment.size) == (hashlib.sha256(TEXT).hexdigest(), len(TEXT))
    assert received[0].signature.value == "none"
    record = await received_record(servers, peers["receiver"], lenient)
    assert record["signature"] == "unsigned"
    assert "XML-DSig" in record["signature_note"]
    (evidence,) = record["unwrapped_attachments"]
    assert evidence["received_sha256"] == hashlib.sha256(wrapped).hexdigest()
    assert evidence["entry_name"] == "ghi-chu.txt"
    kept = minio_client(servers).get_object(
        peers["receiver"].bucket, evidence["received_object_key"]
    )
    try:
        assert kept.read() == wrapped
    finally:
        kept.close()


async def test_a_zip_bomb_is_refused_with_status_02_saying_so(peers, tap) -> None:
    lenient, province = peers["lenient"], peers["province"]
    bomb = zipped({"bom.txt": b"\0" * (40 * 1024 * 1024)})
    package = library_package(lenient, province, "32", bomb, "bom.txt")

    client = await post(peers["hub"], lenient, peers["secrets"][lenient], package, "bomb-1")
    try:
        body = await status_back(client, "32")
    finally:
        await client.aclose()

    assert "Gói tin bị từ chối" in body
    assert "zip bomb refused" in body
    assert not tap.matching(lambda e: isinstance(e, PackageReceived) and e.code_number == "32")


async def test_the_sdk_template_signature_from_a_peer_required_to_sign_is_refused_with_the_reason(
    peers, tap
) -> None:
    strict, province = peers["strict"], peers["province"]
    package = library_package(strict, province, "33", zipped({"a.txt": TEXT}), "a.txt")

    client = await post(peers["hub"], strict, peers["secrets"][strict], package, "template-1")
    try:
        body = await status_back(client, "33")
    finally:
        await client.aclose()

    assert "Chữ ký số của gói tin không hợp lệ" in body
    assert f"{strict} is required to sign its packages" in body
    assert not tap.matching(
        lambda e: isinstance(e, PackageReceived) and e.from_agency_code == strict
    )


async def test_a_peer_expecting_zip_gets_its_files_zipped_and_a_plain_peer_the_files_as_they_are(
    peers, servers, publisher
) -> None:
    province, lenient, plain = peers["province"], peers["lenient"], peers["plain"]
    bucket = peers["receiver"].bucket
    notes = put_file(servers, bucket, TEXT, name="ghi-chu.txt").model_copy(
        update={"media_type": "text/plain"}
    )
    pdf = put_file(servers, bucket, b"%PDF-1.7 cong van", name="cong-van.pdf")
    document = issued_document(province, [lenient, plain], (pdf, notes))

    await publisher.publish(document)
    await publisher.publish(send_request(document, [lenient, plain]))

    zipped_read = await fetched_document(peers, lenient)
    plain_read = await fetched_document(peers, plain)

    by_name = {a.name: a for a in zipped_read[0].attachments}
    assert by_name["cong-van.pdf"].attachment_content_type == "application/pdf"
    assert by_name["ghi-chu.txt"].attachment_content_type == "application/zip"
    assert by_name["ghi-chu.txt"].manifest_content_type == "text/plain"
    with zipfile.ZipFile(io.BytesIO(zipped_read[1][by_name["ghi-chu.txt"].content_id])) as z:
        assert z.namelist() == ["ghi-chu.txt"]
        assert z.read("ghi-chu.txt") == TEXT
    plain_types = {a.name: a.attachment_content_type for a in plain_read[0].attachments}
    assert plain_types == {"cong-van.pdf": "application/pdf", "ghi-chu.txt": "text/plain"}
    (text_id,) = [a.content_id for a in plain_read[0].attachments if a.name == "ghi-chu.txt"]
    assert plain_read[1][text_id] == TEXT


async def fetched_document(peers, agency: str):
    """The document package waiting for ``agency`` at the hub, read, with its attachments."""
    body = await waiting_document(peers["hub"], agency, peers["secrets"][agency])
    files: dict[str, io.BytesIO] = {}

    def open_sink(start):
        files[start.content_id] = io.BytesIO()
        return files[start.content_id]

    read = read_package(io.BytesIO(body), open_sink)
    return read, {cid: sink.getvalue() for cid, sink in files.items()}
