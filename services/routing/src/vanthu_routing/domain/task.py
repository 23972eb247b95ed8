"""Tasks: the work a direction hands to units and people.

A task is assigned → in_progress → completed | returned. A re-direction or the end of the case
withdraws the tasks still open (withdrawn is kept, never deleted, so the history stays whole),
saying why; the assignee keeps seeing the withdrawn task in their list until they acknowledge it.
Units that receive a document for information get a task too, so they see it, but it carries no
work: nothing to report, complete, return or re-assign, and no deadline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from vanthu_routing.domain.errors import InvalidInput, InvalidTransition
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Person

# Task ids are uuid5 of (decision, assignee, role) so a decision applied twice yields the same
# tasks; the namespace pins them to this service.
TASK_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:vanthu:routing:task")


class TaskRole(StrEnum):
    LEAD = "lead"
    COORDINATING = "coordinating"
    INFORMATION = "information"
    SPECIALIST = "specialist"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    TaskRole.LEAD: "lead (chủ trì)",
    TaskRole.COORDINATING: "coordinating (phối hợp)",
    TaskRole.INFORMATION: "for information (để biết)",
    TaskRole.SPECIALIST: "specialist (chuyên viên)",
}


class TaskStatus(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        return self in (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS)


class WithdrawalReason(StrEnum):
    LEAD_COMPLETED = "lead_completed"
    REDIRECTED = "redirected"
    PARENT_CLOSED = "parent_closed"
    DOCUMENT_VOIDED = "document_voided"

    def message(self) -> tuple[str, str]:
        """What the assignee is told, in English and Vietnamese."""
        return _WITHDRAWAL_WORDS[self]


_WITHDRAWAL_WORDS = {
    WithdrawalReason.LEAD_COMPLETED: (
        "Withdrawn: the lead unit completed the handling of the document.",
        "Đã thu hồi: đơn vị chủ trì đã hoàn thành xử lý văn bản.",
    ),
    WithdrawalReason.REDIRECTED: (
        "Withdrawn: the leader re-directed the document.",
        "Đã thu hồi: lãnh đạo đã chỉ đạo lại văn bản.",
    ),
    WithdrawalReason.PARENT_CLOSED: (
        "Withdrawn: the unit's task it belonged to was completed or returned.",
        "Đã thu hồi: nhiệm vụ của đơn vị mà việc này thuộc về đã hoàn thành hoặc bị trả lại.",
    ),
    WithdrawalReason.DOCUMENT_VOIDED: (
        "Withdrawn: the registry voided the document's registration.",
        "Đã thu hồi: văn thư đã hủy đăng ký văn bản.",
    ),
}

_STATUS_WORDS = {
    TaskStatus.COMPLETED: ("already completed", "đã hoàn thành"),
    TaskStatus.RETURNED: ("already returned", "đã bị trả lại"),
    TaskStatus.WITHDRAWN: ("withdrawn by a later decision", "đã bị thu hồi bởi quyết định sau"),
}


@dataclass(frozen=True)
class Assignee:
    """A unit, a person, or a person within a unit (a specialist of that unit)."""

    unit_id: str | None = None
    user_id: str | None = None
    name: str | None = field(default=None, compare=False)
    """How people know the unit or person; shown in messages, not part of the identity."""

    def __post_init__(self) -> None:
        if not (self.unit_id or self.user_id):
            raise InvalidInput(
                "An assignee needs a unit or a person.", "Cần chỉ rõ đơn vị hoặc người nhận."
            )

    @classmethod
    def unit(cls, unit_id: str, name: str | None = None) -> Assignee:
        return cls(unit_id=unit_id, name=name)

    @classmethod
    def person(cls, user_id: str, unit_id: str | None = None, name: str | None = None) -> Assignee:
        return cls(unit_id=unit_id, user_id=user_id, name=name)

    @property
    def is_person(self) -> bool:
        return self.user_id is not None

    @property
    def key(self) -> str:
        return f"unit={self.unit_id or ''};user={self.user_id or ''}"

    def __str__(self) -> str:
        return self.name or self.user_id or self.unit_id or "?"


@dataclass(frozen=True)
class Assignment:
    """One line of a direction or re-assignment: who, in what role, by when."""

    assignee: Assignee
    role: TaskRole
    due_date: date | None = None
    instructions: str | None = None


def task_id_for(decision_id: str, assignee: Assignee, role: TaskRole) -> str:
    return str(uuid.uuid5(TASK_ID_NAMESPACE, f"{decision_id}|{assignee.key}|{role.value}"))


@dataclass(frozen=True)
class Task:
    task_id: str
    case_id: str
    assignee: Assignee
    role: TaskRole
    status: TaskStatus
    decision_id: str
    assigned_by: Person
    assigned_at: datetime
    due_date: date | None = None
    parent_task_id: str | None = None
    instructions: str | None = None
    percent_complete: int | None = None
    progress_note: str | None = None
    result_note: str | None = None
    reply_document_ids: tuple[str, ...] = ()
    files: tuple[FileReference, ...] = ()
    return_reason: str | None = None
    closed_at: datetime | None = None
    withdrawal_reason: WithdrawalReason | None = None
    withdrawal_seen_at: datetime | None = None
    """When the assignee acknowledged the withdrawal; until then it shows in their list."""

    @classmethod
    def assign(
        cls,
        case_id: str,
        assignment: Assignment,
        decision_id: str,
        assigned_by: Person,
        assigned_at: datetime,
        parent_task_id: str | None = None,
    ) -> Task:
        return cls(
            task_id=task_id_for(decision_id, assignment.assignee, assignment.role),
            case_id=case_id,
            assignee=assignment.assignee,
            role=assignment.role,
            status=TaskStatus.ASSIGNED,
            decision_id=decision_id,
            assigned_by=assigned_by,
            assigned_at=assigned_at,
            due_date=assignment.due_date,
            parent_task_id=parent_task_id,
            instructions=assignment.instructions,
        )

    @property
    def carries_work(self) -> bool:
        return self.role is not TaskRole.INFORMATION

    @property
    def is_open_work(self) -> bool:
        return self.carries_work and self.status.is_open

    def describe(self) -> tuple[str, str]:
        """How to name this task to a person, in English and Vietnamese."""
        return (
            f"the {self.role.label} task of {self.assignee}",
            f"nhiệm vụ {self.role.label} của {self.assignee}",
        )

    def report_progress(
        self, note: str | None, percent_complete: int | None, files: tuple[FileReference, ...]
    ) -> Task:
        self._require_open_work("report progress on", "báo cáo tiến độ")
        if percent_complete is not None and not 0 <= percent_complete <= 100:
            raise InvalidInput(
                "Progress is a percentage between 0 and 100.",
                "Tiến độ là tỷ lệ phần trăm từ 0 đến 100.",
            )
        if note is None and percent_complete is None:
            raise InvalidInput(
                "A progress report needs a note or a percentage.",
                "Báo cáo tiến độ cần nội dung hoặc tỷ lệ hoàn thành.",
            )
        return replace(
            self,
            status=TaskStatus.IN_PROGRESS,
            progress_note=note,
            percent_complete=percent_complete,
            files=(*self.files, *files),
        )

    def start(self) -> Task:
        """Mark work begun (by a re-assignment or the first report); open work only."""
        self._require_open_work("start", "bắt đầu xử lý")
        return replace(self, status=TaskStatus.IN_PROGRESS)

    def complete(
        self,
        result_note: str | None,
        reply_document_ids: tuple[str, ...],
        files: tuple[FileReference, ...],
        at: datetime,
    ) -> Task:
        self._require_open_work("complete", "hoàn thành")
        if result_note is None and not reply_document_ids:
            raise InvalidInput(
                "Completing a task needs a result note or a reply document.",
                "Hoàn thành nhiệm vụ cần ghi kết quả xử lý hoặc văn bản trả lời.",
            )
        return replace(
            self,
            status=TaskStatus.COMPLETED,
            result_note=result_note,
            reply_document_ids=reply_document_ids,
            files=(*self.files, *files),
            percent_complete=100,
            closed_at=at,
        )

    def return_to_assigner(self, reason: str | None, at: datetime) -> Task:
        self._require_open_work("return", "trả lại")
        if reason is None:
            raise InvalidInput(
                "Returning a task needs the reason.", "Trả lại nhiệm vụ phải nêu rõ lý do."
            )
        return replace(self, status=TaskStatus.RETURNED, return_reason=reason, closed_at=at)

    @property
    def awaits_acknowledgement(self) -> bool:
        """Withdrawn with a reason its assignee has not seen yet."""
        return (
            self.status is TaskStatus.WITHDRAWN
            and self.withdrawal_reason is not None
            and self.withdrawal_seen_at is None
        )

    def withdraw(self, at: datetime, reason: WithdrawalReason) -> Task:
        if not self.status.is_open:
            return self
        return replace(self, status=TaskStatus.WITHDRAWN, closed_at=at, withdrawal_reason=reason)

    def acknowledge_withdrawal(self, at: datetime) -> Task:
        if self.status is not TaskStatus.WITHDRAWN:
            what_en, what_vi = self.describe()
            raise InvalidTransition(
                f"Cannot acknowledge the withdrawal of {what_en}: it was not withdrawn.",
                f"Không thể xác nhận thu hồi {what_vi}: nhiệm vụ chưa bị thu hồi.",
            )
        if self.withdrawal_seen_at is not None:
            return self
        return replace(self, withdrawal_seen_at=at)

    def _require_open_work(self, verb_en: str, verb_vi: str) -> None:
        what_en, what_vi = self.describe()
        if not self.carries_work:
            raise InvalidTransition(
                f"Cannot {verb_en} {what_en}: a copy for information carries no work.",
                f"Không thể {verb_vi} {what_vi}: văn bản gửi để biết, không có việc phải xử lý.",
            )
        if not self.status.is_open:
            state_en, state_vi = _STATUS_WORDS[self.status]
            raise InvalidTransition(
                f"Cannot {verb_en} {what_en}: it is {state_en}.",
                f"Không thể {verb_vi} {what_vi}: nhiệm vụ {state_vi}.",
            )
