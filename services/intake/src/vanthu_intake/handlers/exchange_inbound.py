"""Worker: documents and statuses that arrive from other agencies through the exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from pydantic import ValidationError
from vanthu_contracts import (
    DeliveryStatusChanged,
    Envelope,
    KafkaRecord,
    PackageReceived,
    ProcessingStatusReceived,
    SendStatusRequested,
)
from vanthu_contracts.events.values import (
    PackageSignature,
    StaffInfo,
    StatusCode,
)
from vanthu_runtime.errors import AlreadyExists

from vanthu_intake import events
from vanthu_intake.domain.metadata import (
    Channel,
    IncomingDocumentMetadata,
    describe_errors,
)
from vanthu_intake.handlers.registration import (
    Registration,
    duplicate_keys_of,
    take_number_and_store,
)
from vanthu_intake.handlers.registry import SYSTEM_PERSON, Registry
from vanthu_intake.ports import (
    Record,
)

log = structlog.get_logger(__name__)


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
        "content": package.content,
        "steering_type": package.steering_type.value if package.steering_type else None,
        "sphere_of_promulgation": package.sphere_of_promulgation,
        "typer_notation": package.typer_notation,
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
