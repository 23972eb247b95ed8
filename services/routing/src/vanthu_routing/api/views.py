"""How cases and tasks are shown: the record as kept, with the proxy entry spelled out."""

from __future__ import annotations

from typing import Any

from vanthu_routing.adapters.mongo_case_codec import to_document
from vanthu_routing.domain.case import Voiding
from vanthu_routing.domain.decision import Decision
from vanthu_routing.domain.task import Task, WithdrawalReason
from vanthu_routing.domain.urging import Urging
from vanthu_routing.ports import StoredCase


def decision_view(decision: Decision) -> dict[str, Any]:
    return {**to_document(decision), "on_behalf": decision.on_behalf}


def authorship_view(decision: Decision | None) -> dict[str, Any] | None:
    """Who decided and who typed it in: what a task list or a report row shows of a decision."""
    if decision is None:
        return None
    body = to_document(decision)
    return {
        "decision_id": decision.decision_id,
        "kind": decision.kind.value,
        "decided_by": body["decided_by"],
        "recorded_by": body["recorded_by"],
        "decided_at": body["decided_at"],
        "on_behalf": decision.on_behalf,
        "delegation_id": decision.delegation_id,
        "evidence_file": body.get("evidence_file"),
    }


def case_view(stored: StoredCase) -> dict[str, Any]:
    case = stored.case
    body = to_document(case)
    body["decisions"] = [decision_view(d) for d in case.decisions]
    body["document"] = to_document(stored.document)
    body["has_entries_on_behalf"] = any(d.on_behalf for d in case.decisions)
    body["urgings"] = [urging_view(u) for u in case.urgings]
    return body


def withdrawal_view(task: Task, voiding: Voiding | None = None) -> dict[str, Any] | None:
    if task.withdrawal_reason is None:
        return None
    message, message_vi = task.withdrawal_reason.message()
    if task.withdrawal_reason is WithdrawalReason.DOCUMENT_VOIDED and voiding is not None:
        message = f"{message} Reason: {voiding.reason}"
        message_vi = f"{message_vi} Lý do: {voiding.reason}"
    return {
        "reason": task.withdrawal_reason.value,
        "message": message,
        "message_vi": message_vi,
        "withdrawn_at": task.closed_at,
        "acknowledged_at": task.withdrawal_seen_at,
    }


def task_view(stored: StoredCase, task: Task) -> dict[str, Any]:
    return {
        **to_document(task),
        "withdrawal": withdrawal_view(task, stored.case.voiding),
        "document_id": stored.case.document_id,
        "subject": stored.document.subject,
        "urgency": stored.document.urgency,
        "case_status": stored.case.status.value,
        "assigned_by_decision": authorship_view(stored.case.decision(task.decision_id)),
        "urgings": [urging_view(u) for u in stored.case.urgings_of(task.task_id)],
    }


def urging_view(urging: Urging) -> dict[str, Any]:
    """An urging as the task's history shows it, with the agency's name of its kind."""
    return {**to_document(urging), "kind_label": urging.kind.label}
