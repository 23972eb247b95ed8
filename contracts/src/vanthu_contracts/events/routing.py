"""Events owned by routing, the work on a document: tasks and recorded decisions."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from vanthu_contracts.events.base import Event
from vanthu_contracts.events.values import (
    AgencyCode,
    Assignee,
    Assignment,
    DecisionKind,
    Email,
    FileRef,
    FileRole,
    Identifier,
    Instant,
    Opinion,
    OrganName,
    Person,
    PersonName,
    Position,
    TaskRole,
)
from vanthu_contracts.registry import register_event

TASK_ASSIGNED_TOPIC = "task.assigned"
DECISION_RECORDED_TOPIC = "decision.recorded"


@register_event
class TaskAssigned(Event):
    """A unit or a person was given a task on a document (phân công, giao)."""

    event_type: ClassVar[str] = "vanthu.routing.task.assigned.v1"
    topic: ClassVar[str] = TASK_ASSIGNED_TOPIC

    task_id: Identifier
    document_id: Identifier
    case_id: Identifier
    """The handling of one document in one agency, which groups its tasks."""
    agency_code: AgencyCode
    assignee: Assignee
    role: TaskRole
    due_date: date | None = None
    """Hạn xử lý; units that receive the document for information have none."""
    parent_task_id: Identifier | None = None
    """The task this one was delegated from, e.g. a unit head giving it to a specialist."""
    decision_id: Identifier
    """The recorded decision that made this assignment."""
    assigned_by: Person
    assigned_at: Instant
    instructions: Opinion | None = None


@register_event
class TaskProgressReported(Event):
    """Someone reported how far a task has come."""

    event_type: ClassVar[str] = "vanthu.routing.task.progress-reported.v1"
    topic: ClassVar[str] = TASK_ASSIGNED_TOPIC

    task_id: Identifier
    document_id: Identifier
    case_id: Identifier
    agency_code: AgencyCode
    text: Opinion
    percent_complete: int | None = Field(default=None, ge=0, le=100)
    files: tuple[FileRef, ...] = ()
    reported_by: Person
    reported_at: Instant


@register_event
class TaskCompleted(Event):
    """A task was handled to the end (hoàn thành)."""

    event_type: ClassVar[str] = "vanthu.routing.task.completed.v1"
    topic: ClassVar[str] = TASK_ASSIGNED_TOPIC

    task_id: Identifier
    document_id: Identifier
    case_id: Identifier
    agency_code: AgencyCode
    summary: Opinion | None = None
    reply_document_ids: tuple[Identifier, ...] = ()
    """Outgoing documents issued in answer."""
    files: tuple[FileRef, ...] = ()
    decision_id: Identifier | None = None
    completed_by: Person
    completed_at: Instant


@register_event
class TaskReturned(Event):
    """A task was handed back to whoever assigned it (trả lại), with the reason."""

    event_type: ClassVar[str] = "vanthu.routing.task.returned.v1"
    topic: ClassVar[str] = TASK_ASSIGNED_TOPIC

    task_id: Identifier
    document_id: Identifier
    case_id: Identifier
    agency_code: AgencyCode
    reason: Opinion
    decision_id: Identifier | None = None
    returned_by: Person
    returned_at: Instant


class UrgingKind(StrEnum):
    """How hard a task's assignee is pressed (đôn đốc), in rising weight."""

    REMINDER = "reminder"
    """Nhắc nhở."""
    REPRIMAND = "reprimand"
    """Phê bình."""
    DISCIPLINARY_REVIEW = "disciplinary_review"
    """Kiểm điểm."""


