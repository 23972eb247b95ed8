"""Outgoing documents (văn bản đi): issued, numbers reserved before the signature, change requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import structlog
from vanthu_contracts import (
    KafkaRecord,
    OutgoingDocumentIssued,
    SendDocumentRequested,
)
from vanthu_contracts.events.routing import DraftApproved
from vanthu_contracts.events.values import (
    BusinessType,
    Recipient,
    SteeringType,
    Urgency,
)
from vanthu_contracts.events.values import Confidentiality as ContractConfidentiality
from vanthu_runtime.auth import Principal
from vanthu_runtime.errors import AlreadyExists

from vanthu_intake import events
from vanthu_intake.domain.markings import Confidentiality
from vanthu_intake.domain.metadata import (
    Channel,
    OutgoingDocumentMetadata,
)
from vanthu_intake.domain.notation import edxml_document_code
from vanthu_intake.domain.numbering import (
    outgoing_register_for,
    register_key,
)
from vanthu_intake.domain.reservations import shows_notation
from vanthu_intake.domain.vietnam_time import vietnam_date
from vanthu_intake.handlers.reading import readable_document
from vanthu_intake.handlers.registration import void_reservation
from vanthu_intake.handlers.registry import (
    OUTGOING_ORIGINALS,
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
        # The signed original first, then its appendices (each with the agency's signature):
        # the exchange sends every one of them.
        files=tuple(events.contract_file(f) for f in record.get("files") or [stored]),
        reply_to=metadata.reply_to,
        issued_at=now,
        registered_by=events.contract_person(person),
        content=metadata.content,
        steering_type=SteeringType(metadata.steering_type.value)
        if metadata.steering_type
        else None,
        sphere_of_promulgation=metadata.sphere_of_promulgation,
        typer_notation=metadata.typer_notation,
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
    attachments: Sequence[UploadedFile] = (),
) -> Record:
    """Issue the signed PDF of a reserved number: the PDF must show that number and notation.
    `attachments` (appendices in files of their own, PDFs) are kept with it."""
    record = await registry.documents.get(reservation_id)
    if (
        record is None
        or record.get("status") != "reserved"
        or record.get("agency_code") != principal.agency_code
    ):
        raise NotReserved(reservation_id)
    checked = await check_files([upload, *attachments], OUTGOING_ORIGINALS)
    notation = _notation_text(record)
    if registry.pdf_text is None:
        raise RuntimeError("issuing a reserved number needs a PdfText port")
    text = await registry.pdf_text.text_of(upload.data)
    if text is None or not shows_notation(text, notation):
        raise NumberNotInDocument(notation)
    kept = await store_files(registry.files, reservation_id, [upload, *attachments], checked)
    stored = kept[0]
    now = datetime.now(UTC)
    metadata = OutgoingDocumentMetadata.model_validate(record["metadata"])
    issued = {**record, "files": kept, "issued_at": now, "issued_by": person_of(principal)}
    outgoing = _issue_events(issued, metadata, stored, correlation_id)
    changes = {
        "files": kept,
        "content_keys": [file["sha256"] for file in kept],
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
