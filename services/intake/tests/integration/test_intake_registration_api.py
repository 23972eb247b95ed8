"""A clerk registers incoming documents through the API and gets their arrival numbers."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
from harness.polling import eventually
from intake_testkit import events_keyed, form, header, metadata, tiny_pdf
from vanthu_intake.domain.vietnam_time import vietnam_today


async def test_a_registered_scan_gets_arrival_number_one_and_reads_back(clerk, agency) -> None:
    response = await clerk.post("/v1/documents", **form(metadata(), ("scan.pdf", tiny_pdf())))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["arrival_number"] == 1
    assert body["arrival_year"] == vietnam_today().year
    assert body["agency_code"] == agency
    assert body["files"][0]["media_type"] == "application/pdf"
    again = await clerk.get(f"/v1/documents/{body['id']}")
    assert again.status_code == 200
    assert again.json()["metadata"]["subject"] == "Về việc ban hành Quy chế công tác văn thư"


async def test_the_registration_is_announced_on_document_received_with_cloudevents_headers(
    intake, clerk, agency, platform_settings
) -> None:
    response = await clerk.post(
        "/v1/documents",
        headers={"X-Correlation-Id": "corr-registration-1"},
        **form(metadata(), ("scan.pdf", tiny_pdf())),
    )
    document_id = response.json()["id"]

    bootstrap = platform_settings.kafka.bootstrap_servers
    published = await eventually(
        lambda: events_keyed(bootstrap, "document.received", document_id),
        what="document.received for the new document",
    )

    message = published[0]
    assert message.key == document_id.encode()
    assert header(message, "ce_type") == "vanthu.intake.document.received.v2"
    assert header(message, "ce_source") == "/vanthu/intake"
    assert header(message, "ce_subject") == document_id
    assert header(message, "ce_agencycode") == agency
    assert header(message, "ce_correlationid") == "corr-registration-1"
    assert header(message, "ce_specversion") == "1.0"
    payload = json.loads(message.value)
    assert payload["arrival_number"] == 1
    assert payload["subject"] == "Về việc ban hành Quy chế công tác văn thư"


async def test_two_hundred_concurrent_registrations_get_exactly_numbers_one_to_two_hundred(
    clerk,
) -> None:
    async def register(i: int) -> int:
        response = await clerk.post(
            "/v1/documents",
            **form(metadata(code_number=str(1000 + i)), (f"{i}.pdf", tiny_pdf())),
        )
        assert response.status_code == 201, response.text
        return int(response.json()["arrival_number"])

    numbers = await asyncio.gather(*(register(i) for i in range(200)))

    assert sorted(numbers) == list(range(1, 201))


async def test_the_same_document_twice_is_refused_with_the_first_ones_id(clerk) -> None:
    meta = metadata()
    first = await clerk.post("/v1/documents", **form(meta, ("a.pdf", tiny_pdf())))

    again = await clerk.post("/v1/documents", **form(meta, ("b.pdf", tiny_pdf())))

    assert again.status_code == 409
    assert again.json()["existing_id"] == first.json()["id"]


async def test_the_same_scan_under_other_metadata_is_a_duplicate_too(clerk) -> None:
    scan = tiny_pdf()
    first = await clerk.post("/v1/documents", **form(metadata(), ("a.png", scan)))

    again = await clerk.post("/v1/documents", **form(metadata(), ("a.png", scan)))

    assert again.status_code == 409
    assert again.json()["existing_id"] == first.json()["id"]


async def test_a_duplicate_with_a_stated_reason_is_registered_and_points_to_the_first(
    clerk,
) -> None:
    meta = metadata()
    first = await clerk.post("/v1/documents", **form(meta, ("a.pdf", tiny_pdf())))

    again = await clerk.post(
        "/v1/documents",
        **form(meta, ("b.pdf", tiny_pdf()), register_anyway_reason="bản gốc thứ hai có bút phê"),
    )

    assert again.status_code == 201, again.text
    assert again.json()["duplicate_of"] == first.json()["id"]
    assert again.json()["arrival_number"] == 2


async def test_an_upload_over_the_size_limit_is_refused_and_takes_no_number(clerk) -> None:
    big = tiny_pdf() + b"\0" * 400_000

    response = await clerk.post("/v1/documents", **form(metadata(), ("big.png", big)))

    assert response.status_code == 413
    after = await clerk.post("/v1/documents", **form(metadata(), ("ok.pdf", tiny_pdf())))
    assert after.json()["arrival_number"] == 1


async def test_a_chunked_upload_far_over_the_limit_is_cut_off_and_takes_no_number(clerk) -> None:
    boundary = "vanthu-chunked"
    sent: list[int] = []

    async def body():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'
            f"{json.dumps(metadata())}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f'name="files"; filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        yield head.encode() + tiny_pdf()
        for _ in range(400):  # 400 MiB, sent without a Content-Length
            sent.append(1)
            yield b"\0" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        response = await clerk.post(
            "/v1/documents",
            content=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert response.status_code == 413
    except httpx.TransportError:
        pass  # the server closed the connection on the 413 while the client was still sending
    assert len(sent) < 400
    after = await clerk.post("/v1/documents", **form(metadata(), ("ok.pdf", tiny_pdf())))
    assert after.json()["arrival_number"] == 1


async def test_a_subject_that_is_not_valid_text_is_refused_and_takes_no_number(clerk) -> None:
    # json.dumps writes the lone surrogate as the escape \ud800, valid JSON but no valid text
    response = await clerk.post(
        "/v1/documents",
        data={"metadata": json.dumps(metadata(subject="Về việc \ud800"))},
        files=[("file", ("scan.pdf", tiny_pdf()))],
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "metadata.subject"
    after = await clerk.post("/v1/documents", **form(metadata(), ("ok.pdf", tiny_pdf())))
    assert after.json()["arrival_number"] == 1


async def test_metadata_nested_absurdly_deep_is_refused_naming_the_part(clerk) -> None:
    deep: dict = {}
    for _ in range(200):
        deep = {"x": deep}
    response = await clerk.post(
        "/v1/documents", **form(metadata(description=deep), ("scan.pdf", tiny_pdf()))
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "metadata"


async def test_a_word_file_named_pdf_is_refused_as_unsupported(clerk) -> None:
    docx = b"PK\x03\x04" + b"\0" * 200

    response = await clerk.post("/v1/documents", **form(metadata(), ("scan.pdf", docx)))

    assert response.status_code == 415
    assert "ZIP" in response.json()["detail"]


async def test_invalid_metadata_is_refused_naming_each_field(clerk) -> None:
    tomorrow = (vietnam_today() + timedelta(days=2)).isoformat()
    bad = metadata(code_notation="QĐ--BNV", issued_date=tomorrow)

    response = await clerk.post("/v1/documents", **form(bad, ("a.pdf", tiny_pdf())))

    assert response.status_code == 422
    fields = {problem["field"] for problem in response.json()["detail"]}
    assert fields == {"metadata.code_notation", "metadata.issued_date"}


async def test_metadata_that_is_not_json_is_refused_naming_the_part(clerk) -> None:
    response = await clerk.post(
        "/v1/documents", data={"metadata": "{not json"}, files=[("file", ("a.pdf", tiny_pdf()))]
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "metadata"


async def test_listing_pages_through_the_agencys_documents(clerk) -> None:
    for _ in range(3):
        await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))

    page = await clerk.get("/v1/documents", params={"limit": 2})

    assert page.status_code == 200
    assert page.json()["total"] == 3
    assert [d["arrival_number"] for d in page.json()["items"]] == [3, 2]


async def test_a_file_is_downloaded_by_a_short_lived_link_bit_for_bit(clerk) -> None:
    import httpx

    scan = tiny_pdf()
    created = (await clerk.post("/v1/documents", **form(metadata(), ("a.png", scan)))).json()
    file_id = created["files"][0]["file_id"]

    link = await clerk.get(f"/v1/documents/{created['id']}/files/{file_id}/link")

    assert link.status_code == 200
    async with httpx.AsyncClient() as anonymous:
        downloaded = await anonymous.get(link.json()["url"])
    assert downloaded.content == scan
