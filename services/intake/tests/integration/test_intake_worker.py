"""After registration the worker reads scans (OCR) and checks signatures, and says so on Kafka."""

from __future__ import annotations

import json

import httpx
import pytest
from harness.hostile_files import encrypted_pdf
from harness.polling import eventually
from intake_testkit import (
    events_keyed,
    fold,
    form,
    header,
    metadata,
    pdf_document,
    png_scan,
    sign_pdf,
)

from conftest import running_intake


@pytest.fixture(scope="module")
async def intake(servers, platform_settings, topics_ready):
    """A worker of its own: OCR must not queue behind the other modules' registrations."""
    async with running_intake(servers, platform_settings) as running:
        yield running


async def _document_when(clerk, document_id: str, ready) -> dict:
    async def probe():
        body = (await clerk.get(f"/v1/documents/{document_id}")).json()
        return body if ready(body) else None

    return await eventually(
        probe, timeout=90, interval=0.5, what=f"worker results on {document_id}"
    )


async def _published_with(platform_settings, document_id: str, type_suffix: str) -> list:
    bootstrap = platform_settings.kafka.bootstrap_servers

    async def probe() -> list:
        published = await events_keyed(bootstrap, "document.received", document_id)
        types = [header(m, "ce_type") or "" for m in published]
        return published if any(t.endswith(type_suffix) for t in types) else []

    return await eventually(probe, timeout=30, what=f"{type_suffix} of {document_id}")


async def test_a_vietnamese_scan_is_read_and_its_words_are_found(clerk, platform_settings) -> None:
    scan = png_scan(["QUYẾT ĐỊNH về việc ban hành", "Quy chế công tác văn thư lưu trữ"])
    scanned = metadata(channel="paper")
    created = (await clerk.post("/v1/documents", **form(scanned, ("scan.png", scan)))).json()
    file_id = created["files"][0]["file_id"]

    body = await _document_when(clerk, created["id"], lambda b: b["ocr"])

    ocr = body["ocr"][file_id]
    text = fold(ocr["text"])
    for words in ("quyet dinh", "ban hanh", "quy che", "van thu", "luu tru"):
        assert words in text, ocr["text"]
    assert ocr["derivative"]["media_type"] == "application/pdf"
    assert ocr["needs_review"] is False
    published = await _published_with(platform_settings, created["id"], "digitized.v1")
    digitized = next(m for m in published if header(m, "ce_type").endswith("digitized.v1"))
    assert header(digitized, "ce_causationid") == header(published[0], "ce_id")


async def test_a_blank_page_is_flagged_for_a_person_to_check(clerk) -> None:
    created = (
        await clerk.post(
            "/v1/documents", **form(metadata(channel="paper"), ("b.png", png_scan([" "])))
        )
    ).json()

    body = await _document_when(clerk, created["id"], lambda b: b["ocr"])

    (ocr,) = body["ocr"].values()
    assert ocr["needs_review"] is True
    assert ocr["pages"][0]["needs_review"] is True


async def test_a_password_protected_pdf_is_registered_and_shown_for_a_person_with_the_reason(
    clerk,
) -> None:
    locked = encrypted_pdf()
    created = await clerk.post("/v1/documents", **form(metadata(), ("mat.pdf", locked)))
    assert created.status_code == 201, created.text
    (file,) = created.json()["files"]
    assert "password" in file["cannot_be_read"]

    body = await _document_when(clerk, created.json()["id"], lambda b: b["ocr"])

    ocr = body["ocr"][file["file_id"]]
    assert ocr["needs_review"] is True
    assert "cannot be read" in ocr["error"]
    assert ocr["derivative"] is None
    link = (await clerk.get(f"/v1/documents/{body['id']}/files/{file['file_id']}/link")).json()
    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(link["url"])).content == locked


async def test_a_signed_pdf_is_checked_and_its_original_stays_bit_exact(
    clerk, tmp_path, platform_settings
) -> None:
    signed = await sign_pdf(pdf_document(), tmp_path)
    meta = metadata(channel="electronic")
    created = (await clerk.post("/v1/documents", **form(meta, ("qd.pdf", signed)))).json()
    file_id = created["files"][0]["file_id"]

    body = await _document_when(clerk, created["id"], lambda b: b["signatures"])

    check = body["signatures"][file_id]
    # Self-signed: intact, but not issued by a certificate authority we trust.
    assert check["result"] == "untrusted"
    assert "Nguyễn Văn An" in check["signers"][0]["subject"]
    link = (await clerk.get(f"/v1/documents/{created['id']}/files/{file_id}/link")).json()
    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(link["url"])).content == signed
    published = await _published_with(platform_settings, created["id"], "verified.v1")
    verified = [m for m in published if header(m, "ce_type").endswith("signature.verified.v1")]
    assert json.loads(verified[0].value)["result"] == "untrusted"


async def test_a_pdf_changed_after_signing_is_reported_invalid(clerk, tmp_path) -> None:
    signed = await sign_pdf(pdf_document("Nội dung gốc", compress=False), tmp_path)
    # Same length, still a valid PDF, but the page is no longer the size that was signed.
    tampered = signed.replace(b"841.89]", b"841.80]", 1)
    assert tampered != signed
    assert len(tampered) == len(signed)
    meta = metadata(channel="electronic")
    created = (await clerk.post("/v1/documents", **form(meta, ("x.pdf", tampered)))).json()

    body = await _document_when(clerk, created["id"], lambda b: b["signatures"])

    (check,) = body["signatures"].values()
    assert check["result"] == "invalid"
    assert check["reason"]


async def test_an_unsigned_pdf_is_recorded_as_unsigned(clerk) -> None:
    meta = metadata(channel="electronic")
    created = (await clerk.post("/v1/documents", **form(meta, ("u.pdf", pdf_document())))).json()

    body = await _document_when(clerk, created["id"], lambda b: b["signatures"])

    (check,) = body["signatures"].values()
    assert check["result"] == "unsigned"
