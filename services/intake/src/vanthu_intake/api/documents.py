"""`/v1/documents`: register incoming documents, read them, fetch their files by short-lived link."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from vanthu_runtime.auth import Principal, Role, require_roles
from vanthu_runtime.directory_copy import DirectoryCopy
from vanthu_runtime.input_checks import first_invalid_text, too_deep
from vanthu_runtime.openapi_forms import multipart_body
from vanthu_runtime.visibility import lists_agency_wide

from vanthu_intake import handlers
from vanthu_intake.api.views import DocumentOut, FileOut, document_json, document_out, file_out
from vanthu_intake.config import IntakeSettings
from vanthu_intake.domain.exchange_statuses import RecipientStatus, recipient_statuses
from vanthu_intake.domain.metadata import Channel, IncomingDocumentMetadata, describe_errors
from vanthu_intake.domain.vietnam_time import VIETNAM
from vanthu_intake.handlers import Registry, UploadedFile

REGISTRARS = (Role.CLERK, Role.ADMINISTRATOR)
NOT_THE_REGISTRY = (
    "Chỉ văn thư, lãnh đạo, thư ký và người kiểm tra xem được văn bản của cả cơ quan; văn bản "
    "đến với đơn vị và chuyên viên qua nhiệm vụ được giao: xem /v1/tasks/mine và "
    "/v1/units/{unit_id}/tasks của routing (documents reach a unit through its tasks: see "
    "routing's tasks; ADR 0008)"
)


async def registrar(
    request: Request, principal: Annotated[Principal, Depends(require_roles(*REGISTRARS))]
) -> Principal:
    """A clerk or administrator by token and, where the agency keeps its directory in vanthu
    (routing's, copied here from `directory.changed`), by that directory too. An administrator is
    trusted from the token alone, as in routing: someone has to enter the first users."""
    if Role.ADMINISTRATOR in principal.roles:
        return principal
    directory: DirectoryCopy = request.app.state.directory
    reason = await directory.refusal(
        principal.agency_code, principal.user_id, [r.value for r in REGISTRARS]
    )
    if reason is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=reason)
    return principal


async def registry_reader(
    principal: Annotated[Principal, Depends(require_roles(*tuple(Role)))],
) -> Principal:
    """Intake is the registry: its lists, registers and document reads are for the roles that
    see the whole agency (ADR 0008); confidentiality (ADR 0006) still applies to each document."""
    if not lists_agency_wide(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=NOT_THE_REGISTRY)
    return principal


Registrar = Annotated[Principal, Depends(registrar)]
Reader = Annotated[Principal, Depends(registry_reader)]

router = APIRouter(prefix="/v1/documents", tags=["documents"])


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def settings_of(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.intake_settings
    return settings


# The store's integers are 64 bits: a larger number in a query could never match, and used to
# fail with a 500 when it was encoded.
MAX_STORED_INT = 2**63 - 1
# The days a query may name: their Vietnamese midnights, and the day after, must be instants the
# store can hold (0001-01-01 at +07:00 is before the first UTC instant; 9999-12-31 has no next day).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def check_days(days: dict[str, date | None]) -> None:
    """Refuse, naming each, the query days outside FIRST_DAY..LAST_DAY."""
    problems: list[tuple[list[str | int], str]] = [
        (["query", name], f"must be between {FIRST_DAY:%d/%m/%Y} and {LAST_DAY:%d/%m/%Y}")
        for name, day in days.items()
        if day is not None and not FIRST_DAY <= day <= LAST_DAY
    ]
    if problems:
        raise unprocessable(problems)


def unprocessable(problems: list[tuple[list[str | int], str]]) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_ENTITY,
        detail=[
            {"loc": loc, "msg": msg, "field": ".".join(map(str, loc))} for loc, msg in problems
        ],
    )


def metadata_problems(error: ValidationError) -> list[tuple[list[str | int], str]]:
    problems: list[tuple[list[str | int], str]] = []
    for line in describe_errors(error):
        where, _, message = line.partition(": ")
        problems.append((["metadata", *where.split(".")], message))
    return problems


def document_view(
    record: dict[str, Any], *, send_silence: timedelta | None = None
) -> dict[str, Any]:
    """What callers see of a record: never the outbox or internal keys. `send_silence`: how long
    a send may go unanswered by the exchange before the view calls it failed."""
    ocr = record.get("ocr") or {}
    view: dict[str, Any] = {
        "id": record["_id"],
        "kind": record.get("kind", "incoming"),
        "status": record["status"],
        "agency_code": record["agency_code"],
        "register": record.get("register"),
        "year": record.get("year"),
        "number": record.get("number"),
        "registered_at": _iso(record.get("registered_at")),
        "registered_by": record.get("registered_by"),
        "channel": record.get("channel"),
        "metadata": record.get("metadata"),
        "files": [_file_view(f) for f in record.get("files", [])],
        "ocr": {
            file_id: {
                "pages": result.get("pages"),
                "needs_review": result.get("needs_review"),
                "text": result.get("text"),
                "derivative": _file_view(result["derivative"]) if "derivative" in result else None,
                "derivative_problems": result.get("derivative_problems") or [],
                "error": result.get("error"),
            }
            for file_id, result in ocr.items()
        },
        "signatures": record.get("signatures") or {},
    }
    if view["kind"] == "incoming":
        view["arrival_number"] = record.get("number")
        view["arrival_year"] = record.get("year")
    for optional in (
        "duplicate_of",
        "duplicate_reason",
        "void_reason",
        "legacy_id",
        "exchange",
        "code_number",
        "code_notation",
        "document_code",
        "issued_date",
        "send_requests",
        "send_requested_to",
        "place",
        "approved_draft",
        "copy_of",
    ):
        if optional in record:
            view[optional] = record[optional]
    if "voided_at" in record:
        view["voided_at"] = _iso(record["voided_at"])
    # Only where the facts were read (a single document), never guessed from the bare record.
    if "exchange_statuses" in record and (
        record.get("send_requested_to") or record["exchange_statuses"]
    ):
        view["recipient_statuses"] = [
            _recipient_status_view(status)
            for status in recipient_statuses(
                _agency_recipient_names(record),
                record.get("exchange_statuses") or (),
                requested_at=record.get("registered_at"),
                now=datetime.now(UTC),
                silence=send_silence,
            )
        ]
    return view


def _agency_recipient_names(record: dict[str, Any]) -> list[tuple[str, str]]:
    recipients = (record.get("metadata") or {}).get("recipients") or ()
    names = {r["agency_code"]: r["name"] for r in recipients if r.get("agency_code")}
    return [(code, names.get(code, code)) for code in record.get("send_requested_to") or ()]


def _recipient_status_view(status: RecipientStatus) -> dict[str, Any]:
    """One recipient agency as the sending clerk reads it (trạng thái gửi, trạng thái xử lý)."""
    delivery = status.delivery
    processing = status.processing
    return {
        "agency_code": status.agency_code,
        "name": status.name,
        "label": status.label,
        "error": status.error,
        "delivery": {
            "state": delivery.state,
            "label": delivery.label,
            "reason": delivery.reason,
            "attempt": delivery.attempt,
            "at": _iso(delivery.at),
        },
        "processing": None
        if processing is None
        else {
            "status_code": processing.status_code,
            "label": processing.label,
            "description": processing.description,
            "staff": processing.staff,
            "at": _iso(processing.at),
        },
        "history": [
            {"at": _iso(step.at), "label": step.label, "detail": step.detail}
            for step in status.history
        ],
    }


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _file_view(file: dict[str, Any]) -> dict[str, Any]:
    view = {k: file[k] for k in ("file_id", "name", "media_type", "size", "sha256", "role")}
    for kept in ("pages", "cannot_be_read"):
        if kept in file:
            view[kept] = file[kept]
    return view


async def read_upload_form(
    request: Request, settings: IntakeSettings
) -> tuple[dict[str, str], list[UploadedFile]]:
    """The form's text fields and files, refusing bodies over the size limit before reading them."""
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    try:
        form = await request.form(max_files=100, max_fields=50)
    except MultiPartException as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=f"multipart body: {exc}") from exc
    fields: dict[str, str] = {}
    uploads: list[UploadedFile] = []
    total = 0
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "file":
                    raise unprocessable([([name], "unknown part; files go in parts named 'file'")])
                data = await value.read()
                total += len(data)
                if total > limit:
                    raise _too_large(limit)
                uploads.append(UploadedFile(value.filename or "", data))
            else:
                fields[name] = value
    finally:
        await form.close()
    return fields, uploads


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        detail=f"file: the upload is larger than the limit of {limit} bytes",
    )


