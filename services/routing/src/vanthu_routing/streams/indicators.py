"""The indicators' state, kept from the streams, and the figures computed from it (issue 15).

The state is one fact per task (``t:<task id>``), one per document (``d:<document id>``) and one
per urging (``u:<urging id>``),
plain JSON dicts in a Faust table. Every event *sets* a fact rather than adding to a counter, and a
closed task never reopens, so an event read twice (a worker killed before it committed its offset)
leaves the state as it was: nothing is counted twice (ADR 0051). The figures (open, due within 3
working days, overdue, on time and late per month, received and issued) are a pure function of
the facts of one partition, ``summarise``; the worker publishes it per agency and partition and the
API adds the partitions up (``combine``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import date, datetime
from statistics import median
from typing import Any

from vanthu_contracts.events.base import Event
from vanthu_contracts.events.exchange import DeliveryStatusChanged, ProcessingStatusReceived
from vanthu_contracts.events.intake import DocumentReceived, DocumentVoided, OutgoingDocumentIssued
from vanthu_contracts.events.routing import (
    DecisionRecorded,
    TaskAssigned,
    TaskCompleted,
    TaskEscalated,
    TaskReturned,
    TaskUrged,
    UrgingKind,
)
from vanthu_contracts.events.values import DecisionKind, StatusCode, TaskRole

from vanthu_routing.domain.calendar import WorkingCalendar, local_date

Fact = dict[str, Any]
Facts = MutableMapping[str, Fact]

OPEN, COMPLETED, RETURNED, WITHDRAWN = "open", "completed", "returned", "withdrawn"
DUE_SOON_WORKING_DAYS = 3
NO_UNIT = "-"
URGING_KINDS = (*(kind.value for kind in UrgingKind), "total")


def task_key(task_id: str) -> str:
    return f"t:{task_id}"


def document_key(document_id: str) -> str:
    return f"d:{document_id}"


def urging_key(urging_id: str) -> str:
    return f"u:{urging_id}"


def sending_key(document_id: str, recipient: str) -> str:
    return f"x:{document_id}|{recipient}"


SLOW_ACCEPTANCE_WORKING_DAYS = 2
TAKEN_IN = frozenset(
    {StatusCode.ACCEPTED, StatusCode.ASSIGNED, StatusCode.PROCESSING, StatusCode.COMPLETED}
)
"""What a recipient says once it took the document in (03 and every later step)."""


def apply(facts: Facts, event: Event, partition: int) -> bool:
    """Fold one event into the facts; True when a figure may have changed.

    An event makes several writes (a completion closes its task, then withdraws others). A worker
    killed between two of them leaves the first in the changelog and the event uncommitted: the
    next owner reads it again over the first write, so every write an event makes is made again
    when it is read again, never skipped because an earlier one is already there."""
    match event:
        case TaskAssigned():
            return _assigned(facts, event, partition)
        case TaskCompleted():
            changed = _close(facts, event.task_id, COMPLETED, local_date(event.completed_at))
            task = facts.get(task_key(event.task_id))
            if task is None or task["status"] != COMPLETED:
                return changed
            before = _assigned_by(event.completed_at)
            if task["role"] == TaskRole.LEAD and task["parent"] is None:
                # The lead unit's completion completes the case: the work still open is
                # withdrawn (routing's Case.complete_task), which routing does not publish.
                withdrawn = _withdraw(facts, event.document_id, before, task["closed"])
            else:
                withdrawn = _withdraw_below(
                    facts, event.document_id, event.task_id, task["closed"], before
                )
            return changed or withdrawn
        case TaskReturned():
            changed = _close(facts, event.task_id, RETURNED, local_date(event.returned_at))
            task = facts.get(task_key(event.task_id))
            if task is None or task["status"] != RETURNED:
                return changed
            withdrawn = _withdraw_below(
                facts,
                event.document_id,
                event.task_id,
                task["closed"],
                _assigned_by(event.returned_at),
            )
            return changed or withdrawn
        case TaskUrged():
            key = urging_key(event.urging_id)
            if key in facts:
                return False
            facts[key] = {
                "urged": event.kind.value,
                "agency": event.agency_code,
                "unit": event.assignee.unit_id,
                "user": event.assignee.user_id,
                "day": local_date(event.urged_at).isoformat(),
                "p": partition,
            }
            return True
        case DeliveryStatusChanged():
            return _sending(
                facts,
                event.document_id,
                event.agency_code,
                event.recipient_agency_code,
                partition,
                event.transport.value,
                event.changed_at,
            )
        case ProcessingStatusReceived():
            said = (
                "arrived"
                if event.status_code is StatusCode.ARRIVED
                else "accepted"
                if event.status_code in TAKEN_IN
                else "returned"
                if event.status_code is StatusCode.REJECTED
                else None
            )
            if said is None:
                return False
            return _sending(
                facts,
                event.document_id,
                event.agency_code,
                event.from_agency_code,
                partition,
                said,
                event.reported_at,
            )
        case TaskEscalated():
            task = facts.get(task_key(event.task_id))
            if task is None or task.get("escalated", 0) >= event.level:
                return False
            facts[task_key(event.task_id)] = {**task, "escalated": event.level}
            return True
        case DecisionRecorded() if event.kind is DecisionKind.REDIRECTION:
            # A new direction withdraws every open task but the ones it assigns. It travels on
            # decision.recorded, so it may be read before tasks it withdraws (task.assigned):
            # the document remembers it for them.
            key = document_key(event.document_id)
            document = facts.get(key) or _new_document(event.agency_code, partition)
            mark = [event.decision_id, event.recorded_at.isoformat()]
            changed = mark not in document.get("redirected", [])
            if changed:
                facts[key] = {**document, "redirected": [*document.get("redirected", []), mark]}
            day = local_date(event.recorded_at).isoformat()
            withdrawn = _withdraw(
                facts, event.document_id, lambda i, t: _redirected_away(t, mark), day
            )
            return changed or withdrawn
        case DocumentReceived():
            return _document(
                facts,
                event.document_id,
                event.agency_code,
                "received",
                local_date(event.received_at),
                partition,
            )
        case OutgoingDocumentIssued():
            return _document(
                facts,
                event.document_id,
                event.agency_code,
                "issued",
                local_date(event.issued_at),
                partition,
            )
        case DocumentVoided():
            key = document_key(event.document_id)
            document = facts.get(key) or _new_document(event.agency_code, partition)
            changed = not document.get("voided")
            if changed:
                facts[key] = {**document, "voided": True}
            withdrawn = _withdraw(
                facts, event.document_id, lambda i, t: True, local_date(event.voided_at)
            )
            return changed or withdrawn
    return False


def _assigned_by(at: datetime) -> Callable[[str, Fact], bool]:
    """The tasks assigned by ``at``: those a completion or a return made then withdrew (read
    again later, it must not withdraw work assigned after it)."""
    return lambda _, task: datetime.fromisoformat(task["assigned_at"]) <= at


def _sending(
    facts: Facts,
    document_id: str,
    agency: str,
    recipient: str,
    partition: int,
    step: str,
    at: datetime,
) -> bool:
    """One document sent to one recipient agency: the first time each step was seen (queued,
    delivered, acknowledged, failed; arrived, accepted, returned as the recipient said). Only
    earliest times are kept, so any order and any repetition give the same fact."""
    key = sending_key(document_id, recipient)
    fact = facts.get(key) or {"sending": recipient, "agency": agency, "p": partition}
    seen = fact.get(step)
    if seen is not None and seen <= at.isoformat():
        return False
    facts[key] = {**fact, step: at.isoformat()}
    return True


def _new_document(agency: str, partition: int) -> Fact:
    return {
        "agency": agency,
        "kind": None,
        "day": None,
        "voided": False,
        "tasks": [],
        "p": partition,
    }


def _document(
    facts: Facts, document_id: str, agency: str, kind: str, day: date, partition: int
) -> bool:
    key = document_key(document_id)
    document = facts.get(key) or _new_document(agency, partition)
    if document["kind"] == kind and document["day"] == day.isoformat():
        return False
    facts[key] = {**document, "kind": kind, "day": day.isoformat()}
    return True


def _assigned(facts: Facts, event: TaskAssigned, partition: int) -> bool:
    if event.role is TaskRole.INFORMATION:
        return False  # for information: no work, no deadline (Task.carries_work)
    key = task_key(event.task_id)
    doc_key = document_key(event.document_id)
    document = facts.get(doc_key) or _new_document(event.agency_code, partition)
    if key in facts:
        # A task is assigned once: a second copy of the event only lists the task in its
        # document when the first copy's second write was lost.
        if event.task_id in document["tasks"]:
            return False
        facts[doc_key] = {**document, "tasks": [*document["tasks"], event.task_id]}
        return True
    voided = bool(document.get("voided"))
    fact: Fact = {"decision": event.decision_id, "assigned_at": event.assigned_at.isoformat()}
    away = [m for m in document.get("redirected", []) if _redirected_away(fact, m)]
    facts[key] = {
        "task": event.task_id,
        "agency": event.agency_code,
        "document": event.document_id,
        "unit": event.assignee.unit_id,
        "user": event.assignee.user_id,
        "role": event.role.value,
        "parent": event.parent_task_id,
        "decision": event.decision_id,
        "due": event.due_date.isoformat() if event.due_date else None,
        "assigned_at": event.assigned_at.isoformat(),
        "assigned_day": local_date(event.assigned_at).isoformat(),
        "status": WITHDRAWN if voided or away else OPEN,
        "closed": (
            local_date(datetime.fromisoformat(away[0][1])).isoformat()
            if away
            else local_date(event.assigned_at).isoformat()
            if voided
            else None
        ),
        "escalated": 0,
        "p": partition,
    }
    facts[doc_key] = {**document, "tasks": [*document["tasks"], event.task_id]}
    return True


def _redirected_away(task: Fact, mark: list[str]) -> bool:
    """Whether the redirection ``mark`` (its decision id and time) withdrew ``task``."""
    decision, at = mark
    return task["decision"] != decision and datetime.fromisoformat(
        task["assigned_at"]
    ) <= datetime.fromisoformat(at)


def _close(facts: Facts, task_id: str, status: str, day: date) -> bool:
    key = task_key(task_id)
    task = facts.get(key)
    if task is None or task["status"] != OPEN:
        return False  # closed once, for good: a repeated completion is the same completion
    facts[key] = {**task, "status": status, "closed": day.isoformat()}
    return True


def _withdraw(
    facts: Facts, document_id: str, which: Callable[[str, Fact], bool], day: date | str
) -> bool:
    document = facts.get(document_key(document_id))
    if document is None:
        return False
    changed = False
    closed = day if isinstance(day, str) else day.isoformat()
    for task_id in document["tasks"]:
        task = facts.get(task_key(task_id))
        if task is not None and task["status"] == OPEN and which(task_id, task):
            facts[task_key(task_id)] = {**task, "status": WITHDRAWN, "closed": closed}
            changed = True
    return changed


def _withdraw_below(
    facts: Facts,
    document_id: str,
    task_id: str,
    day: str,
    which: Callable[[str, Fact], bool] = lambda i, t: True,
) -> bool:
    document = facts.get(document_key(document_id))
    if document is None:
        return False
    below, frontier = set(), [task_id]
    tasks = {t: facts.get(task_key(t)) for t in document["tasks"]}
    while frontier:
        parent = frontier.pop()
        for child, task in tasks.items():
            if task is not None and task["parent"] == parent and child not in below:
                below.add(child)
                frontier.append(child)
    return _withdraw(facts, document_id, lambda i, t: i in below and which(i, t), day)


# ---- the figures ------------------------------------------------------------------------------


def summarise(
    facts: Iterable[Fact],
    today: date,
    calendar: WorkingCalendar,
    slow_after_working_days: int = SLOW_ACCEPTANCE_WORKING_DAYS,
) -> dict[str, dict[str, Any]]:
    """The figures of some facts (one partition's), per agency, as of ``today`` (Vietnam)."""
    horizon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS).isoformat()
    today_text = today.isoformat()
    out: dict[str, dict[str, Any]] = {}
    for fact in facts:
        figures = out.setdefault(fact["agency"], _empty(today_text))
        if "sending" in fact:
            _count_sending(figures, fact, today, calendar, slow_after_working_days)
            continue
        if "urged" in fact:
            month = figures["urgings"].setdefault(fact["day"][:7], {"units": {}, "people": {}})
            for side, who in (("units", fact["unit"] or NO_UNIT), ("people", fact["user"])):
                if who is not None:
                    row = month[side].setdefault(who, dict.fromkeys(URGING_KINDS, 0))
                    _bump(row, fact["urged"])
                    _bump(row, "total")
            continue
        if "status" not in fact:
            if fact["kind"] and not fact["voided"]:
                kind = figures[fact["kind"]]
                _bump(kind["per_day"], fact["day"])
                _bump(kind["per_month"], fact["day"][:7])
            continue
        unit, user = fact["unit"] or NO_UNIT, fact["user"]
        if fact["status"] == OPEN:
            now = (
                "overdue"
                if fact["due"] and fact["due"] < today_text
                else ("due_soon" if fact["due"] and fact["due"] <= horizon else None)
            )
            for side, who in (("units", unit), ("people", user)):
                if who is None:
                    continue
                row = figures["now"][side].setdefault(who, {"open": 0, "due_soon": 0, "overdue": 0})
                row["open"] += 1
                if now:
                    row[now] += 1
            if now == "overdue":
                figures["overdue_tasks"].append(
                    [fact["task"], fact["document"], unit, user, fact["due"]]
                )
        elif fact["status"] == COMPLETED:
            month = fact["closed"][:7]
            late = bool(fact["due"]) and fact["closed"] > fact["due"]
            for side, who in (("units", unit), ("people", user)):
                if who is None:
                    continue
                row = figures["months"].setdefault(month, {"units": {}, "people": {}})[side]
                row.setdefault(who, {"on_time": 0, "late": 0})["late" if late else "on_time"] += 1
            if fact["role"] == TaskRole.LEAD and fact["parent"] is None:
                days = calendar.working_days_between(
                    date.fromisoformat(fact["assigned_day"]), date.fromisoformat(fact["closed"])
                )
                figures["processing_days"].setdefault(month, {}).setdefault(unit, []).append(days)
                if late:
                    _bump(figures["processing_late"].setdefault(month, {}), unit)
    return out


