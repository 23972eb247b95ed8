"""Overdue tasks and processing times per unit, counted on the working-day calendar.

Reports count every case of the agency, confidential ones too, but show what identifies or
describes a case (its ids, subject, who handles it, the scanned slip) only to those who may see
it (ADR 0006): for anyone else its row is there, masked (`"masked": true`)."""

from __future__ import annotations

from collections import defaultdict
from statistics import median
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel
from vanthu_runtime.auth import Role

from vanthu_routing.api.dependencies import Handlers, caller_with
from vanthu_routing.api.views import authorship_view
from vanthu_routing.domain.calendar import local_date
from vanthu_routing.domain.task import TaskRole, TaskStatus
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import IndicatorFigures

router = APIRouter(prefix="/reports", tags=["reports"])

Reader = caller_with(Role.LEADER, Role.UNIT_HEAD, Role.AUDITOR)
"""Leaders and auditors report on the agency, a unit head on his unit (ADR 0008); administrators
see no document, so no report of them."""


@router.get("/overdue")
async def overdue_by_unit(handlers: Handlers, caller: Caller = Reader) -> list[dict[str, Any]]:
    """Open tasks past their due date, per unit, with how many working days late (masked where
    the caller may not see the document: still counted, with its due date and delay)."""
    today = local_date(handlers.clock.now())
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stored, visible in await handlers.reported_cases(caller):
        for task in stored.case.tasks:
            if not task.is_open_work or task.due_date is None or task.due_date >= today:
                continue
            if not caller.reports_on(task.assignee.unit_id):
                continue
            row = {
                "masked": False,
                "task_id": task.task_id,
                "case_id": stored.case.case_id,
                "subject": stored.document.subject,
                "assignee_user_id": task.assignee.user_id,
                "due_date": task.due_date.isoformat(),
                "overdue_working_days": handlers.calendar.working_days_between(
                    task.due_date, today
                ),
                "assigned_by_decision": authorship_view(stored.case.decision(task.decision_id)),
            }
            by_unit[task.assignee.unit_id or "-"].append(row if visible else _masked(row))
    return [
        {"unit_id": unit, "overdue": len(tasks), "tasks": tasks}
        for unit, tasks in sorted(by_unit.items())
    ]


@router.get("/processing-time")
async def processing_time_by_unit(
    handlers: Handlers, caller: Caller = Reader
) -> list[dict[str, Any]]:
    """Documents completed per lead unit: working days from the direction's assignment to the
    lead unit's completion, on time or late. Each document counts once, by its top-level lead
    task: the specialists' sub-tasks and the coordinating units' parts are steps of that one
    completion, not completions of their own (ADR 0022 addendum)."""
    durations: dict[str, list[int]] = defaultdict(list)
    late: dict[str, int] = defaultdict(int)
    # Durations and counts only: a confidential case is counted like any other.
    for stored, _ in await handlers.reported_cases(caller):
        for task in stored.case.tasks:
            if task.status is not TaskStatus.COMPLETED or task.closed_at is None:
                continue
            if task.role is not TaskRole.LEAD or task.parent_task_id is not None:
                continue
            if not caller.reports_on(task.assignee.unit_id):
                continue
            unit = task.assignee.unit_id or "-"
            done = local_date(task.closed_at)
            durations[unit].append(
                handlers.calendar.working_days_between(local_date(task.assigned_at), done)
            )
            if task.due_date is not None and done > task.due_date:
                late[unit] += 1
    return [
        {
            "unit_id": unit,
            "completed": len(days),
            "completed_late": late[unit],
            "median_working_days": median(days),
            "max_working_days": max(days),
        }
        for unit, days in sorted(durations.items())
    ]


class Indicators(BaseModel):
    """The live indicators of the caller's agency (ADR 0051), counted by the indicators worker
    from the streams: a unit head's only of his unit."""

    as_of: str | None
    """The day (in Vietnam) "now" and "overdue" are counted on."""
    now: dict[str, dict[str, dict[str, int]]]
    """Open tasks, due within 3 working days, overdue: per unit (``units``), per person
    (``people``)."""
    months: dict[str, dict[str, dict[str, dict[str, Any]]]]
    """Per month: completed on time and late, with the on-time rate, per unit and person."""
    received: dict[str, dict[str, int]]
    issued: dict[str, dict[str, int]]
    processing_time: dict[str, dict[str, dict[str, Any]]]
    urgings: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    """Per month: urgings per unit and person, by kind (reminder, reprimand,
    disciplinary_review) and in all (``total``)."""


def indicator_figures(request: Request) -> IndicatorFigures:
    figures: IndicatorFigures | None = getattr(request.app.state, "indicators", None)
    if figures is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={
                "message": "The indicators are not available in this process.",
                "message_vi": "Chỉ số chưa sẵn sàng.",
            },
        )
    return figures


@router.get("/indicators", response_model=Indicators)
async def indicators(
    figures: Annotated[IndicatorFigures, Depends(indicator_figures)], caller: Caller = Reader
) -> Indicators:
    """Counts only (no document is named), so confidential tasks count like any other."""
    found = figures.figures(caller.agency_code)
    if found is None:
        return Indicators(
            as_of=None,
            now={"units": {}, "people": {}},
            months={},
            received={},
            issued={},
            processing_time={},
        )
    if caller.lists_agency_wide:
        return Indicators.model_validate(found)
    # A unit head: his unit's rows; people and the agency's registers are not his to report on.
    mine = caller.reports_on
    return Indicators(
        as_of=found["as_of"],
        now={"units": {u: r for u, r in found["now"]["units"].items() if mine(u)}, "people": {}},
        months={
            month: {"units": {u: r for u, r in sides["units"].items() if mine(u)}, "people": {}}
            for month, sides in found["months"].items()
        },
        received={},
        issued={},
        processing_time={
            month: {u: r for u, r in units.items() if mine(u)}
            for month, units in found["processing_time"].items()
        },
        urgings={
            month: {"units": {u: r for u, r in sides["units"].items() if mine(u)}, "people": {}}
            for month, sides in found.get("urgings", {}).items()
        },
    )


@router.get("/entries-on-behalf")
async def entries_on_behalf(handlers: Handlers, caller: Caller = Reader) -> list[dict[str, Any]]:
    """Every decision a secretary recorded for a leader, per leader: who decided, who typed it
    in, under which delegation, with which scanned paper (masked where the caller may not see
    the document: still counted, with who decided and who typed it in, when)."""
    by_leader: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stored, visible in await handlers.reported_cases(caller):
        for decision in stored.case.decisions:
            if decision.on_behalf:
                row = {
                    "masked": False,
                    "case_id": stored.case.case_id,
                    "document_id": stored.case.document_id,
                    "subject": stored.document.subject,
                    **(authorship_view(decision) or {}),
                }
                by_leader[decision.decided_by.user_id].append(row if visible else _masked(row))
    return [
        {"leader_user_id": leader, "entries": len(rows), "decisions": rows}
        for leader, rows in sorted(by_leader.items())
    ]


# What a masked row keeps: what a register or a count may show of a document one may not see.
_KEPT_WHEN_MASKED = frozenset(
    {"due_date", "overdue_working_days", "kind", "decided_by", "recorded_by", "decided_at"}
)


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    masked = {k: (v if k in _KEPT_WHEN_MASKED else None) for k, v in row.items()}
    masked["masked"] = True
    if "on_behalf" in row:
        masked["on_behalf"] = row["on_behalf"]
    return masked