def parse_metadata_part(fields: dict[str, str]) -> dict[str, Any]:
    raw = fields.get("metadata")
    if raw is None:
        raise unprocessable([(["metadata"], "is required: a form part with the metadata as JSON")])
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise unprocessable([(["metadata"], f"is not valid JSON: {exc.msg}")]) from exc
    if not isinstance(parsed, dict):
        raise unprocessable([(["metadata"], "must be a JSON object")])
    if too_deep(parsed):
        raise unprocessable([(["metadata"], "is nested too deeply")])
    invalid = first_invalid_text(parsed)
    if invalid is not None:
        raise unprocessable([(["metadata", *invalid], "is not valid text (a lone surrogate)")])
    return parsed


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=multipart_body(
        json_parts={"metadata": IncomingDocumentMetadata},
        text_parts={
            "register_anyway_reason": "Why a document found to be a duplicate is registered "
            "anyway (lý do vẫn đăng ký); without it a duplicate is refused with 409."
        },
        file_description="The scans or electronic files of the document, one part each.",
        required=("metadata", "file"),
    ),
    response_model=DocumentOut,
    response_model_exclude_unset=True,
)
async def register_incoming_document(request: Request, principal: Registrar) -> JSONResponse:
    settings = settings_of(request)
    fields, uploads = await read_upload_form(request, settings)
    unknown = sorted(set(fields) - {"metadata", "register_anyway_reason"})
    if unknown:
        raise unprocessable([([name], "is not a known form field") for name in unknown])
    raw = parse_metadata_part(fields)
    raw.setdefault("channel", Channel.PAPER.value)
    try:
        metadata = IncomingDocumentMetadata.model_validate(raw)
    except ValidationError as exc:
        raise unprocessable(metadata_problems(exc)) from exc
    if metadata.channel not in (Channel.PAPER, Channel.ELECTRONIC):
        raise unprocessable([(["metadata", "channel"], "must be 'paper' or 'electronic' here")])
    if not uploads:
        raise unprocessable([(["file"], "at least one file (the scan or the electronic file)")])
    reason = (fields.get("register_anyway_reason") or "").strip() or None
    try:
        record = await handlers.register_document(
            registry_of(request),
            principal=principal,
            metadata=metadata,
            uploads=uploads,
            register_anyway_reason=reason,
            correlation_id=request.headers.get("x-correlation-id"),
        )
    except handlers.UnacceptableFile as exc:
        raise HTTPException(exc.status, detail=f"file: {exc}") from exc
    except handlers.DuplicateDocument as exc:
        return JSONResponse(
            {"detail": str(exc), "existing_id": exc.existing_id, "same": exc.key},
            status_code=status.HTTP_409_CONFLICT,
        )
    return JSONResponse(
        document_json(document_view(record)),
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"/v1/documents/{record['_id']}"},
    )


