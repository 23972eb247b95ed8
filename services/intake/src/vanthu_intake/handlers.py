"""Use cases of the registry office, talking to ports only."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

import structlog
from pydantic import ValidationError
from vanthu_contracts import (
    DeliveryStatusChanged,
    DocumentDigitized,
    DocumentReceived,
    Envelope,
    KafkaRecord,
    OutgoingDocumentIssued,
    PackageReceived,
    ProcessingStatusReceived,
    SendDocumentRequested,
    SendStatusRequested,
    SignatureVerified,
)
from vanthu_contracts.events.routing import DraftApproved
from vanthu_contracts.events.values import (
    BusinessType,
    CertificateSigner,
    FileRole,
    PackageSignature,
    PageConfidence,
    Recipient,
    SignatureResult,
    StaffInfo,
    StatusCode,
    Urgency,
)
from vanthu_contracts.events.values import Confidentiality as ContractConfidentiality
from vanthu_runtime.auth import Principal
from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.file_checks import (
    CheckedFile,
    FileLimits,
    FileRefused,
    MediaType,
    check_upload_async,
    digitised_copy_problems,
    safe_display_name,
)
from vanthu_runtime.visibility import may_see, visible_filter

from vanthu_intake import events
from vanthu_intake.domain.duplicates import content_key, metadata_key_of
from vanthu_intake.domain.markings import Confidentiality
from vanthu_intake.domain.metadata import (
    Channel,
    IncomingDocumentMetadata,
    OutgoingDocumentMetadata,
    describe_errors,
)
from vanthu_intake.domain.notation import edxml_document_code
from vanthu_intake.domain.numbering import (
    Register,
    RegisterKey,
    outgoing_register_for,
    register_key,
)
from vanthu_intake.domain.registers import incoming_row, outgoing_row
from vanthu_intake.domain.reservations import shows_notation
from vanthu_intake.domain.vietnam_time import vietnam_date
from vanthu_intake.ports import (
    ClaimBook,
    DocumentRepository,
    FileMissing,
    FileStore,
    NumberRegister,
    OcrEngine,
    PdfText,
    Record,
    SignatureVerifier,
    UnreadableScan,
)

log = structlog.get_logger(__name__)

SYSTEM_PERSON = {"user_id": "intake-system", "full_name": "Hệ thống văn thư (tự động)"}


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class Registry:
    """The ports the registration use cases share."""

    documents: DocumentRepository
    numbers: NumberRegister
    files: FileStore
    claims: ClaimBook
    claim_grace: timedelta = timedelta(seconds=60)
    """How long a claim whose document is not stored yet counts as a registration in flight."""
    pdf_text: PdfText | None = None
    """Reads a signed PDF to check it shows the number reserved for it."""


class DuplicateDocument(Exception):
    def __init__(self, existing_id: str, key: str) -> None:
        self.existing_id = existing_id
        self.key = key
        super().__init__(
            f"this document looks already registered (same {key}) as {self.existing_id}; "
            "state a reason to register it anyway"
        )


class UnacceptableFile(Exception):
    """A file that is not what intake keeps; `status` says which HTTP answer fits (415 not a
    kind intake keeps, 413 over a page or pixel limit, 422 damaged or carrying active content)."""

    def __init__(self, index: int, name: str, message: str, *, status: int) -> None:
        self.index = index
        self.name = safe_display_name(name, fallback=f"file-{index + 1}")
        self.status = status
        super().__init__(f"file {index + 1} ({self.name}): {message}")

    @property
    def unsupported_type(self) -> bool:
        return self.status == 415


class NotFound(Exception):
    pass


def person_of(principal: Principal) -> dict[str, str]:
    return {"user_id": principal.user_id, "full_name": principal.full_name or principal.user_id}


# What intake keeps (ADR 0018): an incoming PDF that needs a password is registered, flagged for
# a person, because it did arrive; our own signed originals are PDFs anyone can open.
INCOMING_FILES = FileLimits(encrypted_pdf="flag")
OUTGOING_ORIGINALS = FileLimits(accepted=frozenset({MediaType.PDF}))


async def check_files(
    files: Sequence[UploadedFile], limits: FileLimits = INCOMING_FILES
) -> list[CheckedFile]:
    """Open every file for real (never trusting its name or the channel it came by), or refuse
    the first that is not one intake keeps."""
    checked: list[CheckedFile] = []
    for index, file in enumerate(files):
        try:
            checked.append(await check_upload_async(file.data, file.name, limits))
        except FileRefused as exc:
            raise UnacceptableFile(index, file.name, str(exc), status=exc.http_status) from exc
    return checked


async def store_files(
    files: FileStore,
    document_id: str,
    uploads: Sequence[UploadedFile],
    checked: list[CheckedFile],
) -> list[Record]:
    stored: list[Record] = []
    for index, (upload, found) in enumerate(zip(uploads, checked, strict=True)):
        kept = await files.put(upload.data, found.media_type.value)
        file: Record = {
            "file_id": events.derived_id(document_id, "file", str(index)),
            "name": safe_display_name(upload.name, fallback=f"file-{index + 1}"),
            "media_type": found.media_type.value,
            "size": kept.size,
            "sha256": kept.sha256,
            "object_key": kept.object_key,
            "role": "original" if index == 0 else "attachment",
            "pages": found.pages,
            "scanned_pages": found.scanned_pages,
        }
        if found.cannot_be_read:
            file["cannot_be_read"] = found.cannot_be_read
        stored.append(file)
    return stored


@dataclass
class Registration:
    """An incoming document about to take its arrival number."""

    document_id: str
    agency_code: str
    metadata: IncomingDocumentMetadata
    files: list[Record]
    registered_by: dict[str, str]
    registered_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    extra: Record = field(default_factory=dict)
    """Fields recorded beside the metadata (exchange origin, legacy id, duplicate reason...)."""
    correlation_id: str | None = None
    causation_id: str | None = None
    event_id: str | None = None
    more_events: list[Any] = field(default_factory=list)
    """Events that depend on the number (built by a callback taking the stored record)."""
    resuming: bool = False
    """An interrupted import may already hold a reserved number for this document."""


async def register_document(
    registry: Registry,
    *,
    principal: Principal,
    metadata: IncomingDocumentMetadata,
    uploads: Sequence[UploadedFile],
    register_anyway_reason: str | None = None,
    correlation_id: str | None = None,
    document_id: str | None = None,
    extra: Record | None = None,
    resuming: bool = False,
) -> Record:
    """Register an incoming document: keep its files, give it the next arrival number, announce it.

    `document_id` is given by imports, whose ids derive from the row so that a re-run finds its
    own claims; `resuming` says an earlier run may have reserved a number for it already.
    """
    checked = await check_files(uploads)
    agency_code = principal.agency_code
    document_id = document_id or str(uuid.uuid4())
    keys = duplicate_keys(agency_code, metadata, uploads)
    # The files go to the blob store while the keys are claimed: they are content-addressed, so a
    # duplicate refused meanwhile leaves nothing behind that was not there already.
    storing = asyncio.ensure_future(store_files(registry.files, document_id, uploads, checked))
    try:
        held = await claim_duplicate_keys(registry, document_id, keys, register_anyway_reason)
    except BaseException:
        storing.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await storing
        raise
    recorded: Record = dict(extra or {})
    if held is not None:
        recorded |= {"duplicate_of": held, "duplicate_reason": register_anyway_reason}
    try:
        stored = await storing
        registration = Registration(
            document_id=document_id,
            agency_code=agency_code,
            metadata=metadata,
            files=stored,
            registered_by=person_of(principal),
            extra=recorded,
            correlation_id=correlation_id,
            resuming=resuming,
        )
        return await take_number_and_store(registry, registration)
    except Exception:
        # Nothing was registered: the next upload of this document must not be called a duplicate.
        # (Unless a concurrent run of the same import row stored it: then the claims are its own.)
        if await registry.documents.get(document_id) is None:
            await registry.claims.release([key for key, _ in keys], document_id)
        raise


def duplicate_keys(
    agency_code: str, metadata: IncomingDocumentMetadata, uploads: Sequence[UploadedFile]
) -> list[tuple[str, str]]:
    """The claim keys of a document (issuer + number + notation + date, each file's content)
    and what each one means."""
    return duplicate_keys_of(agency_code, metadata, [content_key(u.data) for u in uploads])


def duplicate_keys_of(
    agency_code: str, metadata: IncomingDocumentMetadata, sha256s: Sequence[str]
) -> list[tuple[str, str]]:
    keys = [
        (f"dup|{agency_code}|meta|{metadata_key_of(metadata)}", "issuer, number, notation and date")
    ]
    for sha256 in sha256s:
        key = (f"dup|{agency_code}|file|{sha256}", "file content")
        if key not in keys:
            keys.append(key)
    return keys


async def claim_duplicate_keys(
    registry: Registry, document_id: str, keys: list[tuple[str, str]], reason: str | None
) -> str | None:
    """Claim every key for the document, or refuse it as a duplicate of the holder.

    With a reason, the document is registered anyway: the id of the first holder is returned (to
    be recorded as `duplicate_of`) and the keys stay with that first document. A key held by a
    voided document, or by a registration that died before storing its document, is taken over.
    """
    held = await registry.claims.claim_all([key for key, _ in keys], document_id)
    duplicate_of: str | None = None
    for key, meaning in keys:
        holder = await _claim_or_holder(registry, key, document_id, held.get(key))
        if holder is None:
            continue
        if reason:
            duplicate_of = duplicate_of or holder
            continue
        await registry.claims.release([key for key, _ in keys], document_id)
        raise DuplicateDocument(holder, meaning)
    return duplicate_of


async def _claim_or_holder(
    registry: Registry, key: str, document_id: str, held: Record | None
) -> str | None:
    """None when the key is now ours; else the id of the document that stands holding it."""
    for _ in range(3):
        if held is None or held["owner"] == document_id:
            return None
        holder = str(held["owner"])
        if await _holder_stands(registry, holder, held["at"]):
            return holder
        if await registry.claims.take_over(key, holder, document_id):
            return None
        held = await registry.claims.claim(key, document_id)
    # Three holders in a row came and went: let the latest one stand.
    latest = await registry.claims.get(key)
    return str(latest["owner"]) if latest else None


async def _holder_stands(registry: Registry, holder: str, claimed_at: datetime) -> bool:
    record = await registry.documents.get(holder)
    if record is not None:
        return bool(record.get("status") != "void")
    # Not stored yet: a registration in flight, unless it is older than any registration takes.
    return bool(datetime.now(UTC) - claimed_at < registry.claim_grace)


def incoming_record(registration: Registration, key: RegisterKey, number: int) -> Record:
    metadata = registration.metadata
    return {
        "_id": registration.document_id,
        "kind": "incoming",
        "status": "registered",
        "agency_code": registration.agency_code,
        "register": key.register.value,
        "year": key.year,
        "number": number,
        "registered_at": registration.registered_at,
        "registered_by": registration.registered_by,
        "channel": metadata.channel.value,
        "metadata": metadata.model_dump(mode="json"),
        "confidentiality": metadata.confidentiality.value,
        "allowed_user_ids": list(metadata.allowed_user_ids),
        "metadata_key": metadata_key_of(metadata),
        "content_keys": [f["sha256"] for f in registration.files],
        "files": registration.files,
        **registration.extra,
    }


async def take_number_and_store(registry: Registry, registration: Registration) -> Record:
    key = register_key(registration.agency_code, Register.INCOMING, registration.registered_at)
    number = None
    if registration.resuming:
        number = await registry.numbers.reservation_of(key, registration.document_id)
    if number is None:
        number = await registry.numbers.reserve(key, registration.document_id)
    try:
        record = await store_registration(registry, registration, key, number)
    except AlreadyExists:
        # Only a concurrent writer of the same document id (a package consumed twice, an import
        # row run twice at once) gets here: its number stays in the register, voided.
        await void_reservation(registry, key, number, registration.document_id, "duplicate write")
        raise
    log.info("document registered", document_id=record["_id"], number=number, year=key.year)
    return record


async def store_registration(
    registry: Registry, registration: Registration, key: RegisterKey, number: int
) -> Record:
    """Write the registered document under its number, with `document.received` in its outbox."""
    record = incoming_record(registration, key, number)
    received = events.to_record(
        events.document_received(record, registration.metadata),
        correlation_id=registration.correlation_id,
        causation_id=registration.causation_id,
        event_id=registration.event_id,
    )
    follow_ups = [build(record) for build in registration.more_events]
    await registry.documents.add(record, [received, *follow_ups])
    return record


async def void_reservation(
    registry: Registry, key: RegisterKey, number: int, document_id: str, why: str
) -> None:
    """Write a reserved number whose document was never stored into the register as void."""
    existing = await registry.documents.get(document_id)
    if holds_number(existing, key, number):
        return
    void_id = events.derived_id(
        "void", key.agency_code, key.register.value, str(key.year), str(number)
    )
    now = datetime.now(UTC)
    reason = f"số đã cấp nhưng văn bản chưa được lưu, đăng ký bị gián đoạn ({why}); giữ là số hủy"
    record: Record = {
        "_id": void_id,
        "kind": "outgoing" if key.register is not Register.INCOMING else "incoming",
        "status": "void",
        "agency_code": key.agency_code,
        "register": key.register.value,
        "year": key.year,
        "number": number,
        "registered_at": now,
        "registered_by": SYSTEM_PERSON,
        "void_reason": reason,
        "voided_at": now,
        "confidentiality": Confidentiality.NORMAL.value,
        "allowed_user_ids": [],
        "files": [],
    }
    voided = events.to_record(
        events.document_voided(
            document_id=void_id,
            agency_code=key.agency_code,
            register=key.register,
            year=key.year,
            number=number,
            reason=reason,
            voided_by=SYSTEM_PERSON,
            voided_at=now,
        ),
        event_id=events.derived_id(void_id, "voided"),
    )
    # An earlier recovery pass may already have written it.
    with contextlib.suppress(AlreadyExists):
        await registry.documents.add(record, [voided])
    await registry.numbers.voided(key, number)
    log.warning("reserved number voided", number=number, year=key.year, register=key.register)


def holds_number(record: Record | None, key: RegisterKey, number: int) -> bool:
    return (
        record is not None
        and record.get("number") == number
        and record.get("year") == key.year
        and record.get("register") == key.register.value
    )


async def reconcile_reservations(registry: Registry, older_than: timedelta) -> int:
    """Void every number reserved long ago whose document never came; the count voided.

    The reservations are checked a page at a time against their documents (one read per page)
    and marked checked, so each is looked at once, not on every pass."""
    voided = 0
    while page := await registry.numbers.unchecked_reservations(older_than):
        stored = await registry.documents.get_many([r.document_id for r in page])
        by_id = {record["_id"]: record for record in stored}
        for reservation in page:
            key, number = reservation.key, reservation.number
            if not holds_number(by_id.get(reservation.document_id), key, number):
                await void_reservation(registry, key, number, reservation.document_id, "recovery")
                voided += 1
        await registry.numbers.checked(page[-1])
    return voided


async def void_document(
    registry: Registry, *, principal: Principal, document_id: str, reason: str
) -> Record:
    """Cancel a registration; its number stays taken and is shown as void in the register."""
    record = await readable_document(registry, principal, document_id)
    if record["status"] == "void":
        return record
    now = datetime.now(UTC)
    voided_by = person_of(principal)
    voided = events.to_record(
        events.document_voided(
            document_id=document_id,
            agency_code=record["agency_code"],
            register=Register(record["register"]),
            year=record["year"],
            number=record["number"],
            reason=reason,
            voided_by=voided_by,
            voided_at=now,
        )
    )
    # Only a registered document is voided: of two clerks voiding it at once, one event goes out.
    await registry.documents.void(
        document_id, {"void_reason": reason, "voided_at": now, "voided_by": voided_by}, [voided]
    )
    return await readable_document(registry, principal, document_id)


def with_facts(record: Record, facts: list[Record]) -> Record:
    """The document as it stands: its registration plus what was learnt about it since."""
    merged = dict(record)
    ocr: Record = dict(record.get("ocr") or {})
    signatures: Record = dict(record.get("signatures") or {})
    for fact in facts:
        if fact["kind"] == "ocr":
            ocr[fact["file_id"]] = fact["ocr"]
        elif fact["kind"] == "signature":
            signatures[fact["file_id"]] = fact["signature"]
        elif fact["kind"] == "void":
            # Voids recorded as facts before the document itself took them (ADR 0014 addendum).
            merged["status"] = "void"
            merged["void_reason"] = fact["void"]["reason"]
            merged["voided_at"] = fact["void"]["voided_at"]
        elif fact["kind"] == "send_request":
            merged.setdefault("send_requests", []).append(fact["request"])
        elif fact["kind"] == "exchange_status":
            merged.setdefault("exchange_statuses", []).append(fact["status"])
    merged["ocr"] = ocr
    merged["signatures"] = signatures
    merged.setdefault("exchange_statuses", [])
    return merged


# ------------------------------------------------------------------------------------------
# Reading


def may_read(principal: Principal, record: Record) -> bool:
    """The one rule of ADR 0006 (`vanthu_runtime.visibility`): same agency; confidential
    documents only for the people named on them and the clerk who registered the paper, who has
    already held it."""
    return may_see(
        principal,
        agency_code=str(record.get("agency_code")),
        confidentiality=record.get("confidentiality", Confidentiality.NORMAL.value),
        readers=record.get("allowed_user_ids") or (),
        registered_by=(record.get("registered_by") or {}).get("user_id"),
    )


def visibility_filter(principal: Principal) -> Record:
    return visible_filter(
        principal, readers_field="allowed_user_ids", registered_by_field="registered_by.user_id"
    )


async def readable_document(registry: Registry, principal: Principal, document_id: str) -> Record:
    record = await registry.documents.get(document_id)
    if record is None or not may_read(principal, record):
        # The same answer for "absent" and "not yours": existence itself is not disclosed.
        raise NotFound(document_id)
    facts = await registry.documents.facts_of(document_id)
    return with_facts(record, facts)


async def list_documents(
    registry: Registry,
    principal: Principal,
    filters: Record,
    *,
    skip: int,
    limit: int,
) -> tuple[list[Record], int]:
    query = {**filters, **visibility_filter(principal)}
    return await registry.documents.find(
        query, skip=skip, limit=limit, sort=[("registered_at", -1), ("_id", 1)]
    )


def stored_files(record: Record) -> list[Record]:
    """Every file intake keeps for a document (merged with its facts): the original and the
    attachments (received ones too), migrated evidence, and each scan's OCR derivative."""
    return list(record.get("files", [])) + [
        ocr["derivative"] for ocr in (record.get("ocr") or {}).values() if "derivative" in ocr
    ]


async def file_link(
    registry: Registry, principal: Principal, document_id: str, file_id: str, ttl: timedelta
) -> tuple[Record, str]:
    record = await readable_document(registry, principal, document_id)
    for file in stored_files(record):
        if file["file_id"] == file_id:
            return file, await registry.files.link(file["object_key"], ttl, file["name"])
    raise NotFound(file_id)


async def file_links(
    registry: Registry, principal: Principal, document_id: str, ttl: timedelta
) -> list[tuple[Record, str]]:
    """A short-lived link to each file of a document the caller may see (else NotFound)."""
    record = await readable_document(registry, principal, document_id)
    files = stored_files(record)
    urls = await asyncio.gather(
        *(registry.files.link(f["object_key"], ttl, f["name"]) for f in files)
    )
    return list(zip(files, urls, strict=True))


# ------------------------------------------------------------------------------------------
# Worker: digitising scans and checking signatures of registered documents


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


# ------------------------------------------------------------------------------------------
# Worker: documents that arrive from other agencies through the exchange


@dataclass(frozen=True)
class StatusDesk:
    """Who statuses sent back to other agencies name as answerable."""

    department: str
    name: str


def _status_request(
    document_id: str,
    package: PackageReceived,
    code: StatusCode,
    desk: StatusDesk,
    envelope: Envelope,
    description: str | None = None,
) -> KafkaRecord:
    request_id = events.derived_id(package.package_id, "status", code.value)
    requested = SendStatusRequested(
        request_id=request_id,
        document_id=document_id,
        agency_code=package.agency_code,
        to_agency_code=package.from_agency_code,
        in_response_to=package.document_code,
        status_code=code,
        description=description[:500] if description else None,
        staff=StaffInfo(department=desk.department, name=desk.name),
        requested_at=datetime.now(UTC),
    )
    return events.to_record(
        requested,
        correlation_id=envelope.correlationid,
        causation_id=envelope.id,
        event_id=request_id,
    )


def package_metadata(package: PackageReceived) -> IncomingDocumentMetadata:
    """The package's fields as incoming-document metadata; raises ValidationError when invalid."""
    document_type = package.document_type.code or package.document_type.name
    signer = package.signer
    raw: Record = {
        "channel": Channel.EXCHANGE.value,
        "issuer": {"name": package.issuer.name, "agency_code": package.issuer.agency_code},
        "document_type": document_type,
        "code_number": package.code_number,
        "code_notation": package.code_notation,
        "issued_date": package.issued_date.isoformat(),
        "subject": package.abstract,
        # edXML makes both optional; the register needs them, so the gaps are said in words.
        "page_count": package.page_count or 1,
        "signer": {
            "competence": signer.competence if signer else None,
            "position": signer.position if signer else "không ghi",
            "full_name": signer.full_name if signer else "không ghi",
        },
        "urgency": package.urgency.value,
        "due_date": package.due_date.isoformat() if package.due_date else None,
        "recipients": list(package.to_places),
    }
    return IncomingDocumentMetadata.model_validate(raw)


async def receive_package(
    registry: Registry, desk: StatusDesk, package: PackageReceived, envelope: Envelope
) -> Record | None:
    """Register a document another agency sent, and tell it "01 arrived" and "03 accepted" (or
    "02 rejected" with the reason). Re-delivery of the same package changes nothing."""
    document_id = events.derived_id("package", package.package_id)
    if await registry.documents.get(document_id) is not None:
        return None
    rejection = _rejection_reason(package)
    metadata: IncomingDocumentMetadata | None = None
    if rejection is None:
        try:
            metadata = package_metadata(package)
        except ValidationError as exc:
            rejection = "; ".join(describe_errors(exc))
    if rejection is not None or metadata is None:
        await _reject_package(registry, desk, package, envelope, document_id, rejection or "")
        return None
    files = [
        {
            "file_id": events.derived_id(document_id, "file", str(index)),
            "name": attachment.name,
            "media_type": attachment.media_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "object_key": attachment.object_key,
            "role": "original" if index == 0 else "attachment",
        }
        for index, attachment in enumerate(package.attachments)
    ]
    extra: Record = {
        "exchange": {
            "package_id": package.package_id,
            "sender_agency_code": package.from_agency_code,
            "document_code": package.document_code,
        },
        "business_type": package.business_type.value,
    }
    if package.target_document_code:
        extra["target_document_code"] = package.target_document_code
    registration = Registration(
        document_id=document_id,
        agency_code=package.agency_code,
        metadata=metadata,
        files=files,
        registered_by=SYSTEM_PERSON,
        extra=extra,
        correlation_id=envelope.correlationid,
        causation_id=envelope.id,
        event_id=events.derived_id(envelope.id, "received"),
        more_events=[
            lambda _record: _status_request(
                document_id, package, StatusCode.ARRIVED, desk, envelope
            ),
            lambda _record: _status_request(
                document_id, package, StatusCode.ACCEPTED, desk, envelope
            ),
        ],
    )
    try:
        record = await take_number_and_store(registry, registration)
    except AlreadyExists:
        return None
    # A clerk who later uploads the paper copy of this document is told it is already here; a
    # package that duplicates an earlier document is still registered (the sender decided).
    sha256s = [attachment.sha256 for attachment in package.attachments]
    keys = duplicate_keys_of(package.agency_code, metadata, sha256s)
    await registry.claims.claim_all([key for key, _ in keys], document_id)
    return record


async def record_exchange_status(
    registry: Registry,
    status: DeliveryStatusChanged | ProcessingStatusReceived,
    envelope: Envelope,
) -> bool:
    """Keep what the exchange reports about one of our outgoing documents at one recipient, for
    the sending clerk's view; False when the document is not ours or the report is known."""
    record = await registry.documents.get(status.document_id)
    if record is None or record.get("agency_code") != status.agency_code:
        # Sent by another deployment sharing the topic (or a replayed sample): not ours.
        return False
    report: Record
    if isinstance(status, DeliveryStatusChanged):
        report = {
            "recipient": status.recipient_agency_code,
            "transport": status.transport.value,
            "attempt": status.attempt,
            "reason": status.reason,
            "package_id": status.package_id,
            "at": status.changed_at,
        }
    else:
        report = {
            "recipient": status.from_agency_code,
            "status_code": status.status_code.value,
            "description": status.description,
            "staff": status.staff.model_dump(mode="json") if status.staff else None,
            "package_id": status.package_id,
            "at": status.reported_at,
        }
    fact = {
        "_id": f"{status.document_id}:exchange-status:{envelope.id}",
        "document_id": status.document_id,
        "kind": "exchange_status",
        "recorded_at": datetime.now(UTC),
        "status": report,
    }
    return await registry.documents.add_fact(fact, [])


def _rejection_reason(package: PackageReceived) -> str | None:
    if package.signature is PackageSignature.INVALID:
        return "chữ ký số của gói tin không hợp lệ (the package signature is invalid)"
    return None


async def _reject_package(
    registry: Registry,
    desk: StatusDesk,
    package: PackageReceived,
    envelope: Envelope,
    document_id: str,
    reason: str,
) -> None:
    fact = {
        "_id": f"{document_id}:rejected",
        "document_id": document_id,
        "kind": "rejected_package",
        "agency_code": package.agency_code,
        "package_id": package.package_id,
        "reason": reason,
        "recorded_at": datetime.now(UTC),
    }
    status = _status_request(document_id, package, StatusCode.REJECTED, desk, envelope, reason)
    await registry.documents.add_fact(fact, [status])
    log.warning("package rejected", package_id=package.package_id, reason=reason)


# ------------------------------------------------------------------------------------------
# Outgoing documents (văn bản đi)


def _contract_recipients(metadata: OutgoingDocumentMetadata) -> tuple[Recipient, ...]:
    return tuple(
        Recipient(name=r.name[:200], agency_code=r.agency_code, unit_id=r.unit_id)
        for r in metadata.recipients
    )


def _agency_recipients(record: Record) -> tuple[str, ...]:
    return tuple(r["agency_code"] for r in record["metadata"]["recipients"] if r.get("agency_code"))


async def issue_outgoing_document(
    registry: Registry,
    *,
    principal: Principal,
    metadata: OutgoingDocumentMetadata,
    agency_abbreviation: str,
    place: str | None,
    upload: UploadedFile,
    correlation_id: str | None = None,
) -> Record:
    """Number a signed outgoing document, keep its signed original, and ask exchange to send it to
    the other agencies among its recipients (state secrets never travel over the exchange)."""
    checked = await check_files([upload], OUTGOING_ORIGINALS)
    # Surface a bad abbreviation before a number is taken.
    metadata.notation(1, agency_abbreviation)
    document_id = str(uuid.uuid4())
    (stored,) = await store_files(registry.files, document_id, [upload], checked)
    now = datetime.now(UTC)
    register = outgoing_register_for(metadata.confidentiality)
    key = register_key(principal.agency_code, register, now)
    number = await registry.numbers.reserve(key, document_id)
    notation = metadata.notation(number, agency_abbreviation)
    issued = vietnam_date(now)
    document_code = edxml_document_code(principal.agency_code, issued, notation)
    person = person_of(principal)
    record: Record = {
        "_id": document_id,
        "kind": "outgoing",
        "status": "registered",
        "agency_code": principal.agency_code,
        "register": register.value,
        "year": key.year,
        "number": number,
        "code_number": notation.code_number,
        "code_notation": notation.code_notation,
        "document_code": document_code,
        "issued_date": issued.isoformat(),
        "place": place,
        "registered_at": now,
        "registered_by": person,
        "channel": Channel.ELECTRONIC.value,
        "metadata": metadata.model_dump(mode="json"),
        "confidentiality": metadata.confidentiality.value,
        "allowed_user_ids": list(metadata.allowed_user_ids),
        "content_keys": [stored["sha256"]],
        "files": [stored],
    }
    outgoing = _issue_events(record, metadata, stored, correlation_id)
    try:
        await registry.documents.add(record, outgoing)
    except AlreadyExists:
        await void_reservation(registry, key, number, document_id, "duplicate write")
        raise
    return record


def _issue_events(
    record: Record,
    metadata: OutgoingDocumentMetadata,
    stored: Record,
    correlation_id: str | None,
) -> list[KafkaRecord]:
    """`OutgoingDocumentIssued` for a numbered document with its signed original, and the
    request to send it to the other agencies among its recipients (sets `send_requested_to`)."""
    document_id, agency_code = record["_id"], record["agency_code"]
    now = record["issued_at"] if "issued_at" in record else record["registered_at"]
    person = record["registered_by"]
    issued_event = OutgoingDocumentIssued(
        document_id=document_id,
        agency_code=agency_code,
        document_code=record["document_code"],
        code_number=record["code_number"],
        code_notation=record["code_notation"],
        issued_date=date.fromisoformat(record["issued_date"]),
        place=record.get("place"),
        document_type=events.contract_document_type(metadata.document_type),
        subject=metadata.subject,
        signer=events.contract_signer(metadata.signer),
        recipients=_contract_recipients(metadata),
        urgency=Urgency(metadata.urgency.value),
        confidentiality=ContractConfidentiality(metadata.confidentiality.value),
        page_count=metadata.page_count,
        due_date=metadata.due_date,
        files=(events.contract_file(stored),),
        reply_to=metadata.reply_to,
        issued_at=now,
        registered_by=events.contract_person(person),
    )
    outgoing = [events.to_record(issued_event, correlation_id=correlation_id)]
    others = _agency_recipients(record)
    if others and not metadata.confidentiality.is_state_secret:
        request = SendDocumentRequested(
            request_id=events.derived_id(document_id, "send", "new"),
            document_id=document_id,
            agency_code=agency_code,
            business_type=BusinessType.NEW,
            recipients=others,
            requested_by=events.contract_person(person),
            requested_at=now,
        )
        outgoing.append(
            events.to_record(request, correlation_id=correlation_id, event_id=request.request_id)
        )
        record["send_requested_to"] = list(others)
    return outgoing


# Numbers taken before the signature (ADR 0012 addendum): the clerk reserves the number and date
# of an approved draft, they are printed in the document, it is signed, and then issued.


class UnknownDraft(Exception):
    def __init__(self, draft_id: str) -> None:
        self.draft_id = draft_id
        super().__init__(
            f"không có dự thảo đã được duyệt {draft_id!r} của cơ quan (no approved draft "
            "with this id: routing announces each approval as DraftApproved)"
        )


class NotReserved(Exception):
    """The reservation does not exist for the caller, or its document was issued or voided."""


class NumberNotInDocument(Exception):
    def __init__(self, notation: str) -> None:
        self.notation = notation
        super().__init__(
            f"văn bản ký số không ghi số, ký hiệu đã cấp {notation} (the signed PDF does not "
            f"show the reserved number and notation {notation}: print them in the document "
            "before it is signed)"
        )


def approved_draft_fact_id(agency_code: str, draft_id: str) -> str:
    return f"draft:{agency_code}:{draft_id}"


async def keep_approved_draft(registry: Registry, approved: DraftApproved) -> bool:
    """Remember a draft routing approved, so that the clerk may reserve its number."""
    fact = {
        "_id": approved_draft_fact_id(approved.agency_code, approved.draft_id),
        "document_id": approved.document_id,
        "kind": "approved_draft",
        "recorded_at": datetime.now(UTC),
        "draft": approved.model_dump(mode="json"),
    }
    return await registry.documents.add_fact(fact, [])


def reservation_id_of(agency_code: str, draft_id: str) -> str:
    """The outgoing document an approved draft becomes: one per draft, so asking twice for its
    number gives the same number."""
    return events.derived_id("outgoing", agency_code, draft_id)


async def reserve_outgoing_number(
    registry: Registry,
    *,
    principal: Principal,
    draft_id: str,
    metadata: OutgoingDocumentMetadata,
    agency_abbreviation: str,
    place: str | None,
) -> Record:
    """Take the next number of the outgoing register and today's date for an approved draft,
    before it is signed; the document holds them as `reserved` until its signed PDF comes."""
    fact = await registry.documents.fact(approved_draft_fact_id(principal.agency_code, draft_id))
    if fact is None:
        raise UnknownDraft(draft_id)
    draft = fact["draft"]
    metadata.notation(1, agency_abbreviation)  # a bad abbreviation before a number is taken
    document_id = reservation_id_of(principal.agency_code, draft_id)
    existing = await registry.documents.get(document_id)
    if existing is not None:
        return existing
    answered = draft["document_id"]
    if answered not in metadata.reply_to:
        metadata = metadata.model_copy(update={"reply_to": (*metadata.reply_to, answered)})
    now = datetime.now(UTC)
    register = outgoing_register_for(metadata.confidentiality)
    key = register_key(principal.agency_code, register, now)
    number = await registry.numbers.reserve(key, document_id)
    notation = metadata.notation(number, agency_abbreviation)
    issued = vietnam_date(now)
    record: Record = {
        "_id": document_id,
        "kind": "outgoing",
        "status": "reserved",
        "agency_code": principal.agency_code,
        "register": register.value,
        "year": key.year,
        "number": number,
        "code_number": notation.code_number,
        "code_notation": notation.code_notation,
        "document_code": edxml_document_code(principal.agency_code, issued, notation),
        "issued_date": issued.isoformat(),
        "place": place,
        "registered_at": now,
        "registered_by": person_of(principal),
        "channel": Channel.ELECTRONIC.value,
        "metadata": metadata.model_dump(mode="json"),
        "confidentiality": metadata.confidentiality.value,
        "allowed_user_ids": list(metadata.allowed_user_ids),
        "approved_draft": {
            k: draft[k]
            for k in ("draft_id", "document_id", "case_id", "decision_id", "approved_by", "file")
        },
        "content_keys": [],
        "files": [],
    }
    try:
        await registry.documents.add(record, [])
    except AlreadyExists:
        # The same draft reserved twice at once: the first keeps the number, this one is void.
        await void_reservation(registry, key, number, document_id, "duplicate write")
        held = await registry.documents.get(document_id)
        if held is None:
            raise
        return held
    log.info("outgoing number reserved", document_id=document_id, number=number)
    return record


def _notation_text(record: Record) -> str:
    return f"{record['code_number']}/{record['code_notation']}"


async def issue_reserved_document(
    registry: Registry,
    *,
    principal: Principal,
    reservation_id: str,
    upload: UploadedFile,
    correlation_id: str | None = None,
) -> Record:
    """Issue the signed PDF of a reserved number: the PDF must show that number and notation."""
    record = await registry.documents.get(reservation_id)
    if (
        record is None
        or record.get("status") != "reserved"
        or record.get("agency_code") != principal.agency_code
    ):
        raise NotReserved(reservation_id)
    checked = await check_files([upload], OUTGOING_ORIGINALS)
    notation = _notation_text(record)
    if registry.pdf_text is None:
        raise RuntimeError("issuing a reserved number needs a PdfText port")
    text = await registry.pdf_text.text_of(upload.data)
    if text is None or not shows_notation(text, notation):
        raise NumberNotInDocument(notation)
    (stored,) = await store_files(registry.files, reservation_id, [upload], checked)
    now = datetime.now(UTC)
    metadata = OutgoingDocumentMetadata.model_validate(record["metadata"])
    issued = {**record, "files": [stored], "issued_at": now, "issued_by": person_of(principal)}
    outgoing = _issue_events(issued, metadata, stored, correlation_id)
    changes = {
        "files": [stored],
        "content_keys": [stored["sha256"]],
        "issued_at": now,
        "issued_by": issued["issued_by"],
    }
    if "send_requested_to" in issued:
        changes["send_requested_to"] = issued["send_requested_to"]
    done = await registry.documents.finish_reservation(reservation_id, changes, outgoing)
    if done is None:
        raise NotReserved(reservation_id)
    return done


class InvalidSendRequest(Exception):
    pass


async def request_change(
    registry: Registry,
    *,
    principal: Principal,
    document_id: str,
    business_type: BusinessType,
    reason: str,
    replacement_document_id: str | None,
    correlation_id: str | None = None,
) -> Record:
    """Ask exchange to revoke a sent document, or to send an update or replacement of it."""
    original = await readable_document(registry, principal, document_id)
    if original.get("kind") != "outgoing" or original["status"] != "registered":
        raise InvalidSendRequest("only registered outgoing documents can be revoked or replaced")
    recipients = _agency_recipients(original)
    if not recipients or original["confidentiality"] != Confidentiality.NORMAL.value:
        raise InvalidSendRequest("the document was not sent to other agencies over the exchange")
    carrier = document_id
    if business_type is BusinessType.REVOKE:
        if replacement_document_id is not None:
            raise InvalidSendRequest("a revocation carries no replacement_document_id")
    else:
        if replacement_document_id is None:
            raise InvalidSendRequest(
                f"an {business_type.value} needs replacement_document_id: the outgoing document "
                "that carries the new text"
            )
        replacement = await readable_document(registry, principal, replacement_document_id)
        if replacement.get("kind") != "outgoing":
            raise InvalidSendRequest("replacement_document_id must be an outgoing document")
        carrier = replacement_document_id
    now = datetime.now(UTC)
    request_id = events.derived_id(document_id, "send", business_type.value, carrier)
    request = SendDocumentRequested(
        request_id=request_id,
        document_id=carrier,
        agency_code=principal.agency_code,
        business_type=business_type,
        target_document_code=original["document_code"],
        recipients=recipients,
        reason=reason[:500],
        requested_by=events.contract_person(person_of(principal)),
        requested_at=now,
    )
    fact = {
        "_id": f"{document_id}:send:{request_id}",
        "document_id": document_id,
        "kind": "send_request",
        "recorded_at": now,
        "request": {
            "request_id": request_id,
            "business_type": business_type.value,
            "document_id": carrier,
            "reason": reason,
            "requested_at": now,
        },
    }
    await registry.documents.add_fact(
        fact, [events.to_record(request, correlation_id=correlation_id, event_id=request_id)]
    )
    return await readable_document(registry, principal, document_id)


# ------------------------------------------------------------------------------------------
# Printed registers


def _register_row(principal: Principal, record: Record, outgoing: bool) -> Record:
    visible = may_read(principal, record)
    if outgoing:
        return outgoing_row(record, visible=visible)
    return incoming_row(record, visible=visible)


async def _fill_void_reasons(registry: Registry, records: list[Record]) -> None:
    """Documents voided before the reason was kept on the document itself (ADR 0014 addendum)
    have it only in their `void` fact: read those facts, one read for the whole register."""
    missing = {r["_id"]: r for r in records if r["status"] == "void" and not r.get("void_reason")}
    if not missing:
        return
    for fact in await registry.documents.facts_of_kind(list(missing), "void"):
        record = missing[fact["document_id"]]
        record["void_reason"] = fact["void"].get("reason")
        record.setdefault("voided_at", fact["void"].get("voided_at"))


async def register_rows(
    registry: Registry,
    principal: Principal,
    register: Register,
    start: datetime,
    end: datetime,
) -> list[Record]:
    """Every entry of a register in a period, voided ones included; secrets masked unless named."""
    query = {
        "agency_code": principal.agency_code,
        "register": register.value,
        "registered_at": {"$gte": start, "$lt": end},
    }
    records, _ = await registry.documents.find(
        query, skip=0, limit=100_000, sort=[("year", 1), ("number", 1)]
    )
    await _fill_void_reasons(registry, records)
    outgoing = register is not Register.INCOMING
    return [_register_row(principal, record, outgoing) for record in records]
