"""Events owned by exchange: requests in its inbox, packages in, delivery and processing status.

``exchange.outbound`` is the exchange's inbox: its events are owned (specified) by exchange but
published by intake and routing, so their ``ce_source`` names the publisher.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self

from pydantic import Field, model_validator

from vanthu_contracts.events.base import Event
from vanthu_contracts.events.values import (
    AgencyCode,
    Attachment,
    BusinessType,
    CodeNotation,
    CodeNumber,
    ContentSummary,
    DocumentCode,
    DocumentType,
    Identifier,
    Instant,
    Issuer,
    Note,
    ObjectKey,
    OrganName,
    PackageSignature,
    Person,
    Sha256,
    ShortLabel,
    Signer,
    StaffInfo,
    StatusCode,
    SteeringType,
    Subject,
    TransportState,
    Urgency,
)
from vanthu_contracts.registry import register_event

OUTBOUND_TOPIC = "exchange.outbound"
INBOUND_TOPIC = "exchange.inbound"
STATUS_TOPIC = "exchange.status"


def _needs_target(business_type: BusinessType, target: str | None) -> None:
    if business_type.targets_earlier_document and target is None:
        raise ValueError(f"business_type {business_type.value!r} needs target_document_code")
    if not business_type.targets_earlier_document and target is not None:
        raise ValueError("a new document has no target_document_code")


@register_event
class SendDocumentRequested(Event):
    """Intake asks exchange to send an outgoing document (or its revocation, update, replacement)."""

    event_type: ClassVar[str] = "vanthu.exchange.send-document.requested.v1"
    topic: ClassVar[str] = OUTBOUND_TOPIC

    request_id: Identifier
    """Idempotency key: the same request sent twice is sent once."""
    document_id: Identifier
    agency_code: AgencyCode
    """The sending agency."""
    business_type: BusinessType
    target_document_code: DocumentCode | None = None
    """The earlier document revoked, updated or replaced."""
    recipients: tuple[AgencyCode, ...] = Field(min_length=1)
    reason: Note | None = None
    requested_by: Person
    requested_at: Instant

    @model_validator(mode="after")
    def _target_matches_business_type(self) -> Self:
        _needs_target(self.business_type, self.target_document_code)
        return self


@register_event
class SendStatusRequested(Event):
    """Intake or routing asks exchange to tell a sending agency how its document is doing."""

    event_type: ClassVar[str] = "vanthu.exchange.send-status.requested.v1"
    topic: ClassVar[str] = OUTBOUND_TOPIC

    request_id: Identifier
    document_id: Identifier
    """Our incoming document the status is about."""
    agency_code: AgencyCode
    """The agency reporting the status (us)."""
    to_agency_code: AgencyCode
    in_response_to: DocumentCode
    """The sender's document code (edXML ResponseFor/DocumentId)."""
    status_code: StatusCode
    description: Note | None = None
    staff: StaffInfo
    requested_at: Instant

    @model_validator(mode="after")
    def _rejection_says_why(self) -> Self:
        if self.status_code is StatusCode.REJECTED and self.description is None:
            raise ValueError("a rejection (status 02) must carry the reason in description")
        return self


@register_event
class PackageReceived(Event):
    """An edXML package addressed to us arrived through the hub and was stored."""

    event_type: ClassVar[str] = "vanthu.exchange.package.received.v1"
    topic: ClassVar[str] = INBOUND_TOPIC

    package_id: Identifier
    agency_code: AgencyCode
    """The receiving agency."""
    from_agency_code: AgencyCode
    document_code: DocumentCode
    business_type: BusinessType
    target_document_code: DocumentCode | None = None
    issuer: Issuer
    document_type: DocumentType
    code_number: CodeNumber
    code_notation: CodeNotation
    issued_date: date
    abstract: Subject = Field(alias="subject")
    """Trích yếu, named ``subject`` on the wire."""
    signer: Signer | None = None
    urgency: Urgency
    due_date: date | None = None
    to_places: tuple[OrganName, ...] = ()
    page_count: int | None = Field(default=None, ge=1, le=999)
    attachments: tuple[Attachment, ...] = ()
    package_object_key: ObjectKey
    """The package exactly as received, kept as proof."""
    package_sha256: Sha256
    signature: PackageSignature
    hub_message_id: Identifier | None = None
    """Id the hub gave the message (docId), used to acknowledge it."""
    received_at: Instant
    content: ContentSummary | None = None
    """Tóm tắt nội dung (edXML Content), beyond the trích yếu."""
    steering_type: SteeringType | None = None
    """Loại chỉ đạo (edXML SteeringType)."""
    sphere_of_promulgation: OrganName | None = None
    """Phạm vi lưu hành, e.g. Lưu hành nội bộ (edXML OtherInfo/SphereOfPromulgation)."""
    typer_notation: ShortLabel | None = None
    """Ký hiệu người soạn thảo (edXML OtherInfo/TyperNotation)."""

    def subject(self) -> str:
        # No document exists yet: intake registers one when it takes the package in.
        return self.package_id

    @model_validator(mode="after")
    def _target_matches_business_type(self) -> Self:
        _needs_target(self.business_type, self.target_document_code)
        return self


@register_event
class DeliveryStatusChanged(Event):
    """A package moved on its way to one recipient agency (transport, not processing)."""

    event_type: ClassVar[str] = "vanthu.exchange.delivery-status.changed.v1"
    topic: ClassVar[str] = STATUS_TOPIC

    package_id: Identifier
    document_id: Identifier
    agency_code: AgencyCode
    """The sending agency."""
    recipient_agency_code: AgencyCode
    transport: TransportState
    attempt: int = Field(ge=1)
    reason: Note | None = None
    changed_at: Instant

    @model_validator(mode="after")
    def _failure_says_why(self) -> Self:
        if self.transport is TransportState.FAILED and self.reason is None:
            raise ValueError("a failed delivery must carry the reason")
        return self


@register_event
class ProcessingStatusReceived(Event):
    """Another agency reported how it is processing a document we sent (edXML status package)."""

    event_type: ClassVar[str] = "vanthu.exchange.processing-status.received.v1"
    topic: ClassVar[str] = STATUS_TOPIC

    document_id: Identifier
    """Our outgoing document the status is about."""
    agency_code: AgencyCode
    """Us, the agency that sent the document."""
    from_agency_code: AgencyCode
    document_code: DocumentCode
    status_code: StatusCode
    description: Note | None = None
    staff: StaffInfo | None = None
    package_id: Identifier | None = None
    reported_at: Instant
