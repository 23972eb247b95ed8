"""Files are opened for real at every upload endpoint: a hostile corpus is refused with nothing
stored anywhere, a password-protected PDF is registered flagged, and a scanner's PDF 1.3 is
registered whatever its label, kept bit-exact, with a PDF/A derivative that meets ND 30."""

from __future__ import annotations

import asyncio
import io
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pikepdf
import pytest
from aiokafka import TopicPartition
from harness import hostile_files
from harness.kafka_reads import end_offsets
from harness.pdfs import one_page_pdf
from harness.polling import eventually
from intake_testkit import FONT, fold, form, metadata
from PIL import Image, ImageDraw, ImageFont
from pymongo import AsyncMongoClient
from vanthu_contracts.topics import topics_published_by
from vanthu_runtime.file_checks import (
    content_disposition,
    digitised_copy_problems,
    safe_display_name,
)
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.minio_blob_store import create_minio_client
from vanthu_runtime.settings import KafkaSettings

from conftest import running_intake

BUCKET = f"test-files-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
async def intake(servers, platform_settings, topics_ready):
    """Its own database, bucket and worker: what it stores is counted, and OCR waits for nobody."""
    async with running_intake(servers, platform_settings, bucket=BUCKET) as running:
        yield running


@dataclass(frozen=True)
class Stored:
    documents: dict[str, int]
    """Documents of the test's agency in each of intake's collections (its worker also takes in
    what other test sessions publish on the shared topics: their packages, statuses)."""
    objects: int
    """Objects in intake's bucket."""
    ends: dict[TopicPartition, int]
    """Where each partition of intake's topics ended."""


@pytest.fixture
async def stored(intake, agency, servers, platform_settings) -> AsyncIterator:
    mongo: AsyncMongoClient = AsyncMongoClient(servers.mongo_uri, tz_aware=True)
    database = mongo[intake.env["VANTHU_MONGO_DATABASE"]]
    blobs = create_minio_client(platform_settings.s3)
    bootstrap = platform_settings.kafka.bootstrap_servers

    async def now() -> Stored:
        documents = {}
        for name in sorted(await database.list_collection_names()):
            documents[name] = sum([agency in repr(doc) async for doc in database[name].find({})])
        objects = await asyncio.to_thread(
            lambda: sum(1 for _ in blobs.list_objects(BUCKET, recursive=True))
        )
        ends: dict[TopicPartition, int] = {}
        for spec in topics_published_by("intake"):
            ends |= await end_offsets(bootstrap, spec.name)
        return Stored(documents, objects, ends)

    try:
        yield now
    finally:
        await mongo.close()


