"""Reminders before the due date and escalation after it, each sent exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time

import pytest
from vanthu_routing.domain.calendar import VIETNAM_TIME, WorkingCalendar
from vanthu_routing.domain.case import Case
from vanthu_routing.domain.deadlines import (
    DeadlineNotice,
    DeadlinePolicy,
    EscalationTarget,
    NoticeKey,
    TaskEscalated,
    TaskReminded,
    deadline_notices,
)
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.people import Actor
from vanthu_routing.domain.task import Assignee, Assignment, Task, TaskRole

Entries = Callable[..., Entry]
LAW = WorkingCalendar()


def at(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=VIETNAM_TIME)


def lead_of(case: Case) -> Task:
    return next(t for t in case.tasks if t.role is TaskRole.LEAD)


class Mailroom:
    """Remembers what was sent, as the deadline worker's store would."""

    def __init__(self, tasks: Iterable[Task], policy: DeadlinePolicy) -> None:
        self.tasks = tuple(tasks)
        self.policy = policy
        self.sent: list[DeadlineNotice] = []

    def run(self, day: date) -> list[DeadlineNotice]:
        keys: set[NoticeKey] = {n.key for n in self.sent}
        new = list(deadline_notices(self.tasks, at(day), LAW, self.policy, keys))
        self.sent += new
        return new


def test_one_working_day_before_the_due_date_the_work_tasks_get_a_reminder(
    directed: Case,
) -> None:
    # Due Friday 14 March 2025.
    room = Mailroom(directed.tasks, DeadlinePolicy(remind_working_days_before=(1,)))
    assert room.run(date(2025, 3, 12)) == []
    reminders = room.run(date(2025, 3, 13))
    assert {(n.task_id, n.working_days_left) for n in reminders if isinstance(n, TaskReminded)} == {
        (t.task_id, 1) for t in directed.tasks if t.role is not TaskRole.INFORMATION
    }
    assert room.run(date(2025, 3, 13)) == []


def test_several_reminders_fire_once_each_as_the_due_date_approaches(
    directed: Case, due: date
) -> None:
    lead = lead_of(directed)
    room = Mailroom([lead], DeadlinePolicy(remind_working_days_before=(3, 1)))
    assert room.run(date(2025, 3, 11)) == [TaskReminded(lead.task_id, lead.case_id, due, 3, 3)]
    assert room.run(date(2025, 3, 12)) == []
    assert room.run(date(2025, 3, 13)) == [TaskReminded(lead.task_id, lead.case_id, due, 1, 1)]
    assert room.run(date(2025, 3, 14)) == []


def test_a_task_first_seen_close_to_its_due_date_gets_only_the_most_urgent_reminder(
    directed: Case,
) -> None:
    room = Mailroom([lead_of(directed)], DeadlinePolicy(remind_working_days_before=(3, 1)))
    assert [n.level for n in room.run(date(2025, 3, 13))] == [1]
    assert room.run(date(2025, 3, 14)) == []


def test_reminders_count_working_days_and_are_not_sent_at_weekends(
    presented: Case, director: Actor, entry: Entries
) -> None:
    monday = date(2025, 3, 17)
    case = presented.direct(
        entry(director), [Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD, monday)]
    ).case
    room = Mailroom(case.tasks, DeadlinePolicy(remind_working_days_before=(1,)))
    assert room.run(date(2025, 3, 13)) == []  # Thursday: two working days left
    assert room.run(date(2025, 3, 15)) == []  # Saturday
    [reminder] = room.run(date(2025, 3, 14))  # Friday: one working day left
    assert isinstance(reminder, TaskReminded)
    assert reminder.working_days_left == 1


def test_an_overdue_task_is_escalated_to_the_unit_head_then_k_working_days_later_to_the_leader(
    directed: Case,
) -> None:
    room = Mailroom([lead_of(directed)], DeadlinePolicy(leader_escalation_after_working_days=2))
    assert room.run(date(2025, 3, 15)) == []  # Saturday after the Friday due date
    assert room.run(date(2025, 3, 16)) == []
    [first] = room.run(date(2025, 3, 17))
    assert isinstance(first, TaskEscalated)
    assert (first.level, first.escalate_to) == (1, EscalationTarget.UNIT_HEAD)
    assert room.run(date(2025, 3, 18)) == []
    [second] = room.run(date(2025, 3, 19))
    assert isinstance(second, TaskEscalated)
    assert (second.level, second.escalate_to, second.overdue_working_days) == (
        2,
        EscalationTarget.LEADER,
        3,
    )
    assert room.run(date(2025, 3, 20)) == []


def test_after_an_outage_the_unit_head_is_told_before_the_leader(directed: Case) -> None:
    room = Mailroom([lead_of(directed)], DeadlinePolicy(leader_escalation_after_working_days=2))
    notices = room.run(date(2025, 3, 24))
    assert [(n.level, n.escalate_to) for n in notices if isinstance(n, TaskEscalated)] == [
        (1, EscalationTarget.UNIT_HEAD),
        (2, EscalationTarget.LEADER),
    ]


def test_public_holidays_do_not_count_as_overdue_days(
    presented: Case, director: Actor, entry: Entries
) -> None:
    # Due Tuesday 29 April 2025; 30 April and 1 May are holidays, so Friday 2 May is the
    # first working day past the deadline.
    case = presented.direct(
        entry(director, at=at(date(2025, 4, 21))),
        [Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD, date(2025, 4, 29))],
    ).case
    room = Mailroom(case.tasks, DeadlinePolicy())
    assert room.run(date(2025, 4, 30)) == []
    assert room.run(date(2025, 5, 1)) == []
    assert [n.level for n in room.run(date(2025, 5, 2))] == [1]


def test_finished_tasks_and_copies_for_information_are_never_chased(
    directed: Case, planning_head: Actor, entry: Entries
) -> None:
    lead = lead_of(directed)
    done = directed.complete_task(entry(planning_head, "Đã xong"), lead.task_id).case
    assert deadline_notices(done.tasks, at(date(2025, 4, 30)), LAW, DeadlinePolicy()) == ()


def test_a_policy_that_would_tell_the_leader_first_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one working day after"):
        DeadlinePolicy(leader_escalation_after_working_days=0)
    with pytest.raises(InvalidInput, match="0 or more"):
        DeadlinePolicy(remind_working_days_before=(-1,))
