"""A document's state as of a moment, folded from the archived records alone (the auditor's
"what was known then"): its registration, status, decisions and tasks as the events up to that
moment told them, and the chain position of each record the fold used, so the answer can be
checked against the hash chains (and a signed checkpoint) by whoever doubts it.

"Known then" is by the archive's clock for the record: its Kafka timestamp, the time the
record entered the log the archive keeps (the same bound as `vanthu audit replay --as-of`). An
event that says it happened earlier but was recorded later was not known then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from vanthu_archive.domain.document_history import (
    Descriptive,
    DocumentStatus,
    TimelineEntry,
    Voiding,
    history_of,
)
from vanthu_contracts import (
    DecisionRecorded,
    Envelope,
    Event,
    TaskAssigned,
    TaskCompleted,
    TaskReturned,
)


@dataclass(frozen=True, slots=True)
class ChainPosition:
    """Where a record sits in the hash chains: its partition, offset and hash."""

    topic: str
    partition: int
    offset: int
    hash: str
    """hex SHA-256 of the record's chain link"""
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class FoldedRecord:
    """One archived record about the document, decoded, with its chain position."""

    position: ChainPosition
    envelope: Envelope
    event: Event


@dataclass(frozen=True, slots=True)
class DecisionThen:
    decision_id: str
    kind: str
    decided_by: str
    decided_by_name: str
    recorded_by: str
    recorded_by_name: str
    on_behalf: bool
    decided_at: datetime
    text: str | None


@dataclass(frozen=True, slots=True)
class TaskThen:
    task_id: str
    role: str
    unit_id: str | None
    user_id: str | None
    assigned_by: str
    assigned_at: datetime
    due_date: date | None
    state: str = "assigned"
    """assigned, completed or returned, as known then"""
    closed_at: datetime | None = None


@dataclass
class DocumentAsOf:
    document_id: str
    as_of: datetime
    descriptive: Descriptive | None = None
    status: str | None = None
    status_at: datetime | None = None
    voided: Voiding | None = None
    decisions: list[DecisionThen] = field(default_factory=list)
    tasks: list[TaskThen] = field(default_factory=list)
    entries: list[TimelineEntry] = field(default_factory=list)
    records_folded: int = 0
    heads: dict[tuple[str, int], ChainPosition] = field(default_factory=dict)
    """the newest folded record of each partition"""
    last_record: ChainPosition | None = None
    """the folded record recorded last: the state is that of the chain up to it"""

    @property
    def known(self) -> bool:
        """Whether the archive knew the document's registration (or issue) by then."""
        return self.descriptive is not None


def state_as_of(document_id: str, as_of: datetime, records: Iterable[FoldedRecord]) -> DocumentAsOf:
    """Fold the records recorded at or before ``as_of`` (any order) into the document's state."""
    taken = sorted(
        (r for r in records if r.position.recorded_at <= as_of),
        key=lambda r: (r.position.recorded_at, r.position.topic, r.position.partition,
                       r.position.offset),
    )  # fmt: skip
    state = DocumentAsOf(document_id, as_of)
    status_times: dict[str, datetime] = {}
    tasks: dict[str, TaskThen] = {}
    for record in taken:
        state.records_folded += 1
        position = record.position
        state.heads[(position.topic, position.partition)] = position
        state.last_record = position
        item = history_of(record.envelope, record.event)
        if item is None:
            continue
        state.entries.append(item.entry)
        facts = item.facts
        if facts.document_id != document_id:
            # A related subject's records are history the document shows, not its own state: a
            # copy's source is worked on and voided on its own (ADR 0055 addendum).
            continue
        if facts.descriptive is not None:
            state.descriptive = facts.descriptive
        if facts.status is not None and facts.status_at is not None:
            status_times[facts.status] = max(
                status_times.get(facts.status, facts.status_at), facts.status_at
            )
        if facts.voided is not None:
            state.voided = facts.voided
        _fold_work(record.event, state, tasks)
    state.tasks = sorted(tasks.values(), key=lambda t: (t.assigned_at, t.task_id))
    state.decisions.sort(key=lambda d: (d.decided_at, d.decision_id))
    state.entries.sort(key=lambda e: (e.occurred_at, e.event_id))
    if status_times:
        # As the record shows it (ADR 0042, 0047): the newest status by its own time; a voided
        # registration stays voided whatever came after.
        status, at = max(status_times.items(), key=lambda pair: (pair[1], pair[0]))
        if DocumentStatus.VOIDED in status_times:
            status, at = DocumentStatus.VOIDED, status_times[DocumentStatus.VOIDED]
        state.status, state.status_at = status, at
    return state


def _fold_work(event: Event, state: DocumentAsOf, tasks: dict[str, TaskThen]) -> None:
    if isinstance(event, DecisionRecorded):
        if any(d.decision_id == event.decision_id for d in state.decisions):
            return  # the same decision published twice
        state.decisions.append(
            DecisionThen(
                decision_id=event.decision_id,
                kind=event.kind.value,
                decided_by=event.decided_by.user_id,
                decided_by_name=event.decided_by.full_name,
                recorded_by=event.recorded_by.user_id,
                recorded_by_name=event.recorded_by.full_name,
                on_behalf=event.on_behalf,
                decided_at=event.decided_at,
                text=event.text,
            )
        )
    elif isinstance(event, TaskAssigned):
        tasks.setdefault(
            event.task_id,
            TaskThen(
                task_id=event.task_id,
                role=event.role.value,
                unit_id=event.assignee.unit_id,
                user_id=event.assignee.user_id,
                assigned_by=event.assigned_by.user_id,
                assigned_at=event.assigned_at,
                due_date=event.due_date,
            ),
        )
    elif isinstance(event, TaskCompleted | TaskReturned):
        task = tasks.get(event.task_id)
        if task is not None:
            if isinstance(event, TaskCompleted):
                tasks[event.task_id] = replace(
                    task, state="completed", closed_at=event.completed_at
                )
            else:
                tasks[event.task_id] = replace(task, state="returned", closed_at=event.returned_at)