@router.get("/{document_id}", response_model_exclude_unset=True)
async def get_document(document_id: str, request: Request, principal: Reader) -> DocumentOut:
    try:
        record = await handlers.readable_document(registry_of(request), principal, document_id)
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="document not found") from exc
    return document_out(document_view(record, send_silence=send_silence_of(request)))


def send_silence_of(request: Request) -> timedelta:
    return timedelta(seconds=settings_of(request).send_silence_s)


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    total: int
    offset: int
    limit: int


@router.get("", response_model_exclude_unset=True)
async def list_documents(
    request: Request,
    principal: Reader,
    kind: Annotated[str | None, Query(pattern="^(incoming|outgoing|copy)$")] = None,
    year: Annotated[int | None, Query(ge=1900, le=9999)] = None,
    number: Annotated[int | None, Query(ge=1, le=MAX_STORED_INT)] = None,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(registered|reserved|void)$")
    ] = None,
    channel: Annotated[Channel | None, Query()] = None,
    document_type: Annotated[str | None, Query(max_length=40)] = None,
    registered_from: Annotated[date | None, Query()] = None,
    registered_to: Annotated[date | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_STORED_INT)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentPage:
    check_days({"registered_from": registered_from, "registered_to": registered_to})
    filters: dict[str, Any] = {}
    for field_name, value in (
        ("kind", kind),
        ("year", year),
        ("number", number),
        ("status", status_),
        ("channel", channel.value if channel else None),
        ("metadata.document_type", document_type),
    ):
        if value is not None:
            filters[field_name] = value
    window: dict[str, Any] = {}
    if registered_from is not None:
        window["$gte"] = _start_of_vietnam_day(registered_from)
    if registered_to is not None:
        window["$lt"] = _start_of_vietnam_day(registered_to) + timedelta(days=1)
    if window:
        filters["registered_at"] = window
    records, total = await handlers.list_documents(
        registry_of(request), principal, filters, skip=offset, limit=limit
    )
    return DocumentPage(
        items=[
            document_out(document_view(r, send_silence=send_silence_of(request))) for r in records
        ],
        total=total,
        offset=offset,
        limit=limit,
    )


