"""Draft replies: the specialist uploads, the unit head reviews, the leader approves."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from vanthu_routing.domain.case import Case
from vanthu_routing.domain.decision import DecisionKind, Entry, PaperSlip
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.draft import DraftStatus
from vanthu_routing.domain.errors import (
    EvidenceRequired,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
)
from vanthu_routing.domain.events import DraftApproved, DraftReturned, DraftUploaded
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Actor
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole

Entries = Callable[..., Entry]


def draft_file(version: int) -> FileReference:
    return FileReference(
        file_id=f"file-{uuid.uuid4().hex[:8]}",
        name=f"du-thao-tra-loi-v{version}.docx",
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        size=20_480 + version,
        sha256=f"{version:064x}",
        object_key=f"drafts/du-thao-v{version}.docx",
    )


@pytest.fixture
def working(
    directed: Case, planning_head: Actor, specialist: Actor, entry: Entries, due: date
) -> Case:
    lead = next(t for t in directed.tasks if t.role is TaskRole.LEAD)
    line = Assignment(Assignee.person(specialist.user_id), TaskRole.SPECIALIST, due)
    return directed.reassign(entry(planning_head), lead.task_id, [line]).case


@pytest.fixture
def uploaded(working: Case, specialist: Actor, now: datetime) -> Case:
    mine = next(t for t in working.tasks if t.role is TaskRole.SPECIALIST)
    return working.upload_draft("draft-1", mine.task_id, draft_file(1), specialist, now).case


def test_a_draft_goes_from_the_specialist_through_the_unit_head_to_the_leaders_approval(
    uploaded: Case, planning_head: Actor, director: Actor, entry: Entries
) -> None:
    reviewed = uploaded.review_draft(entry(planning_head, "Đạt"), "draft-1", forward=True).case
    assert reviewed.draft("draft-1").status is DraftStatus.REVIEWED
    case, events = reviewed.approve_draft(entry(director, "Đồng ý ban hành"), "draft-1")

    assert case.draft("draft-1").status is DraftStatus.APPROVED
    assert case.draft("draft-1").approved_by == director.person
    assert [d.kind for d in case.decisions[-2:]] == [
        DecisionKind.DRAFT_REVIEW,
        DecisionKind.DRAFT_APPROVAL,
    ]
    assert any(isinstance(e, DraftApproved) for e in events)


def test_the_leader_cannot_approve_a_draft_the_unit_head_has_not_reviewed(
    uploaded: Case, director: Actor, entry: Entries
) -> None:
    with pytest.raises(InvalidTransition, match="not yet reviewed by the unit head"):
        uploaded.approve_draft(entry(director), "draft-1")


def test_the_unit_head_returns_a_draft_and_the_specialist_uploads_a_new_version(
    uploaded: Case,
    planning_head: Actor,
    specialist: Actor,
    director: Actor,
    entry: Entries,
    now: datetime,
) -> None:
    case, events = uploaded.review_draft(
        entry(planning_head, "Bổ sung số liệu quý I"), "draft-1", forward=False
    )
    assert case.draft("draft-1").status is DraftStatus.RETURNED
    assert case.draft("draft-1").review_note == "Bổ sung số liệu quý I"
    assert any(isinstance(e, DraftReturned) for e in events)
    with pytest.raises(InvalidTransition, match="returned to its drafter"):
        case.approve_draft(entry(director), "draft-1")

    task_id = case.draft("draft-1").task_id
    case, events = case.upload_draft(
        "draft-2", task_id, draft_file(2), specialist, now, supersedes="draft-1"
    )
    assert case.draft("draft-2").supersedes == "draft-1"
    assert [type(e) for e in events] == [DraftUploaded]


def test_a_return_without_a_reason_is_refused(
    uploaded: Case, planning_head: Actor, entry: Entries
) -> None:
    with pytest.raises(InvalidInput, match="needs the reason"):
        uploaded.review_draft(entry(planning_head), "draft-1", forward=False)


def test_a_new_version_may_only_replace_a_returned_draft_of_the_same_task(
    uploaded: Case, specialist: Actor, now: datetime
) -> None:
    task_id = uploaded.draft("draft-1").task_id
    with pytest.raises(InvalidInput, match="only replace a returned draft"):
        uploaded.upload_draft(
            "draft-2", task_id, draft_file(2), specialist, now, supersedes="draft-1"
        )


def test_only_the_head_of_the_drafting_unit_reviews(
    uploaded: Case, finance_head: Actor, specialist: Actor, entry: Entries
) -> None:
    with pytest.raises(NotPermitted, match="Only the head of Phòng Kế hoạch"):
        uploaded.review_draft(entry(finance_head), "draft-1", forward=True)
    with pytest.raises(NotPermitted):
        uploaded.review_draft(entry(specialist), "draft-1", forward=True)


def test_only_the_person_handling_the_task_uploads_drafts_for_it(
    working: Case, outsider: Actor, now: datetime
) -> None:
    mine = next(t for t in working.tasks if t.role is TaskRole.SPECIALIST)
    with pytest.raises(NotPermitted):
        working.upload_draft("draft-x", mine.task_id, draft_file(1), outsider, now)


def test_uploading_the_same_draft_twice_keeps_one(
    uploaded: Case, specialist: Actor, now: datetime
) -> None:
    task_id = uploaded.draft("draft-1").task_id
    again, events = uploaded.upload_draft("draft-1", task_id, draft_file(1), specialist, now)
    assert again == uploaded
    assert events == ()


def test_a_secretary_records_the_leaders_paper_approval_with_the_scan(
    uploaded: Case,
    planning_head: Actor,
    director: Actor,
    secretary: Actor,
    delegation: Delegation,
    evidence: FileReference,
    entry: Entries,
    now: datetime,
) -> None:
    reviewed = uploaded.review_draft(entry(planning_head), "draft-1", forward=True).case
    slip = PaperSlip(director.person, now - timedelta(hours=2), evidence)
    case = reviewed.approve_draft(
        entry(secretary, "Duyệt"), "draft-1", paper=slip, delegations=[delegation]
    ).case
    approval = case.decisions[-1]
    assert approval.on_behalf
    assert (approval.decided_by, approval.recorded_by) == (director.person, secretary.person)
    assert case.draft("draft-1").approved_by == director.person

    with pytest.raises(EvidenceRequired):
        reviewed.approve_draft(
            entry(secretary),
            "draft-1",
            paper=PaperSlip(director.person, now, None),
            delegations=[delegation],
        )


def test_the_leader_may_send_a_reviewed_draft_back(
    uploaded: Case, planning_head: Actor, director: Actor, entry: Entries
) -> None:
    with pytest.raises(InvalidTransition, match="not been reviewed"):
        uploaded.return_draft(entry(director, "Chưa đạt"), "draft-1")
    reviewed = uploaded.review_draft(entry(planning_head), "draft-1", forward=True).case
    case = reviewed.return_draft(entry(director, "Viết lại phần kiến nghị"), "draft-1").case
    assert case.draft("draft-1").status is DraftStatus.RETURNED
    assert case.draft("draft-1").returned_by == director.person
