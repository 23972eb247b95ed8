"""The events intake publishes, built from the domain's metadata in the contracts' vocabulary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from vanthu_contracts import (
    DocumentReceived,
    DocumentVoided,
    Event,
    KafkaRecord,
    encode,
)
from vanthu_contracts.events import values
from vanthu_contracts.events.intake import CopyIssued, CopyKind

from vanthu_intake.domain.document_types import DocumentType, parse_document_type
from vanthu_intake.domain.metadata import IncomingDocumentMetadata, Signer
from vanthu_intake.domain.numbering import Register

SOURCE = "/vanthu/intake"
# Ids of events caused by other events are derived from them, so a re-run publishes the same id.
EVENT_NAMESPACE = uuid.UUID("6f1d2a8e-4b2c-5d7e-9a10-1c2b3d4e5f60")


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, "|".join(parts)))


def to_record(
    event: Event,
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    event_id: str | None = None,
) -> KafkaRecord:
    return encode(
        event,
        source=SOURCE,
        correlation_id=correlation_id,
        causation_id=causation_id,
        event_id=event_id,
    )


def contract_document_type(document_type: DocumentType) -> values.DocumentType:
    return values.DocumentType(code=document_type.abbreviation, name=document_type.vietnamese_name)


def contract_signer(signer: Signer) -> values.Signer:
    return values.Signer(
        competence=signer.competence, position=signer.position, full_name=signer.full_name
    )


def contract_person(person: dict[str, Any]) -> values.Person:
    return values.Person(user_id=person["user_id"], full_name=person["full_name"])


def contract_file(file: dict[str, Any]) -> values.FileRef:
    return values.FileRef(
        file_id=file["file_id"],
        name=file["name"],
        media_type=file["media_type"],
        size=file["size"],
        sha256=file["sha256"],
        object_key=file["object_key"],
        role=values.FileRole(file["role"]),
    )


def document_received(
    record: dict[str, Any], metadata: IncomingDocumentMetadata
) -> DocumentReceived:
    """The event of a freshly registered incoming document, from its stored record."""
    exchange = record.get("exchange")
    return DocumentReceived(
        document_id=record["_id"],
        agency_code=record["agency_code"],
        arrival_number=record["number"],
        arrival_year=record["year"],
        received_at=record["registered_at"],
        channel=values.Channel(metadata.channel.value),
        issuer=values.Issuer(name=metadata.issuer.name, agency_code=metadata.issuer.agency_code),
        document_type=contract_document_type(metadata.document_type),
        code_number=metadata.code_number,
        code_notation=metadata.code_notation,
        issued_date=metadata.issued_date,
        subject=metadata.subject,
        page_count=metadata.page_count,
        signer=contract_signer(metadata.signer),
        urgency=values.Urgency(metadata.urgency.value),
        confidentiality=values.Confidentiality(metadata.confidentiality.value),
        due_date=metadata.due_date,
        to_places=tuple(place[:200] for place in metadata.recipients),
        language=metadata.language,
        description=metadata.notes,
        files=tuple(contract_file(f) for f in record["files"]),
        exchange=values.ExchangeOrigin(**exchange) if exchange else None,
        legacy_id=record.get("legacy_id"),
        registered_by=contract_person(record["registered_by"]),
        readers=tuple(record.get("allowed_user_ids") or ()),
    )


def document_voided(
    *,
    document_id: str,
    agency_code: str,
    register: Register,
    year: int,
    number: int,
    reason: str,
    voided_by: dict[str, Any],
    voided_at: datetime,
) -> DocumentVoided:
    kind = {
        Register.INCOMING: values.Register.INCOMING,
        Register.COPIES: values.Register.COPIES,
    }.get(register, values.Register.OUTGOING)  # the confidential series is of the outgoing one
    return DocumentVoided(
        document_id=document_id,
        agency_code=agency_code,
        register_type=kind,
        year=year,
        number=str(number),
        reason=reason[:500],
        voided_by=contract_person(voided_by),
        voided_at=voided_at,
    )


def copy_issued(copy: dict[str, Any], source: dict[str, Any]) -> CopyIssued:
    """The event of a copy as it is stored once sealed (or converted): numbered in the copies
    register, or a conversion with none; seen by whoever may see its source (ADR 0019 addendum)."""
    copy_of = copy["copy_of"]
    kind = CopyKind.CONVERSION if copy_of["kind"] == "converted" else CopyKind(copy_of["kind"])
    metadata = copy.get("metadata") or {}
    confidentiality = values.Confidentiality(copy.get("confidentiality") or "normal")
    readers: tuple[str, ...] = ()
    if confidentiality is not values.Confidentiality.NORMAL:
        registering = (source.get("registered_by") or {}).get("user_id")
        named = [*(copy.get("allowed_user_ids") or ()), *([registering] if registering else [])]
        readers = tuple(dict.fromkeys(named))
    numbered = kind is not CopyKind.CONVERSION
    signer = copy.get("signer")
    return CopyIssued(
        copy_id=copy["_id"],
        agency_code=copy["agency_code"],
        source_document_id=copy_of["document_id"],
        kind=kind,
        pages=tuple(copy_of.get("pages") or ()) if kind is CopyKind.TRICH_SAO else (),
        code_number=copy.get("code_number") if numbered else None,
        code_notation=copy.get("code_notation") if numbered else None,
        year=copy.get("year") if numbered else None,
        issued_date=date.fromisoformat(copy["issued_date"]),
        place=copy.get("place"),
        document_type=contract_document_type(parse_document_type(metadata["document_type"])),
        subject=metadata["subject"],
        file=contract_file(copy["files"][0]),
        signer=contract_signer(Signer.model_validate(signer)) if numbered and signer else None,
        signed_by=contract_person(copy["signed_by"]) if numbered else None,
        sealed_by=contract_person(copy.get("issued_by") or copy["converted_by"]),
        issued_at=copy.get("issued_at") or copy["converted_at"],
        confidentiality=confidentiality,
        readers=readers,
    )
