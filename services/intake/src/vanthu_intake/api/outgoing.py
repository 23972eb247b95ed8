"""`/v1/outgoing-documents`: number signed outgoing documents; revoke, update or replace them."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from vanthu_contracts.events.values import BusinessType
from vanthu_runtime.auth import Principal
from vanthu_runtime.openapi_forms import multipart_body

from vanthu_intake import handlers
from vanthu_intake.api.documents import (
    Registrar,
    document_view,
    metadata_problems,
    parse_metadata_part,
    read_upload_form,
    registry_of,
    settings_of,
    unprocessable,
)
from vanthu_intake.api.views import DocumentOut, document_json, document_out
from vanthu_intake.domain.metadata import OutgoingDocumentMetadata
from vanthu_intake.domain.notation import NotationError, validate_abbreviation
from vanthu_intake.domain.reservations import place_and_date_text

router = APIRouter(prefix="/v1/outgoing-documents", tags=["outgoing documents"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=multipart_body(
        json_parts={"metadata": OutgoingDocumentMetadata},
        text_parts={
            "agency_abbreviation": "The issuing agency's abbreviation in the notation "
            "(e.g. UBND), as ND 30 Appendix II writes it; with metadata, required unless "
            "reservation_id is given.",
            "place": "Địa danh printed beside the date (e.g. Hà Nội).",
            "reservation_id": "The number reserved before signing (POST "
            "/v1/outgoing-documents/numbers): then only the signed PDF is sent, and it must "
            "show the reserved number and notation.",
        },
        file_description="The signed original (PDF), exactly one.",
        many_files=False,
        required=("file",),
    ),
    response_model=DocumentOut,
    response_model_exclude_unset=True,
)
async def issue_outgoing_document(request: Request, principal: Registrar) -> JSONResponse:
    fields, uploads = await read_upload_form(request, settings_of(request))
    if "reservation_id" in fields:
        return await _issue_reserved(request, principal, fields, uploads)
    unknown = sorted(set(fields) - {"metadata", "agency_abbreviation", "place"})
    if unknown:
        raise unprocessable([([name], "is not a known form field") for name in unknown])
    raw = parse_metadata_part(fields)
    try:
        metadata = OutgoingDocumentMetadata.model_validate(raw)
    except ValidationError as exc:
        raise unprocessable(metadata_problems(exc)) from exc
    try:
        abbreviation = validate_abbreviation(
            fields.get("agency_abbreviation", ""), "agency abbreviation"
        )
    except NotationError as exc:
        raise unprocessable([(["agency_abbreviation"], str(exc))]) from exc
    if len(uploads) != 1:
        raise unprocessable([(["file"], "exactly one file: the signed original (PDF)")])
    place = (fields.get("place") or "").strip()[:200] or None
    try:
        record = await handlers.issue_outgoing_document(
            registry_of(request),
            principal=principal,
            metadata=metadata,
            agency_abbreviation=abbreviation,
            place=place,
            upload=uploads[0],
            correlation_id=request.headers.get("x-correlation-id"),
        )
    except handlers.UnacceptableFile as exc:
        raise HTTPException(exc.status, detail=f"file: {exc}") from exc
    except NotationError as exc:
        raise unprocessable([(["metadata", "drafting_unit_abbreviation"], str(exc))]) from exc
    return JSONResponse(
        document_json(document_view(record)),
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"/v1/documents/{record['_id']}"},
    )


async def _issue_reserved(
    request: Request,
    principal: Principal,
    fields: dict[str, str],
    uploads: list[handlers.UploadedFile],
) -> JSONResponse:
    unknown = sorted(set(fields) - {"reservation_id"})
    if unknown:
        raise unprocessable(
            [
                ([name], "is not sent with reservation_id: the reservation holds it")
                for name in unknown
            ]
        )
    if len(uploads) != 1:
        raise unprocessable([(["file"], "exactly one file: the signed original (PDF)")])
    try:
        record = await handlers.issue_reserved_document(
            registry_of(request),
            principal=principal,
            reservation_id=fields["reservation_id"].strip(),
            upload=uploads[0],
            correlation_id=request.headers.get("x-correlation-id"),
        )
    except handlers.NotReserved as exc:
        raise unprocessable(
            [
                (
                    ["reservation_id"],
                    "no number is reserved under this id (or it was issued or voided)",
                )
            ]
        ) from exc
    except handlers.UnacceptableFile as exc:
        raise HTTPException(exc.status, detail=f"file: {exc}") from exc
    except handlers.NumberNotInDocument as exc:
        raise unprocessable([(["file"], str(exc))]) from exc
    return JSONResponse(
        document_json(document_view(record)),
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"/v1/documents/{record['_id']}"},
    )


class NumberRequest(BaseModel):
    draft_id: str = Field(min_length=1, max_length=200, description="The approved draft (routing)")
    metadata: OutgoingDocumentMetadata
    agency_abbreviation: str = Field(
        min_length=1, max_length=20, description="The issuing agency's abbreviation (e.g. UBND)"
    )
    place: str | None = Field(default=None, max_length=200, description="Địa danh (e.g. Hà Nội)")


class NumberReservation(BaseModel):
    """The number and date to print in the document before it is signed."""

    reservation_id: str
    """Send it with the signed PDF to POST /v1/outgoing-documents."""
    draft_id: str
    number: int
    code_number: str
    code_notation: str
    notation: str
    """Số, ký hiệu as printed: ``05/QĐ-UBND``."""
    issued_date: str
    """ISO date of the document."""
    issued_date_text: str
    """The date as the document prints it: ``Hà Nội, ngày 01 tháng 12 năm 2026``."""
    document_code: str
    status: str


@router.post("/numbers", status_code=status.HTTP_201_CREATED)
async def reserve_number(
    body: NumberRequest, request: Request, principal: Registrar
) -> NumberReservation:
    try:
        abbreviation = validate_abbreviation(body.agency_abbreviation, "agency abbreviation")
    except NotationError as exc:
        raise unprocessable([(["agency_abbreviation"], str(exc))]) from exc
    try:
        record = await handlers.reserve_outgoing_number(
            registry_of(request),
            principal=principal,
            draft_id=body.draft_id,
            metadata=body.metadata,
            agency_abbreviation=abbreviation,
            place=(body.place or "").strip() or None,
        )
    except handlers.UnknownDraft as exc:
        raise unprocessable([(["draft_id"], str(exc))]) from exc
    except NotationError as exc:
        raise unprocessable([(["metadata", "drafting_unit_abbreviation"], str(exc))]) from exc
    issued = date.fromisoformat(record["issued_date"])
    return NumberReservation(
        reservation_id=record["_id"],
        draft_id=body.draft_id,
        number=record["number"],
        code_number=record["code_number"],
        code_notation=record["code_notation"],
        notation=f"{record['code_number']}/{record['code_notation']}",
        issued_date=issued.isoformat(),
        issued_date_text=place_and_date_text(record.get("place"), issued),
        document_code=record["document_code"],
        status=record["status"],
    )


class ChangeRequest(BaseModel):
    business_type: BusinessType = Field(description="revoke, update or replace")
    reason: str = Field(min_length=1, max_length=500)
    replacement_document_id: str | None = None


@router.post(
    "/{document_id}/change-requests",
    status_code=status.HTTP_202_ACCEPTED,
    response_model_exclude_unset=True,
)
async def request_change(
    document_id: str, body: ChangeRequest, request: Request, principal: Registrar
) -> DocumentOut:
    if body.business_type is BusinessType.NEW:
        raise unprocessable([(["business_type"], "must be revoke, update or replace")])
    try:
        record = await handlers.request_change(
            registry_of(request),
            principal=principal,
            document_id=document_id,
            business_type=body.business_type,
            reason=body.reason,
            replacement_document_id=body.replacement_document_id,
            correlation_id=request.headers.get("x-correlation-id"),
        )
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="document not found") from exc
    except handlers.InvalidSendRequest as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return document_out(document_view(record))
