"""The work on documents: the leader's inbox, direction (also on behalf), re-assignment,
progress, completion, return, and the task lists."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from vanthu_runtime.auth import Role

from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.api.inputs import Day, Instant
from vanthu_routing.api.on_behalf import paper_slip, parse_payload
from vanthu_routing.api.views import CaseOut, TaskLineOut, case_view, task_view
from vanthu_routing.domain.case import Case
from vanthu_routing.domain.decision import Entry, PaperSlip
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import StoredCase

router = APIRouter(tags=["cases"])

Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]

Leader = caller_with(Role.LEADER)
Secretary = caller_with(Role.SECRETARY)
UnitHead = caller_with(Role.UNIT_HEAD)
Worker = caller_with(Role.UNIT_HEAD, Role.SPECIALIST)
Anyone = caller_with(*Role)
Involved = caller_with(Role.LEADER, Role.UNIT_HEAD, Role.SPECIALIST)
AgencyWide = caller_with(Role.CLERK, Role.LEADER, Role.SECRETARY, Role.AUDITOR)
"""Those who list every document of the agency (ADR 0008); administrators list none."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignmentIn(Strict):
    unit_id: Id | None = None
    user_id: Id | None = None
    role: TaskRole
    due_date: Day | None = None
    instructions: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _names_someone(self) -> AssignmentIn:
        if self.unit_id is None and self.user_id is None:
            raise ValueError(
                "unit_id or user_id: an assignment names a unit or a person "
                "(cần chỉ rõ đơn vị hoặc người nhận)"
            )
        return self

    def domain(self) -> Assignment:
        return Assignment(
            Assignee(unit_id=self.unit_id, user_id=self.user_id),
            self.role,
            self.due_date,
            self.instructions,
        )


class DirectionIn(Strict):
    decision_id: Id | None = None
    """The idempotency key: the same decision sent twice is recorded once."""
    text: str | None = Field(default=None, max_length=4000)
    assignments: list[AssignmentIn] = Field(min_length=1)


class OnBehalfIn(DirectionIn):
    decided_by_user_id: Id
    decided_at: Instant
    """The date written on the paper slip."""


class CommentIn(Strict):
    decision_id: Id | None = None
    text: str = Field(min_length=1, max_length=4000)
    task_id: Id | None = None
    """Comment on one task; none: on the document."""


class OnBehalfCommentIn(CommentIn):
    decided_by_user_id: Id
    decided_at: Instant


class ReassignmentIn(Strict):
    decision_id: Id | None = None
    text: str | None = Field(default=None, max_length=4000)
    assignments: list[AssignmentIn] = Field(min_length=1)


class ProgressIn(Strict):
    decision_id: Id | None = None
    text: str | None = Field(default=None, max_length=4000)
    percent_complete: int | None = Field(default=None, ge=0, le=100)


class CompletionIn(Strict):
    decision_id: Id | None = None
    text: str | None = Field(default=None, max_length=4000)
    reply_document_ids: list[Id] = []


class ReturnIn(Strict):
    decision_id: Id | None = None
    reason: str = Field(min_length=1, max_length=4000)


def entry_for(caller: Caller, handlers: Any, decision_id: str | None, text: str | None) -> Entry:
    return Entry(decision_id or str(uuid.uuid4()), caller.actor, handlers.clock.now(), text)


class OnBehalfBody(Protocol):
    decided_by_user_id: str
    decided_at: datetime
    decision_id: str | None


async def record_on_behalf(
    handlers: Any,
    caller: Caller,
    case_id: str,
    body: OnBehalfBody,
    text: str | None,
    slip: UploadFile,
    decide: Callable[[Case, Entry, PaperSlip, list[Delegation]], Any],
) -> CaseOut:
    """What every "on the leader's behalf" route does: check the delegation and keep the scanned
    slip, then apply the leader's decision to the case, recorded by the secretary."""
    paper = await paper_slip(
        handlers, caller, case_id, body.decided_by_user_id, body.decided_at, slip
    )
    entry = entry_for(caller, handlers, body.decision_id, text)

    def change(case: Case, delegations: list[Delegation]) -> Any:
        return decide(case, entry, paper, delegations)

    after = await answering(lambda: handlers.change_case(caller, case_id, change, on_behalf=True))
    return case_view(after)


def _urgency_then_deadline(stored: StoredCase) -> tuple[int, date, datetime]:
    ranks = {"normal": 0, "urgent": 1, "very_urgent": 2, "flash": 3}
    due = stored.document.due_date or date.max
    return (-ranks.get(stored.document.urgency, 0), due, stored.document.received_at)


