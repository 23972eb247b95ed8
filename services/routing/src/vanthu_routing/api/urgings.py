"""Urging (đôn đốc): a leader or unit head presses whoever handles a task (issue 15 item 2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from vanthu_runtime.auth import Role

from vanthu_routing.api.cases import Id
from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.api.views import UrgingOut, urging_view
from vanthu_routing.domain.urging import UrgingKind
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
    return urging_view(urging)
