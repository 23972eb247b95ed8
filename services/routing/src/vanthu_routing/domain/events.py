"""What happened in routing: frozen past-tense facts the handlers map to contract events.

The domain returns them with the new state; a handler stores both in one write (the outbox)
and a relay publishes them, so the names mirror the contracts where one exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from vanthu_routing.domain.decision import Decision
from vanthu_routing.domain.draft import Draft
from vanthu_routing.domain.people import Person
from vanthu_routing.domain.task import Task
from vanthu_routing.domain.urging import Urging

if TYPE_CHECKING:
    from vanthu_routing.domain.case import CaseStatus


@dataclass(frozen=True)
class CaseOpened:
    case_id: str
    document_id: str
    agency_code: str
    leader: Person | None
    """None for a document waiting for its agency's routing rules."""
    opened_at: datetime


@dataclass(frozen=True)
class CasePresented:
    """The document was put before another leader while it awaited direction."""

    case_id: str
    leader: Person
    presented_at: datetime


@dataclass(frozen=True)
class CaseStatusChanged:
    """Handlers turn this into the processing status the sending agency is told (04, 05, 06)."""

    case_id: str
    previous: CaseStatus
    current: CaseStatus
    changed_at: datetime


@dataclass(frozen=True)
class DecisionRecorded:
    case_id: str
    decision: Decision


@dataclass(frozen=True)
class TaskAssigned:
    task: Task


@dataclass(frozen=True)
class TaskProgressReported:
    task: Task
    decision_id: str
    reported_by: Person
    reported_at: datetime


@dataclass(frozen=True)
class TaskCompleted:
    task: Task
    decision_id: str
    completed_by: Person
    completed_at: datetime


@dataclass(frozen=True)
class TaskReturned:
    task: Task
    decision_id: str
    returned_by: Person
    returned_at: datetime


@dataclass(frozen=True)
class TaskWithdrawn:
    """An open task closed by a re-direction or because the case ended."""

    task: Task
    decision_id: str
    withdrawn_at: datetime


@dataclass(frozen=True)
class TaskWithdrawalSeen:
    """The assignee acknowledged that their task was withdrawn; it leaves their list."""

    task: Task
    seen_at: datetime


@dataclass(frozen=True)
class TaskUrged:
    """A leader or unit head urged the task's assignee (đôn đốc)."""

    case_id: str
    task: Task
    urging: Urging
    notify_user_ids: tuple[str, ...] = ()
    """Who is told: the person holding the task, or the heads of the unit holding it."""


@dataclass(frozen=True)
class DraftUploaded:
    case_id: str
    draft: Draft


@dataclass(frozen=True)
class DraftReviewed:
    case_id: str
    draft: Draft
    decision_id: str


@dataclass(frozen=True)
class DraftReturned:
    case_id: str
    draft: Draft
    decision_id: str


@dataclass(frozen=True)
class DraftApproved:
    """The clerk may now number and issue the reply (intake registers it as outgoing)."""

    case_id: str
    draft: Draft
    decision_id: str


RoutingEvent = (
    CaseOpened
    | CasePresented
    | CaseStatusChanged
    | DecisionRecorded
    | TaskAssigned
    | TaskProgressReported
    | TaskCompleted
    | TaskReturned
    | TaskWithdrawn
    | TaskWithdrawalSeen
    | TaskUrged
    | DraftUploaded
    | DraftReviewed
    | DraftReturned
    | DraftApproved
)