@register_event
class TaskUrged(Event):
    """A leader or unit head urged whoever handles a task (đôn đốc); the task is unchanged."""

    event_type: ClassVar[str] = "vanthu.routing.task.urged.v1"
    topic: ClassVar[str] = TASK_ASSIGNED_TOPIC

    urging_id: Identifier
    task_id: Identifier
    document_id: Identifier
    case_id: Identifier
    agency_code: AgencyCode
    assignee: Assignee
    """Who is urged: the person, or the unit whose head receives it."""
    kind: UrgingKind
    sequence: int = Field(ge=1)
    """1 for the task's first urging, 2 for the second..."""
    note: Opinion | None = None
    notify_user_ids: tuple[Identifier, ...] = ()
    """The people told: the assignee, or the heads of the unit for a unit's task."""
    urged_by: Person
    urged_at: Instant


@register_event
class DecisionRecorded(Event):
    """A decision on a document was recorded: a leader's direction, a reassignment, a review...

    When the leader decided on paper and someone else entered it (nhập thay), ``on_behalf`` is
    true, ``recorded_by`` names who typed it, and the scanned slip is kept as ``evidence_file``.
    """

    event_type: ClassVar[str] = "vanthu.routing.decision.recorded.v1"
    topic: ClassVar[str] = DECISION_RECORDED_TOPIC

    decision_id: Identifier
    document_id: Identifier
    case_id: Identifier
    agency_code: AgencyCode
    kind: DecisionKind
    decided_by: Person
    recorded_by: Person
    on_behalf: bool
    """True when recorded_by is not decided_by; shown forever next to the decision."""
    decided_at: Instant
    """When the decision was made; for a paper slip, the date written on it."""
    recorded_at: Instant
    text: Opinion | None = None
    """The opinion (ý kiến chỉ đạo) as written."""
    evidence_file: FileRef | None = None
    """The scanned paper slip or stamp, required when recorded on behalf."""
    assignments: tuple[Assignment, ...] = ()

    @model_validator(mode="after")
    def _on_behalf_matches_people(self) -> Self:
        someone_else = self.recorded_by.user_id != self.decided_by.user_id
        if self.on_behalf != someone_else:
            raise ValueError("on_behalf must be true exactly when recorded_by is not decided_by")
        return self

    @model_validator(mode="after")
    def _proxy_entry_keeps_evidence(self) -> Self:
        if self.on_behalf and self.evidence_file is None:
            raise ValueError(
                "a decision recorded on behalf needs the scanned slip as evidence_file"
            )
        if self.evidence_file is not None and self.evidence_file.role is not FileRole.EVIDENCE:
            raise ValueError("evidence_file must have role 'evidence'")
        return self

    @model_validator(mode="after")
    def _coordination_names_a_lead(self) -> Self:
        # ND 30 Art. 23.2: when several units work on a document, one of them leads.
        roles = {assignment.role for assignment in self.assignments}
        if TaskRole.COORDINATING in roles and TaskRole.LEAD not in roles:
            raise ValueError("coordinating units need a lead unit among the assignments")
        return self


# ---------------------------------------------------------------------------------------------
# Deadlines: reminders before a task is due, escalation once it is overdue (working days).

TASK_DEADLINE_TOPIC = "task.deadline"


class EscalationTarget(StrEnum):
    """Who hears about an overdue task: first the unit's head, later the leader."""

    UNIT_HEAD = "unit_head"
    LEADER = "leader"


@register_event
class TaskReminded(Event):
    """A task is close to its due date, counted in working days (0: due today)."""

    event_type: ClassVar[str] = "vanthu.routing.task.reminded.v1"
    topic: ClassVar[str] = TASK_DEADLINE_TOPIC

    task_id: Identifier
    document_id: Identifier
    case_id: Identifier
    agency_code: AgencyCode
    assignee: Assignee
    due_date: date
    working_days_left: int = Field(ge=0)
    level: int = Field(ge=0)
    """The configured "N working days before" that fired; each level is sent once per task."""
    reminded_at: Instant


