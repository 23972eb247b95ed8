"""Unit heads re-assign to specialists; assignees report, complete or return their tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from vanthu_routing.domain.case import Case, CaseStatus
from vanthu_routing.domain.decision import DecisionKind, Entry
from vanthu_routing.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    UnknownItem,
)
from vanthu_routing.domain.events import (
    CaseStatusChanged,
    TaskAssigned,
    TaskCompleted,
    TaskReturned,
    TaskWithdrawn,
)
from vanthu_routing.domain.people import Actor
from vanthu_routing.domain.task import (
    Assignee,
    Assignment,
    Task,
    TaskRole,
    TaskStatus,
    WithdrawalReason,
)

Entries = Callable[..., Entry]


def task_of(case: Case, role: TaskRole) -> Task:
    return next(t for t in case.tasks if t.role is role and t.status.is_open)


def to_specialist(person: Actor, due: date) -> Assignment:
    return Assignment(
        Assignee.person(person.user_id, name=person.person.full_name),
        TaskRole.SPECIALIST,
        due,
        "Dự thảo báo cáo",
    )


@pytest.fixture
def reassigned(
    directed: Case, planning_head: Actor, specialist: Actor, entry: Entries, due: date
) -> Case:
    lead = task_of(directed, TaskRole.LEAD)
    return directed.reassign(
        entry(planning_head, "Giao đ/c Em"), lead.task_id, [to_specialist(specialist, due)]
    ).case


def test_the_unit_head_gives_the_units_task_to_a_specialist_as_a_linked_child_task(
    directed: Case,
    planning_head: Actor,
    specialist: Actor,
    entry: Entries,
    due: date,
) -> None:
    lead = task_of(directed, TaskRole.LEAD)
    case, events = directed.reassign(
        entry(planning_head), lead.task_id, [to_specialist(specialist, due - timedelta(days=2))]
    )

    [child] = case.children_of(lead.task_id)
    assert child.assignee.user_id == specialist.user_id
    assert child.assignee.unit_id == "unit-planning"
    assert child.role is TaskRole.SPECIALIST
    assert child.due_date == due - timedelta(days=2)
    assert case.task(lead.task_id).status is TaskStatus.IN_PROGRESS
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.decisions[-1].kind is DecisionKind.REASSIGNMENT
    assert [e.task for e in events if isinstance(e, TaskAssigned)] == [child]


def test_only_the_head_of_the_assigned_unit_may_re_assign(
    directed: Case,
    finance_head: Actor,
    specialist: Actor,
    entry: Entries,
    due: date,
) -> None:
    lead = task_of(directed, TaskRole.LEAD)
    with pytest.raises(NotPermitted, match="Only the head of Phòng Kế hoạch"):
        directed.reassign(entry(finance_head), lead.task_id, [to_specialist(specialist, due)])
    with pytest.raises(NotPermitted):
        directed.reassign(entry(specialist), lead.task_id, [to_specialist(specialist, due)])


def test_a_copy_for_information_cannot_be_re_assigned_or_worked_on(
    directed: Case, specialist: Actor, entry: Entries, due: date
) -> None:
    legal_head = Actor(specialist.person, frozenset({"unit-legal"}))
    copy = task_of(directed, TaskRole.INFORMATION)
    with pytest.raises(InvalidTransition, match="carries no work"):
        directed.reassign(entry(legal_head), copy.task_id, [to_specialist(specialist, due)])
    with pytest.raises(InvalidTransition, match="carries no work"):
        directed.complete_task(entry(legal_head, "Đã đọc"), copy.task_id)


def test_a_specialists_deadline_cannot_be_later_than_the_units(
    directed: Case, planning_head: Actor, specialist: Actor, entry: Entries, due: date
) -> None:
    lead = task_of(directed, TaskRole.LEAD)
    with pytest.raises(InvalidInput, match="later than the unit's deadline"):
        directed.reassign(
            entry(planning_head), lead.task_id, [to_specialist(specialist, due + timedelta(days=1))]
        )


def test_re_assigning_to_someone_already_on_the_task_is_refused(
    reassigned: Case, planning_head: Actor, specialist: Actor, entry: Entries, due: date
) -> None:
    lead = task_of(reassigned, TaskRole.LEAD)
    with pytest.raises(InvalidInput, match="already handling"):
        reassigned.reassign(entry(planning_head), lead.task_id, [to_specialist(specialist, due)])


def test_the_same_re_assignment_applied_twice_adds_no_second_child(
    directed: Case, planning_head: Actor, specialist: Actor, entry: Entries, due: date
) -> None:
    lead = task_of(directed, TaskRole.LEAD)
    decision = entry(planning_head)
    once = directed.reassign(decision, lead.task_id, [to_specialist(specialist, due)]).case
    twice, events = once.reassign(decision, lead.task_id, [to_specialist(specialist, due)])
    assert len(twice.children_of(lead.task_id)) == 1
    assert events == ()


def test_the_specialist_reports_progress_and_the_task_is_in_progress(
    reassigned: Case, specialist: Actor, entry: Entries
) -> None:
    mine = task_of(reassigned, TaskRole.SPECIALIST)
    case, _ = reassigned.report_progress(
        entry(specialist, "Đã có số liệu quý I"), mine.task_id, percent_complete=40
    )
    updated = case.task(mine.task_id)
    assert (updated.status, updated.percent_complete, updated.progress_note) == (
        TaskStatus.IN_PROGRESS,
        40,
        "Đã có số liệu quý I",
    )


def test_only_the_assignee_may_report_complete_or_return(
    reassigned: Case, planning_head: Actor, outsider: Actor, entry: Entries
) -> None:
    mine = task_of(reassigned, TaskRole.SPECIALIST)
    with pytest.raises(NotPermitted, match="Only Hoàng Văn Em"):
        reassigned.report_progress(entry(planning_head, "Thay"), mine.task_id, percent_complete=50)
    with pytest.raises(NotPermitted):
        reassigned.complete_task(entry(outsider, "Xong"), mine.task_id)
    with pytest.raises(NotPermitted):
        reassigned.return_task(entry(outsider, "Không đúng"), mine.task_id)


def test_completion_needs_a_result_note_or_a_reply_document(
    reassigned: Case, specialist: Actor, entry: Entries
) -> None:
    mine = task_of(reassigned, TaskRole.SPECIALIST)
    with pytest.raises(InvalidInput, match="result note or a reply document"):
        reassigned.complete_task(entry(specialist, "   "), mine.task_id)
    case = reassigned.complete_task(
        entry(specialist), mine.task_id, reply_document_ids=["out-2025-0042"]
    ).case
    assert case.task(mine.task_id).reply_document_ids == ("out-2025-0042",)


def test_a_completed_task_cannot_be_completed_again_or_returned(
    reassigned: Case, specialist: Actor, entry: Entries
) -> None:
    mine = task_of(reassigned, TaskRole.SPECIALIST)
    done = reassigned.complete_task(entry(specialist, "Đã dự thảo"), mine.task_id).case
    with pytest.raises(InvalidTransition, match="it is already completed") as refused:
        done.complete_task(entry(specialist, "Lần nữa"), mine.task_id)
    assert "đã hoàn thành" in refused.value.message_vi
    with pytest.raises(InvalidTransition, match="already completed"):
        done.return_task(entry(specialist, "Trả"), mine.task_id)


def test_returning_a_task_needs_a_reason_and_closes_it(
    reassigned: Case, specialist: Actor, entry: Entries
) -> None:
    mine = task_of(reassigned, TaskRole.SPECIALIST)
    with pytest.raises(InvalidInput, match="needs the reason"):
        reassigned.return_task(entry(specialist), mine.task_id)
    case, events = reassigned.return_task(
        entry(specialist, "Không thuộc lĩnh vực được giao"), mine.task_id
    )
    assert case.task(mine.task_id).return_reason == "Không thuộc lĩnh vực được giao"
    assert any(isinstance(e, TaskReturned) for e in events)
    with pytest.raises(InvalidTransition, match="already returned"):
        case.report_progress(entry(specialist, "Tiếp tục"), mine.task_id)
    # The unit's own task goes on; the head can give it to someone else.
    assert case.task(mine.parent_task_id or "").status is TaskStatus.IN_PROGRESS


def test_the_lead_units_completion_completes_the_case_and_withdraws_open_work(
    reassigned: Case, planning_head: Actor, entry: Entries
) -> None:
    lead = task_of(reassigned, TaskRole.LEAD)
    coordinating = task_of(reassigned, TaskRole.COORDINATING)
    child = task_of(reassigned, TaskRole.SPECIALIST)
    case, events = reassigned.complete_task(
        entry(planning_head, "Đã trả lời UBND tỉnh"), lead.task_id, reply_document_ids=["out-7"]
    )

    assert case.status is CaseStatus.COMPLETED
    assert case.task(coordinating.task_id).status is TaskStatus.WITHDRAWN
    assert case.task(child.task_id).status is TaskStatus.WITHDRAWN
    assert case.task(task_of(reassigned, TaskRole.INFORMATION).task_id).status is (
        TaskStatus.ASSIGNED
    )
    assert {e.task.task_id for e in events if isinstance(e, TaskWithdrawn)} == {
        coordinating.task_id,
        child.task_id,
    }
    assert isinstance(events[-1], CaseStatusChanged)
    assert events[-1].current is CaseStatus.COMPLETED
    assert any(isinstance(e, TaskCompleted) for e in events)


def test_nothing_more_can_be_done_on_a_completed_case(
    directed: Case, planning_head: Actor, finance_head: Actor, entry: Entries
) -> None:
    lead = task_of(directed, TaskRole.LEAD)
    coordinating = task_of(directed, TaskRole.COORDINATING)
    done = directed.complete_task(entry(planning_head, "Xong"), lead.task_id).case
    with pytest.raises(InvalidTransition, match="handling is already completed"):
        done.report_progress(entry(finance_head, "Góp ý"), coordinating.task_id)


def test_when_the_lead_unit_returns_the_task_the_document_goes_back_to_the_leader(
    directed: Case,
    director: Actor,
    planning_head: Actor,
    finance_head: Actor,
    entry: Entries,
    due: date,
) -> None:
    lead = task_of(directed, TaskRole.LEAD)
    coordinating = task_of(directed, TaskRole.COORDINATING)
    case = directed.report_progress(entry(finance_head, "Đã góp ý"), coordinating.task_id).case
    case = case.return_task(entry(planning_head, "Đề nghị giao P.TC chủ trì"), lead.task_id).case
    assert case.status is CaseStatus.AWAITING_DIRECTION

    # Coordinating work reported meanwhile does not hide that the leader must decide again.
    case = case.report_progress(entry(finance_head, "Bổ sung"), coordinating.task_id).case
    assert case.status is CaseStatus.AWAITING_DIRECTION

    with pytest.raises(InvalidTransition, match="use re-direction"):
        case.direct(
            entry(director), [Assignment(Assignee.unit("unit-finance"), TaskRole.LEAD, due)]
        )
    case = case.redirect(
        entry(director, "Giao P.TC chủ trì"),
        [Assignment(Assignee.unit("unit-finance"), TaskRole.LEAD, due)],
    ).case
    assert case.status is CaseStatus.DIRECTED
    assert task_of(case, TaskRole.LEAD).assignee.unit_id == "unit-finance"


def test_completing_the_units_task_withdraws_its_specialists_open_tasks(
    reassigned: Case, finance_head: Actor, second_specialist: Actor, entry: Entries, due: date
) -> None:
    coordinating = task_of(reassigned, TaskRole.COORDINATING)
    case = reassigned.reassign(
        entry(finance_head), coordinating.task_id, [to_specialist(second_specialist, due)]
    ).case
    [finance_child] = case.children_of(coordinating.task_id)
    case = case.complete_task(
        entry(finance_head, "Đã góp ý bằng văn bản"), coordinating.task_id
    ).case
    assert case.task(finance_child.task_id).status is TaskStatus.WITHDRAWN
    assert task_of(case, TaskRole.LEAD).status is TaskStatus.IN_PROGRESS
    assert case.status is CaseStatus.IN_PROGRESS


def test_a_task_that_is_not_on_the_document_is_reported_as_unknown(
    directed: Case, planning_head: Actor, entry: Entries
) -> None:
    with pytest.raises(UnknownItem, match="no task"):
        directed.report_progress(entry(planning_head, "?"), "task-that-does-not-exist")


def test_progress_outside_0_to_100_percent_is_refused(
    reassigned: Case, specialist: Actor, entry: Entries
) -> None:
    mine = task_of(reassigned, TaskRole.SPECIALIST)
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        reassigned.report_progress(
            entry(specialist, "Gần xong"), mine.task_id, percent_complete=140
        )


def test_people_working_on_the_document_may_comment_and_others_may_not(
    reassigned: Case, specialist: Actor, outsider: Actor, director: Actor, entry: Entries
) -> None:
    case, events = reassigned.comment(entry(specialist, "Cần thêm số liệu của P.TC"))
    assert case.decisions[-1].kind is DecisionKind.COMMENT
    assert len(events) == 1
    case = case.comment(entry(director, "Khẩn trương hoàn thành")).case
    assert case.decisions[-1].decided_by == director.person
    with pytest.raises(NotPermitted, match="Only the leader and the people working"):
        case.comment(entry(outsider, "Ý kiến"))
    with pytest.raises(InvalidInput, match="needs some text"):
        case.comment(entry(specialist, " "))


def test_the_coordinating_unit_is_told_why_its_task_was_withdrawn_until_its_head_has_seen_it(
    directed: Case, planning_head: Actor, finance_head: Actor, entry: Entries
) -> None:
    lead = task_of(directed, TaskRole.LEAD)
    coordinating = task_of(directed, TaskRole.COORDINATING)
    completed = directed.complete_task(entry(planning_head, "Đã trả lời"), lead.task_id).case

    withdrawn = completed.task(coordinating.task_id)
    assert withdrawn.status is TaskStatus.WITHDRAWN
    assert withdrawn.withdrawal_reason is WithdrawalReason.LEAD_COMPLETED
    assert withdrawn.awaits_acknowledgement

    seen, events = completed.acknowledge_withdrawal(entry(finance_head), coordinating.task_id)
    assert not seen.task(coordinating.task_id).awaits_acknowledgement
    assert events
    with pytest.raises(NotPermitted):
        completed.acknowledge_withdrawal(entry(planning_head), coordinating.task_id)
    again = seen.acknowledge_withdrawal(entry(finance_head), coordinating.task_id)
    assert again.events == ()
