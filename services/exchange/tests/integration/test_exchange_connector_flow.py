"""Two deployments' connectors exchange a document through a hub, on the real servers."""

from __future__ import annotations

import uuid

import pytest
from exchange_testkit import (
    edxml_package,
    issued_document,
    login_form_token,
    minio_client,
    put_file,
    random_agency,
    random_secret,
    send_request,
    start_two_agencies,
    status_request,
    stopping,
    tapping,
)
from harness.hostile_files import scan_pdf
from harness.polling import eventually
from vanthu_contracts.events.exchange import (
    DeliveryStatusChanged,
    PackageReceived,
    ProcessingStatusReceived,
)
from vanthu_contracts.events.intake import OutgoingDocumentIssued
from vanthu_contracts.events.values import (
    BusinessType,
    StatusCode,
    SteeringType,
    TransportState,
)


@pytest.fixture(scope="module")
def exchange(servers, tmp_path_factory, topics_ready):
    agencies = start_two_agencies(
        servers, tmp_path_factory.mktemp("exchange-flow"), hub_id="hub-flow"
    )
    with stopping(*agencies.running.values()):
        yield agencies.as_dict()


@pytest.fixture
async def tap(platform_settings):
    async with tapping(
        platform_settings.kafka.bootstrap_servers, "exchange.inbound", "exchange.status"
    ) as tap:
        yield tap


async def test_a_sent_document_arrives_with_its_file_and_the_sender_hears_it_arrived(
    exchange, servers, publisher, tap
) -> None:
    ministry, province = exchange["ministry"], exchange["province"]
    pdf = b"%PDF-1.4 cong van " * 2000
    document = issued_document(
        ministry, [province], (put_file(servers, exchange["sender"].bucket, pdf),)
    )

    await publisher.publish(document)
    await publisher.publish(send_request(document, [province]))

    received = await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.document_code == document.document_code
        ),
        timeout=60,
        what="PackageReceived at the province",
    )
    event = received[0]
    assert event.agency_code == province
    assert event.from_agency_code == ministry
    assert event.signature.value == "valid"
    assert event.abstract == document.abstract
    assert [(a.sha256, a.size) for a in event.attachments] == [(document.files[0].sha256, len(pdf))]
    arrived = await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, ProcessingStatusReceived) and e.document_id == document.document_id
            )
        ),
        timeout=60,
        what="status 01 back at the ministry",
    )
    assert arrived[0].status_code is StatusCode.ARRIVED
    assert arrived[0].from_agency_code == province
    await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, DeliveryStatusChanged)
                and e.document_id == document.document_id
                and e.transport is TransportState.ACKNOWLEDGED
            )
        ),
        timeout=60,
        what="delivery acknowledged",
    )


async def test_the_documents_content_steering_sphere_and_typist_arrive_with_it(
    exchange, servers, publisher, tap
) -> None:
    ministry, province = exchange["ministry"], exchange["province"]
    plain = issued_document(
        ministry, [province], (put_file(servers, exchange["sender"].bucket, b"%PDF-1.4 y"),)
    )
    document = OutgoingDocumentIssued.model_validate(
        {
            **plain.model_dump(by_alias=True),
            "content": "Các tỉnh báo cáo trước ngày 30/11.\nMẫu báo cáo kèm theo.",
            "steering_type": SteeringType.STEERING_REPORT,
            "sphere_of_promulgation": "Liên thông văn bản quốc gia",
            "typer_notation": "TTB",
        }
    )

    await publisher.publish(document)
    await publisher.publish(send_request(document, [province]))

    received = await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.document_code == document.document_code
        ),
        timeout=60,
        what="PackageReceived at the province",
    )
    event = received[0]
    assert event.content == document.content
    assert event.steering_type is SteeringType.STEERING_REPORT
    assert event.sphere_of_promulgation == "Liên thông văn bản quốc gia"
    assert event.typer_notation == "TTB"


async def test_processing_statuses_flow_back_in_order_and_a_revocation_freezes_the_copy(
    exchange, servers, publisher, tap
) -> None:
    ministry, province = exchange["ministry"], exchange["province"]
    document = issued_document(
        ministry, [province], (put_file(servers, exchange["sender"].bucket, b"%PDF-1.4 x"),)
    )
    await publisher.publish(document)
    await publisher.publish(send_request(document, [province]))
    await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.document_code == document.document_code
        ),
        timeout=60,
        what="arrival",
    )

    for code in (StatusCode.ACCEPTED, StatusCode.ASSIGNED, StatusCode.COMPLETED):
        await publisher.publish(status_request(province, ministry, document.document_code, code))
        await eventually(
            lambda code=code: tap.matching(
                lambda e: (
                    isinstance(e, ProcessingStatusReceived)
                    and e.document_id == document.document_id
                    and e.status_code is code
                )
            ),
            timeout=60,
            what=f"status {code.value}",
        )

    await publisher.publish(
        send_request(document, [province], BusinessType.REVOKE, document.document_code)
    )
    revoked = await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, PackageReceived)
                and e.business_type is BusinessType.REVOKE
                and e.target_document_code == document.document_code
            )
        ),
        timeout=60,
        what="revocation at the province",
    )
    assert revoked[0].agency_code == province
    answer = await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, ProcessingStatusReceived)
                and e.document_id == document.document_id
                and e.status_code in (StatusCode.RECALL_ACCEPTED, StatusCode.RECALL_REFUSED)
            )
        ),
        timeout=60,
        what="answer to the recall",
    )
    assert answer[0].status_code is StatusCode.RECALL_ACCEPTED
    # Intake, running beside us on the same topics, may ask for 01 and 03 too: each status still
    # reaches the ministry once, in the order it happened.
    reports = tap.matching(
        lambda e: isinstance(e, ProcessingStatusReceived) and e.document_id == document.document_id
    )
    unique_reports = {e.package_id: e.status_code for e in reports}
    assert len(reports) == len(unique_reports), "a status event was published twice"
    assert list(unique_reports.values()) == [
        StatusCode.ARRIVED,
        StatusCode.ACCEPTED,
        StatusCode.ASSIGNED,
        StatusCode.COMPLETED,
        StatusCode.RECALL_ACCEPTED,
    ]


