"""The case: the handling of one received document in one agency, with its tasks and drafts.

    awaiting_rules ──rules arrive──▶
    awaiting_readers (confidential, nobody named: stays)
    awaiting_direction ──direct──▶ directed ──work starts──▶ in_progress ──lead completes──▶ completed
            ▲                         │  ▲                        │
            └──── lead unit returns ──┘  └──────── redirect ──────┘
    any of them ──the registry voids the document──▶ voided (final: nothing more is decided)

Every change is a method that returns the new case and the events that describe it (``Applied``)
or raises: InvalidTransition when the case, task or draft is not in a state for it, NotPermitted
when the person may not do it, InvalidInput when what was asked is incomplete. Each change is
keyed by its decision id, so applying the same decision again changes nothing and emits nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from vanthu_routing.domain.calendar import local_date
from vanthu_routing.domain.decision import (
    Authorship,
    Decision,
    DecisionKind,
    Entry,
    PaperSlip,
    leader_authorship,
    own_authorship,
)
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.draft import Draft, DraftStatus
from vanthu_routing.domain.errors import InvalidInput, InvalidTransition, NotPermitted, UnknownItem
from vanthu_routing.domain.events import (
    CaseOpened,
    CasePresented,
    CaseStatusChanged,
    DecisionRecorded,
    DraftApproved,
    DraftReturned,
    DraftReviewed,
    DraftUploaded,
    RoutingEvent,
    TaskAssigned,
    TaskCompleted,
    TaskProgressReported,
    TaskReturned,
    TaskUrged,
    TaskWithdrawalSeen,
    TaskWithdrawn,
)
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Actor, Person
from vanthu_routing.domain.task import Assignment, Task, TaskRole, WithdrawalReason
from vanthu_routing.domain.urging import Urging, UrgingKind

# One case per received document per agency: a document.received delivered twice opens one case.
CASE_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:vanthu:routing:case")

_DIRECTION_ROLES = (TaskRole.LEAD, TaskRole.COORDINATING, TaskRole.INFORMATION)


def case_id_for(agency_code: str, document_id: str) -> str:
    return str(uuid.uuid5(CASE_ID_NAMESPACE, f"{agency_code}|{document_id}"))


class CaseStatus(StrEnum):
    AWAITING_RULES = "awaiting_rules"
    """Received in an agency whose routing rules do not exist yet: nobody to present it to."""
    AWAITING_READERS = "awaiting_readers"
    """A confidential document that names no reader (only a v1 record can): nobody may be shown
    it but the clerk who registered it, so it is presented to no one."""
    AWAITING_DIRECTION = "awaiting_direction"
    DIRECTED = "directed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    VOIDED = "voided"
    """The registry cancelled the document's registration: its open work was withdrawn and no
    one decides anything on it any more."""


@dataclass(frozen=True)
class Voiding:
    """Why and by whom the registry voided the document (intake's DocumentVoided)."""

    reason: str
    voided_by: Person
    voided_at: datetime


class Applied(NamedTuple):
    """The case after a change, and what happened (empty when the change was already applied)."""

    case: Case
    events: tuple[RoutingEvent, ...]


@dataclass(frozen=True)
class Case:
    case_id: str
    document_id: str
    agency_code: str
    leader: Person | None
    """The leader the document is presented to, who directs it; None while it awaits rules."""
    status: CaseStatus
    opened_at: datetime
    tasks: tuple[Task, ...] = ()
    decisions: tuple[Decision, ...] = ()
    drafts: tuple[Draft, ...] = ()
    voiding: Voiding | None = None
    """Set when the registry voided the document (status voided)."""
    urgings: tuple[Urging, ...] = ()
    """Every urging of its tasks, in the order they were made."""
    version: int = 0

    # ---- opening and presenting -------------------------------------------------------------

    @classmethod
    def open(
        cls, *, document_id: str, agency_code: str, leader: Person, opened_at: datetime
    ) -> Applied:
        """A registered document is presented to a leader and awaits direction."""
        local_date(opened_at)
        case = cls(
            case_id=case_id_for(agency_code, document_id),
            document_id=document_id,
            agency_code=agency_code,
            leader=leader,
            status=CaseStatus.AWAITING_DIRECTION,
            opened_at=opened_at,
            version=1,
        )
        return Applied(
            case, (CaseOpened(case.case_id, document_id, agency_code, leader, opened_at),)
        )

    @classmethod
    def wait_for_rules(cls, *, document_id: str, agency_code: str, opened_at: datetime) -> Applied:
        """A registered document of an agency without routing rules: it waits, seen by the
        agency's clerks and leaders, until rules say whom it goes to."""
        return cls._waiting(CaseStatus.AWAITING_RULES, document_id, agency_code, opened_at)

    @classmethod
    def wait_for_readers(
        cls, *, document_id: str, agency_code: str, opened_at: datetime
    ) -> Applied:
        """A confidential document naming nobody: no leader may be shown it, so it waits, seen
        by the clerk who registered it only, until readers are named."""
        return cls._waiting(CaseStatus.AWAITING_READERS, document_id, agency_code, opened_at)

    @classmethod
    def _waiting(
        cls, status: CaseStatus, document_id: str, agency_code: str, opened_at: datetime
    ) -> Applied:
        local_date(opened_at)
        case = cls(
            case_id=case_id_for(agency_code, document_id),
            document_id=document_id,
            agency_code=agency_code,
            leader=None,
            status=status,
            opened_at=opened_at,
            version=1,
        )
        return Applied(case, (CaseOpened(case.case_id, document_id, agency_code, None, opened_at),))

    def route_to(self, leader: Person, at: datetime) -> Applied:
        """The rules have arrived: the waiting document is presented to the leader they name.
        A case that no longer waits is left as it is."""
        local_date(at)
        if self.status is not CaseStatus.AWAITING_RULES:
            return Applied(self, ())
        case = replace(self, leader=leader, version=self.version + 1)
        events: list[RoutingEvent] = [CasePresented(self.case_id, leader, at)]
        case = case._change_status(CaseStatus.AWAITING_DIRECTION, at, events)
        return Applied(case, tuple(events))

    def present_to(self, leader: Person, at: datetime) -> Applied:
        """Put the document before another leader; only while nobody has directed it yet."""
        local_date(at)
        if leader == self.leader:
            return Applied(self, ())
        self.refuse_if_voided()
        if self.status is CaseStatus.AWAITING_RULES:
            return self.route_to(leader, at)
        if self.status is not CaseStatus.AWAITING_DIRECTION or self._has_been_directed:
            raise InvalidTransition(
                f"The document was already directed by {self.leader}; it cannot be presented "
                "to another leader now.",
                f"Văn bản đã được {self.leader} chỉ đạo; không thể trình lãnh đạo khác.",
            )
        case = replace(self, leader=leader, version=self.version + 1)
        return Applied(case, (CasePresented(self.case_id, leader, at),))

    # ---- the registry voids the document ------------------------------------------------------

    def void(self, voiding: Voiding) -> Applied:
        """The registration was cancelled: every open task is withdrawn, saying so to its
        assignee, and the case is closed as voided with the reason. Voided already: nothing."""
        local_date(voiding.voided_at)
        if self.status is CaseStatus.VOIDED:
            return Applied(self, ())
        at = voiding.voided_at
        events: list[RoutingEvent] = []
        case = self._withdraw(
            lambda t: True, f"void:{self.case_id}", at, events, WithdrawalReason.DOCUMENT_VOIDED
        )
        case = case._change_status(CaseStatus.VOIDED, at, events)
        case = replace(case, voiding=voiding, version=self.version + 1)
        return Applied(case, tuple(events))

    def refuse_if_voided(self) -> None:
        """InvalidTransition (409) once the registry voided the document, naming when and why."""
        if self.voiding is None:
            return
        day = local_date(self.voiding.voided_at)
        reason = self.voiding.reason
        raise InvalidTransition(
            f"The registry voided this document on {day:%d/%m/%Y} (reason: {reason}): nothing "
            "more can be directed, decided or done on it.",
            f"Văn bản đã bị văn thư hủy đăng ký ngày {day:%d/%m/%Y} (lý do: {reason}): không "
            "thể chỉ đạo, cho ý kiến hay xử lý thêm.",
        )

    # ---- the leader's direction -------------------------------------------------------------

    def direct(
        self,
        entry: Entry,
        assignments: Sequence[Assignment],
        *,
        paper: PaperSlip | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> Applied:
        """The leader names the lead unit, coordinating units, units for information, deadlines."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        authorship = self._leader_authorship(entry, paper, delegations)
        if self._has_been_directed:
            raise InvalidTransition(
                "The document has already been directed; use re-direction to change it.",
                "Văn bản đã có ý kiến chỉ đạo; hãy dùng chức năng chỉ đạo lại để thay đổi.",
            )
        return self._distribute(entry, authorship, assignments, DecisionKind.DIRECTION)

    def redirect(
        self,
        entry: Entry,
        assignments: Sequence[Assignment],
        *,
        paper: PaperSlip | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> Applied:
        """The leader replaces the direction: open tasks are withdrawn, new ones assigned."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        authorship = self._leader_authorship(entry, paper, delegations)
        if not self._has_been_directed:
            raise InvalidTransition(
                "The document has not been directed yet, so there is nothing to re-direct.",
                "Văn bản chưa có ý kiến chỉ đạo nên chưa thể chỉ đạo lại.",
            )
        self._require_not_completed("re-direct", "chỉ đạo lại")
        return self._distribute(entry, authorship, assignments, DecisionKind.REDIRECTION)

    # ---- the unit head's re-assignment ------------------------------------------------------

    def reassign(self, entry: Entry, task_id: str, assignments: Sequence[Assignment]) -> Applied:
        """A unit head gives the unit's task to specialists: child tasks linked to it."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        parent = self.task(task_id)
        _require_unit_head(entry.actor, parent)
        self._require_not_completed("re-assign tasks of", "phân công xử lý")
        started = parent.start()
        authorship = own_authorship(entry)
        children = self._specialist_assignments(parent, assignments, local_date(entry.recorded_at))
        decision = authorship.decision(
            entry, DecisionKind.REASSIGNMENT, assignments=children, task_id=parent.task_id
        )
        new_tasks = tuple(
            Task.assign(
                self.case_id,
                a,
                decision.decision_id,
                authorship.decided_by,
                entry.recorded_at,
                parent_task_id=parent.task_id,
            )
            for a in children
        )
        case = self._replace_task(started)
        case = replace(case, tasks=(*case.tasks, *new_tasks))
        events: list[RoutingEvent] = [DecisionRecorded(self.case_id, decision)]
        events += [TaskAssigned(task) for task in new_tasks]
        case = case._mark_in_progress(entry.recorded_at, events)
        return case._finish(decision, events)

    # ---- the assignee's work ----------------------------------------------------------------

    def report_progress(
        self,
        entry: Entry,
        task_id: str,
        *,
        percent_complete: int | None = None,
        files: Sequence[FileReference] = (),
    ) -> Applied:
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        task = self.task(task_id)
        _require_assignee(entry.actor, task, "report progress on", "báo cáo tiến độ")
        self._require_not_completed("report progress on", "báo cáo tiến độ")
        updated = task.report_progress(entry.stripped_text, percent_complete, tuple(files))
        decision = own_authorship(entry).decision(entry, DecisionKind.PROGRESS, task_id=task_id)
        events: list[RoutingEvent] = [
            DecisionRecorded(self.case_id, decision),
            TaskProgressReported(
                updated, decision.decision_id, entry.actor.person, entry.recorded_at
            ),
        ]
        case = self._replace_task(updated)._mark_in_progress(entry.recorded_at, events)
        return case._finish(decision, events)

    def complete_task(
        self,
        entry: Entry,
        task_id: str,
        *,
        reply_document_ids: Sequence[str] = (),
        files: Sequence[FileReference] = (),
    ) -> Applied:
        """Done, with a result note (the entry's text) or reply documents. The lead unit's
        completion completes the case and withdraws the work still open."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        task = self.task(task_id)
        _require_assignee(entry.actor, task, "complete", "hoàn thành")
        self._require_not_completed("complete", "hoàn thành")
        at = entry.recorded_at
        done = task.complete(entry.stripped_text, tuple(reply_document_ids), tuple(files), at)
        decision = own_authorship(entry).decision(entry, DecisionKind.COMPLETION, task_id=task_id)
        events: list[RoutingEvent] = [
            DecisionRecorded(self.case_id, decision),
            TaskCompleted(done, decision.decision_id, entry.actor.person, at),
        ]
        case = self._replace_task(done)
        if done.role is TaskRole.LEAD:
            case = case._withdraw(
                lambda t: t.carries_work,
                decision.decision_id,
                at,
                events,
                WithdrawalReason.LEAD_COMPLETED,
            )
            case = case._change_status(CaseStatus.COMPLETED, at, events)
        else:
            case = case._withdraw_descendants(done, decision.decision_id, at, events)
            case = case._mark_in_progress(at, events)
        return case._finish(decision, events)

    def return_task(self, entry: Entry, task_id: str) -> Applied:
        """Hand the task back with the reason (the entry's text). When the lead unit returns
        it, the document goes back to the leader for a new direction."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        task = self.task(task_id)
        _require_assignee(entry.actor, task, "return", "trả lại")
        self._require_not_completed("return", "trả lại")
        at = entry.recorded_at
        returned = task.return_to_assigner(entry.stripped_text, at)
        decision = own_authorship(entry).decision(entry, DecisionKind.RETURN, task_id=task_id)
        events: list[RoutingEvent] = [
            DecisionRecorded(self.case_id, decision),
            TaskReturned(returned, decision.decision_id, entry.actor.person, at),
        ]
        case = self._replace_task(returned)._withdraw_descendants(
            returned, decision.decision_id, at, events
        )
        if returned.role is TaskRole.LEAD:
            case = case._change_status(CaseStatus.AWAITING_DIRECTION, at, events)
        return case._finish(decision, events)

    def acknowledge_withdrawal(self, entry: Entry, task_id: str) -> Applied:
        """The assignee has seen that their task was withdrawn (and why); it leaves their list.
        Seen already: nothing changes."""
        task = self.task(task_id)
        _require_assignee(entry.actor, task, "acknowledge", "xác nhận")
        seen = task.acknowledge_withdrawal(entry.recorded_at)
        if seen == task:
            return Applied(self, ())
        case = replace(self._replace_task(seen), version=self.version + 1)
        return Applied(case, (TaskWithdrawalSeen(seen, entry.recorded_at),))

    # ---- urging -------------------------------------------------------------------------------

    def urge(
        self,
        entry: Entry,
        task_id: str,
        kind: UrgingKind,
        *,
        by_leader: bool,
        unit_heads: Sequence[str] = (),
    ) -> Applied:
        """A leader (``by_leader``: the agency's leaders urge any task) or the head of the unit a
        specialist's task belongs to presses its assignee, who is told: the person, or for a
        unit's task the unit's heads (``unit_heads``, from the directory). The task's urgings
        are numbered from 1. Only open work is urged; the same urging sent twice is kept once."""
        local_date(entry.recorded_at)
        if any(u.urging_id == entry.decision_id for u in self.urgings):
            return Applied(self, ())
        self.refuse_if_voided()
        task = self.task(task_id)
        _require_urger(entry.actor, task, by_leader)
        what_en, what_vi = task.describe()
        if not task.is_open_work:
            raise InvalidTransition(
                f"Cannot urge {what_en}: only open work is urged.",
                f"Không thể đôn đốc {what_vi}: chỉ đôn đốc nhiệm vụ đang xử lý.",
            )
        urging = Urging(
            urging_id=entry.decision_id,
            task_id=task_id,
            kind=kind,
            sequence=1 + sum(1 for u in self.urgings if u.task_id == task_id),
            urged_by=entry.actor.person,
            urged_at=entry.recorded_at,
            note=entry.stripped_text,
        )
        case = replace(self, urgings=(*self.urgings, urging), version=self.version + 1)
        told = (task.assignee.user_id,) if task.assignee.user_id else tuple(unit_heads)
        return Applied(case, (TaskUrged(self.case_id, task, urging, told),))

    def urgings_of(self, task_id: str) -> tuple[Urging, ...]:
        return tuple(u for u in self.urgings if u.task_id == task_id)

    # ---- comments -----------------------------------------------------------------------------

    def comment(
        self,
        entry: Entry,
        *,
        task_id: str | None = None,
        paper: PaperSlip | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> Applied:
        """An opinion on the document or on one task, by the leader or anyone working on it."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        if task_id is not None:
            self.task(task_id)
        if entry.stripped_text is None:
            raise InvalidInput("A comment needs some text.", "Ý kiến không được để trống.")
        if paper is not None:
            authorship = self._leader_authorship(entry, paper, delegations)
        elif self._is_involved(entry.actor):
            authorship = own_authorship(entry)
        else:
            raise NotPermitted(
                "Only the leader and the people working on this document can comment on it.",
                "Chỉ lãnh đạo và những người xử lý văn bản này mới được cho ý kiến.",
            )
        decision = authorship.decision(entry, DecisionKind.COMMENT, task_id=task_id)
        return self._finish(decision, [DecisionRecorded(self.case_id, decision)])

    # ---- drafts of the reply ------------------------------------------------------------------

    def upload_draft(
        self,
        draft_id: str,
        task_id: str,
        file: FileReference,
        actor: Actor,
        at: datetime,
        *,
        supersedes: str | None = None,
        attachments: Sequence[FileReference] = (),
    ) -> Applied:
        """The person handling a task uploads a draft reply (or a new version of a returned one),
        with its appendices in files of their own, in their order."""
        local_date(at)
        if any(d.draft_id == draft_id for d in self.drafts):
            return Applied(self, ())
        self.refuse_if_voided()
        task = self.task(task_id)
        _require_assignee(actor, task, "upload a draft for", "tải lên dự thảo cho")
        self._require_not_completed("upload a draft for", "tải lên dự thảo cho")
        if not task.is_open_work:
            what_en, what_vi = task.describe()
            raise InvalidTransition(
                f"Cannot upload a draft for {what_en}: it is not open work.",
                f"Không thể tải lên dự thảo cho {what_vi}: nhiệm vụ không còn mở.",
            )
        if supersedes is not None:
            self._require_returned_draft_of(supersedes, task_id)
        draft = Draft(
            draft_id,
            task_id,
            file,
            actor.person,
            at,
            supersedes=supersedes,
            attachments=tuple(attachments),
        )
        case = replace(self, drafts=(*self.drafts, draft), version=self.version + 1)
        return Applied(case, (DraftUploaded(self.case_id, draft),))

    def review_draft(self, entry: Entry, draft_id: str, *, forward: bool) -> Applied:
        """The drafting unit's head forwards the draft to the leader, or returns it (with the
        entry's text as the comment)."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        draft = self.draft(draft_id)
        unit_task = self._unit_task_of(self.task(draft.task_id))
        if not entry.actor.heads(unit_task.assignee.unit_id):
            raise NotPermitted(
                f"Only the head of {unit_task.assignee} can review {draft.describe()[0]}.",
                f"Chỉ lãnh đạo {unit_task.assignee} mới được xem xét {draft.describe()[1]}.",
            )
        person = entry.actor.person
        if forward:
            reviewed = draft.review(person, entry.stripped_text)
        else:
            reviewed = draft.send_back(person, self._reason(entry))
        decision = own_authorship(entry).decision(
            entry, DecisionKind.DRAFT_REVIEW, task_id=draft.task_id, draft_id=draft_id
        )
        event = (DraftReviewed if forward else DraftReturned)(
            self.case_id, reviewed, decision.decision_id
        )
        case = self._replace_draft(reviewed)
        return case._finish(decision, [DecisionRecorded(self.case_id, decision), event])

    def approve_draft(
        self,
        entry: Entry,
        draft_id: str,
        *,
        paper: PaperSlip | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> Applied:
        """The leader approves a reviewed draft, directly or on paper recorded by a secretary."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        draft = self.draft(draft_id)
        authorship = self._leader_authorship(entry, paper, delegations)
        approved = draft.approve(authorship.decided_by)
        decision = authorship.decision(
            entry, DecisionKind.DRAFT_APPROVAL, task_id=draft.task_id, draft_id=draft_id
        )
        events: list[RoutingEvent] = [
            DecisionRecorded(self.case_id, decision),
            DraftApproved(self.case_id, approved, decision.decision_id),
        ]
        return self._replace_draft(approved)._finish(decision, events)

    def return_draft(
        self,
        entry: Entry,
        draft_id: str,
        *,
        paper: PaperSlip | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> Applied:
        """The leader sends a reviewed draft back to its drafter, with the reason."""
        if self._already_applied(entry):
            return Applied(self, ())
        self.refuse_if_voided()
        draft = self.draft(draft_id)
        authorship = self._leader_authorship(entry, paper, delegations)
        if draft.status is DraftStatus.UPLOADED:
            raise InvalidTransition(
                f"{draft.describe()[0].capitalize()} has not been reviewed by the unit head yet.",
                f"{draft.describe()[1].capitalize()} chưa được lãnh đạo đơn vị xem xét.",
            )
        returned = draft.send_back(authorship.decided_by, self._reason(entry))
        decision = authorship.decision(
            entry, DecisionKind.DRAFT_REVIEW, task_id=draft.task_id, draft_id=draft_id
        )
        events: list[RoutingEvent] = [
            DecisionRecorded(self.case_id, decision),
            DraftReturned(self.case_id, returned, decision.decision_id),
        ]
        return self._replace_draft(returned)._finish(decision, events)

    # ---- queries ------------------------------------------------------------------------------

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.task_id == task_id:
                return task
        raise UnknownItem(
            f"There is no task {task_id} on this document.",
            f"Văn bản này không có nhiệm vụ {task_id}.",
        )

    def draft(self, draft_id: str) -> Draft:
        for draft in self.drafts:
            if draft.draft_id == draft_id:
                return draft
        raise UnknownItem(
            f"There is no draft {draft_id} on this document.",
            f"Văn bản này không có dự thảo {draft_id}.",
        )

    def file(self, file_id: str) -> FileReference:
        """A file the case keeps: a draft, a scanned paper slip, or one attached to a task."""
        kept = (
            *(d.file for d in self.drafts),
            *(a for d in self.drafts for a in d.attachments),
            *(d.evidence_file for d in self.decisions if d.evidence_file is not None),
            *(f for t in self.tasks for f in t.files),
        )
        for file in kept:
            if file.file_id == file_id:
                return file
        raise UnknownItem(
            f"There is no file {file_id} on this document.",
            f"Văn bản này không có tệp {file_id}.",
        )

    def children_of(self, task_id: str) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.parent_task_id == task_id)

    def decision(self, decision_id: str) -> Decision | None:
        return next((d for d in self.decisions if d.decision_id == decision_id), None)

    def _leader_authorship(
        self, entry: Entry, paper: PaperSlip | None, delegations: Iterable[Delegation]
    ) -> Authorship:
        return leader_authorship(
            self.presented_to, entry, paper, delegations, received_at=self.opened_at
        )

    @property
    def presented_to(self) -> Person:
        """The leader who decides on the document; refused while it awaits routing rules (or,
        confidential, readers) and once the document was voided."""
        self.refuse_if_voided()
        if self.leader is None and self.status is CaseStatus.AWAITING_READERS:
            raise InvalidTransition(
                "The confidential document names no reader: it has not been presented to any "
                "leader, so nobody can decide on it.",
                "Văn bản mật chưa có người được đọc: chưa được trình lãnh đạo nào nên chưa ai có "
                "thể cho ý kiến.",
            )
        if self.leader is None:
            raise InvalidTransition(
                "The document awaits the agency's routing rules: it has not been presented to "
                "any leader yet, so nobody can decide on it.",
                "Văn bản đang chờ quy tắc phân luồng của cơ quan: chưa được trình lãnh đạo nào "
                "nên chưa ai có thể cho ý kiến.",
            )
        return self.leader

    @property
    def _has_been_directed(self) -> bool:
        return any(d.kind is DecisionKind.DIRECTION for d in self.decisions)

    def _already_applied(self, entry: Entry) -> bool:
        return self.decision(entry.decision_id) is not None

    def _is_involved(self, actor: Actor) -> bool:
        if self.leader is not None and actor.user_id == self.leader.user_id:
            return True
        return any(
            t.assignee.user_id == actor.user_id
            or (not t.assignee.is_person and actor.heads(t.assignee.unit_id))
            for t in self.tasks
        )

    # ---- building blocks ----------------------------------------------------------------------

    def _distribute(
        self,
        entry: Entry,
        authorship: Authorship,
        assignments: Sequence[Assignment],
        kind: DecisionKind,
    ) -> Applied:
        checked = _checked_direction(assignments, local_date(authorship.decided_at))
        decision = authorship.decision(entry, kind, assignments=checked)
        at = entry.recorded_at
        events: list[RoutingEvent] = [DecisionRecorded(self.case_id, decision)]
        case = self._withdraw(
            lambda t: True, decision.decision_id, at, events, WithdrawalReason.REDIRECTED
        )
        new_tasks = tuple(
            Task.assign(self.case_id, a, decision.decision_id, authorship.decided_by, at)
            for a in checked
        )
        events += [TaskAssigned(task) for task in new_tasks]
        case = replace(case, tasks=(*case.tasks, *new_tasks))
        case = case._change_status(CaseStatus.DIRECTED, at, events)
        return case._finish(decision, events)

    def _specialist_assignments(
        self, parent: Task, assignments: Sequence[Assignment], today: date
    ) -> tuple[Assignment, ...]:
        if not assignments:
            raise InvalidInput(
                "Name at least one specialist.", "Cần phân công ít nhất một chuyên viên."
            )
        _refuse_duplicates(assignments)
        busy = {t.assignee.user_id for t in self.children_of(parent.task_id) if t.status.is_open}
        checked = []
        for assignment in assignments:
            _check_specialist(assignment, parent, today, busy)
            assignee = assignment.assignee
            if assignee.unit_id is None:
                assignee = replace(assignee, unit_id=parent.assignee.unit_id)
            checked.append(replace(assignment, assignee=assignee))
        return tuple(checked)

    def _unit_task_of(self, task: Task) -> Task:
        if task.role is TaskRole.SPECIALIST and task.parent_task_id is not None:
            return self.task(task.parent_task_id)
        return task

    def _require_returned_draft_of(self, draft_id: str, task_id: str) -> None:
        earlier = self.draft(draft_id)
        if earlier.task_id != task_id or earlier.status is not DraftStatus.RETURNED:
            raise InvalidInput(
                "A new version can only replace a returned draft of the same task.",
                "Phiên bản mới chỉ thay thế dự thảo đã bị trả lại của cùng nhiệm vụ.",
            )

    def _require_not_completed(self, verb_en: str, verb_vi: str) -> None:
        if self.status is CaseStatus.COMPLETED:
            raise InvalidTransition(
                f"Cannot {verb_en} this document: its handling is already completed.",
                f"Không thể {verb_vi}: văn bản đã được xử lý xong.",
            )

    @staticmethod
    def _reason(entry: Entry) -> str:
        reason = entry.stripped_text
        if reason is None:
            raise InvalidInput(
                "Returning a draft needs the reason.", "Trả lại dự thảo phải nêu rõ lý do."
            )
        return reason

    def _replace_task(self, updated: Task) -> Case:
        tasks = tuple(updated if t.task_id == updated.task_id else t for t in self.tasks)
        return replace(self, tasks=tasks)

    def _replace_draft(self, updated: Draft) -> Case:
        drafts = tuple(updated if d.draft_id == updated.draft_id else d for d in self.drafts)
        return replace(self, drafts=drafts)

    def _withdraw(
        self,
        which: Callable[[Task], bool],
        decision_id: str,
        at: datetime,
        events: list[RoutingEvent],
        reason: WithdrawalReason,
    ) -> Case:
        case = self
        for task in self.tasks:
            if task.status.is_open and which(task):
                withdrawn = task.withdraw(at, reason)
                case = case._replace_task(withdrawn)
                events.append(TaskWithdrawn(withdrawn, decision_id, at))
        return case

    def _withdraw_descendants(
        self, task: Task, decision_id: str, at: datetime, events: list[RoutingEvent]
    ) -> Case:
        below = self._descendant_ids(task.task_id)
        return self._withdraw(
            lambda t: t.task_id in below, decision_id, at, events, WithdrawalReason.PARENT_CLOSED
        )

    def _descendant_ids(self, task_id: str) -> set[str]:
        found: set[str] = set()
        frontier = [task_id]
        while frontier:
            children = [t.task_id for t in self.children_of(frontier.pop())]
            found.update(children)
            frontier.extend(children)
        return found

    def _mark_in_progress(self, at: datetime, events: list[RoutingEvent]) -> Case:
        # Only a directed case starts; one sent back to the leader stays awaiting direction.
        if self.status is CaseStatus.DIRECTED:
            return self._change_status(CaseStatus.IN_PROGRESS, at, events)
        return self

    def _change_status(self, status: CaseStatus, at: datetime, events: list[RoutingEvent]) -> Case:
        if status is self.status:
            return self
        events.append(CaseStatusChanged(self.case_id, self.status, status, at))
        return replace(self, status=status)

    def _finish(self, decision: Decision, events: list[RoutingEvent]) -> Applied:
        case = replace(self, decisions=(*self.decisions, decision), version=self.version + 1)
        return Applied(case, tuple(events))


def _checked_direction(
    assignments: Sequence[Assignment], decided_on: date
) -> tuple[Assignment, ...]:
    """ND 30 Art. 23.2: one lead, coordinators and deadlines; information copies carry none."""
    _refuse_duplicates(assignments)
    leads = [a for a in assignments if a.role is TaskRole.LEAD]
    if len(leads) != 1:
        raise InvalidInput(
            f"A direction names exactly one lead unit; this one names {len(leads)}.",
            f"Ý kiến chỉ đạo phải giao đúng một đơn vị chủ trì; ở đây có {len(leads)}.",
        )
    for assignment in assignments:
        _check_direction_line(assignment, decided_on)
    return tuple(assignments)


def _check_direction_line(assignment: Assignment, decided_on: date) -> None:
    who = assignment.assignee
    if assignment.role not in _DIRECTION_ROLES:
        raise InvalidInput(
            f"{who}: a leader's direction assigns lead, coordinating or information roles; "
            "specialists are assigned by their unit head.",
            f"{who}: lãnh đạo giao chủ trì, phối hợp hoặc để biết; chuyên viên do lãnh đạo "
            "đơn vị phân công.",
        )
    if assignment.role is TaskRole.INFORMATION:
        if assignment.due_date is not None:
            raise InvalidInput(
                f"{who} receives the document for information, which has no deadline.",
                f"{who} nhận văn bản để biết nên không có hạn xử lý.",
            )
        return
    _check_due_date(assignment, decided_on)


def _check_specialist(
    assignment: Assignment, parent: Task, today: date, busy: set[str | None]
) -> None:
    who = assignment.assignee
    if assignment.role is not TaskRole.SPECIALIST or not who.is_person:
        raise InvalidInput(
            f"{who}: a unit head re-assigns to specialists (people), in the specialist role.",
            f"{who}: lãnh đạo đơn vị chỉ phân công cho chuyên viên (cá nhân).",
        )
    if who.user_id in busy:
        raise InvalidInput(
            f"{who} is already handling this task.", f"{who} đang xử lý nhiệm vụ này."
        )
    _check_due_date(assignment, today)
    due, unit_due = assignment.due_date, parent.due_date
    if due is not None and unit_due is not None and due > unit_due:
        raise InvalidInput(
            f"{who}'s deadline {due:%d/%m/%Y} is later than the unit's deadline "
            f"{unit_due:%d/%m/%Y}.",
            f"Hạn của {who} ({due:%d/%m/%Y}) muộn hơn hạn của đơn vị ({unit_due:%d/%m/%Y}).",
        )


def _check_due_date(assignment: Assignment, decided_on: date) -> None:
    who = assignment.assignee
    if assignment.due_date is None:
        raise InvalidInput(
            f"{who} needs a deadline ({assignment.role.label}).",
            f"Cần ghi hạn xử lý cho {who} ({assignment.role.label}).",
        )
    if assignment.due_date < decided_on:
        raise InvalidInput(
            f"{who}'s deadline {assignment.due_date:%d/%m/%Y} is before the decision "
            f"({decided_on:%d/%m/%Y}).",
            f"Hạn xử lý của {who} ({assignment.due_date:%d/%m/%Y}) trước ngày quyết định "
            f"({decided_on:%d/%m/%Y}).",
        )


def _refuse_duplicates(assignments: Sequence[Assignment]) -> None:
    seen: set[str] = set()
    for assignment in assignments:
        if assignment.assignee.key in seen:
            raise InvalidInput(
                f"{assignment.assignee} appears twice; give each unit or person one role.",
                f"{assignment.assignee} xuất hiện hai lần; mỗi đơn vị, cá nhân chỉ một vai trò.",
            )
        seen.add(assignment.assignee.key)


def _require_assignee(actor: Actor, task: Task, verb_en: str, verb_vi: str) -> None:
    """A task given to a person is acted on by that person; a unit's task by the unit head."""
    what_en, what_vi = task.describe()
    if task.assignee.is_person:
        if actor.user_id != task.assignee.user_id:
            raise NotPermitted(
                f"Only {task.assignee} can {verb_en} {what_en}.",
                f"Chỉ {task.assignee} mới được {verb_vi} {what_vi}.",
            )
    elif not actor.heads(task.assignee.unit_id):
        raise NotPermitted(
            f"Only the head of {task.assignee} can {verb_en} {what_en}.",
            f"Chỉ lãnh đạo {task.assignee} mới được {verb_vi} {what_vi}.",
        )


def _require_urger(actor: Actor, task: Task, by_leader: bool) -> None:
    """A leader urges any task; a unit head the tasks his unit's people hold."""
    if by_leader:
        return
    if task.assignee.is_person and actor.heads(task.assignee.unit_id):
        return
    what_en, what_vi = task.describe()
    raise NotPermitted(
        f"Only a leader, or the head of the unit whose person holds it, can urge {what_en}.",
        f"Chỉ lãnh đạo, hoặc lãnh đạo đơn vị của người đang xử lý, mới được đôn đốc {what_vi}.",
    )


def _require_unit_head(actor: Actor, task: Task) -> None:
    what_en, what_vi = task.describe()
    if task.assignee.is_person:
        raise InvalidTransition(
            f"Cannot re-assign {what_en}: it was given to a person, not to a unit.",
            f"Không thể phân công lại {what_vi}: nhiệm vụ giao cho cá nhân, không phải đơn vị.",
        )
    if not actor.heads(task.assignee.unit_id):
        raise NotPermitted(
            f"Only the head of {task.assignee} can re-assign {what_en}.",
            f"Chỉ lãnh đạo {task.assignee} mới được phân công {what_vi}.",
        )
