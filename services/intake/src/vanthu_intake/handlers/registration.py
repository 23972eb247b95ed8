"""Registering incoming documents: duplicates, numbers, voiding."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from vanthu_runtime.auth import Principal
from vanthu_runtime.errors import AlreadyExists

from vanthu_intake import events
from vanthu_intake.domain.duplicates import content_key, metadata_key_of
from vanthu_intake.domain.markings import Confidentiality
from vanthu_intake.domain.metadata import (
    IncomingDocumentMetadata,
)
from vanthu_intake.domain.numbering import (
    Register,
    RegisterKey,
    register_key,
)
from vanthu_intake.handlers.reading import readable_document
from vanthu_intake.handlers.registry import (
    SYSTEM_PERSON,
    DuplicateDocument,
    Registry,
    UploadedFile,
    check_files,
    person_of,
    store_files,
)
from vanthu_intake.ports import (
    Record,
)

log = structlog.get_logger(__name__)


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
    for _ in range(MAX_NUMBER_ATTEMPTS):
        try:
            record = await store_registration(registry, registration, key, number)
        except AlreadyExists:
            if not await _voided_meanwhile(registry, key, number, registration.document_id):
                # A concurrent writer of the same document id (a package consumed twice, an
                # import row run twice at once): its number stays in the register, voided.
                await void_reservation(
                    registry, key, number, registration.document_id, "duplicate write"
                )
                raise
            # This registration took longer than the grace, and the recovery pass wrote its
            # number as void: that entry stays; the document takes the next number.
            log.warning(
                "number voided while its document was stored; taking the next",
                number=number,
                year=key.year,
            )
            number = await registry.numbers.reserve(key, registration.document_id)
            continue
        log.info("document registered", document_id=record["_id"], number=number, year=key.year)
        return record
    raise RuntimeError(
        f"no number held for {registration.document_id} in {MAX_NUMBER_ATTEMPTS} tries"
    )


MAX_NUMBER_ATTEMPTS = 3
"""How many numbers one registration takes before it gives up: each after the first only when the
recovery pass voided the one before under it (ADR 0010: its grace was shorter than the request)."""


async def _voided_meanwhile(
    registry: Registry, key: RegisterKey, number: int, document_id: str
) -> bool:
    """The number is held by the recovery pass's void entry, and our document is not stored."""
    if await registry.documents.get(document_id) is not None:
        return False
    void = await registry.documents.get(_void_id(key, number))
    return void is not None and void.get("status") == "void" and holds_number(void, key, number)


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
    void_id = _void_id(key, number)
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


def _void_id(key: RegisterKey, number: int) -> str:
    return events.derived_id(
        "void", key.agency_code, key.register.value, str(key.year), str(number)
    )


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