def _count_sending(
    figures: dict[str, Any],
    fact: Fact,
    today: date,
    calendar: WorkingCalendar,
    slow_after_working_days: int,
) -> None:
    """Exchange health per recipient agency: not yet sent, failed, returned, slow to be
    accepted, and the delivery times (seconds from queued to delivered)."""
    row = figures["exchange"].setdefault(
        fact["sending"],
        {"sent": 0, "not_sent": 0, "failed": 0, "returned": 0, "slow": 0, "delivery_s": []},
    )
    delivered = fact.get("delivered") or fact.get("acknowledged")
    row["sent"] += 1
    if not delivered:
        row["failed" if fact.get("failed") else "not_sent"] += 1
        return
    if fact.get("returned"):
        row["returned"] += 1
    elif not (fact.get("arrived") or fact.get("accepted")):
        since = local_date(datetime.fromisoformat(delivered))
        if calendar.add_working_days(since, slow_after_working_days) < today:
            row["slow"] += 1
    if fact.get("queued") and fact.get("delivered"):
        took = datetime.fromisoformat(fact["delivered"]) - datetime.fromisoformat(fact["queued"])
        row["delivery_s"].append(max(0, round(took.total_seconds())))


def _empty(today: str) -> dict[str, Any]:
    return {
        "as_of": today,
        "now": {"units": {}, "people": {}},
        "months": {},
        "received": {"per_day": {}, "per_month": {}},
        "issued": {"per_day": {}, "per_month": {}},
        "overdue_tasks": [],
        "processing_days": {},
        "processing_late": {},
        "urgings": {},
        "exchange": {},
    }


