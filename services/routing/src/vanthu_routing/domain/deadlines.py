"""Reminders before a task is due and escalation once it is overdue, counted in working days.

Before the due date, a reminder goes out when the task is within N working days of it, for each
configured N (only the tightest one that applies, so a task assigned late does not get three
reminders at once); reminders are produced on working days only, when people can act on them.
After the due date, escalation level 1 (to the unit head) comes on the first working day past
it, level 2 (to the leader) K working days later. Each (task, kind, level) is emitted exactly
once: the caller passes what was already sent and gets only what is new, in the order it must
go out (the unit head always hears before the leader).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from vanthu_routing.domain.calendar import WorkingCalendar, local_date
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.task import Task


class NoticeKind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"


class EscalationTarget(StrEnum):
    UNIT_HEAD = "unit_head"
    LEADER = "leader"


@dataclass(frozen=True, order=True)
class NoticeKey:
    """What makes a deadline notice unique: it is sent once per task, kind and level."""

    task_id: str
    kind: NoticeKind
    level: int


@dataclass(frozen=True)
class TaskReminded:
    """The task is due in ``working_days_left`` working days (0: due today)."""

    task_id: str
    case_id: str
    due_date: date
    working_days_left: int
    level: int
    """The configured "N working days before" that fired."""

    @property
    def key(self) -> NoticeKey:
        return NoticeKey(self.task_id, NoticeKind.REMINDER, self.level)


@dataclass(frozen=True)
class TaskEscalated:
    """The task is overdue; level 1 goes to the unit head, level 2 to the leader."""

    task_id: str
    case_id: str
    due_date: date
    level: int
    escalate_to: EscalationTarget
    overdue_working_days: int

    @property
    def key(self) -> NoticeKey:
        return NoticeKey(self.task_id, NoticeKind.ESCALATION, self.level)


DeadlineNotice = TaskReminded | TaskEscalated


@dataclass(frozen=True)
class DeadlinePolicy:
    remind_working_days_before: tuple[int, ...] = (1,)
    """Remind when the task is within N working days of its due date, for each N."""
    leader_escalation_after_working_days: int = 2
    """K: working days between the unit head's escalation and the leader's."""

    def __post_init__(self) -> None:
        if any(n < 0 for n in self.remind_working_days_before):
            raise InvalidInput(
                "Reminder offsets are working days before the due date, so 0 or more.",
                "Số ngày nhắc trước hạn phải từ 0 trở lên.",
            )
        if self.leader_escalation_after_working_days < 1:
            raise InvalidInput(
                "The leader is told at least one working day after the unit head.",
                "Báo lãnh đạo phải sau báo lãnh đạo đơn vị ít nhất một ngày làm việc.",
            )


def deadline_notices(
    tasks: Iterable[Task],
    now: datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    already_sent: Collection[NoticeKey] = (),
) -> tuple[DeadlineNotice, ...]:
    """The reminders and escalations due at ``now`` that have not been sent yet."""
    today = local_date(now)
    sent = frozenset(already_sent)
    notices: list[DeadlineNotice] = []
    for task in tasks:
        if not task.is_open_work or task.due_date is None:
            continue
        candidates = _notices_for(task, task.due_date, today, calendar, policy)
        notices.extend(n for n in candidates if n.key not in sent)
    return tuple(notices)


def _notices_for(
    task: Task, due: date, today: date, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> list[DeadlineNotice]:
    if today <= due:
        reminder = _reminder(task, due, today, calendar, policy)
        return [reminder] if reminder else []
    return list(_escalations(task, due, today, calendar, policy))


def _reminder(
    task: Task, due: date, today: date, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> TaskReminded | None:
    if not calendar.is_working_day(today):
        return None
    left = calendar.working_days_between(today, due)
    applicable = [n for n in policy.remind_working_days_before if left <= n]
    if not applicable:
        return None
    return TaskReminded(task.task_id, task.case_id, due, left, min(applicable))


def _escalations(
    task: Task, due: date, today: date, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> Iterable[TaskEscalated]:
    overdue = calendar.working_days_between(due, today)
    if overdue >= 1:
        yield TaskEscalated(task.task_id, task.case_id, due, 1, EscalationTarget.UNIT_HEAD, overdue)
    if overdue >= 1 + policy.leader_escalation_after_working_days:
        yield TaskEscalated(task.task_id, task.case_id, due, 2, EscalationTarget.LEADER, overdue)
