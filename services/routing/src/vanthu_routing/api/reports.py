"""Overdue tasks and processing times per unit, counted on the working-day calendar.

Reports count every case of the agency, confidential ones too, but show what identifies or
describes a case (its ids, subject, who handles it, the scanned slip) only to those who may see
it (ADR 0006): for anyone else its row is there, masked (`"masked": true`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel
from vanthu_runtime.auth import Role

from vanthu_routing.api.dependencies import Handlers, answering, caller_with
from vanthu_routing.api.views import AuthorshipOut, FileOut, PersonOut, authorship_view
from vanthu_routing.domain.calendar import local_date
from vanthu_routing.domain.decision import DecisionKind
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import IndicatorFigures
from vanthu_routing.streams.indicators import NO_UNIT

router = APIRouter(prefix="/reports", tags=["reports"])

Reader = caller_with(Role.LEADER, Role.UNIT_HEAD, Role.AUDITOR)
"""Leaders and auditors report on the agency, a unit head on his unit (ADR 0008); administrators
see no document, so no report of them."""


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


Figures = Annotated[IndicatorFigures, Depends(indicator_figures)]


class OverdueTask(BaseModel):
    """An open task past its due date; masked (``masked``: only the due date and the delay are
    shown) where the caller may not see its document (ADR 0006)."""

    masked: bool
    task_id: str | None
    case_id: str | None
    subject: str | None
    assignee_user_id: str | None
    due_date: str
    overdue_working_days: int
    assigned_by_decision: AuthorshipOut | None
    """Who decided the assignment and who typed it in."""


class OverdueUnit(BaseModel):
    unit_id: str
    """The unit's id; ``-`` for tasks given to a person of no unit."""
    overdue: int
    tasks: list[OverdueTask]


class ProcessingTimeUnit(BaseModel):
    """Documents completed by a lead unit, from the direction's assignment to its completion."""

    unit_id: str
    completed: int
    completed_late: int
    median_working_days: float
    p90_working_days: int
    max_working_days: int


@router.get("/overdue", response_model=list[OverdueUnit])
async def overdue_by_unit(
    handlers: Handlers, figures: Figures, caller: Caller = Reader
) -> list[OverdueUnit]:
    """Open tasks past their due date, per unit, with how many working days late (masked where
    the caller may not see the document: still counted, with its due date and delay).

    Read from the indicators (ADR 0052): the overdue tasks of their copy, then only those cases
    by id, which say whether each task is still open and what the caller may see of it."""
    today = local_date(handlers.clock.now())
    found = figures.figures(caller.agency_code) or {}
    candidates = [
        row for row in found.get("overdue_tasks", []) if caller.reports_on(_unit_of(row[2]))
    ]
    cases = await answering(
        lambda: handlers.reported_by_document(caller, [row[1] for row in candidates])
    )
    by_unit: dict[str, list[OverdueTask]] = defaultdict(list)
    for task_id, document_id, _, _, _ in candidates:
        if document_id not in cases:
            continue  # not a case of this deployment (or no longer the caller's to report on)
        stored, visible = cases[document_id]
        task = next((t for t in stored.case.tasks if t.task_id == task_id), None)
        if task is None or not task.is_open_work or task.due_date is None:
            continue  # closed since the figures were published: the case is the truth
        if task.due_date >= today:
            continue
        row = OverdueTask(
            masked=not visible,
            task_id=task.task_id if visible else None,
            case_id=stored.case.case_id if visible else None,
            subject=stored.document.subject if visible else None,
            assignee_user_id=task.assignee.user_id if visible else None,
            due_date=task.due_date.isoformat(),
            overdue_working_days=handlers.calendar.working_days_between(task.due_date, today),
            assigned_by_decision=(
                authorship_view(stored.case.decision(task.decision_id)) if visible else None
            ),
        )
        by_unit[task.assignee.unit_id or NO_UNIT].append(row)
    return [
        OverdueUnit(unit_id=unit, overdue=len(tasks), tasks=sorted(tasks, key=_due_then_id))
        for unit, tasks in sorted(by_unit.items())
    ]


def _unit_of(unit: str | None) -> str | None:
    return None if unit in (None, NO_UNIT) else unit


def _due_then_id(task: OverdueTask) -> tuple[str, str]:
    return (task.due_date, task.task_id or "")


@router.get("/processing-time", response_model=list[ProcessingTimeUnit])
async def processing_time_by_unit(
    handlers: Handlers, figures: Figures, caller: Caller = Reader
) -> list[ProcessingTimeUnit]:
    """Documents completed per lead unit: working days from the direction's assignment to the
    lead unit's completion, on time or late. Each document counts once, by its top-level lead
    task: the specialists' sub-tasks and the coordinating units' parts are steps of that one
    completion, not completions of their own (ADR 0022 addendum). Counts only, read from the
    indicators' tables (ADR 0052): a confidential case is counted like any other."""
    found = figures.figures(caller.agency_code) or {}
    return [
        ProcessingTimeUnit(
            unit_id=unit,
            completed=row["completed"],
            completed_late=row["late"],
            median_working_days=row["median"],
            p90_working_days=row["p90"],
            max_working_days=row["max"],
        )
        for unit, row in sorted(found.get("processing_all", {}).items())
        if caller.reports_on(_unit_of(unit))
    ]