def _forged_package(sender: str, recipient: str) -> bytes:
    """A package signed with a key the hub's directory does not know for ``sender``."""
    from vanthu_exchange.domain.signing_keys import self_signed_key, signer_from_pem

    return edxml_package(
        sender,
        [recipient],
        number="77",
        notation="GM-VP",
        subject="Giấy mời họp",
        signer=signer_from_pem(*self_signed_key(sender)),
    )


async def test_a_package_with_a_signature_the_directory_cannot_vouch_for_is_refused_with_status_02(
    exchange, tap
) -> None:
    import httpx

    hub, province = exchange["hub"], exchange["province"]
    forger, secret = random_agency("H49"), random_secret()
    assert hub.register(forger, secret, [forger]).status_code == 201
    auth = hub.session(forger, secret)

    client = httpx.AsyncClient(base_url=hub.url, timeout=30)
    sent = await client.post(
        "/hub/v1/packages",
        content=_forged_package(forger, province),
        headers={**auth, "Idempotency-Key": "forged-1"},
    )
    assert sent.status_code == 201, sent.text

    async def answer_waiting():
        pending = (await client.get("/hub/v1/packages", headers=auth)).json()["packages"]
        return [p for p in pending if p["kind"] == "status"]

    answers = await eventually(answer_waiting, timeout=60, what="status 02 back to the forger")
    assert answers[0]["status_code"] == "02"
    body = (await client.get(f"/hub/v1/packages/{answers[0]['delivery_id']}", headers=auth)).text
    assert "Chữ ký số của gói tin không hợp lệ" in body
    sent_state = (await client.get("/hub/v1/sent", headers=auth)).json()["deliveries"]
    await client.aclose()
    assert [d["state"] for d in sent_state if d["kind"] == "edoc"] == ["failed"]
    assert not tap.matching(
        lambda e: isinstance(e, PackageReceived) and e.from_agency_code == forger
    )


async def test_an_agency_without_a_system_reads_downloads_and_answers_on_the_portal(
    exchange, servers, publisher, tap
) -> None:
    import httpx

    hub, ministry = exchange["hub"], exchange["ministry"]
    commune, secret = random_agency("H41"), random_secret()
    assert hub.register(commune, secret, [commune]).status_code == 201
    pdf = b"%PDF-1.4 giay moi hop " * 300
    document = issued_document(
        ministry, [commune], (put_file(servers, exchange["sender"].bucket, pdf),)
    )
    await publisher.publish(document)
    await publisher.publish(send_request(document, [commune]))

    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as browser:
        login_token = login_form_token((await browser.get("/portal/login")).text)
        wrong = await browser.post(
            "/portal/login",
            data={"agency_code": commune, "secret": "sai-mat-khau", "csrf_token": login_token},
        )
        assert wrong.status_code == 401
        assert "không đúng" in wrong.text

        async def signed_in() -> bool:
            # Right after a wrong secret the hub asks for a second's patience (back-off).
            answer = await browser.post(
                "/portal/login",
                data={"agency_code": commune, "secret": secret, "csrf_token": login_token},
            )
            return answer.status_code == 303

        await eventually(signed_in, timeout=10, what="signed in on the portal")

        async def listed() -> str | None:
            page = (await browser.get("/portal/inbox")).text
            return page if document.abstract in page else None

        inbox = await eventually(listed, timeout=60, what="the document in the portal inbox")
        delivery_id = inbox.split('href="/portal/packages/')[1].split('"')[0]
        page = (await browser.get(f"/portal/packages/{delivery_id}")).text
        assert "cong-van.pdf" in page
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        download = await browser.get(f"/portal/packages/{delivery_id}/attachments/0")
        assert download.content == pdf
        acknowledged = await browser.post(
            f"/portal/packages/{delivery_id}/ack", data={"csrf_token": token}
        )
        assert "Đã xác nhận" in acknowledged.text
        answered = await browser.post(
            f"/portal/packages/{delivery_id}/status",
            data={
                "status_code": "03",
                "staff": "Nguyễn Thị Hoa",
                "description": "Đã vào sổ",
                "csrf_token": token,
            },
        )
        assert answered.status_code == 200, answered.text
        replied = await browser.post(
            f"/portal/packages/{delivery_id}/reply",
            data={
                "code_number": "05",
                "code_notation": "UBND-VP",
                "subject": "V/v xác nhận dự họp",
                "csrf_token": token,
            },
            files={"file": ("tra-loi.pdf", scan_pdf(dpi=30), "application/pdf")},
        )
        assert replied.status_code == 200, replied.text
        stranger = httpx.AsyncClient(base_url=hub.url)
        assert (await stranger.get(f"/portal/packages/{delivery_id}")).status_code == 303
        await stranger.aclose()

    status = await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, ProcessingStatusReceived)
                and e.document_id == document.document_id
                and e.status_code is StatusCode.ACCEPTED
            )
        ),
        timeout=60,
        what="status 03 from the portal at the ministry",
    )
    assert status[0].from_agency_code == commune
    reply = await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.from_agency_code == commune
        ),
        timeout=60,
        what="the reply document at the ministry",
    )
    assert reply[0].agency_code == ministry
    assert reply[0].signature.value == "valid"


