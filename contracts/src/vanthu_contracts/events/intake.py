"""Events owned by intake, the registry office (văn thư), on topic ``document.received``."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import Field, model_validator

from vanthu_contracts.events.base import Event
from vanthu_contracts.events.values import (
    AgencyCode,
    CertificateSigner,
    Channel,
    CodeNotation,
    CodeNumber,
    Confidentiality,
    ContentSummary,
    DocumentCode,
    DocumentType,
    ExchangeOrigin,
    FileRef,
    FileRole,
    Identifier,
    Instant,
    Issuer,
    LanguageTag,
    LegacyId,
    Note,
    ObjectKey,
    OrganName,
    PageConfidence,
    Person,
    Recipient,
    Register,
    ShortLabel,
    SignatureResult,
    Signer,
    SteeringType,
    Subject,
    Urgency,
)
from vanthu_contracts.registry import register_event
from vanthu_contracts.upcasting import upcaster

DOCUMENT_RECEIVED_TOPIC = "document.received"


@upcaster("vanthu.intake.document.received.v1", "vanthu.intake.document.received.v2")
def _document_received_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """v1 carried no readers: a confidential v1 document is seen by its registering clerk only
    until someone names readers again (the old system kept them outside the event)."""
    return {**payload, "readers": []}


@register_event
class DocumentReceived(Event):
    """An incoming document (văn bản đến) was registered and got its arrival number.

    v2 adds ``readers``: who may see a confidential document travels with it, so every service
    applies the same rule (v1 records read as v2 with no readers)."""

    event_type: ClassVar[str] = "vanthu.intake.document.received.v2"
    topic: ClassVar[str] = DOCUMENT_RECEIVED_TOPIC

    document_id: Identifier
    agency_code: AgencyCode
    """The receiving agency, whose incoming register this is."""
    arrival_number: int = Field(ge=1)
    """Số đến: consecutive per agency per year, never skipped."""
    arrival_year: int = Field(ge=1900, le=9999)
    received_at: Instant
    channel: Channel
    issuer: Issuer
    document_type: DocumentType
    code_number: CodeNumber | None = None
    """Số as printed on the document; absent for documents that carry none (e.g. letters)."""
    code_notation: CodeNotation | None = None
    issued_date: date
    abstract: Subject = Field(alias="subject")
    """Trích yếu, named ``subject`` on the wire; ``subject()`` is the CloudEvents subject."""
    page_count: int | None = Field(default=None, ge=1, le=999)
    signer: Signer | None = None
    urgency: Urgency
    confidentiality: Confidentiality
    due_date: date | None = None
    """Hạn xử lý set by the issuer, if any."""
    to_places: tuple[OrganName, ...] = ()
    """Units or people of this agency the document is addressed to (ToPlaces)."""
    language: LanguageTag = "vi"
    description: Note | None = None
    files: tuple[FileRef, ...] = ()
    exchange: ExchangeOrigin | None = None
    """Set when the document came through the inter-agency exchange."""
    legacy_id: LegacyId | None = None
    """Set when the document was migrated from the old system."""
    registered_by: Person
    readers: tuple[Identifier, ...] = ()
    """User ids named to read a confidential document (Mật, Tối mật, Tuyệt mật): with the clerk
    who registered it, the only people any service shows it to. Empty for other documents."""

    @model_validator(mode="after")
    def _readers_only_on_confidential_documents(self) -> Self:
        if self.readers and self.confidentiality is Confidentiality.NORMAL:
            raise ValueError("readers are named only on confidential documents")
        return self

    @model_validator(mode="after")
    def _exchange_origin_matches_channel(self) -> Self:
        if (self.channel is Channel.EXCHANGE) != (self.exchange is not None):
            raise ValueError("exchange is required exactly when channel is 'exchange'")
        return self


@register_event
class DocumentDigitized(Event):
    """OCR of a scanned file finished; its text is searchable from now on."""

    event_type: ClassVar[str] = "vanthu.intake.document.digitized.v1"
    topic: ClassVar[str] = DOCUMENT_RECEIVED_TOPIC

    document_id: Identifier
    agency_code: AgencyCode
    file_id: Identifier
    """The scan that was read."""
    derivative_file: FileRef
    """The searchable PDF made from the scan; the scan itself is never altered."""
    text_ref: ObjectKey
    """Blob-store key of the extracted plain text."""
    pages: tuple[PageConfidence, ...] = Field(min_length=1)
    needs_review: bool
    """True when some page was read with low confidence and a person should check it."""
    digitized_at: Instant

    @model_validator(mode="after")
    def _derivative_is_an_ocr_derivative(self) -> Self:
        if self.derivative_file.role is not FileRole.OCR_DERIVATIVE:
            raise ValueError("derivative_file must have role 'ocr_derivative'")
        return self


@register_event
class SignatureVerified(Event):
    """The digital signatures inside a file were checked."""

    event_type: ClassVar[str] = "vanthu.intake.signature.verified.v1"
    topic: ClassVar[str] = DOCUMENT_RECEIVED_TOPIC

    document_id: Identifier
    agency_code: AgencyCode
    file_id: Identifier
    result: SignatureResult
    signers: tuple[CertificateSigner, ...] = ()
    reason: Note | None = None
    """Why the result is not 'valid', in words a clerk understands."""
    checked_at: Instant


@register_event
class DocumentVoided(Event):
    """A registration was cancelled; its number stays used and is never given again."""

    event_type: ClassVar[str] = "vanthu.intake.document.voided.v1"
    topic: ClassVar[str] = DOCUMENT_RECEIVED_TOPIC

    document_id: Identifier
    agency_code: AgencyCode
    register_type: Register
    year: int = Field(ge=1900, le=9999)
    number: CodeNumber
    """The number that was taken: the arrival number or the outgoing number."""
    reason: Note
    voided_by: Person
    voided_at: Instant


@register_event
class OutgoingDocumentIssued(Event):
    """An outgoing document (văn bản đi) was signed, numbered and registered."""

    event_type: ClassVar[str] = "vanthu.intake.outgoing-document.issued.v1"
    topic: ClassVar[str] = DOCUMENT_RECEIVED_TOPIC

    document_id: Identifier
    agency_code: AgencyCode
    """The issuing agency."""
    document_code: DocumentCode
    """Mã định danh văn bản: ``OrganId,yyyy/MM/dd,number/notation``."""
    code_number: CodeNumber
    code_notation: CodeNotation
    issued_date: date
    place: OrganName | None = None
    """Địa danh printed before the date, e.g. Hà Nội."""
    document_type: DocumentType
    abstract: Subject = Field(alias="subject")
    """Trích yếu, named ``subject`` on the wire."""
    signer: Signer
    recipients: tuple[Recipient, ...] = Field(min_length=1)
    urgency: Urgency
    confidentiality: Confidentiality
    page_count: int | None = Field(default=None, ge=1, le=999)
    issued_amount: int | None = Field(default=None, ge=1, le=999)
    """Number of copies issued."""
    due_date: date | None = None
    """Deadline for the recipients to reply, if any."""
    files: tuple[FileRef, ...] = Field(min_length=1)
    reply_to: tuple[Identifier, ...] = ()
    """Incoming documents this one answers."""
    issued_at: Instant
    registered_by: Person
    content: ContentSummary | None = None
    """Tóm tắt nội dung (edXML Content), beyond the trích yếu."""
    steering_type: SteeringType | None = None
    """Loại chỉ đạo (edXML SteeringType)."""
    sphere_of_promulgation: OrganName | None = None
    """Phạm vi lưu hành, e.g. Lưu hành nội bộ (edXML OtherInfo/SphereOfPromulgation)."""
    typer_notation: ShortLabel | None = None
    """Ký hiệu người soạn thảo (edXML OtherInfo/TyperNotation)."""


class CopyKind(StrEnum):
    """What kind of copy the agency made of a document it holds (ND 30 Art. 25-27)."""

    SAO_Y = "sao_y"
    """Sao y: the whole document, copied from the original."""
    SAO_LUC = "sao_luc"
    """Sao lục: the whole document, copied from a sao y."""
    TRICH_SAO = "trich_sao"
    """Trích sao: chosen pages of the document."""
    CONVERSION = "conversion"
    """The electronic copy of a document received on paper (Luật Giao dịch điện tử 2023 Art. 12):
    the conversion mark and the agency's signature, no number of its own."""


