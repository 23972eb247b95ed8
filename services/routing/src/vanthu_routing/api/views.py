"""How cases and tasks are shown: the record as kept, with the proxy entry spelled out."""

from __future__ import annotations

from typing import Any

from vanthu_routing.adapters.mongo_case_codec import to_document
from vanthu_routing.domain.task import Task
from vanthu_routing.ports import StoredCase


def case_view(stored: StoredCase) -> dict[str, Any]:
    case = stored.case
    body = to_document(case)
    body["decisions"] = [{**to_document(d), "on_behalf": d.on_behalf} for d in case.decisions]
    body["document"] = to_document(stored.document)
    return body


def task_view(stored: StoredCase, task: Task) -> dict[str, Any]:
    return {
        **to_document(task),
        "document_id": stored.case.document_id,
        "subject": stored.document.subject,
        "urgency": stored.document.urgency,
        "case_status": stored.case.status.value,
    }