async def test_a_document_whose_file_is_gone_fails_alone_and_the_documents_behind_it_go(
    exchange, servers, publisher, tap
) -> None:
    ministry, province = exchange["ministry"], exchange["province"]
    bucket = exchange["sender"].bucket
    lost_file = put_file(servers, bucket, b"%PDF-1.4 removed " + uuid.uuid4().bytes)
    minio_client(servers).remove_object(bucket, lost_file.object_key)
    lost = issued_document(ministry, [province], (lost_file,))
    await publisher.publish(lost)
    await publisher.publish(send_request(lost, [province]))
    behind = issued_document(ministry, [province], (put_file(servers, bucket, b"%PDF behind"),))
    await publisher.publish(behind)
    await publisher.publish(send_request(behind, [province]))

    failed = await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, DeliveryStatusChanged)
                and e.document_id == lost.document_id
                and e.transport is TransportState.FAILED
            )
        ),
        timeout=60,
        what="the document whose file is gone failed",
    )
    assert failed[0].recipient_agency_code == province
    assert "no longer stored" in (failed[0].reason or "")
    await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.document_code == behind.document_code
        ),
        timeout=60,
        what="the document behind it at the province",
    )


async def _held_copy(servers, deployment, sender: str, document_code: str):
    from pymongo import AsyncMongoClient

    client = AsyncMongoClient(servers.mongo_uri, tz_aware=True, retryWrites=False)
    try:
        return await client[deployment.database]["received_packages"].find_one(
            {"from_agency": sender, "document_code": document_code, "business_type": "new"}
        )
    finally:
        await client.close()


async def test_an_update_and_a_replacement_reach_the_recipient_whose_copy_records_them(
    exchange, servers, publisher, tap
) -> None:
    hub, ministry, province = exchange["hub"], exchange["ministry"], exchange["province"]
    added = random_agency("H14")
    assert hub.register(added, random_secret(), [added]).status_code == 201
    bucket = exchange["sender"].bucket
    original = issued_document(ministry, [province], (put_file(servers, bucket, b"%PDF v1"),))
    await publisher.publish(original)
    await publisher.publish(send_request(original, [province]))
    await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.document_code == original.document_code
        ),
        timeout=60,
        what="the original at the province",
    )

    updated = issued_document(ministry, [province, added], (put_file(servers, bucket, b"%PDF v2"),))
    await publisher.publish(updated)
    await publisher.publish(
        send_request(updated, [province, added], BusinessType.UPDATE, original.document_code)
    )
    update = await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, PackageReceived)
                and e.business_type is BusinessType.UPDATE
                and e.target_document_code == original.document_code
            )
        ),
        timeout=60,
        what="the update at the province",
    )
    assert update[0].document_code == updated.document_code

    async def copy_changed(field: str):
        copy = await _held_copy(servers, exchange["receiver"], ministry, original.document_code)
        return copy if copy and copy.get(field) else None

    copy = await eventually(
        lambda: copy_changed("updated_by"), timeout=30, what="the copy records the update"
    )
    [change] = copy["changes"]
    assert change["business_type"] == "update"
    assert change["document_code"] == updated.document_code
    assert change["receivers_changed"] is True
    assert change["receiver_changes"] == [{"agency_code": added, "change": "added"}]

    replacement = issued_document(ministry, [province], (put_file(servers, bucket, b"%PDF v3"),))
    await publisher.publish(replacement)
    await publisher.publish(
        send_request(replacement, [province], BusinessType.REPLACE, original.document_code)
    )
    copy = await eventually(
        lambda: copy_changed("replaced_by"), timeout=60, what="the copy records the replacement"
    )
    assert [c["business_type"] for c in copy["changes"]] == ["update", "replace"]
    assert copy["changes"][1]["document_code"] == replacement.document_code
    assert copy["changes"][1]["replacements"] == [
        {"document_code": original.document_code, "agency_codes": [province]}
    ]
    assert not copy.get("frozen"), "an update or a replacement does not revoke the copy"
