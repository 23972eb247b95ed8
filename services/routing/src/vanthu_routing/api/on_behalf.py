"""What every proxy entry (nhập thay) shares: the decision as JSON plus the scanned paper in one
multipart request, the document's leader named as the one who decided, and a delegation from
that leader valid right now. All of it is checked before the scan is stored, so a refused proxy
leaves nothing behind (no object in MinIO, no change, no event)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, TypeVar

from fastapi import HTTPException, UploadFile, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from vanthu_runtime.file_checks import FileLimits, FileRefused, MediaType, check_upload_async
from vanthu_runtime.office_checks import WordType, check_word_document

from vanthu_routing.api.dependencies import answering, http_error
from vanthu_routing.domain.case import Case
from vanthu_routing.domain.decision import PaperSlip, delegation_for, require_slip_date
from vanthu_routing.domain.errors import NotPermitted, RoutingError
from vanthu_routing.domain.people import Person
from vanthu_routing.handlers import Caller, RoutingHandlers

MAX_SLIP_BYTES = 20 * 1024 * 1024
SLIP_MEDIA_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/tiff"}
PARSED_MEDIA_TYPES = {m.value for m in MediaType}
WORD_MEDIA_TYPES = {m.value for m in WordType}

Body = TypeVar("Body", bound=BaseModel)


async def read_upload(
    upload: UploadFile, allowed: set[str], limit: int, field: str
) -> tuple[bytes, str]:
    media_type = (upload.content_type or "").split(";")[0].strip()
    if media_type not in allowed:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"{field}: {media_type or 'no type'} is not accepted here",
        )
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=f"{field}: too large")
    if media_type in WORD_MEDIA_TYPES:
        # Opened as the container it is and checked to be that document: no macros, programs,
        # password or ZIP bomb (runtime.office_checks).
        try:
            found = await asyncio.to_thread(check_word_document, data, media_type, field=field)
        except FileRefused as refused:
            raise HTTPException(refused.http_status, detail=f"{field}: {refused}") from refused
        return data, found
    if media_type in PARSED_MEDIA_TYPES:
        # Opened for real, as intake opens its files (issue 16 item 6): a PDF or a scan that does
        # not parse, carries active content or is a bomb is refused; the type kept is the one
        # found, not the client's.
        try:
            accepted = frozenset(MediaType(m) for m in allowed if m in PARSED_MEDIA_TYPES)
            checked = await check_upload_async(
                data,
                upload.filename or "",
                FileLimits(max_bytes=limit, accepted=accepted),
                field=field,
            )
        except FileRefused as refused:
            raise HTTPException(refused.http_status, detail=f"{field}: {refused}") from refused
        return data, checked.media_type.value
    return data, media_type


def parse_payload(payload: str, model: type[Body]) -> Body:
    """The `payload` form field read as `model`; refused with the field errors every JSON route
    answers (422, `detail` a list of `{type, loc, msg, input}` located under body.payload)."""
    where = ("body", "payload")
    try:
        return model.model_validate_json(payload)
    except ValidationError as error:
        raise RequestValidationError(
            [
                {**e, "loc": (*where, *e["loc"])} if e["type"] != "json_invalid" else _json(e)
                for e in error.errors(include_url=False)
            ]
        ) from error


def _json(error: Any) -> dict[str, Any]:
    return {
        "type": "json_invalid",
        "loc": ("body", "payload"),
        "msg": "payload: not valid JSON",
        "input": error.get("input"),
        "ctx": {"error": error.get("ctx", {}).get("error", "")},
    }


async def _presented_to(case: Case) -> Person:
    return case.presented_to


async def paper_slip(
    handlers: RoutingHandlers,
    caller: Caller,
    case_id: str,
    decided_by_user_id: str,
    decided_at: datetime,
    slip: UploadFile,
) -> PaperSlip:
    """Check the proxy entry and keep the scan; the slip to hand to the domain change (which
    checks the delegation again, at the moment of the write)."""
    data, media_type = await read_upload(slip, SLIP_MEDIA_TYPES, MAX_SLIP_BYTES, "slip")
    stored = await answering(lambda: handlers.case_for(caller, case_id))
    leader = await answering(lambda: _presented_to(stored.case))
    if decided_by_user_id != leader.user_id:
        raise http_error(
            NotPermitted(
                f"decided_by_user_id: the document was presented to {leader.user_id}, "
                f"not {decided_by_user_id}.",
                f"decided_by_user_id: văn bản được trình {leader.full_name}.",
            )
        )
    delegations = await handlers.directory.delegations(caller.agency_code, leader.user_id)
    now = handlers.clock.now()
    try:
        delegation_for(leader, caller.person, now, delegations)
        require_slip_date(decided_at, now, stored.case.opened_at)
    except RoutingError as error:
        raise http_error(error) from error
    evidence = await answering(
        lambda: handlers.keep_evidence(data, slip.filename or "phieu-giai-quyet.pdf", media_type)
    )
    return PaperSlip(
        Person(leader.user_id, leader.full_name, leader.position), decided_at, evidence
    )
