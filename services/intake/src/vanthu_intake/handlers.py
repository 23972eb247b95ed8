"""Use cases of the registry office, talking to ports only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from vanthu_contracts import KafkaRecord
from vanthu_runtime.auth import Principal
from vanthu_runtime.errors import AlreadyExists

from vanthu_intake import events
from vanthu_intake.domain.duplicates import content_key, metadata_key_of
from vanthu_intake.domain.file_sniffing import (
    SNIFF_LENGTH,
    MediaType,
    check_scan_pdf_version,
    sniff_media_type,
)
from vanthu_intake.domain.markings import Confidentiality
from vanthu_intake.domain.metadata import Channel, IncomingDocumentMetadata
from vanthu_intake.domain.numbering import Register, RegisterKey, register_key
from vanthu_intake.ports import DocumentRepository, FileStore, NumberRegister, Record

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


class DuplicateDocument(Exception):
    def __init__(self, existing: Record, key: str) -> None:
        self.existing_id = str(existing["_id"])
        self.key = key
        super().__init__(
            f"this document looks already registered (same {key}) as {self.existing_id}; "
            "state a reason to register it anyway"
        )


class UnacceptableFile(Exception):
    """A file that is not what intake keeps; `status` says which HTTP answer fits."""

    def __init__(self, index: int, name: str, message: str, *, unsupported_type: bool) -> None:
        self.index = index
        self.name = name
        self.unsupported_type = unsupported_type
        super().__init__(f"file {index + 1} ({name}): {message}")


class NotFound(Exception):
    pass


def person_of(principal: Principal) -> dict[str, str]:
    return {"user_id": principal.user_id, "full_name": principal.full_name or principal.user_id}


def sniff_files(files: Sequence[UploadedFile], channel: Channel) -> list[MediaType]:
    media_types: list[MediaType] = []
    for index, file in enumerate(files):
        head = file.data[:SNIFF_LENGTH]
        try:
            media_type = sniff_media_type(head)
        except ValueError as exc:
            raise UnacceptableFile(index, file.name, str(exc), unsupported_type=True) from exc
        if channel is Channel.PAPER and media_type is MediaType.PDF:
            try:
                check_scan_pdf_version(head)
            except ValueError as exc:
                raise UnacceptableFile(index, file.name, str(exc), unsupported_type=False) from exc
        media_types.append(media_type)
    return media_types


async def store_files(
    files: FileStore, document_id: str, uploads: Sequence[UploadedFile], media_types: list[MediaType]
) -> list[Record]:
    stored: list[Record] = []
    for index, (upload, media_type) in enumerate(zip(uploads, media_types, strict=True)):
        kept = await files.put(upload.data, media_type.value)
        stored.append(
            {
                "file_id": events.derived_id(document_id, "file", str(index)),
                "name": (upload.name or f"file-{index + 1}")[:255],
                "media_type": media_type.value,
                "size": kept.size,
                "sha256": kept.sha256,
                "object_key": kept.object_key,
                "role": "original" if index == 0 else "attachment",
            }
        )
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


async def register_document(
    registry: Registry,
    *,
    principal: Principal,
    metadata: IncomingDocumentMetadata,
    uploads: Sequence[UploadedFile],
    register_anyway_reason: str | None = None,
    correlation_id: str | None = None,
) -> Record:
    """Register an incoming document: keep its files, give it the next arrival number, announce it."""
    media_types = sniff_files(uploads, metadata.channel)
    agency_code = principal.agency_code
    content_keys = [content_key(upload.data) for upload in uploads]
    key_of_metadata = metadata_key_of(metadata)
    existing = await registry.documents.find_duplicate(agency_code, key_of_metadata, content_keys)
    extra: Record = {}
    if existing is not None:
        if not register_anyway_reason:
            same = "file content" if set(existing.get("content_keys", ())) & set(content_keys) else (
                "issuer, number, notation and date"
            )
            raise DuplicateDocument(existing, same)
        extra = {"duplicate_of": existing["_id"], "duplicate_reason": register_anyway_reason}
    document_id = str(uuid.uuid4())
    stored = await store_files(registry.files, document_id, uploads, media_types)
    registration = Registration(
        document_id=document_id,
        agency_code=agency_code,
        metadata=metadata,
        files=stored,
        registered_by=person_of(principal),
        extra=extra,
        correlation_id=correlation_id,
    )
    return await take_number_and_store(registry, registration)


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
    number = await registry.numbers.reserve(key, registration.document_id)
    record = incoming_record(registration, key, number)
    received = events.to_record(
        events.document_received(record, registration.metadata),
        correlation_id=registration.correlation_id,
        causation_id=registration.causation_id,
        event_id=registration.event_id,
    )
    follow_ups = [build(record) for build in registration.more_events]
    try:
        await registry.documents.add(record, [received, *follow_ups])
    except AlreadyExists:
        # Only a concurrent consumer of the same package can get here: its number stays voided.
        await void_reservation(registry, key, number, registration.document_id, "duplicate write")
        raise
    await registry.numbers.release(key, number)
    log.info("document registered", document_id=record["_id"], number=number, year=key.year)
    return record


async def void_reservation(
    registry: Registry, key: RegisterKey, number: int, document_id: str, why: str
) -> None:
    """Write a reserved number whose document was never stored into the register as void."""
    existing = await registry.documents.get(document_id)
    if existing is not None and existing.get("number") == number and existing["year"] == key.year:
        await registry.numbers.release(key, number)
        return
    void_id = events.derived_id("void", key.agency_code, key.register.value, str(key.year), str(number))
    now = datetime.now(UTC)
    reason = f"registration interrupted before the document was stored ({why}); number kept as void"
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
    try:
        await registry.documents.add(record, [voided])
    except AlreadyExists:
        pass  # an earlier recovery pass already wrote it
    await registry.numbers.release(key, number)
    log.warning("reserved number voided", number=number, year=key.year, register=key.register)


async def reconcile_reservations(registry: Registry, older_than: timedelta) -> int:
    """Void every number reserved long ago whose document never arrived; the count handled."""
    stale = await registry.numbers.stale_reservations(older_than)
    for reservation in stale:
        await void_reservation(
            registry, reservation.key, reservation.number, reservation.document_id, "recovery"
        )
    return len(stale)


async def void_document(
    registry: Registry, *, principal: Principal, document_id: str, reason: str
) -> Record:
    """Cancel a registration; its number stays taken and is shown as void in the register."""
    record = await readable_document(registry, principal, document_id)
    if record["status"] == "void":
        return record
    now = datetime.now(UTC)
    voided = events.to_record(
        events.document_voided(
            document_id=document_id,
            agency_code=record["agency_code"],
            register=Register(record["register"]),
            year=record["year"],
            number=record["number"],
            reason=reason,
            voided_by=person_of(principal),
            voided_at=now,
        )
    )
    await registry.documents.update_once(
        document_id,
        "voided",
        {"status": "void", "void_reason": reason, "voided_at": now, "voided_by": person_of(principal)},
        [voided],
    )
    return await readable_document(registry, principal, document_id)


# ------------------------------------------------------------------------------------------
# Reading


def may_read(principal: Principal, record: Record) -> bool:
    """Same agency; confidential documents only for the people named on them (and the clerk who
    registered the paper, who has already held it)."""
    if record.get("agency_code") != principal.agency_code:
        return False
    if record.get("confidentiality", "normal") == Confidentiality.NORMAL.value:
        return True
    named = set(record.get("allowed_user_ids") or ())
    return principal.user_id in named or record["registered_by"]["user_id"] == principal.user_id


def visibility_filter(principal: Principal) -> Record:
    return {
        "agency_code": principal.agency_code,
        "$or": [
            {"confidentiality": Confidentiality.NORMAL.value},
            {"allowed_user_ids": principal.user_id},
            {"registered_by.user_id": principal.user_id},
        ],
    }


async def readable_document(registry: Registry, principal: Principal, document_id: str) -> Record:
    record = await registry.documents.get(document_id)
    if record is None or not may_read(principal, record):
        # The same answer for "absent" and "not yours": existence itself is not disclosed.
        raise NotFound(document_id)
    return record


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


async def file_link(
    registry: Registry, principal: Principal, document_id: str, file_id: str, ttl: timedelta
) -> tuple[Record, str]:
    record = await readable_document(registry, principal, document_id)
    every = list(record.get("files", [])) + [
        ocr["derivative"] for ocr in (record.get("ocr") or {}).values() if "derivative" in ocr
    ]
    for file in every:
        if file["file_id"] == file_id:
            return file, await registry.files.link(file["object_key"], ttl)
    raise NotFound(file_id)


def events_of(*records: KafkaRecord) -> list[KafkaRecord]:
    return list(records)
