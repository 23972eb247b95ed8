"""What an edXML package says, in the project's own words (shared/glossary.md).

Field docstrings name the edXML element each field travels in. The models are frozen and
validate on construction, so a package that was built or read is always well-formed.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from vanthu_exchange.domain.agency_code import (
    InvalidAgencyCode,
    is_agency_code_syntax,
    is_test_environment_code,
)


def _agency_code_syntax(value: str) -> str:
    if not is_agency_code_syntax(value) and not is_test_environment_code(value):
        raise InvalidAgencyCode(value)
    return value


AgencyCode = Annotated[str, AfterValidator(_agency_code_syntax)]
"""An edXML ``OrganId``: dot-separated groups of 0-9/A-Z (see ``agency_code``), or a VDXP
test-environment code (``vxp.saas.03``), which the reader takes only from a peer configured as
a test-environment peer (ADR 0050)."""

Text = Annotated[str, Field(min_length=1)]


class EdxmlModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Urgency(IntEnum):
    """Độ khẩn, edXML ``OtherInfo/Priority``."""

    NORMAL = 0
    URGENT = 1
    VERY_URGENT = 2
    FLASH = 3
    FLASH_SCHEDULED = 4
    """Hỏa tốc hẹn giờ: flash with a set time."""


class BusinessDocType(IntEnum):
    """What a document package does, edXML ``Bussiness/BussinessDocType``."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


class ReceiverChangeType(IntEnum):
    """edXML ``ReceiverList/Receiver/ReceiverType`` in an update."""

    REMOVED = 0
    ADDED = 1


class StatusCode(StrEnum):
    """Processing status reported back to the sender, edXML ``StatusCode``."""

    ARRIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    DONE = "06"
    RECALL_REQUESTED = "13"
    """Sent by the original sender: revoke (recall) request."""
    RECALL_ACCEPTED = "15"
    RECALL_REFUSED = "16"


class Organization(EdxmlModel):
    """An agency as edXML ``From`` / ``To`` describes it."""

    agency_code: AgencyCode
    """``OrganId``."""
    organization_in_charge: str | None = None
    """``OrganizationInCharge``: the governing agency."""
    name: str | None = None
    """``OrganName``."""
    address: str | None = None
    """``OrganAdd``."""
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


