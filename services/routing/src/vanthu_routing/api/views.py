"""How cases and tasks are shown: the record as kept, with the proxy entry spelled out.

Every answer is a model here, so routing's OpenAPI document describes each body (the web app's
types are generated from it). The models are filled from the record as the store keeps it
(`to_document`), and refuse a field they do not name: a field added to the domain is not sent
until a model says it, and a test that reads it fails instead of the field leaving unseen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from vanthu_routing.adapters.mongo_case_codec import to_document
from vanthu_routing.domain.case import CaseStatus, Voiding
from vanthu_routing.domain.decision import Decision, DecisionKind
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.draft import DraftStatus
from vanthu_routing.domain.task import Task, TaskRole, TaskStatus, WithdrawalReason
from vanthu_routing.domain.urging import Urging, UrgingKind
from vanthu_routing.ports import StoredCase


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonOut(Out):
    """A person as the record names them, with the name and position of that day."""

    user_id: str
    full_name: str
    position: str | None = None


class FileOut(Out):
    """A file the record points at (a scanned slip, a draft, a result), by its content."""

    file_id: str
    name: str
    media_type: str
    size: int
    sha256: str
    object_key: str


class AssigneeOut(Out):
    """A unit, a person, or a person within a unit; `name` as shown when it was assigned."""

    unit_id: str | None
    user_id: str | None
    name: str | None


class AssignmentOut(Out):
    assignee: AssigneeOut
    role: TaskRole
    due_date: date | None
    instructions: str | None


class DecisionOut(Out):
    """A recorded decision; `on_behalf` when a secretary recorded it for the leader."""

    decision_id: str
    kind: DecisionKind
    decided_by: PersonOut
    recorded_by: PersonOut
    decided_at: AwareDatetime
    recorded_at: AwareDatetime
    text: str | None
    evidence_file: FileOut | None
    """The scanned paper slip of a proxy entry."""
    delegation_id: str | None
    assignments: list[AssignmentOut]
    task_id: str | None
    draft_id: str | None
    on_behalf: bool


class AuthorshipOut(Out):
    """Who decided and who typed it in: what a task list or a report row shows of a decision."""

    decision_id: str
    kind: DecisionKind
    decided_by: PersonOut
    recorded_by: PersonOut
    decided_at: AwareDatetime
    on_behalf: bool
    delegation_id: str | None
    evidence_file: FileOut | None


class TaskOut(Out):
    """A task of the case: assigned → in_progress → completed | returned, or withdrawn."""

    task_id: str
    case_id: str
    assignee: AssigneeOut
    role: TaskRole
    status: TaskStatus
    decision_id: str
    assigned_by: PersonOut
    assigned_at: AwareDatetime
    due_date: date | None
    parent_task_id: str | None
    instructions: str | None
    percent_complete: int | None
    progress_note: str | None
    result_note: str | None
    reply_document_ids: list[str]
    files: list[FileOut]
    return_reason: str | None
    closed_at: AwareDatetime | None
    withdrawal_reason: WithdrawalReason | None
    withdrawal_seen_at: AwareDatetime | None


class DraftOut(Out):
    """A draft reply: uploaded → reviewed | returned → approved."""

    draft_id: str
    task_id: str
    file: FileOut
    uploaded_by: PersonOut
    uploaded_at: AwareDatetime
    status: DraftStatus
    supersedes: str | None
    review_note: str | None
    reviewed_by: PersonOut | None
    approved_by: PersonOut | None
    returned_by: PersonOut | None
    attachments: list[FileOut]
    """The draft's appendices (PDFs), in their order; opened through the case's file links."""


class VoidingOut(Out):
    """Why and by whom the registry voided the document."""

    reason: str
    voided_by: PersonOut
    voided_at: AwareDatetime


class UrgingOut(Out):
    """One urging of a task, as its history shows it."""

    urging_id: str
    task_id: str
    kind: UrgingKind
    sequence: int
    """1 for the task's first urging, 2 for the second..."""
    urged_by: PersonOut
    urged_at: AwareDatetime
    note: str | None
    kind_label: str
    """Nhắc nhở, Phê bình or Kiểm điểm."""