def _start_of_vietnam_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=VIETNAM)


class FileLink(BaseModel):
    url: str
    expires_in_s: int
    file: FileOut


@router.get("/{document_id}/files/{file_id}/link", response_model_exclude_unset=True)
async def link_to_file(
    document_id: str, file_id: str, request: Request, principal: Reader
) -> FileLink:
    ttl = timedelta(seconds=settings_of(request).link_ttl_s)
    try:
        file, url = await handlers.file_link(
            registry_of(request), principal, document_id, file_id, ttl
        )
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="document or file not found") from exc
    return FileLink(url=url, expires_in_s=int(ttl.total_seconds()), file=file_out(_file_view(file)))


class FileLinks(BaseModel):
    """A short-lived download link to every file intake keeps for the document."""

    items: list[FileLink]


@router.get("/{document_id}/files", response_model_exclude_unset=True)
async def links_to_files(document_id: str, request: Request, principal: Reader) -> FileLinks:
    """The original, attachments (received ones too), migrated evidence and OCR derivatives,
    each with a presigned link valid `VANTHU_INTAKE_LINK_TTL_S` seconds."""
    ttl = timedelta(seconds=settings_of(request).link_ttl_s)
    try:
        links = await handlers.file_links(registry_of(request), principal, document_id, ttl)
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="document not found") from exc
    expires = int(ttl.total_seconds())
    return FileLinks(
        items=[
            FileLink(url=url, expires_in_s=expires, file=file_out(_file_view(f)))
            for f, url in links
        ]
    )


class VoidRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


@router.post("/{document_id}/void", response_model_exclude_unset=True)
async def void_document(
    document_id: str, body: VoidRequest, request: Request, principal: Registrar
) -> DocumentOut:
    try:
        record = await handlers.void_document(
            registry_of(request), principal=principal, document_id=document_id, reason=body.reason
        )
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="document not found") from exc
    return document_out(document_view(record))
