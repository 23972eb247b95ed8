"""Drafts of the reply inside the work: the specialist uploads, the unit head reviews (forwards or
returns with comments), the leader approves or returns, directly or recorded on paper by a
delegated secretary. The approved draft goes to the clerk (DraftApproved on decision.recorded)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from pydantic import BaseModel, Field
from vanthu_runtime.auth import Role

from vanthu_routing.api.cases import Id, Strict, entry_for, record_on_behalf
from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.api.inputs import Instant
from vanthu_routing.api.on_behalf import parse_payload, read_upload
from vanthu_routing.api.views import CaseOut, case_view
from vanthu_routing.domain.task import Task
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import StoredCase

router = APIRouter(tags=["drafts"])

MAX_DRAFT_BYTES = 50 * 1024 * 1024
DRAFT_MEDIA_TYPES = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
}

PDF = "application/pdf"
MAX_APPENDICES = 20

Worker = caller_with(Role.UNIT_HEAD, Role.SPECIALIST)
UnitHead = caller_with(Role.UNIT_HEAD)
Leader = caller_with(Role.LEADER)
Secretary = caller_with(Role.SECRETARY)


class ReviewIn(Strict):
    decision_id: Id | None = None
    forward: bool
    """True: forward to the leader; false: return to the drafter (comment required)."""
    comment: str | None = Field(default=None, max_length=4000)


class LeaderDraftIn(Strict):
    decision_id: Id | None = None
    comment: str | None = Field(default=None, max_length=4000)


class OnBehalfDraftIn(LeaderDraftIn):
    approve: bool = True
    decided_by_user_id: Id
    decided_at: Instant


class DraftUploadedOut(BaseModel):
    """The new draft's id and the case that now holds it."""

    draft_id: str
    case: CaseOut


def _appendix_refused(message: str, message_vi: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail={"message": f"attachments: {message}", "message_vi": f"attachments: {message_vi}"},
    )


async def _read_appendices(uploads: list[UploadFile]) -> list[tuple[str, bytes]]:
    """Each appendix as its name and content, opened as the PDF it must be (intake signs PDFs):
    the draft's own file checks, with anything but a PDF a 422 naming the field."""
    if len(uploads) > MAX_APPENDICES:
        raise _appendix_refused(
            f"at most {MAX_APPENDICES} appendices go with one draft, not {len(uploads)}.",
            f"một dự thảo kèm tối đa {MAX_APPENDICES} phụ lục, không phải {len(uploads)}.",
        )
    read: list[tuple[str, bytes]] = []
    for position, upload in enumerate(uploads, start=1):
        name = upload.filename or f"phu-luc-{position}.pdf"
        declared = (upload.content_type or "").split(";")[0].strip()
        not_pdf = _appendix_refused(
            f"appendix {position} ({name}) is not a PDF; appendices are signed as PDFs.",
            f"phụ lục {position} ({name}) không phải tệp PDF; phụ lục phải là tệp PDF.",
        )
        if declared != PDF:
            raise not_pdf
        try:
            data, _ = await read_upload(upload, {PDF}, MAX_DRAFT_BYTES, "attachments")
        except HTTPException as refused:
            if refused.status_code == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE:
                raise not_pdf from refused
            raise
        read.append((name, data))
    return read


async def _task_of(stored: StoredCase, task_id: str) -> Task:
    stored.case.refuse_if_voided()
    return stored.case.task(task_id)


@router.post("/cases/{case_id}/tasks/{task_id}/drafts", status_code=status.HTTP_201_CREATED)
async def upload_draft(
    case_id: str,
    task_id: str,
    handlers: Handlers,
    file: Annotated[UploadFile, File(description="the draft reply")],
    supersedes: Annotated[str | None, Form()] = None,
    attachments: Annotated[
        list[UploadFile] | None,
        File(description="the draft's appendices (phụ lục), PDF only, in their order"),
    ] = None,
    caller: Caller = Worker,
) -> DraftUploadedOut:
    data, media_type = await read_upload(file, DRAFT_MEDIA_TYPES, MAX_DRAFT_BYTES, "file")
    appendices = await _read_appendices(attachments or [])
    stored = await answering(lambda: handlers.case_for(caller, case_id))
    # Checked before any file is kept, so a draft for no such task (or a voided document), or
    # with an appendix refused, leaves nothing behind.
    await answering(lambda: _task_of(stored, task_id))
    stored_file = await answering(
        lambda: handlers.keep_draft(data, file.filename or "du-thao", media_type)
    )
    kept_appendices = [
        await answering(partial(handlers.keep_appendix, content, name))
        for name, content in appendices
    ]
    draft_id = str(uuid.uuid4())
    now = handlers.clock.now()
    after = await answering(
        lambda: handlers.change_case(
            caller,
            case_id,
            lambda c, _: c.upload_draft(
                draft_id,
                task_id,
                stored_file,
                caller.actor,
                now,
                supersedes=supersedes,
                attachments=kept_appendices,
            ),
        )
    )
    return DraftUploadedOut(draft_id=draft_id, case=case_view(after))


@router.post("/cases/{case_id}/drafts/{draft_id}/review")
async def review_draft(
    case_id: str, draft_id: str, body: ReviewIn, handlers: Handlers, caller: Caller = UnitHead
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.comment)
    after = await answering(
        lambda: handlers.change_case(
            caller, case_id, lambda c, _: c.review_draft(entry, draft_id, forward=body.forward)
        )
    )
    return case_view(after)


@router.post("/cases/{case_id}/drafts/{draft_id}/approval")
async def approve_draft(
    case_id: str, draft_id: str, body: LeaderDraftIn, handlers: Handlers, caller: Caller = Leader
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.comment)
    after = await answering(
        lambda: handlers.change_case(caller, case_id, lambda c, _: c.approve_draft(entry, draft_id))
    )
    return case_view(after)


@router.post("/cases/{case_id}/drafts/{draft_id}/return")
async def return_draft(
    case_id: str, draft_id: str, body: LeaderDraftIn, handlers: Handlers, caller: Caller = Leader
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.comment)
    after = await answering(
        lambda: handlers.change_case(caller, case_id, lambda c, _: c.return_draft(entry, draft_id))
    )
    return case_view(after)


@router.post("/cases/{case_id}/drafts/{draft_id}/on-behalf")
async def record_draft_decision_on_behalf(
    case_id: str,
    draft_id: str,
    handlers: Handlers,
    payload: Annotated[str, Form(description="the decision as JSON (OnBehalfDraftIn)")],
    slip: Annotated[UploadFile, File(description="the scanned paper with the leader's decision")],
    caller: Caller = Secretary,
) -> CaseOut:
    """A secretary records the leader's paper approval, or return with comments, of a draft."""
    body = parse_payload(payload, OnBehalfDraftIn)

    def decide(case: Any, entry: Any, paper: Any, delegations: Any) -> Any:
        if body.approve:
            return case.approve_draft(entry, draft_id, paper=paper, delegations=delegations)
        return case.return_draft(entry, draft_id, paper=paper, delegations=delegations)

    return await record_on_behalf(handlers, caller, case_id, body, body.comment, slip, decide)