@register_event
class TaskEscalated(Event):
    """A task is overdue: level 1 goes to the head of the unit, level 2 to the leader."""

    event_type: ClassVar[str] = "vanthu.routing.task.escalated.v1"
    topic: ClassVar[str] = TASK_DEADLINE_TOPIC

    task_id: Identifier
    document_id: Identifier
    case_id: Identifier
    agency_code: AgencyCode
    assignee: Assignee
    due_date: date
    level: int = Field(ge=1)
    escalate_to: EscalationTarget
    notify_user_id: Identifier | None = None
    """The unit head or leader told, when the directory names one."""
    overdue_working_days: int = Field(ge=1)
    escalated_at: Instant


# ---------------------------------------------------------------------------------------------
# The organisation directory, on a compacted topic keyed by the entry, so every service can
# keep its own copy: the latest record of each unit, user and delegation survives compaction.

DIRECTORY_CHANGED_TOPIC = "directory.changed"


class DirectoryRole(StrEnum):
    """What a user may do in the system."""

    CLERK = "clerk"
    LEADER = "leader"
    SECRETARY = "secretary"
    UNIT_HEAD = "unit_head"
    SPECIALIST = "specialist"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


@register_event
class UnitChanged(Event):
    """A unit (Vụ, phòng, đơn vị) was created or changed; ``active`` false once it is closed."""

    event_type: ClassVar[str] = "vanthu.routing.unit.changed.v1"
    topic: ClassVar[str] = DIRECTORY_CHANGED_TOPIC

    agency_code: AgencyCode
    unit_id: Identifier
    name: OrganName
    parent_unit_id: Identifier | None = None
    active: bool = True
    changed_by: Person
    changed_at: Instant

    def subject(self) -> str:
        return f"unit:{self.agency_code}:{self.unit_id}"


@register_event
class UserChanged(Event):
    """A user was created or changed: unit, position, roles; ``active`` false once removed."""

    event_type: ClassVar[str] = "vanthu.routing.user.changed.v1"
    topic: ClassVar[str] = DIRECTORY_CHANGED_TOPIC

    agency_code: AgencyCode
    user_id: Identifier
    full_name: PersonName
    position: Position | None = None
    unit_id: Identifier | None = None
    email: Email | None = None
    roles: tuple[DirectoryRole, ...] = ()
    active: bool = True
    changed_by: Person
    changed_at: Instant

    def subject(self) -> str:
        return f"user:{self.agency_code}:{self.user_id}"


@register_event
class DelegationChanged(Event):
    """A leader let a secretary record the leader's paper decisions, or took that back."""

    event_type: ClassVar[str] = "vanthu.routing.delegation.changed.v1"
    topic: ClassVar[str] = DIRECTORY_CHANGED_TOPIC

    agency_code: AgencyCode
    delegation_id: Identifier
    leader_user_id: Identifier
    secretary_user_id: Identifier
    valid_from: Instant
    valid_until: Instant | None = None
    revoked_at: Instant | None = None
    changed_by: Person
    changed_at: Instant

    def subject(self) -> str:
        return f"delegation:{self.agency_code}:{self.delegation_id}"


@register_event
class DraftApproved(Event):
    """The leader approved a draft reply (directly or recorded on paper): the clerk may number and
    issue it. ``decision_id`` names the DecisionRecorded of kind draft_approval behind it."""

    event_type: ClassVar[str] = "vanthu.routing.draft.approved.v1"
    topic: ClassVar[str] = DECISION_RECORDED_TOPIC

    draft_id: Identifier
    document_id: Identifier
    """The incoming document the draft answers."""
    case_id: Identifier
    task_id: Identifier
    agency_code: AgencyCode
    file: FileRef
    """The approved draft as uploaded."""
    drafted_by: Person
    approved_by: Person
    decision_id: Identifier
    approved_at: Instant
    attachments: tuple[FileRef, ...] = ()
    """Appendices and attachments in files of their own, approved with the draft: the agency
    signs each when the document is issued (ND 30 Phụ lục I; added for issue 14, optional)."""
