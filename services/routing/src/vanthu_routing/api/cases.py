"""The work on documents: the leader's inbox, direction (also on behalf), re-assignment,
progress, completion, return, and the task lists."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from vanthu_runtime.auth import Role

from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.api.views import case_view, task_view
from vanthu_routing.domain.case import Case
from vanthu_routing.domain.decision import Entry, PaperSlip
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.errors import NotPermitted
from vanthu_routing.domain.people import Person
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import StoredCase

router = APIRouter(tags=["cases"])

MAX_SLIP_BYTES = 20 * 1024 * 1024
SLIP_MEDIA_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/tiff"}
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]

Leader = caller_with(Role.LEADER)
Secretary = caller_with(Role.SECRETARY)
UnitHead = caller_with(Role.UNIT_HEAD)
Worker = caller_with(Role.UNIT_HEAD, Role.SPECIALIST)
Anyone = caller_with(*Role)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignmentIn(Strict):
    unit_id: Id | None = None
    user_id: Id | None = None
    role: TaskRole
    due_date: date | None = None
    instructions: str | None = Field(default=None, max_length=4000)

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
    decided_at: AwareDatetime
    """The date written on the paper slip."""


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


def _urgency_then_deadline(stored: StoredCase) -> tuple[int, date, datetime]:
    ranks = {"normal": 0, "urgent": 1, "very_urgent": 2, "flash": 3}
    due = stored.document.due_date or date.max
    return (-ranks.get(stored.document.urgency, 0), due, stored.document.received_at)


@router.get("/inbox")
async def leader_inbox(
    handlers: Handlers,
    caller: Caller = Anyone,
    leader_user_id: Annotated[str | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Documents awaiting direction, most urgent first, then by deadline. A secretary sees the
    inbox of a leader who delegated to them."""
    leader = leader_user_id or caller.user_id
    if leader == caller.user_id:
        if "leader" not in caller.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "requires the role: leader")
    else:
        delegations = await handlers.directory.delegations(caller.agency_code, leader)
        now = handlers.clock.now()
        if "secretary" not in caller.roles or not any(
            d.covers(leader, caller.user_id, now) for d in delegations
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"leader_user_id: you hold no valid delegation from {leader}",
            )
    cases = await handlers.cases.awaiting_direction(caller.agency_code, leader)
    return [case_view(c) for c in sorted(cases, key=_urgency_then_deadline)]


@router.get("/cases/{case_id}")
async def show_case(case_id: str, handlers: Handlers, caller: Caller = Anyone) -> dict[str, Any]:
    stored = await answering(lambda: handlers.cases.get(caller.agency_code, case_id))
    return case_view(stored)


@router.post("/cases/{case_id}/direction")
async def direct_case(
    case_id: str, body: DirectionIn, handlers: Handlers, caller: Caller = Leader
) -> dict[str, Any]:
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    assignments = [a.domain() for a in body.assignments]

    def change(case: Case, delegations: Any) -> Any:
        return case.direct(entry, assignments)

    stored = await answering(lambda: handlers.change_case(caller, case_id, change))
    return case_view(stored)


@router.post("/cases/{case_id}/redirection")
async def redirect_case(
    case_id: str, body: DirectionIn, handlers: Handlers, caller: Caller = Leader
) -> dict[str, Any]:
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
) -> dict[str, Any]:
    """A secretary records the leader's paper decision, with the scanned slip as evidence."""
    try:
        body = OnBehalfIn.model_validate(json.loads(payload))
    except (ValidationError, json.JSONDecodeError) as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"payload: {error}"
        ) from error
    media_type = (slip.content_type or "").split(";")[0].strip()
    if media_type not in SLIP_MEDIA_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"slip: {media_type or 'no type'} is not a scan (PDF, PNG, JPEG or TIFF)",
        )
    data = await slip.read(MAX_SLIP_BYTES + 1)
    if len(data) > MAX_SLIP_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail="slip: over 20 MB")
    stored = await answering(lambda: handlers.cases.get(caller.agency_code, case_id))
    leader = stored.case.leader
    if body.decided_by_user_id != leader.user_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"decided_by_user_id: the document was presented to {leader.user_id}",
        )
    # Checked before the scan is stored, so a refused proxy leaves nothing behind.
    delegations = await handlers.directory.delegations(caller.agency_code, leader.user_id)
    if not any(d.covers(leader.user_id, caller.user_id, handlers.clock.now()) for d in delegations):
        error = NotPermitted(
            f"{caller.full_name or caller.user_id} holds no valid delegation from "
            f"{leader.full_name} to record decisions on their behalf.",
            f"Không có ủy quyền còn hiệu lực của {leader.full_name} để nhập thay.",
        )
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={"message": error.message, "message_vi": error.message_vi},
        )
    evidence = await answering(
        lambda: handlers.keep_evidence(data, slip.filename or "phieu-giai-quyet.pdf", media_type)
    )
    paper = PaperSlip(
        Person(leader.user_id, leader.full_name, leader.position), body.decided_at, evidence
    )
    entry = entry_for(caller, handlers, body.decision_id, body.text)
    assignments = [a.domain() for a in body.assignments]

    def change(case: Case, delegations: list[Delegation]) -> Any:
        return case.direct(entry, assignments, paper=paper, delegations=delegations)

    after = await answering(lambda: handlers.change_case(caller, case_id, change))
    return case_view(after)


@router.post("/cases/{case_id}/tasks/{task_id}/reassignment")
async def reassign_task(
    case_id: str, task_id: str, body: ReassignmentIn, handlers: Handlers, caller: Caller = UnitHead
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
    entry = entry_for(caller, handlers, body.decision_id, body.reason)
    stored = await answering(
        lambda: handlers.change_case(caller, case_id, lambda c, _: c.return_task(entry, task_id))
    )
    return case_view(stored)


@router.get("/tasks/mine")
async def my_tasks(handlers: Handlers, caller: Caller = Anyone) -> list[dict[str, Any]]:
    """Open tasks given to me, and, for a unit head, the open tasks of my unit."""
    found: dict[str, StoredCase] = {
        c.case.case_id: c
        for c in await handlers.cases.with_open_tasks_for(
            caller.agency_code, user_id=caller.user_id
        )
    }
    heads = caller.actor.heads_unit_ids
    for unit_id in heads:
        for c in await handlers.cases.with_open_tasks_for(caller.agency_code, unit_id=unit_id):
            found[c.case.case_id] = c
    return [
        task_view(stored, task)
        for stored in found.values()
        for task in stored.case.tasks
        if task.status.is_open
        and (
            task.assignee.user_id == caller.user_id
            or (task.assignee.user_id is None and task.assignee.unit_id in heads)
        )
    ]


@router.get("/units/{unit_id}/tasks")
async def unit_tasks(
    unit_id: str, handlers: Handlers, caller: Caller = Anyone
) -> list[dict[str, Any]]:
    """Open tasks of a unit: for its head, the leaders and auditors."""
    if not (caller.actor.heads(unit_id) or {"leader", "auditor", "administrator"} & caller.roles):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"unit_id: you do not head {unit_id}")
    cases = await handlers.cases.with_open_tasks_for(caller.agency_code, unit_id=unit_id)
    return [
        task_view(stored, task)
        for stored in cases
        for task in stored.case.tasks
        if task.status.is_open and task.assignee.unit_id == unit_id
    ]
