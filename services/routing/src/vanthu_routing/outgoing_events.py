"""Domain facts of routing turned into the contract events other services read.

Facts with no reader outside routing (a case opened, a task withdrawn, a draft uploaded) stay in
the case's own record and are not published; the decisions behind them are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from vanthu_contracts.events import routing as contract
from vanthu_contracts.events.base import Event
from vanthu_contracts.events.exchange import SendStatusRequested
from vanthu_contracts.events.values import (
    Assignee,
    Assignment,
    DecisionKind,
    FileRef,
    FileRole,
    Person,
    StaffInfo,
    StatusCode,
    TaskRole,
)

from vanthu_routing.domain import events as domain
from vanthu_routing.domain.case import Case, CaseStatus
from vanthu_routing.domain.deadlines import DeadlineNotice, TaskEscalated, TaskReminded
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Person as DomainPerson
from vanthu_routing.domain.task import Assignee as DomainAssignee
from vanthu_routing.domain.task import Task
from vanthu_routing.ports import DocumentSummary

STATUS_REQUEST_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:vanthu:routing:status-request")

# What the sending agency is told when our handling of its document moves on (edXML status).
STATUS_FOR_SENDER = {
    CaseStatus.DIRECTED: StatusCode.ASSIGNED,
    CaseStatus.IN_PROGRESS: StatusCode.PROCESSING,
    CaseStatus.COMPLETED: StatusCode.COMPLETED,
}


def person(p: DomainPerson) -> Person:
    return Person(user_id=p.user_id, full_name=p.full_name or p.user_id, position=p.position)


def assignee(a: DomainAssignee) -> Assignee:
    return Assignee(unit_id=a.unit_id, user_id=a.user_id)


def file_ref(f: FileReference, role: FileRole) -> FileRef:
    return FileRef(
        file_id=f.file_id,
        name=f.name,
        media_type=f.media_type,
        size=f.size,
        sha256=f.sha256,
        object_key=f.object_key,
        role=role,
    )


def contract_events(
    case: Case, document: DocumentSummary, facts: Iterable[domain.RoutingEvent], staff: StaffInfo
) -> list[Event]:
    out: list[Event] = []
    for fact in facts:
        out.extend(_contract_events(case, document, fact, staff))
    return out


def _contract_events(
    case: Case, document: DocumentSummary, fact: domain.RoutingEvent, staff: StaffInfo
) -> list[Event]:
    base = {
        "document_id": case.document_id,
        "case_id": case.case_id,
        "agency_code": case.agency_code,
    }
    match fact:
        case domain.DecisionRecorded(decision=d):
            return [
                contract.DecisionRecorded(
                    **base,
                    decision_id=d.decision_id,
                    kind=DecisionKind(d.kind.value),
                    decided_by=person(d.decided_by),
                    recorded_by=person(d.recorded_by),
                    on_behalf=d.on_behalf,
                    decided_at=d.decided_at,
                    recorded_at=d.recorded_at,
                    text=d.text,
                    evidence_file=(
                        file_ref(d.evidence_file, FileRole.EVIDENCE) if d.evidence_file else None
                    ),
                    assignments=tuple(
                        Assignment(
                            assignee=assignee(a.assignee),
                            role=TaskRole(a.role.value),
                            due_date=a.due_date,
                        )
                        for a in d.assignments
                    ),
                )
            ]
        case domain.TaskAssigned(task=t):
            return [task_assigned(case, t)]
        case domain.TaskProgressReported():
            t = fact.task
            text = t.progress_note or f"{t.percent_complete}%"
            return [
                contract.TaskProgressReported(
                    **base,
                    task_id=t.task_id,
                    text=text,
                    percent_complete=t.percent_complete,
                    files=tuple(file_ref(f, FileRole.ATTACHMENT) for f in t.files),
                    reported_by=person(fact.reported_by),
                    reported_at=fact.reported_at,
                )
            ]
        case domain.TaskCompleted():
            t = fact.task
            return [
                contract.TaskCompleted(
                    **base,
                    task_id=t.task_id,
                    summary=t.result_note,
                    reply_document_ids=t.reply_document_ids,
                    files=tuple(file_ref(f, FileRole.ATTACHMENT) for f in t.files),
                    decision_id=fact.decision_id,
                    completed_by=person(fact.completed_by),
                    completed_at=fact.completed_at,
                )
            ]
        case domain.TaskReturned():
            t = fact.task
            return [
                contract.TaskReturned(
                    **base,
                    task_id=t.task_id,
                    reason=t.return_reason or "-",
                    decision_id=fact.decision_id,
                    returned_by=person(fact.returned_by),
                    returned_at=fact.returned_at,
                )
            ]
        case domain.TaskUrged(task=t, urging=u):
            return [
                contract.TaskUrged(
                    **base,
                    urging_id=u.urging_id,
                    task_id=t.task_id,
                    assignee=assignee(t.assignee),
                    kind=contract.UrgingKind(u.kind.value),
                    sequence=u.sequence,
                    note=u.note,
                    notify_user_ids=fact.notify_user_ids,
                    urged_by=person(u.urged_by),
                    urged_at=u.urged_at,
                )
            ]
        case domain.DraftApproved(draft=draft):
            decision = case.decision(fact.decision_id)
            approved_at = decision.recorded_at if decision else draft.uploaded_at
            return [
                contract.DraftApproved(
                    draft_id=draft.draft_id,
                    document_id=case.document_id,
                    case_id=case.case_id,
                    task_id=draft.task_id,
                    agency_code=case.agency_code,
                    file=file_ref(draft.file, FileRole.ATTACHMENT),
                    drafted_by=person(draft.uploaded_by),
                    approved_by=person(draft.approved_by or draft.uploaded_by),
                    decision_id=fact.decision_id,
                    approved_at=approved_at,
                    attachments=tuple(file_ref(a, FileRole.ATTACHMENT) for a in draft.attachments),
                )
            ]
        case domain.CaseStatusChanged():
            status = STATUS_FOR_SENDER.get(fact.current)
            if status is None or document.sender_agency_code is None:
                return []
            return [
                SendStatusRequested(
                    request_id=str(
                        uuid.uuid5(STATUS_REQUEST_NAMESPACE, f"{case.case_id}|{status.value}")
                    ),
                    document_id=case.document_id,
                    agency_code=case.agency_code,
                    to_agency_code=document.sender_agency_code,
                    in_response_to=document.sender_document_code or case.document_id,
                    status_code=status,
                    staff=staff,
                    requested_at=fact.changed_at,
                )
            ]
        case _:
            return []


def task_assigned(case: Case, t: Task) -> contract.TaskAssigned:
    return contract.TaskAssigned(
        task_id=t.task_id,
        document_id=case.document_id,
        case_id=case.case_id,
        agency_code=case.agency_code,
        assignee=assignee(t.assignee),
        role=TaskRole(t.role.value),
        due_date=t.due_date,
        parent_task_id=t.parent_task_id,
        decision_id=t.decision_id,
        assigned_by=person(t.assigned_by),
        assigned_at=t.assigned_at,
        instructions=t.instructions,
    )


def deadline_event(
    case: Case, notice: DeadlineNotice, notify_user_id: str | None, at: datetime
) -> Event:
    task = case.task(notice.task_id)
    base = {
        "task_id": task.task_id,
        "document_id": case.document_id,
        "case_id": case.case_id,
        "agency_code": case.agency_code,
        "assignee": assignee(task.assignee),
        "due_date": notice.due_date,
        "level": notice.level,
    }
    if isinstance(notice, TaskReminded):
        return contract.TaskReminded(
            **base, working_days_left=notice.working_days_left, reminded_at=at
        )
    assert isinstance(notice, TaskEscalated)
    return contract.TaskEscalated(
        **base,
        escalate_to=contract.EscalationTarget(notice.escalate_to.value),
        notify_user_id=notify_user_id,
        overdue_working_days=notice.overdue_working_days,
        escalated_at=at,
    )
