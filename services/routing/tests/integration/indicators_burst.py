"""A burst of routing and intake events across agencies, with what became of every task and
document written down as it is made, and the indicators' figures recounted from that.

The recount knows nothing of the indicators' code: it counts the fates the burst chose."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from vanthu_contracts import Event
from vanthu_contracts.events.intake import DocumentReceived, DocumentVoided, OutgoingDocumentIssued
from vanthu_contracts.events.routing import (
    DecisionRecorded,
    TaskAssigned,
    TaskCompleted,
    TaskEscalated,
    TaskProgressReported,
    TaskReturned,
    TaskUrged,
)
from vanthu_contracts.samples import golden_sample
from vanthu_routing.domain.calendar import WorkingCalendar, local_date

LEADER = {"user_id": "u-ld-1", "full_name": "Nguyễn Văn Lãnh", "position": "Giám đốc"}
CLERK = {"user_id": "u-vt-1", "full_name": "Trần Thị Thư", "position": "Văn thư"}


def _instant(day: date) -> datetime:
    """10:00 in Hà Nội on ``day``."""
    return datetime.combine(day, time(3, 0), tzinfo=UTC)


def _from_sample(model: type[Event], **fields: Any) -> Event:
    sample = golden_sample(model.event_type).value
    return model.model_validate({**sample, **fields})


@dataclass
class Fate:
    agency: str
    unit: str | None
    user: str | None
    role: str
    due: date | None
    assigned: date
    status: str = "open"
    closed: date | None = None
    top_lead: bool = False


@dataclass
class Burst:
    today: date
    events: list[Event] = field(default_factory=list)
    tasks: dict[str, Fate] = field(default_factory=dict)
    received: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))
    issued: dict[str, list[date]] = field(default_factory=lambda: defaultdict(list))
    urgings: list[tuple[str, str | None, str | None, str, date]] = field(default_factory=list)
    """(agency, unit, person, kind, day) of every urging."""


def make_burst(
    agencies: list[str],
    documents: int,
    today: date,
    seed: int = 15,
    units_of: dict[str, list[str]] | None = None,
) -> Burst:
    rng = random.Random(seed)
    burst = Burst(today=today)
    for agency in agencies:
        units = (units_of or {}).get(agency) or [f"unit-{agency[-3:]}-{n}" for n in range(3)]
        people = [f"u-cv-{agency[-3:]}-{n}" for n in range(4)]
        for _ in range(documents):
            _document(burst, rng, agency, units, people)
        for _ in range(documents // 4):
            issued = today - timedelta(days=rng.randrange(0, 40))
            burst.events.append(
                _from_sample(
                    OutgoingDocumentIssued,
                    document_id=str(uuid.uuid4()),
                    agency_code=agency,
                    issued_at=_instant(issued).isoformat(),
                )
            )
            burst.issued[agency].append(issued)
    return burst


def _document(
    burst: Burst, rng: random.Random, agency: str, units: list[str], people: list[str]
) -> None:
    today, events = burst.today, burst.events
    document_id = str(uuid.uuid4())
    case_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{agency}/{document_id}"))
    arrived = today - timedelta(days=rng.randrange(5, 45))
    events.append(
        _from_sample(
            DocumentReceived,
            document_id=document_id,
            agency_code=agency,
            received_at=_instant(arrived).isoformat(),
            confidentiality="normal",
            readers=[],
            urgency="normal",
        )
    )
    direction = str(uuid.uuid4())

    def assign(
        unit: str | None, user: str | None, role: str, parent: str | None, decision: str, on: date
    ) -> str:
        task_id = str(uuid.uuid4())
        due = None if rng.random() < 0.15 else today + timedelta(days=rng.randrange(-12, 12))
        events.append(
            _from_sample(
                TaskAssigned,
                task_id=task_id,
                document_id=document_id,
                case_id=case_id,
                agency_code=agency,
                assignee={"unit_id": unit, "user_id": user},
                role=role,
                due_date=due.isoformat() if due else None,
                parent_task_id=parent,
                decision_id=decision,
                assigned_by=LEADER,
                assigned_at=_instant(on).isoformat(),
            )
        )
        if role != "information":
            burst.tasks[task_id] = Fate(
                agency, unit, user, role, due, on, top_lead=role == "lead" and parent is None
            )
        return task_id

    lead_unit = rng.choice(units)
    directed = arrived + timedelta(days=1)
    lead = assign(lead_unit, None, "lead", None, direction, directed)
    others = []
    if rng.random() < 0.5:
        others.append(assign(rng.choice(units), None, "coordinating", None, direction, directed))
    if rng.random() < 0.3:
        assign(rng.choice(units), None, "information", None, direction, directed)
    child = None
    if rng.random() < 0.6:
        child = assign(
            lead_unit,
            rng.choice(people),
            "specialist",
            lead,
            str(uuid.uuid4()),
            directed + timedelta(days=1),
        )
    for _ in range(rng.choice([0, 0, 1, 2])):
        urged = child if child is not None and rng.random() < 0.5 else lead
        fate = burst.tasks[urged]
        kind = rng.choice(["reminder", "reprimand", "disciplinary_review"])
        on = directed + timedelta(days=rng.randrange(1, 5))
        events.append(
            _from_sample(
                TaskUrged,
                urging_id=str(uuid.uuid4()),
                task_id=urged,
                document_id=document_id,
                case_id=case_id,
                agency_code=agency,
                assignee={"unit_id": fate.unit, "user_id": fate.user},
                kind=kind,
                sequence=1,
                urged_at=_instant(on).isoformat(),
            )
        )
        burst.urgings.append((agency, fate.unit, fate.user, kind, on))
    done_on = directed + timedelta(days=rng.randrange(1, 20))
    done_on = min(done_on, today)
    outcome = rng.choice(
        [
            "open",
            "open",
            "complete",
            "complete",
            "complete",
            "return",
            "redirect",
            "void",
            "escalate",
        ]
    )
    open_ids = [t for t in [lead, *others, child] if t is not None]

    def close(task_id: str, status: str, on: date) -> None:
        burst.tasks[task_id].status, burst.tasks[task_id].closed = status, on

    if outcome == "complete":
        if child is not None:
            events.append(_completed(agency, document_id, case_id, child, done_on))
            close(child, "completed", done_on)
        events.append(
            _from_sample(
                TaskProgressReported,
                task_id=lead,
                document_id=document_id,
                case_id=case_id,
                agency_code=agency,
                reported_by=LEADER,
                reported_at=_instant(done_on).isoformat(),
            )
        )
        events.append(_completed(agency, document_id, case_id, lead, done_on))
        close(lead, "completed", done_on)
        for task_id in open_ids:
            if burst.tasks[task_id].status == "open":
                close(task_id, "withdrawn", done_on)
    elif outcome == "return":
        events.append(
            _from_sample(
                TaskReturned,
                task_id=lead,
                document_id=document_id,
                case_id=case_id,
                agency_code=agency,
                returned_by=LEADER,
                returned_at=_instant(done_on).isoformat(),
            )
        )
        close(lead, "returned", done_on)
        if child is not None:
            close(child, "withdrawn", done_on)
    elif outcome == "redirect":
        again = str(uuid.uuid4())
        events.append(
            _from_sample(
                DecisionRecorded,
                decision_id=again,
                document_id=document_id,
                case_id=case_id,
                agency_code=agency,
                kind="redirection",
                decided_by=LEADER,
                recorded_by=LEADER,
                on_behalf=False,
                evidence_file=None,
                assignments=[],
                decided_at=_instant(done_on).isoformat(),
                recorded_at=_instant(done_on).isoformat(),
            )
        )
        for task_id in open_ids:
            close(task_id, "withdrawn", done_on)
        assign(rng.choice(units), None, "lead", None, again, done_on)
    elif outcome == "void":
        events.append(
            _from_sample(
                DocumentVoided,
                document_id=document_id,
                agency_code=agency,
                voided_by=CLERK,
                voided_at=_instant(done_on).isoformat(),
            )
        )
        for task_id in open_ids:
            close(task_id, "withdrawn", done_on)
        return  # a voided registration is not counted as received
    elif outcome == "escalate" and burst.tasks[lead].due is not None:
        events.append(
            _from_sample(
                TaskEscalated,
                task_id=lead,
                document_id=document_id,
                case_id=case_id,
                agency_code=agency,
                assignee={"unit_id": lead_unit},
                due_date=burst.tasks[lead].due.isoformat(),
                level=1,
                escalate_to="unit_head",
                overdue_working_days=1,
                escalated_at=_instant(today).isoformat(),
            )
        )
    burst.received[agency].append(arrived)


def _completed(agency: str, document_id: str, case_id: str, task_id: str, on: date) -> Event:
    return _from_sample(
        TaskCompleted,
        task_id=task_id,
        document_id=document_id,
        case_id=case_id,
        agency_code=agency,
        completed_by=LEADER,
        completed_at=_instant(on).isoformat(),
        reply_document_ids=[],
        files=[],
        decision_id=None,
    )


def recount(burst: Burst, agency: str, calendar: WorkingCalendar) -> dict[str, Any]:
    """The figures of ``agency`` as the burst decided them."""
    today = burst.today
    horizon = calendar.add_working_days(today, 3)
    now: dict[str, dict[str, dict[str, int]]] = {"units": {}, "people": {}}
    months: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    processing: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    overdue = []
    for fate in burst.tasks.values():
        if fate.agency != agency:
            continue
        unit = fate.unit or "-"
        whos = [("units", unit)] + ([("people", fate.user)] if fate.user else [])
        if fate.status == "open":
            for side, who in whos:
                row = now[side].setdefault(who, {"open": 0, "due_soon": 0, "overdue": 0})
                row["open"] += 1
                if fate.due is not None and fate.due < today:
                    row["overdue"] += 1
                elif fate.due is not None and fate.due <= horizon:
                    row["due_soon"] += 1
        elif fate.status == "completed":
            assert fate.closed is not None
            month = fate.closed.isoformat()[:7]
            late = fate.due is not None and fate.closed > fate.due
            for side, who in whos:
                row = months.setdefault(month, {"units": {}, "people": {}})[side].setdefault(
                    who, {"on_time": 0, "late": 0}
                )
                row["late" if late else "on_time"] += 1
            if fate.top_lead:
                processing[month][unit].append(
                    calendar.working_days_between(fate.assigned, fate.closed)
                )
        if fate.status == "open" and fate.due is not None and fate.due < today:
            overdue.append((unit, fate.user, fate.due.isoformat()))
    for sides in months.values():
        for rows in sides.values():
            for row in rows.values():
                row["on_time_rate"] = round(row["on_time"] / (row["on_time"] + row["late"]), 4)

    def periods(days: list[date]) -> dict[str, dict[str, int]]:
        per_day: dict[str, int] = defaultdict(int)
        per_month: dict[str, int] = defaultdict(int)
        for day in days:
            per_day[day.isoformat()] += 1
            per_month[day.isoformat()[:7]] += 1
        return {"per_day": dict(per_day), "per_month": dict(per_month)}

    def percentiles(days: list[int]) -> dict[str, Any]:
        ordered = sorted(days)
        return {
            "completed": len(ordered),
            "median": median(ordered),
            "p90": ordered[max(0, -(-9 * len(ordered) // 10) - 1)],
        }

    urgings: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for of, unit_id, user, kind, day in burst.urgings:
        if of != agency:
            continue
        month = urgings.setdefault(day.isoformat()[:7], {"units": {}, "people": {}})
        for side, who in (("units", unit_id or "-"), ("people", user)):
            if who is not None:
                row = month[side].setdefault(
                    who, {"reminder": 0, "reprimand": 0, "disciplinary_review": 0, "total": 0}
                )
                row[kind] += 1
                row["total"] += 1

    return {
        "now": now,
        "months": months,
        "urgings": urgings,
        "received": periods(burst.received[agency]),
        "issued": periods(burst.issued[agency]),
        "overdue": _sorted(overdue),
        "processing_time": {
            month: {unit: percentiles(days) for unit, days in units.items()}
            for month, units in processing.items()
        },
    }


def comparable(figures: dict[str, Any]) -> dict[str, Any]:
    """The API's figures in the recount's shape (the overdue tasks without their documents)."""
    return {
        "now": figures["now"],
        "months": figures["months"],
        "urgings": figures["urgings"],
        "received": figures["received"],
        "issued": figures["issued"],
        "overdue": _sorted((unit, user, due) for _, _, unit, user, due in figures["overdue_tasks"]),
        "processing_time": figures["processing_time"],
    }


def _sorted(rows: Any) -> list[tuple[Any, ...]]:
    return sorted((tuple(row) for row in rows), key=lambda row: [v or "" for v in row])


def local_today() -> date:
    return local_date(datetime.now(UTC))