@router.get("/inbox")
async def leader_inbox(
    handlers: Handlers,
    caller: Caller = Anyone,
    leader_user_id: Annotated[str | None, Query()] = None,
) -> list[CaseOut]:
    """Documents awaiting direction, most urgent first, then by deadline. A secretary sees the
    inboxes of the leaders who delegated to them (one of them with ``leader_user_id``)."""
    cases = await answering(lambda: handlers.inbox(caller, leader_user_id))
    return [case_view(c) for c in sorted(cases, key=_urgency_then_deadline)]


@router.get("/awaiting-rules")
async def awaiting_rules(handlers: Handlers, caller: Caller = AgencyWide) -> list[CaseOut]:
    """Documents of the agency received before it had routing rules, oldest first: they reach
    the leader the rules name as soon as an administrator saves them (who is told how many)."""
    cases = await answering(lambda: handlers.waiting_for_rules(caller))
    return [case_view(c) for c in sorted(cases, key=lambda c: c.document.received_at)]


@router.get("/cases/{case_id}")
async def show_case(case_id: str, handlers: Handlers, caller: Caller = Anyone) -> CaseOut:
    """The case, for whoever may see its document; 404 for anyone else, as for no case."""
    stored = await answering(lambda: handlers.case_for(caller, case_id))
    return case_view(stored)