class NowFigures(BaseModel):
    open: int
    due_soon: int
    """Due within 3 working days (today included)."""
    overdue: int


class NowSides(BaseModel):
    units: dict[str, NowFigures]
    people: dict[str, NowFigures]


class MonthFigures(BaseModel):
    on_time: int
    late: int
    on_time_rate: float | None
    """on_time / (on_time + late), 4 decimals; None when nothing was completed."""


class MonthSides(BaseModel):
    units: dict[str, MonthFigures]
    people: dict[str, MonthFigures]


class ProcessingFigures(BaseModel):
    """Documents completed by a lead unit and their working days from assignment to completion."""

    completed: int
    median: float
    p90: int


class OverallProcessing(ProcessingFigures):
    late: int
    max: int


class UrgingCounts(BaseModel):
    reminder: int
    """Nhắc nhở."""
    reprimand: int
    """Phê bình."""
    disciplinary_review: int
    """Kiểm điểm."""
    total: int


class UrgingSides(BaseModel):
    units: dict[str, UrgingCounts]
    people: dict[str, UrgingCounts]


class DeliveryTimes(BaseModel):
    """Seconds from queued to delivered, of the documents delivered."""

    completed: int
    median: float
    p90: int


class ExchangeHealth(BaseModel):
    """The documents sent to one recipient agency (one per document), as exchange.status tells."""

    sent: int
    not_sent: int
    """Queued, not delivered yet (and not failed)."""
    failed: int
    """Failed and not delivered since."""
    returned: int
    """The recipient refused it (02)."""
    slow: int
    """Delivered, but no 01 or 03 after the configured working days."""
    delivery_s: DeliveryTimes | None


class Indicators(BaseModel):
    """The live indicators of the caller's agency (ADR 0051), counted by the indicators worker
    from the streams: a unit head's only of his unit."""

    as_of: str | None
    """The day (in Vietnam) "now" and "overdue" are counted on."""
    now: NowSides
    """Open tasks, due within 3 working days, overdue: per unit (``units``), per person
    (``people``)."""
    months: dict[str, MonthSides]
    """Per month: completed on time and late, with the on-time rate, per unit and person."""
    received: dict[str, dict[str, int]]
    issued: dict[str, dict[str, int]]
    processing_time: dict[str, dict[str, ProcessingFigures]]
    """Per month and lead unit."""
    processing_all: dict[str, OverallProcessing] = {}
    """Per lead unit, over every month (with how many late and the longest)."""
    urgings: dict[str, UrgingSides] = {}
    """Per month: urgings per unit and person, by kind and in all."""
    exchange: dict[str, ExchangeHealth] = {}
    """Exchange health per recipient agency (the agency's, not a unit's: empty for a unit
    head)."""


@router.get("/indicators", response_model=Indicators)
async def indicators(figures: Figures, caller: Caller = Reader) -> Indicators:
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
        processing_all={u: r for u, r in found.get("processing_all", {}).items() if mine(u)},
        urgings={
            month: {"units": {u: r for u, r in sides["units"].items() if mine(u)}, "people": {}}
            for month, sides in found.get("urgings", {}).items()
        },
    )


class EntryOnBehalf(BaseModel):
    """A decision a secretary recorded for a leader; masked (only who decided, who typed it in,
    when and of what kind) where the caller may not see the document (ADR 0006)."""

    masked: bool
    case_id: str | None
    document_id: str | None
    subject: str | None
    decision_id: str | None
    kind: DecisionKind | None
    decided_by: PersonOut | None
    recorded_by: PersonOut | None
    decided_at: datetime | None
    on_behalf: bool | None
    delegation_id: str | None
    evidence_file: FileOut | None
    """The scanned paper slip's reference (routing's file record)."""


class EntriesOfLeader(BaseModel):
    leader_user_id: str
    entries: int
    decisions: list[EntryOnBehalf]


@router.get("/entries-on-behalf")
async def entries_on_behalf(handlers: Handlers, caller: Caller = Reader) -> list[EntriesOfLeader]:
    """Every decision a secretary recorded for a leader, per leader: who decided, who typed it
    in, under which delegation, with which scanned paper (masked where the caller may not see
    the document: still counted, with who decided and who typed it in, when)."""
    by_leader: dict[str, list[EntryOnBehalf]] = defaultdict(list)
    for stored, visible in await handlers.reported_cases(caller):
        for decision in stored.case.decisions:
            authorship = authorship_view(decision)
            if authorship is None or not decision.on_behalf:
                continue
            row = EntryOnBehalf(
                masked=False,
                case_id=stored.case.case_id,
                document_id=stored.case.document_id,
                subject=stored.document.subject,
                **authorship.model_dump(),
            )
            by_leader[decision.decided_by.user_id].append(row if visible else _masked(row))
    return [
        EntriesOfLeader(leader_user_id=leader, entries=len(rows), decisions=rows)
        for leader, rows in sorted(by_leader.items())
    ]


# What a masked row keeps: what a register or a count may show of a document one may not see.
_KEPT_WHEN_MASKED = frozenset({"kind", "decided_by", "recorded_by", "decided_at", "on_behalf"})


def _masked(row: EntryOnBehalf) -> EntryOnBehalf:
    shown = row.model_dump()
    return EntryOnBehalf.model_validate(
        {k: (v if k in _KEPT_WHEN_MASKED else None) for k, v in shown.items()} | {"masked": True}
    )
