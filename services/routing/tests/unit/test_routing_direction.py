"""A leader directs a document, directly or on paper recorded by a delegated secretary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from vanthu_routing.domain.case import Case, CaseStatus, case_id_for
from vanthu_routing.domain.decision import DecisionKind, Entry, PaperSlip
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.errors import (
    EvidenceRequired,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
)
from vanthu_routing.domain.events import (
    CaseStatusChanged,
    DecisionRecorded,
    TaskAssigned,
    TaskWithdrawn,
)
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Actor
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole, TaskStatus

Entries = Callable[..., Entry]


def slip_from(director: Actor, now: datetime, evidence: FileReference | None) -> PaperSlip:
    # The director wrote on the slip last Friday; the secretary types it in on Monday.
    return PaperSlip(director.person, now - timedelta(days=3), evidence)


def test_the_leader_directs_a_lead_unit_a_coordinating_unit_and_a_unit_for_information(
    presented: Case, director: Actor, entry: Entries, direction: list[Assignment], due: date
) -> None:
    case, events = presented.direct(entry(director, "Giao P.KH chủ trì"), direction)

    assert case.status is CaseStatus.DIRECTED
    roles = {t.assignee.unit_id: (t.role, t.due_date, t.status) for t in case.tasks}
    assert roles == {
        "unit-planning": (TaskRole.LEAD, due, TaskStatus.ASSIGNED),
        "unit-finance": (TaskRole.COORDINATING, due, TaskStatus.ASSIGNED),
        "unit-legal": (TaskRole.INFORMATION, None, TaskStatus.ASSIGNED),
    }
    recorded = [e for e in events if isinstance(e, DecisionRecorded)]
    assert len(recorded) == 1
    decision = recorded[0].decision
    assert decision.kind is DecisionKind.DIRECTION
    assert decision.text == "Giao P.KH chủ trì"
    assert not decision.on_behalf
    assert decision.decided_by == director.person
    assert [e.task.task_id for e in events if isinstance(e, TaskAssigned)] == [
        t.task_id for t in case.tasks
    ]
    assert (
        CaseStatusChanged(
            case.case_id, CaseStatus.AWAITING_DIRECTION, CaseStatus.DIRECTED, decision.recorded_at
        )
        in events
    )


def test_a_secretary_with_a_valid_delegation_records_the_paper_decision_on_the_leaders_behalf(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    evidence: FileReference,
    now: datetime,
) -> None:
    slip = slip_from(director, now, evidence)
    case = presented.direct(
        entry(secretary, "Giao P.KH chủ trì"), direction, paper=slip, delegations=[delegation]
    ).case

    decision = case.decisions[-1]
    assert decision.on_behalf
    assert decision.decided_by == director.person
    assert decision.recorded_by == secretary.person
    assert decision.decided_at == slip.decided_at
    assert decision.recorded_at == now
    assert decision.evidence_file == evidence
    assert decision.delegation_id == delegation.delegation_id
    # The units see the director's direction, not the secretary's.
    assert {t.assigned_by for t in case.tasks} == {director.person}


def test_the_proxy_stays_visible_after_the_case_moves_on(
    presented: Case,
    director: Actor,
    secretary: Actor,
    planning_head: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    evidence: FileReference,
    now: datetime,
) -> None:
    first = entry(secretary, "Giao P.KH chủ trì")
    case = presented.direct(
        first, direction, paper=slip_from(director, now, evidence), delegations=[delegation]
    ).case
    lead = next(t for t in case.tasks if t.role is TaskRole.LEAD)
    case = case.report_progress(entry(planning_head, "Đang tổng hợp"), lead.task_id).case
    case = case.redirect(entry(director, "Chuyển P.TC chủ trì"), direction).case

    original = case.decision(first.decision_id)
    assert original is not None
    assert original.on_behalf
    assert original.recorded_by == secretary.person


def test_a_secretary_without_a_delegation_is_refused(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    evidence: FileReference,
    now: datetime,
) -> None:
    with pytest.raises(NotPermitted, match="has no delegation from Nguyễn Văn An") as refused:
        presented.direct(entry(secretary), direction, paper=slip_from(director, now, evidence))
    assert "không được" in refused.value.message_vi


def test_a_secretary_whose_delegation_expired_is_refused_with_the_expiry_date(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    evidence: FileReference,
    now: datetime,
) -> None:
    expired = Delegation(
        "del-old",
        director.user_id,
        secretary.user_id,
        now - timedelta(days=60),
        now - timedelta(days=30),
    )
    with pytest.raises(NotPermitted, match=r"expired on \d\d/\d\d/2025"):
        presented.direct(
            entry(secretary),
            direction,
            paper=slip_from(director, now, evidence),
            delegations=[expired],
        )


def test_a_revoked_or_not_yet_started_delegation_is_refused(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    evidence: FileReference,
    now: datetime,
) -> None:
    revoked = delegation.revoke(now - timedelta(days=1))
    future = Delegation("del-next", director.user_id, secretary.user_id, now + timedelta(days=1))
    slip = slip_from(director, now, evidence)
    with pytest.raises(NotPermitted, match="revoked on"):
        presented.direct(entry(secretary), direction, paper=slip, delegations=[revoked])
    with pytest.raises(NotPermitted, match="only starts on"):
        presented.direct(entry(secretary), direction, paper=slip, delegations=[future])


def test_a_delegation_from_another_leader_does_not_count(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    evidence: FileReference,
    now: datetime,
) -> None:
    deputy = Delegation(
        "del-deputy", "u-deputy-director", secretary.user_id, now - timedelta(days=1)
    )
    with pytest.raises(NotPermitted, match="no delegation"):
        presented.direct(
            entry(secretary),
            direction,
            paper=slip_from(director, now, evidence),
            delegations=[deputy],
        )


def test_a_proxy_entry_without_the_scanned_slip_is_refused(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    now: datetime,
) -> None:
    with pytest.raises(EvidenceRequired, match="scanned paper slip"):
        presented.direct(
            entry(secretary),
            direction,
            paper=slip_from(director, now, None),
            delegations=[delegation],
        )


def test_a_secretary_cannot_direct_without_a_paper_decision_even_when_delegated(
    presented: Case,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
) -> None:
    with pytest.raises(NotPermitted, match="Only Nguyễn Văn An"):
        presented.direct(entry(secretary), direction, delegations=[delegation])


def test_a_paper_decision_by_another_leader_cannot_direct_this_document(
    presented: Case,
    secretary: Actor,
    outsider: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    evidence: FileReference,
    now: datetime,
) -> None:
    with pytest.raises(NotPermitted, match="presented to Nguyễn Văn An"):
        presented.direct(
            entry(secretary),
            direction,
            paper=slip_from(outsider, now, evidence),
            delegations=[delegation],
        )


def test_a_slip_dated_after_the_day_it_is_entered_is_refused(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    evidence: FileReference,
    now: datetime,
) -> None:
    tomorrow = PaperSlip(director.person, now + timedelta(days=1), evidence)
    with pytest.raises(InvalidInput, match="after today"):
        presented.direct(entry(secretary), direction, paper=tomorrow, delegations=[delegation])


def test_a_slip_with_a_time_later_today_than_its_entry_is_refused(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    evidence: FileReference,
    now: datetime,
) -> None:
    this_afternoon = PaperSlip(director.person, now + timedelta(hours=6), evidence)
    with pytest.raises(InvalidInput, match="15:00 today, which is later than now"):
        presented.direct(
            entry(secretary), direction, paper=this_afternoon, delegations=[delegation]
        )
    # written a minute "later" on a phone whose clock runs ahead: still fine
    ahead = PaperSlip(director.person, now + timedelta(minutes=1), evidence)
    case = presented.direct(entry(secretary), direction, paper=ahead, delegations=[delegation])
    assert case.case.decisions[-1].decided_at == ahead.decided_at


def test_the_leader_typing_in_their_own_paper_decision_is_not_a_proxy_entry(
    presented: Case,
    director: Actor,
    entry: Entries,
    direction: list[Assignment],
    evidence: FileReference,
    now: datetime,
) -> None:
    slip = slip_from(director, now, evidence)
    case = presented.direct(entry(director), direction, paper=slip).case
    assert not case.decisions[-1].on_behalf
    assert case.decisions[-1].decided_at == slip.decided_at


def test_someone_who_is_not_the_leader_cannot_direct(
    presented: Case, outsider: Actor, entry: Entries, direction: list[Assignment]
) -> None:
    with pytest.raises(NotPermitted):
        presented.direct(entry(outsider), direction)


def test_directing_twice_is_refused_and_points_to_re_direction(
    directed: Case, director: Actor, entry: Entries, direction: list[Assignment]
) -> None:
    with pytest.raises(InvalidTransition, match="use re-direction"):
        directed.direct(entry(director), direction)


def test_the_same_decision_applied_twice_changes_nothing_the_second_time(
    presented: Case, director: Actor, entry: Entries, direction: list[Assignment]
) -> None:
    decision = entry(director, "Giao P.KH chủ trì")
    once, _ = presented.direct(decision, direction)
    twice, events = once.direct(decision, direction)
    assert twice == once
    assert events == ()


def test_a_decision_replayed_on_a_fresh_copy_yields_the_same_task_ids(
    presented: Case, director: Actor, entry: Entries, direction: list[Assignment]
) -> None:
    decision = entry(director)
    first = presented.direct(decision, direction).case
    again = presented.direct(decision, direction).case
    other = presented.direct(entry(director), direction).case
    assert [t.task_id for t in first.tasks] == [t.task_id for t in again.tasks]
    assert {t.task_id for t in first.tasks}.isdisjoint(t.task_id for t in other.tasks)


def test_one_document_in_one_agency_always_maps_to_the_same_case(presented: Case) -> None:
    assert presented.case_id == case_id_for(presented.agency_code, presented.document_id)
    assert case_id_for("000.00.00.G22", presented.document_id) != presented.case_id


@pytest.mark.parametrize(
    ("lines", "complaint"),
    [
        (
            [
                Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD, date(2025, 3, 14)),
                Assignment(Assignee.unit("unit-finance"), TaskRole.LEAD, date(2025, 3, 14)),
            ],
            "exactly one lead unit; this one names 2",
        ),
        (
            [Assignment(Assignee.unit("unit-finance"), TaskRole.COORDINATING, date(2025, 3, 14))],
            "exactly one lead unit; this one names 0",
        ),
        ([Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD)], "needs a deadline"),
        (
            [Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD, date(2025, 2, 28))],
            "is before the decision",
        ),
        (
            [
                Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD, date(2025, 3, 14)),
                Assignment(
                    Assignee.unit("unit-planning"), TaskRole.COORDINATING, date(2025, 3, 14)
                ),
            ],
            "appears twice",
        ),
        (
            [
                Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD, date(2025, 3, 14)),
                Assignment(Assignee.unit("unit-legal"), TaskRole.INFORMATION, date(2025, 3, 14)),
            ],
            "for information, which has no deadline",
        ),
        (
            [
                Assignment(Assignee.unit("unit-planning"), TaskRole.LEAD, date(2025, 3, 14)),
                Assignment(Assignee.person("u-x"), TaskRole.SPECIALIST, date(2025, 3, 14)),
            ],
            "specialists are assigned by their unit head",
        ),
    ],
)
def test_an_incomplete_or_contradictory_direction_is_refused_with_the_reason(
    presented: Case,
    director: Actor,
    entry: Entries,
    lines: list[Assignment],
    complaint: str,
) -> None:
    with pytest.raises(InvalidInput, match=complaint):
        presented.direct(entry(director), lines)


def test_re_direction_withdraws_the_open_tasks_and_assigns_new_ones(
    directed: Case, director: Actor, entry: Entries, due: date
) -> None:
    before = {t.task_id for t in directed.tasks}
    new_lines = [Assignment(Assignee.unit("unit-finance"), TaskRole.LEAD, due)]
    case, events = directed.redirect(entry(director, "Chuyển P.TC chủ trì"), new_lines)

    assert case.decisions[-1].kind is DecisionKind.REDIRECTION
    assert {t.task_id for t in case.tasks if t.status is TaskStatus.WITHDRAWN} == before
    assert {e.task.task_id for e in events if isinstance(e, TaskWithdrawn)} == before
    [new_lead] = [t for t in case.tasks if t.status.is_open]
    assert (new_lead.assignee.unit_id, new_lead.role) == ("unit-finance", TaskRole.LEAD)
    assert case.status is CaseStatus.DIRECTED


def test_re_direction_before_any_direction_is_refused(
    presented: Case, director: Actor, entry: Entries, direction: list[Assignment]
) -> None:
    with pytest.raises(InvalidTransition, match="nothing to re-direct"):
        presented.redirect(entry(director), direction)


def test_a_completed_case_cannot_be_re_directed(
    directed: Case,
    director: Actor,
    planning_head: Actor,
    entry: Entries,
    direction: list[Assignment],
) -> None:
    lead = next(t for t in directed.tasks if t.role is TaskRole.LEAD)
    done = directed.complete_task(entry(planning_head, "Đã báo cáo UBND tỉnh"), lead.task_id).case
    with pytest.raises(InvalidTransition, match="already completed"):
        done.redirect(entry(director), direction)


def test_a_document_can_be_presented_to_another_leader_only_before_direction(
    presented: Case, directed: Case, outsider: Actor, now: datetime
) -> None:
    moved, events = presented.present_to(outsider.person, now)
    assert moved.leader == outsider.person
    assert len(events) == 1
    with pytest.raises(InvalidTransition, match="already directed"):
        directed.present_to(outsider.person, now)


def test_a_slip_dated_before_the_document_arrived_is_refused(
    presented: Case,
    director: Actor,
    secretary: Actor,
    entry: Entries,
    direction: list[Assignment],
    delegation: Delegation,
    evidence: FileReference,
) -> None:
    the_day_before = PaperSlip(director.person, presented.opened_at - timedelta(days=1), evidence)

    with pytest.raises(InvalidInput, match="before the document arrived"):
        presented.direct(
            entry(secretary), direction, paper=the_day_before, delegations=[delegation]
        )