async def records_of_agency_between(
    bootstrap: str, start: dict[TopicPartition, int], end: dict[TopicPartition, int], agency: str
) -> list:
    """The records published for `agency` between two snapshots of intake's topics (other
    test sessions share the broker, so the offsets alone may move)."""
    tps = [tp for tp in end if end[tp] > start.get(tp, 0)]
    if not tps:
        # No consumer at all: one stopped right after its start raises aiokafka's CancelledError
        # (its coordinator's task is cancelled before it ever ran).
        return []
    consumer = create_consumer(KafkaSettings(bootstrap_servers=bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, start.get(tp, 0))
        found = []
        while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, messages in batch.items():
                for message in messages:
                    headers = dict(message.headers or ())
                    if message.offset < end[tp] and headers.get("ce_agencycode") == agency.encode():
                        found.append(message)
        return found
    finally:
        await consumer.stop()


def outgoing_form(data: bytes, name: str) -> dict:
    meta = {
        "document_type": "Công văn",
        "subject": "Về việc báo cáo công tác văn thư",
        "signer": {"position": "Chánh Văn phòng", "full_name": "Lê Văn Cường"},
        "recipients": [{"name": "Phòng Văn xã", "unit_id": "unit-vx"}],
        "drafting_unit_abbreviation": "VX",
    }
    return form(meta, (name, data), agency_abbreviation="UBND")


UPLOADS = {
    "incoming, paper": lambda name, data: (
        "/v1/documents",
        form(metadata(channel="paper"), (name, data)),
    ),
    "incoming, electronic": lambda name, data: (
        "/v1/documents",
        form(metadata(channel="electronic"), (name, data)),
    ),
    "incoming, as an attachment": lambda name, data: (
        "/v1/documents",
        form(metadata(), ("scan.pdf", hostile_files.scan_pdf()), (name, data)),
    ),
    "outgoing original": lambda name, data: ("/v1/outgoing-documents", outgoing_form(data, name)),
}


async def test_every_hostile_file_is_refused_at_every_upload_endpoint_and_nothing_is_stored(
    clerk, agency, stored, platform_settings
) -> None:
    corpus = hostile_files.hostile_corpus()
    before = await stored()
    answers = []
    for case in corpus:
        for endpoint, upload in UPLOADS.items():
            path, body = upload(case.name, case.data)
            response = await clerk.post(path, **body)
            answers.append((case.label, endpoint, response.status_code, response.json()))
    after = await stored()

    refused = [a for a in answers if 400 <= a[2] < 500]
    assert len(answers) == len(corpus) * len(UPLOADS) == 36
    assert refused == answers, [a for a in answers if a not in refused]
    for (label, endpoint, status, body), case in zip(
        answers, [c for c in corpus for _ in UPLOADS], strict=True
    ):
        assert status in (413, 415, 422), (label, endpoint, status)
        assert body["detail"].startswith("file: file "), (label, endpoint, body)
        # An outgoing original is a PDF: an image is refused as such before it is opened.
        because = case.refused_because
        if endpoint == "outgoing original" and case.name.endswith((".png", ".tif")):
            because = "is not accepted here"
        assert because in body["detail"], (label, endpoint, body)
    assert after.documents == before.documents
    assert after.objects == before.objects
    bootstrap = platform_settings.kafka.bootstrap_servers
    assert await records_of_agency_between(bootstrap, before.ends, after.ends, agency) == []
    listed = (await clerk.get("/v1/documents")).json()
    assert listed["total"] == 0


async def test_a_password_protected_pdf_is_registered_flagged_and_an_outgoing_one_refused(
    clerk, stored
) -> None:
    locked = hostile_files.encrypted_pdf()
    before = await stored()

    incoming = await clerk.post("/v1/documents", **form(metadata(), ("mat.pdf", locked)))
    outgoing = await clerk.post("/v1/outgoing-documents", **outgoing_form(locked, "signed.pdf"))

    assert incoming.status_code == 201, incoming.text
    assert "password" in incoming.json()["files"][0]["cannot_be_read"]
    assert outgoing.status_code == 422
    assert "password" in outgoing.json()["detail"]
    after = await stored()
    assert after.objects == before.objects + 1


async def test_a_refused_upload_takes_no_number_from_the_next_document(clerk) -> None:
    await clerk.post(
        "/v1/documents", **form(metadata(), ("x.pdf", hostile_files.header_only_pdf()))
    )

    after = await clerk.post(
        "/v1/documents", **form(metadata(), ("ok.pdf", hostile_files.scan_pdf()))
    )

    assert after.status_code == 201, after.text
    assert after.json()["arrival_number"] == 1


async def test_an_elf_program_named_pdf_is_answered_415_saying_what_it_is(clerk) -> None:
    response = await clerk.post(
        "/v1/documents", **form(metadata(), ("cong-van.pdf", hostile_files.LINUX_PROGRAM))
    )

    assert response.status_code == 415
    assert "a Linux program" in response.json()["detail"]


# ------------------------------------------------------------------------------------------
# A scanner's PDF 1.3 (issue 11 item 5)


def scanners_pdf_1_3(lines: list[str]) -> bytes:
    """An A4 page scanned at 200 dpi with a few lines of Vietnamese, as a PDF 1.3."""
    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 46)
    for row, line in enumerate(lines):
        draw.text((160, 220 + row * 90), line, font=font, fill=0)
    page.putpixel((0, 0), secrets.randbelow(200))
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=200)
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        rewritten = io.BytesIO()
        pdf.save(rewritten, force_version="1.3")
    data = rewritten.getvalue()
    assert data.startswith(b"%PDF-1.3")
    return data