class DocumentNumber(EdxmlModel):
    """Số and ký hiệu, edXML ``Code``."""

    code_number: Text
    code_notation: Text

    def __str__(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


class Promulgation(EdxmlModel):
    """edXML ``PromulgationInfo``."""

    place: str | None = None
    promulgation_date: date


class DocumentType(EdxmlModel):
    """Loại văn bản, edXML ``DocumentType``; the code list for ``Type`` is unpublished."""

    type_code: Text
    """``Type``."""
    type_detail: str | None = None
    """``TypeDetail``."""
    type_name: str | None = None
    """``TypeName``, e.g. "Công văn"."""


class SignerInfo(EdxmlModel):
    """edXML ``SignerInfo``."""

    competence: str | None = None
    """Quyền hạn ký, e.g. ``TL. BỘ TRƯỞNG``."""
    position: str | None = None
    full_name: Text


class OtherInfo(EdxmlModel):
    """edXML ``OtherInfo``."""

    urgency: Urgency = Urgency.NORMAL
    """``Priority``."""
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: Annotated[int, Field(ge=0)] | None = None
    page_amount: Annotated[int, Field(ge=0)] | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


class ResponseFor(EdxmlModel):
    """The document being answered, edXML ``ResponseFor``."""

    agency_code: AgencyCode
    """``OrganId`` of the agency that issued the original."""
    code: str | None = None
    """``Code``: số/ký hiệu as one string, e.g. ``7816/VPCP-TTĐT``."""
    promulgation_date: date | None = None
    document_code: str | None = None
    """``DocumentId`` of the original."""


class MessageHeader(EdxmlModel):
    """The document package's edXML ``MessageHeader``."""

    sender: Organization
    """``From``."""
    recipients: Annotated[tuple[Organization, ...], Field(min_length=1)]
    """``To``, one per recipient agency."""
    document_code: Text
    """``DocumentId``; see ``wire_format.compose_document_code`` for the official form."""
    code: DocumentNumber
    promulgation: Promulgation
    document_type: DocumentType | None = None
    subject: Text
    content: str | None = None
    signer: SignerInfo | None = None
    due_date: date | None = None
    other_info: OtherInfo = OtherInfo()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    """``SteeringType``; its value list is unpublished."""
    to_places: tuple[str, ...] = ()
    """``ToPlaces/Place``: the free-text "Nơi nhận" list, not the routing list."""


class StaffInfo(EdxmlModel):
    """The clerk or officer responsible, edXML ``StaffInfo``."""

    department: str | None = None
    staff: str | None = None
    mobile: str | None = None
    email: str | None = None


class TraceHeader(EdxmlModel):
    """One agency or hop that handled the package.

    Hubs add hops without an ``OrganId`` (only a ``Timestamp``) or with ``null`` in it: such a
    hop is kept as it came and is ``incomplete`` (ADR 0050).
    """

    agency_code: AgencyCode | None = None
    written_organ_id: str | None = None
    """``OrganId`` as written when it is not an agency code (e.g. ``null``)."""
    timestamp: AwareDatetime

    @property
    def incomplete(self) -> bool:
        return self.agency_code is None


class ReceiverChange(EdxmlModel):
    change: ReceiverChangeType
    agency_code: AgencyCode


class BusinessDocumentInfo(EdxmlModel):
    """edXML ``BussinessDocumentInfo``: what an update changes."""

    document_info: str | None = None
    document_receiver: str | None = None
    receiver_changes: tuple[ReceiverChange, ...] = ()


class Replacement(EdxmlModel):
    """edXML ``ReplacementInfo``: a replaced document and the agencies that had it."""

    document_code: Text
    agency_codes: tuple[AgencyCode, ...] = ()


class Business(EdxmlModel):
    """edXML ``Bussiness`` (sic): new, revoke, update or replace."""

    doc_type: BusinessDocType = BusinessDocType.NEW
    document_code: str | None = None
    """``DocumentId`` of the document revoked, updated or replaced."""
    document_code_in_business: bool = True
    """False when the package wrote no ``Bussiness/DocumentId`` and named its target the way the
    SDK's samples do: a revoke in ``MessageHeader/DocumentId``, a replace in
    ``ReplacementInfo/DocumentId``, an update by its own id (ADR 0050); the builder then writes
    none either."""
    reason: str | None = None
    """``BussinessDocReason``."""
    paper_copy_sent: bool = False
    """``Paper``: 1 when the paper original travels too."""
    staff: StaffInfo | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[Replacement, ...] = ()

    @model_validator(mode="after")
    def _changes_name_their_target(self) -> Business:
        if self.doc_type is not BusinessDocType.NEW and not self.document_code:
            raise ValueError(
                f"a {self.doc_type.name.lower()} must name the document it changes (DocumentId)"
            )
        return self


class TraceHeaderList(EdxmlModel):
    trace_headers: tuple[TraceHeader, ...] = ()
    business: Business = Business()


class DocumentPackage(EdxmlModel):
    """The envelope of a document package, without its attachments' content."""

    message_header: MessageHeader
    trace_header_list: TraceHeaderList = TraceHeaderList()


class StatusPackage(EdxmlModel):
    """A status package: how the receiver (or, for 13, the sender) handles a document."""

    sender: Organization
    """``From``: the agency reporting the status."""
    recipient: Organization | None = None
    """``To``: the agency the status goes to (the original's sender, or for 13 its receiver)."""
    response_for: ResponseFor
    staff: StaffInfo | None = None
    status_code: StatusCode
    description: str | None = None
    timestamp: AwareDatetime

    @model_validator(mode="after")
    def _rejection_gives_a_reason(self) -> StatusPackage:
        if self.status_code is StatusCode.REJECTED and not self.description:
            raise ValueError("status 02 (rejected) must give the reason in Description")
        return self


class AttachmentInfo(EdxmlModel):
    """How the manifest (``edXMLManifest/Reference``) describes one attachment."""

    content_id: Text
    name: Text
    """``AttachmentName``."""
    content_type: str | None = None
    """``ContentType`` as the manifest says, ``None`` when it says none."""
    description: str | None = None


class AttachmentDescriptor(EdxmlModel):
    """An attachment as it was streamed: into a package by the builder, out by the reader."""

    content_id: Text
    """``ContentId`` as the attachment itself carries it (the sink's name for it)."""
    name: Text
    content_type: str
    """What the bytes are: the attachment's own ``ContentType``, else the manifest's, else
    ``application/octet-stream``."""
    manifest_content_type: str | None = None
    """``edXMLManifest/Reference/ContentType`` as written (libraries put the original type there
    and ``application/zip`` on a zipped attachment), ``None`` when missing."""
    attachment_content_type: str | None = None
    """``Attachment/ContentType`` as written, ``None`` when missing."""
    description: str | None = None
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    """Hex SHA-256 of the decoded bytes."""
