"""How intake's documents are shown: the models of `document_view`'s answer (ADR 0013 addendum).

The JSON is the one `document_view` has always built, byte for byte: each model is filled from
that dict once it is JSON (`as_json`), so instants stay the strings intake wrote; a key the view
leaves out stays out (the routes answer with `response_model_exclude_unset=True`) and a key it
sets to null stays null; and every model keeps the keys in the order of the dict it was read
from. What intake builds itself (a document's keys, a file, an OCR result, a recipient's
statuses) refuses a key no model names, so a key added to the view is not sent until a model
describes it. What intake keeps as it was given (the metadata, the exchange's package, an
approved draft, a send request, a signature check) keeps the keys a model does not name.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)


def as_json(view: dict[str, Any]) -> dict[str, Any]:
    """The view as FastAPI has always sent it: instants as `isoformat()`, tuples as lists."""
    encoded: dict[str, Any] = jsonable_encoder(view)
    return encoded


class _AsBuilt(BaseModel):
    """Keeps the keys of the dict it was built from, in that dict's order."""

    model_config = ConfigDict(strict=True, extra="forbid")
    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_order(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        built = handler(data)
        if isinstance(data, dict):
            built._order = tuple(data)
        return built

    @model_serializer(mode="wrap")
    def _in_order(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # No return annotation: with one, the model's schema would be that type's, not its own.
        dumped = handler(self)
        if not self._order or not isinstance(dumped, dict):
            return dumped
        first = {k: dumped[k] for k in self._order if k in dumped}
        return first | {k: v for k, v in dumped.items() if k not in first}


class _AsKept(_AsBuilt):
    """Data intake keeps as it was given: the keys no model names are answered too."""

    model_config = ConfigDict(strict=True, extra="allow")


# What intake keeps as it was given.


class PersonOut(_AsKept):
    """Who did it: the user id and the name of that day (`migration` for a migrated one)."""

    user_id: str | None = None
    full_name: str | None = None


class IssuerOut(_AsKept):
    name: str | None = None
    agency_code: str | None = None


class SignerOut(_AsKept):
    """Who signed the paper (thẩm quyền, chức vụ, họ tên)."""

    competence: str | None = None
    position: str | None = None
    full_name: str | None = None


class RecipientOut(_AsKept):
    """A recipient of an outgoing document: a unit of the agency, another agency, or a name."""

    unit_id: str | None = None
    agency_code: str | None = None
    name: str | None = None


class MetadataOut(_AsKept):
    """The metadata as registered (incoming, outgoing, a migrated or received document's)."""

    channel: str | None = None
    issuer: IssuerOut | None = None
    document_type: str | None = None
    code_number: str | None = None
    code_notation: str | None = None
    issued_date: str | None = None
    subject: str | None = None
    page_count: int | None = None
    signer: SignerOut | None = None
    recipients: list[RecipientOut | str] | None = None
    """Nơi nhận: names (incoming), or units, agencies and names (outgoing)."""
    reply_to: list[str] | None = None
    drafting_unit_abbreviation: str | None = None
    urgency: str | None = None
    confidentiality: str | None = None
    allowed_user_ids: list[str] | None = None
    due_date: str | None = None
    language: str | None = None
    notes: str | None = None
    content: str | None = None
    steering_type: str | None = None
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None


class SignerCertificateOut(_AsKept):
    subject: str | None = None
    issuer: str | None = None
    serial_number: str | None = None
    signed_at: str | None = None


class SignatureCheckOut(_AsKept):
    """The check of a file's digital signatures: valid, invalid, untrusted or unsigned."""

    result: str | None = None
    reason: str | None = None
    signers: list[SignerCertificateOut] | None = None
    checked_at: str | None = None


class ExchangeOut(_AsKept):
    """The package a received document came in over the exchange."""

    package_id: str | None = None
    sender_agency_code: str | None = None
    document_code: str | None = None


class SendRequestOut(_AsKept):
    """A request to the exchange about a sent document (an update, a replacement, a revocation)."""

    request_id: str | None = None
    business_type: str | None = None
    document_id: str | None = None
    reason: str | None = None
    requested_at: str | None = None


class ApprovedDraftOut(_AsKept):
    """The draft routing approved, whose number this reserved outgoing document holds."""

    draft_id: str | None = None
    document_id: str | None = None
    case_id: str | None = None
    decision_id: str | None = None
    approved_by: PersonOut | None = None
    file: dict[str, str | int | bool | None] | None = None


class CopyOfOut(_AsKept):
    """The document a copy is made of, the kind of copy and the pages it copies."""

    document_id: str | None = None
    kind: str | None = None
    pages: list[int] | None = None


# What intake builds itself.


class FileOut(_AsBuilt):
    """A file intake keeps for the document; `pages` and `cannot_be_read` where they were read."""

    file_id: str
    name: str
    media_type: str
    size: int
    sha256: str
    role: str
    pages: int | None = None
    """Of a PDF, frames of an image (0 when it cannot be read)."""
    cannot_be_read: str | None = None
    """Why a kept file cannot be read (a password-protected PDF)."""


class PageConfidenceOut(_AsKept):
    number: int | None = None
    confidence: int | float | None = None
    """A fraction (an int stays an int: its JSON is kept)."""
    needs_review: bool | None = None


class OcrOut(_AsBuilt):
    """The text recognised in a scan and its ND 30 derivative, or why there is none."""

    pages: list[PageConfidenceOut] | None
    needs_review: bool | None
    text: str | None
    derivative: FileOut | None
    derivative_problems: list[str]
    error: str | None


class DeliveryOut(_AsBuilt):
    """Trạng thái gửi: whether the exchange got the document to the agency."""

    state: str
    label: str
    reason: str | None
    attempt: int | None
    at: str | None


class StaffOut(_AsKept):
    """Who at the recipient agency answers for its status (edXML StaffInfo)."""

    department: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class ProcessingOut(_AsBuilt):
    """Trạng thái xử lý: what the recipient agency last said it did with the document."""

    status_code: str
    label: str
    description: str | None
    staff: StaffOut | None
    at: str | None


class HistoryStepOut(_AsBuilt):
    at: str | None
    label: str
    detail: str | None


class RecipientStatusOut(_AsBuilt):
    """One recipient agency of a sent document as the sending clerk reads it."""

    agency_code: str
    name: str
    label: str
    error: bool
    delivery: DeliveryOut
    processing: ProcessingOut | None
    history: list[HistoryStepOut]


class DocumentOut(_AsBuilt):
    """A document of the registry: incoming, outgoing or a copy; registered, reserved or void.
    Keys after `signatures` are sent only where the document has them."""

    id: str
    kind: str
    """incoming, outgoing or copy."""
    status: str
    """registered, reserved or void."""
    agency_code: str
    register_: str | None = Field(alias="register")
    """incoming, outgoing, outgoing_confidential or copies."""
    year: int | None
    number: int | None
    registered_at: str | None
    registered_by: PersonOut | None
    channel: str | None
    metadata: MetadataOut | None
    files: list[FileOut]
    ocr: dict[str, OcrOut]
    """By file id."""
    signatures: dict[str, SignatureCheckOut]
    """By file id."""
    arrival_number: int | None = None
    """Incoming documents only (số đến)."""
    arrival_year: int | None = None
    duplicate_of: str | None = None
    duplicate_reason: str | None = None
    void_reason: str | None = None
    legacy_id: str | None = None
    exchange: ExchangeOut | None = None
    code_number: str | None = None
    code_notation: str | None = None
    document_code: str | None = None
    issued_date: str | None = None
    send_requests: list[SendRequestOut] | None = None
    send_requested_to: list[str] | None = None
    place: str | None = None
    approved_draft: ApprovedDraftOut | None = None
    copy_of: CopyOfOut | None = None
    voided_at: str | None = None
    recipient_statuses: list[RecipientStatusOut] | None = None


def document_out(view: dict[str, Any]) -> DocumentOut:
    """The model of a `document_view`, holding exactly the keys the view has."""
    return DocumentOut.model_validate(as_json(view))


def file_out(view: dict[str, Any]) -> FileOut:
    return FileOut.model_validate(as_json(view))


def document_json(view: dict[str, Any]) -> dict[str, Any]:
    """The body of a `JSONResponse` answering a document (a 201 with its Location): the view
    checked against `DocumentOut`, its JSON unchanged."""
    return document_out(view).model_dump(mode="json", by_alias=True, exclude_unset=True)