def _bump(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def combine(parts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One agency's figures from its partitions' summaries, with the on-time rates and the
    processing-time median and 90th percentile per unit and month."""
    now: dict[str, dict[str, dict[str, int]]] = {"units": {}, "people": {}}
    months: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    docs: dict[str, dict[str, dict[str, int]]] = {
        k: {"per_day": {}, "per_month": {}} for k in ("received", "issued")
    }
    overdue: list[list[Any]] = []
    urgings: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    processing: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    late: dict[str, int] = defaultdict(int)
    exchange: dict[str, dict[str, int]] = {}
    delivery: dict[str, list[int]] = defaultdict(list)
    as_of = None
    for part in parts:
        as_of = max(as_of or part["as_of"], part["as_of"])
        for side in ("units", "people"):
            for who, row in part["now"][side].items():
                _add(now[side].setdefault(who, {}), row)
        for month, sides in part["months"].items():
            for side in ("units", "people"):
                for who, row in sides[side].items():
                    target = months.setdefault(month, {"units": {}, "people": {}})[side]
                    _add(target.setdefault(who, {}), row)
        for kind in docs:
            for period in ("per_day", "per_month"):
                _add(docs[kind][period], part[kind][period])
        overdue.extend(part["overdue_tasks"])
        for month, sides in part.get("urgings", {}).items():
            for side in ("units", "people"):
                for who, row in sides[side].items():
                    target = urgings.setdefault(month, {"units": {}, "people": {}})[side]
                    _add(target.setdefault(who, {}), row)
        for month, units in part["processing_days"].items():
            for unit, days in units.items():
                processing[month][unit].extend(days)
        for units in part.get("processing_late", {}).values():
            _add(late, units)
        for recipient, row in part.get("exchange", {}).items():
            counts = {k: v for k, v in row.items() if k != "delivery_s"}
            _add(exchange.setdefault(recipient, {}), counts)
            delivery[recipient].extend(row["delivery_s"])
    for sides in months.values():
        for rows in sides.values():
            for row in rows.values():
                done = row["on_time"] + row["late"]
                row["on_time_rate"] = round(row["on_time"] / done, 4) if done else None
    return {
        "as_of": as_of,
        "now": now,
        "months": months,
        **docs,
        "overdue_tasks": sorted(overdue, key=lambda row: [v or "" for v in row]),
        "urgings": urgings,
        "processing_time": {
            month: {unit: _percentiles(days) for unit, days in units.items()}
            for month, units in processing.items()
        },
        "processing_all": _processing_all(processing, late),
        "exchange": {
            recipient: {
                **counts,
                "delivery_s": _percentiles(delivery[recipient]) if delivery[recipient] else None,
            }
            for recipient, counts in sorted(exchange.items())
        },
    }


def _processing_all(
    processing: Mapping[str, Mapping[str, list[int]]], late: Mapping[str, int]
) -> dict[str, dict[str, float | int]]:
    """Per unit, over every month: the documents completed, how many late, and the median,
    90th percentile and longest of their processing times (the report of processing times)."""
    by_unit: dict[str, list[int]] = defaultdict(list)
    for units in processing.values():
        for unit, days in units.items():
            by_unit[unit].extend(days)
    return {
        unit: {**_percentiles(days), "late": late.get(unit, 0), "max": max(days)}
        for unit, days in sorted(by_unit.items())
    }


def _add(target: dict[str, int], source: Mapping[str, int]) -> None:
    for key, value in source.items():
        target[key] = target.get(key, 0) + value


def _percentiles(days: list[int]) -> dict[str, float | int]:
    ordered = sorted(days)
    rank = max(0, -(-9 * len(ordered) // 10) - 1)  # nearest rank: ceil(0.9 n) - 1
    return {"completed": len(ordered), "median": median(ordered), "p90": ordered[rank]}