@register_event
class CopyIssued(Event):
    """A copy of a document was made, signed and sealed: a sao y, sao lục or trích sao numbered in
    the copies register, or the electronic copy of a paper document. The copy is a document of its
    own; who may see it is who may see its source (the source's confidentiality and readers)."""

    event_type: ClassVar[str] = "vanthu.intake.copy.issued.v1"
    topic: ClassVar[str] = DOCUMENT_RECEIVED_TOPIC

    copy_id: Identifier
    agency_code: AgencyCode
    """The agency that made the copy, whose copies register this is."""
    source_document_id: Identifier
    """The document copied (for a sao lục, the sao y it was copied from)."""
    kind: CopyKind
    pages: tuple[int, ...] = ()
    """The source's pages a trích sao holds, in the copy's order; empty for the other kinds."""
    code_number: CodeNumber | None = None
    """The copy's number in the copies register, as printed; none for a conversion."""
    code_notation: CodeNotation | None = None
    """The copy's notation, e.g. ``SY-UBND``; none for a conversion."""
    year: int | None = Field(default=None, ge=1900, le=9999)
    """The year of the copies register; none for a conversion."""
    issued_date: date
    place: OrganName | None = None
    document_type: DocumentType
    """The source's type."""
    abstract: Subject = Field(alias="subject")
    """The source's trích yếu, named ``subject`` on the wire."""
    file: FileRef
    """The copy's signed (and sealed) PDF."""
    signer: Signer | None = None
    """The signature block of the person who signed the copy; none for a conversion, which
    carries the agency's signature only."""
    signed_by: Person | None = None
    """Who signed the copy with his own key; none for a conversion."""
    sealed_by: Person
    """The clerk who numbered it and applied the agency's signature (or converted it)."""
    issued_at: Instant
    confidentiality: Confidentiality
    """The source's: a copy of a confidential document is as confidential as it is."""
    readers: tuple[Identifier, ...] = ()
    """Everyone who may see a confidential source (its named readers and the clerk who
    registered it): the only people any service shows the copy to. Empty for other documents."""

    def subject(self) -> str:
        return self.copy_id

    @model_validator(mode="after")
    def _numbered_unless_a_conversion(self) -> Self:
        numbered = (self.code_number, self.code_notation, self.year)
        if self.kind is CopyKind.CONVERSION:
            if any(part is not None for part in numbered) or self.signer or self.signed_by:
                raise ValueError("a conversion has no number, notation, year or personal signer")
        elif any(part is None for part in numbered) or self.signer is None or not self.signed_by:
            raise ValueError("a copy has its number, notation, year, signer and signed_by")
        return self

    @model_validator(mode="after")
    def _pages_only_on_a_trich_sao(self) -> Self:
        if (self.kind is CopyKind.TRICH_SAO) != bool(self.pages):
            raise ValueError("pages are named exactly on a trich_sao")
        if any(page < 1 for page in self.pages):
            raise ValueError("pages are counted from 1")
        return self

    @model_validator(mode="after")
    def _readers_only_on_confidential_sources(self) -> Self:
        if self.readers and self.confidentiality is Confidentiality.NORMAL:
            raise ValueError("readers are named only on copies of confidential documents")
        return self