@router.post("/cases/{case_id}/direction")
async def direct_case(
    case_id: str, body: DirectionIn, handlers: Handlers, caller: Caller = Leader
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    assignments = [a.domain() for a in body.assignments]

    def change(case: Case, delegations: Any) -> Any:
        return case.direct(entry, assignments)

    stored = await answering(lambda: handlers.change_case(caller, case_id, change))
    return case_view(stored)


@router.post("/cases/{case_id}/redirection")
async def redirect_case(
    case_id: str, body: DirectionIn, handlers: Handlers, caller: Caller = Leader
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    assignments = [a.domain() for a in body.assignments]
    stored = await answering(
        lambda: handlers.change_case(caller, case_id, lambda c, _: c.redirect(entry, assignments))
    )
    return case_view(stored)


@router.post("/cases/{case_id}/direction/on-behalf")
async def record_direction_on_behalf(
    case_id: str,
    handlers: Handlers,
    payload: Annotated[str, Form(description="the direction as JSON (OnBehalfIn)")],
    slip: Annotated[UploadFile, File(description="the scanned paper slip")],
    caller: Caller = Secretary,
) -> CaseOut:
    """A secretary records the leader's paper decision, with the scanned slip as evidence."""
    body = parse_payload(payload, OnBehalfIn)
    assignments = [a.domain() for a in body.assignments]
    return await record_on_behalf(
        handlers,
        caller,
        case_id,
        body,
        body.text,
        slip,
        lambda case, entry, paper, delegations: case.direct(
            entry, assignments, paper=paper, delegations=delegations
        ),
    )


@router.post("/cases/{case_id}/redirection/on-behalf")
async def record_redirection_on_behalf(
    case_id: str,
    handlers: Handlers,
    payload: Annotated[str, Form(description="the new direction as JSON (OnBehalfIn)")],
    slip: Annotated[UploadFile, File(description="the scanned paper slip")],
    caller: Caller = Secretary,
) -> CaseOut:
    """A secretary records the leader's paper re-direction: open tasks withdrawn, new ones
    assigned, decided by the leader and recorded by the secretary."""
    body = parse_payload(payload, OnBehalfIn)
    assignments = [a.domain() for a in body.assignments]
    return await record_on_behalf(
        handlers,
        caller,
        case_id,
        body,
        body.text,
        slip,
        lambda case, entry, paper, delegations: case.redirect(
            entry, assignments, paper=paper, delegations=delegations
        ),
    )


@router.post("/cases/{case_id}/comments")
async def comment_on_case(
    case_id: str, body: CommentIn, handlers: Handlers, caller: Caller = Involved
) -> CaseOut:
    """An opinion on the document or on one of its tasks, by the leader or someone working on it."""
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    after = await answering(
        lambda: handlers.change_case(
            caller, case_id, lambda c, _: c.comment(entry, task_id=body.task_id)
        )
    )
    return case_view(after)


@router.post("/cases/{case_id}/comments/on-behalf")
async def record_comment_on_behalf(
    case_id: str,
    handlers: Handlers,
    payload: Annotated[str, Form(description="the leader's comment as JSON (OnBehalfCommentIn)")],
    slip: Annotated[UploadFile, File(description="the scanned paper with the leader's comment")],
    caller: Caller = Secretary,
) -> CaseOut:
    """A secretary records the leader's written comment (bút phê) from paper."""
    body = parse_payload(payload, OnBehalfCommentIn)
    return await record_on_behalf(
        handlers,
        caller,
        case_id,
        body,
        body.text,
        slip,
        lambda case, entry, paper, delegations: case.comment(
            entry, task_id=body.task_id, paper=paper, delegations=delegations
        ),
    )


@router.post("/cases/{case_id}/tasks/{task_id}/reassignment")
async def reassign_task(
    case_id: str, task_id: str, body: ReassignmentIn, handlers: Handlers, caller: Caller = UnitHead
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    assignments = [a.domain() for a in body.assignments]
    stored = await answering(
        lambda: handlers.change_case(
            caller, case_id, lambda c, _: c.reassign(entry, task_id, assignments)
        )
    )
    return case_view(stored)


@router.post("/cases/{case_id}/tasks/{task_id}/progress")
async def report_progress(
    case_id: str, task_id: str, body: ProgressIn, handlers: Handlers, caller: Caller = Worker
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    stored = await answering(
        lambda: handlers.change_case(
            caller,
            case_id,
            lambda c, _: c.report_progress(entry, task_id, percent_complete=body.percent_complete),
        )
    )
    return case_view(stored)


@router.post("/cases/{case_id}/tasks/{task_id}/completion")
async def complete_task(
    case_id: str, task_id: str, body: CompletionIn, handlers: Handlers, caller: Caller = Worker
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    stored = await answering(
        lambda: handlers.change_case(
            caller,
            case_id,
            lambda c, _: c.complete_task(
                entry, task_id, reply_document_ids=body.reply_document_ids
            ),
        )
    )
    return case_view(stored)


@router.post("/cases/{case_id}/tasks/{task_id}/return")
async def return_task(
    case_id: str, task_id: str, body: ReturnIn, handlers: Handlers, caller: Caller = Worker
) -> CaseOut:
    entry = entry_for(caller, handlers, body.decision_id, body.reason)
    stored = await answering(
        lambda: handlers.change_case(caller, case_id, lambda c, _: c.return_task(entry, task_id))
    )
    return case_view(stored)


@router.post("/cases/{case_id}/tasks/{task_id}/acknowledgement")
async def acknowledge_withdrawal(
    case_id: str, task_id: str, handlers: Handlers, caller: Caller = Worker
) -> CaseOut:
    """The assignee has seen that the task was withdrawn; it leaves their task list."""
    entry = entry_for(caller, handlers, None, None)
    stored = await answering(
        lambda: handlers.change_case(
            caller, case_id, lambda c, _: c.acknowledge_withdrawal(entry, task_id)
        )
    )
    return case_view(stored)


class FileLinkOut(BaseModel):
    """A download link to a stored file; it stops working at `expires_at`."""

    file_id: str
    name: str
    media_type: str
    size: int
    sha256: str
    url: str
    expires_at: AwareDatetime


@router.get("/cases/{case_id}/files/{file_id}/link")
async def file_link(
    case_id: str, file_id: str, handlers: Handlers, caller: Caller = Anyone
) -> FileLinkOut:
    """A link that downloads a draft or a scanned paper slip of the case for a few minutes, for
    whoever may see its document; 404 for anyone else, as for no case."""
    link = await answering(lambda: handlers.file_link(caller, case_id, file_id))
    file = link.file
    return FileLinkOut(
        file_id=file.file_id,
        name=file.name,
        media_type=file.media_type,
        size=file.size,
        sha256=file.sha256,
        url=link.url,
        expires_at=link.expires_at,
    )


@router.get("/tasks/mine")
async def my_tasks(handlers: Handlers, caller: Caller = Anyone) -> list[TaskLineOut]:
    """Open tasks given to me, and, for a unit head, the open tasks of my unit; with them the
    withdrawn ones, saying why, until acknowledged. Only of documents I may see."""
    heads = caller.actor.heads_unit_ids
    found = await answering(
        lambda: handlers.with_open_tasks(caller, user_id=caller.user_id, unit_ids=sorted(heads))
    )
    return [
        task_view(stored, task)
        for stored in found
        for task in stored.case.tasks
        if (task.status.is_open or task.awaits_acknowledgement)
        and (
            task.assignee.user_id == caller.user_id
            or (task.assignee.user_id is None and task.assignee.unit_id in heads)
        )
    ]


@router.get("/units/{unit_id}/tasks")
async def unit_tasks(
    unit_id: str, handlers: Handlers, caller: Caller = Anyone
) -> list[TaskLineOut]:
    """Open tasks of a unit: for its head and those who list the agency's documents (ADR 0008);
    only of documents the caller may see."""
    if not (caller.actor.heads(unit_id) or caller.lists_agency_wide):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"unit_id: you do not head {unit_id}")
    cases = await answering(lambda: handlers.with_open_tasks(caller, unit_ids=[unit_id]))
    return [
        task_view(stored, task)
        for stored in cases
        for task in stored.case.tasks
        if (task.status.is_open or task.awaits_acknowledgement) and task.assignee.unit_id == unit_id
    ]
