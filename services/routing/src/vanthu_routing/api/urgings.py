"""Urging (đôn đốc): a leader or unit head presses whoever handles a task (issue 15 item 2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from vanthu_runtime.auth import Role

from vanthu_routing.api.cases import Id
from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.domain.urging import Urging, UrgingKind
from vanthu_routing.handlers import Caller

router = APIRouter(tags=["cases"])

Urger = caller_with(Role.LEADER, Role.UNIT_HEAD)


class UrgingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urging_id: Id | None = None
    """The idempotency key: the same urging sent twice is kept once."""
    kind: UrgingKind
    """reminder (Nhắc nhở), reprimand (Phê bình), disciplinary_review (Kiểm điểm)."""
    note: Annotated[str | None, Field(max_length=4000)] = None


class PersonOut(BaseModel):
    user_id: str
    full_name: str
    position: str | None = None


class UrgingOut(BaseModel):
    """One urging of a task, as its history shows it."""

    urging_id: str
    task_id: str
    kind: UrgingKind
    kind_label: str
    """Nhắc nhở, Phê bình or Kiểm điểm."""
    sequence: int
    """1 for the task's first urging, 2 for the second..."""
    note: str | None
    urged_by: PersonOut
    urged_at: AwareDatetime

    @classmethod
    def of(cls, urging: Urging) -> UrgingOut:
        by = urging.urged_by
        return cls(
            urging_id=urging.urging_id,
            task_id=urging.task_id,
            kind=urging.kind,
            kind_label=urging.kind.label,
            sequence=urging.sequence,
            note=urging.note,
            urged_by=PersonOut(user_id=by.user_id, full_name=by.full_name, position=by.position),
            urged_at=urging.urged_at,
        )


@router.post("/cases/{case_id}/tasks/{task_id}/urgings")
async def urge_task(
    case_id: str, task_id: str, body: UrgingIn, handlers: Handlers, caller: Caller = Urger
) -> UrgingOut:
    """A leader urges any open task of a document he may see; a unit head the tasks his unit's
    people hold. The person (or the unit's heads) is told on task.assigned (TaskUrged) and finds
    the urging on the task in their list."""
    _, urging = await answering(
        lambda: handlers.urge_task(caller, case_id, task_id, body.kind, body.note, body.urging_id)
    )
    return UrgingOut.of(urging)