async def _download(clerk, document_id: str, file_id: str) -> bytes:
    link = (await clerk.get(f"/v1/documents/{document_id}/files/{file_id}/link")).json()
    async with httpx.AsyncClient() as anonymous:
        return (await anonymous.get(link["url"])).content


@pytest.mark.parametrize("channel", ["paper", "electronic"])
async def test_a_200_dpi_scan_in_pdf_1_3_is_registered_kept_bit_exact_with_an_nd30_derivative(
    clerk, channel
) -> None:
    scan = scanners_pdf_1_3(["QUYẾT ĐỊNH về việc ban hành", "Quy chế công tác văn thư"])

    created = await clerk.post("/v1/documents", **form(metadata(channel=channel), ("s.pdf", scan)))

    assert created.status_code == 201, created.text
    document_id = created.json()["id"]
    file_id = created.json()["files"][0]["file_id"]

    async def digitised():
        body = (await clerk.get(f"/v1/documents/{document_id}")).json()
        return body if body["ocr"] else None

    body = await eventually(digitised, timeout=120, interval=0.5, what="the scan's OCR")
    ocr = body["ocr"][file_id]
    assert ocr["derivative_problems"] == []
    assert "quyet dinh" in fold(ocr["text"])
    assert await _download(clerk, document_id, file_id) == scan
    derivative = await _download(clerk, document_id, ocr["derivative"]["file_id"])
    assert digitised_copy_problems(derivative) == []
    with pikepdf.open(io.BytesIO(derivative)) as pdf:
        assert pdf.open_metadata().pdfa_status
        assert tuple(map(int, pdf.pdf_version.split("."))) >= (1, 4)


# ------------------------------------------------------------------------------------------
# Names (issue 16 item 8)


def raw_form(meta: dict, name: str, data: bytes) -> dict:
    """A multipart body whose file name goes byte for byte as given (an HTTP client escapes NUL
    and CR/LF in names; a hostile one does not)."""
    boundary = secrets.token_hex(12)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'.encode()
        + json.dumps(meta).encode()
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + name.encode()
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {
        "content": body,
        "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    }


@pytest.mark.parametrize("name", hostile_files.HOSTILE_NAMES)
async def test_a_hostile_file_name_is_kept_as_a_safe_display_name_and_downloads_escaped(
    clerk, name
) -> None:
    created = await clerk.post("/v1/documents", **raw_form(metadata(), name, one_page_pdf()))

    if "\r" in name or "\n" in name:
        # CR/LF end the part's header line: what follows is read as the part's headers and body,
        # which is then refused (here as plain text) or registered under the name's first line.
        assert created.status_code == 201 or 400 <= created.status_code < 500, created.text
        assert "\r" not in created.text
        if created.status_code != 201:
            return
    else:
        assert created.status_code == 201, created.text
    (file,) = created.json()["files"]
    shown = file["name"]
    assert not any(char in shown for char in "/\\\x00\r\n\u202e")
    assert safe_display_name(shown) == shown
    if "\r" not in name:
        assert shown == safe_display_name(name, fallback="file-1")
    assert name not in file.get("object_key", "")
    links = (await clerk.get(f"/v1/documents/{created.json()['id']}/files")).json()["items"]
    assert links[0]["file"]["name"] == shown
    async with httpx.AsyncClient() as anonymous:
        download = await anonymous.get(links[0]["url"])
    assert download.status_code == 200
    assert download.headers["content-disposition"] == content_disposition(shown)
    assert "filename*=UTF-8''" in download.headers["content-disposition"]


async def test_a_refusal_names_the_file_by_its_safe_name_only(clerk) -> None:
    name = "../../con\x00fig\u202efdp.exe"

    response = await clerk.post(
        "/v1/documents", **raw_form(metadata(), name, hostile_files.header_only_pdf())
    )

    assert response.status_code == 422
    assert "(configfdp.exe)" in response.json()["detail"]
    assert "../" not in response.json()["detail"]