class CaseDocumentOut(Out):
    """What routing keeps of the registered document."""

    subject: str
    urgency: str
    confidentiality: str
    received_at: AwareDatetime
    arrival_number: int
    document_type_code: str | None
    issuer_name: str | None
    issuer_agency_code: str | None
    due_date: date | None
    sender_agency_code: str | None
    sender_document_code: str | None
    readers: list[str]
    """The people named to read a confidential document."""
    registered_by: str | None


class CaseOut(Out):
    """A document's case: who it is presented to, its tasks, decisions, drafts and urgings."""

    case_id: str
    document_id: str
    agency_code: str
    leader: PersonOut | None
    """The leader the document is presented to; none while it awaits rules."""
    status: CaseStatus
    opened_at: AwareDatetime
    tasks: list[TaskOut]
    decisions: list[DecisionOut]
    drafts: list[DraftOut]
    voiding: VoidingOut | None
    urgings: list[UrgingOut]
    version: int
    document: CaseDocumentOut
    has_entries_on_behalf: bool


class WithdrawalOut(Out):
    """Why a task was withdrawn, told to its assignee until acknowledged."""

    reason: WithdrawalReason
    message: str
    message_vi: str
    withdrawn_at: AwareDatetime | None
    acknowledged_at: AwareDatetime | None


class TaskLineOut(TaskOut):
    """One line of a task list: the task with its document and who assigned it."""

    withdrawal: WithdrawalOut | None
    document_id: str
    subject: str
    urgency: str
    case_status: CaseStatus
    assigned_by_decision: AuthorshipOut | None
    urgings: list[UrgingOut]


class DelegationOut(Out):
    """A leader's delegation to a secretary to record the leader's paper decisions."""

    delegation_id: str
    leader_user_id: str
    secretary_user_id: str
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None
    revoked_at: AwareDatetime | None

    @classmethod
    def of(cls, delegation: Delegation) -> DelegationOut:
        return cls.model_validate(to_document(delegation))


def decision_view(decision: Decision) -> DecisionOut:
    return DecisionOut.model_validate({**to_document(decision), "on_behalf": decision.on_behalf})


def authorship_view(decision: Decision | None) -> AuthorshipOut | None:
    """Who decided and who typed it in: what a task list or a report row shows of a decision."""
    if decision is None:
        return None
    body = to_document(decision)
    return AuthorshipOut(
        decision_id=decision.decision_id,
        kind=decision.kind,
        decided_by=body["decided_by"],
        recorded_by=body["recorded_by"],
        decided_at=decision.decided_at,
        on_behalf=decision.on_behalf,
        delegation_id=decision.delegation_id,
        evidence_file=body.get("evidence_file"),
    )


def case_view(stored: StoredCase) -> CaseOut:
    case = stored.case
    body: dict[str, Any] = to_document(case)
    body["decisions"] = [decision_view(d) for d in case.decisions]
    body["document"] = to_document(stored.document)
    body["has_entries_on_behalf"] = any(d.on_behalf for d in case.decisions)
    body["urgings"] = [urging_view(u) for u in case.urgings]
    return CaseOut.model_validate(body)


def withdrawal_view(task: Task, voiding: Voiding | None = None) -> WithdrawalOut | None:
    if task.withdrawal_reason is None:
        return None
    message, message_vi = task.withdrawal_reason.message()
    if task.withdrawal_reason is WithdrawalReason.DOCUMENT_VOIDED and voiding is not None:
        message = f"{message} Reason: {voiding.reason}"
        message_vi = f"{message_vi} Lý do: {voiding.reason}"
    return WithdrawalOut(
        reason=task.withdrawal_reason,
        message=message,
        message_vi=message_vi,
        withdrawn_at=task.closed_at,
        acknowledged_at=task.withdrawal_seen_at,
    )


def task_view(stored: StoredCase, task: Task) -> TaskLineOut:
    return TaskLineOut.model_validate(
        {
            **to_document(task),
            "withdrawal": withdrawal_view(task, stored.case.voiding),
            "document_id": stored.case.document_id,
            "subject": stored.document.subject,
            "urgency": stored.document.urgency,
            "case_status": stored.case.status,
            "assigned_by_decision": authorship_view(stored.case.decision(task.decision_id)),
            "urgings": [urging_view(u) for u in stored.case.urgings_of(task.task_id)],
        }
    )


def urging_view(urging: Urging) -> UrgingOut:
    """An urging as the task's history shows it, with the agency's name of its kind."""
    return UrgingOut.model_validate({**to_document(urging), "kind_label": urging.kind.label})
