"""Worker: digitising scans and checking signatures of registered documents."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath

import structlog
from vanthu_contracts import (
    DocumentDigitized,
    DocumentReceived,
    Envelope,
    SignatureVerified,
)
from vanthu_contracts.events.values import (
    CertificateSigner,
    FileRole,
    PageConfidence,
    SignatureResult,
)
from vanthu_runtime.file_checks import (
    MediaType,
    digitised_copy_problems,
)

from vanthu_intake import events
from vanthu_intake.handlers.registry import Registry
from vanthu_intake.ports import (
    FileMissing,
    OcrEngine,
    Record,
    SignatureVerifier,
    UnreadableScan,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Digitiser:
    registry: Registry
    ocr: OcrEngine
    signatures: SignatureVerifier
    low_confidence: float


IMAGE_TYPES = {MediaType.PNG.value, MediaType.JPEG.value, MediaType.TIFF.value}
MAX_STORED_TEXT = 200_000


def needs_ocr(channel: str, file: Record) -> bool:
    """Scans are read: every image, every PDF that came on paper or by migration, and any PDF
    with a page that is only pictures, whatever channel its sender named (ADR 0018); born-digital
    pages already carry their text."""
    if file["media_type"] in IMAGE_TYPES:
        return True
    if file["media_type"] != MediaType.PDF.value:
        return False
    return channel in ("paper", "migration") or file.get("scanned_pages", 0) > 0


async def digitize_document(
    digitiser: Digitiser, received: DocumentReceived, envelope: Envelope
) -> None:
    """OCR every scan of a newly registered document and check the signatures of its PDFs."""
    documents = digitiser.registry.documents
    held, known = await asyncio.gather(
        documents.get(received.document_id), documents.facts_of(received.document_id)
    )
    if held is None:
        # Registered by another deployment sharing the topic (or a replayed sample): not ours.
        log.info("document.received for a document we do not hold; skipped")
        return
    facts = {fact["_id"] for fact in known}
    checked = {kept["file_id"]: kept for kept in held.get("files", [])}
    for file in received.files:
        if file.role is FileRole.OCR_DERIVATIVE:
            continue
        stored = {
            "file_id": file.file_id,
            "media_type": file.media_type,
            "object_key": file.object_key,
            "sha256": file.sha256,
            "name": file.name,
            "scanned_pages": checked.get(file.file_id, {}).get("scanned_pages", 0),
        }
        unreadable = checked.get(file.file_id, {}).get("cannot_be_read")
        if unreadable:
            # Kept as it came, flagged at registration (ADR 0018): a person gets a readable copy.
            if f"{received.document_id}:ocr:{file.file_id}" not in facts:
                await _ocr_needs_a_person(
                    digitiser, received, file.file_id, f"the file cannot be read: {unreadable}"
                )
            continue
        try:
            if (
                needs_ocr(received.channel.value, stored)
                and f"{received.document_id}:ocr:{file.file_id}" not in facts
            ):
                try:
                    await _read_scan(digitiser, received, envelope, stored)
                except UnreadableScan as exc:
                    log.warning(
                        "scan cannot be read", document_id=received.document_id, why=str(exc)
                    )
                    await _ocr_needs_a_person(
                        digitiser, received, file.file_id, f"the scan cannot be read: {exc}"
                    )
            if file.media_type == MediaType.PDF.value and (
                f"{received.document_id}:signature:{file.file_id}" not in facts
            ):
                await _check_signatures(digitiser, received, envelope, stored)
        except FileMissing:
            # Retrying cannot bring it back; a person has to look, and the record says so.
            log.error("original file missing from the blob store", object_key=file.object_key)
            await _ocr_needs_a_person(
                digitiser, received, file.file_id, "the original file is missing"
            )


async def _ocr_needs_a_person(
    digitiser: Digitiser, received: DocumentReceived, file_id: str, error: str
) -> None:
    """Record, instead of a reading, why there is none: the document shows it for review (a
    retry would fail the same way, and a dead letter would hide it from the clerk)."""
    await digitiser.registry.documents.add_fact(
        {
            "_id": f"{received.document_id}:ocr:{file_id}",
            "document_id": received.document_id,
            "kind": "ocr",
            "file_id": file_id,
            "recorded_at": datetime.now(UTC),
            "ocr": {"error": error, "needs_review": True},
        },
        [],
    )


async def _read_scan(
    digitiser: Digitiser, received: DocumentReceived, envelope: Envelope, file: Record
) -> None:
    files = digitiser.registry.files
    original = await files.get(file["object_key"], file["sha256"])
    result = await digitiser.ocr.read(original, file["media_type"])
    # ND 30 Phụ lục I asks the digitised copy (not the scanner's original) for PDF 1.4+, PDF/A
    # and its text: a derivative that misses it is kept, and flagged for a person.
    problems = await asyncio.to_thread(digitised_copy_problems, result.searchable_pdf)
    searchable = await files.put(result.searchable_pdf, MediaType.PDF.value)
    text_key = f"intake/ocr-text/{received.document_id}/{file['file_id']}.txt"
    await files.put_named(text_key, result.text.encode("utf-8"), "text/plain; charset=utf-8")
    derivative = {
        "file_id": events.derived_id(received.document_id, "ocr", file["file_id"]),
        "name": f"{PurePosixPath(file['name']).stem or 'scan'}-ocr.pdf"[:255],
        "media_type": MediaType.PDF.value,
        "size": searchable.size,
        "sha256": searchable.sha256,
        "object_key": searchable.object_key,
        "role": "ocr_derivative",
    }
    pages = [
        {"number": n, "confidence": c, "needs_review": c < digitiser.low_confidence}
        for n, c in enumerate(result.page_confidences, start=1)
    ]
    needs_review = any(page["needs_review"] for page in pages) or bool(problems)
    now = datetime.now(UTC)
    digitized = DocumentDigitized(
        document_id=received.document_id,
        agency_code=received.agency_code,
        file_id=file["file_id"],
        derivative_file=events.contract_file(derivative),
        text_ref=text_key,
        pages=tuple(PageConfidence(number=p["number"], confidence=p["confidence"]) for p in pages),
        needs_review=needs_review,
        digitized_at=now,
    )
    fact = {
        "_id": f"{received.document_id}:ocr:{file['file_id']}",
        "document_id": received.document_id,
        "kind": "ocr",
        "file_id": file["file_id"],
        "recorded_at": now,
        "ocr": {
            "derivative": derivative,
            "text_key": text_key,
            "text": result.text[:MAX_STORED_TEXT],
            "pages": pages,
            "needs_review": needs_review,
            "digitized_at": now,
            "derivative_problems": problems,
        },
    }
    record = events.to_record(
        digitized,
        correlation_id=envelope.correlationid,
        causation_id=envelope.id,
        event_id=events.derived_id(envelope.id, "digitized", file["file_id"]),
    )
    await digitiser.registry.documents.add_fact(fact, [record])
    log.info("scan digitised", document_id=received.document_id, needs_review=needs_review)


async def _check_signatures(
    digitiser: Digitiser, received: DocumentReceived, envelope: Envelope, file: Record
) -> None:
    original = await digitiser.registry.files.get(file["object_key"], file["sha256"])
    check = await digitiser.signatures.verify(original)
    now = datetime.now(UTC)
    signers = tuple(
        CertificateSigner(
            subject=s.subject or "unknown",
            issuer=s.issuer or "unknown",
            serial_number=s.serial_number,
            signed_at=s.signed_at,
        )
        for s in check.signers
    )
    verified = SignatureVerified(
        document_id=received.document_id,
        agency_code=received.agency_code,
        file_id=file["file_id"],
        result=SignatureResult(check.result),
        signers=signers,
        reason=check.reason,
        checked_at=now,
    )
    fact = {
        "_id": f"{received.document_id}:signature:{file['file_id']}",
        "document_id": received.document_id,
        "kind": "signature",
        "file_id": file["file_id"],
        "recorded_at": now,
        "signature": {
            "result": check.result,
            "reason": check.reason,
            "signers": [s.model_dump(mode="json") for s in signers],
            "checked_at": now,
        },
    }
    record = events.to_record(
        verified,
        correlation_id=envelope.correlationid,
        causation_id=envelope.id,
        event_id=events.derived_id(envelope.id, "signature", file["file_id"]),
    )
    await digitiser.registry.documents.add_fact(fact, [record])
    log.info("signatures checked", document_id=received.document_id, result=check.result)
