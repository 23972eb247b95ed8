"""Which archived documents a caller may see: the runtime's rules on the archive's records.

ADR 0006 first: a document is seen inside its agency only; a confidential one (Mật, Tối mật,
Tuyệt mật) by the readers named at registration and the clerk who registered it, whatever their
role below. The record keeps both (`readers`, `registered_by`, from `DocumentReceived` v2 or the
issue of an outgoing document). A record without a `confidentiality` marking (its registration
not archived yet) is hidden, so a faulty or early write hides a document instead of exposing it.

ADR 0008 then, for normal documents: clerks, leaders, secretaries and auditors see the agency's;
unit heads what their unit has a task on, specialists what they hold a task on or their unit was
given for information (the record keeps `task_unit_ids`, `task_user_ids`, `information_unit_ids`
from `TaskAssigned`); administrators see none, named or not.

`may_read` decides for one record read by id; `visible_condition` is the same rule as a query on
`archive_documents`, for lists. Every endpoint that returns a document's id, subject or content
goes through one of them (ADR 0047).
"""

from __future__ import annotations

from typing import Any

from vanthu_contracts.events.values import Confidentiality
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.visibility import (
    lists_agency_wide,
    may_see,
    may_see_through_tasks,
    task_scoped,
)

SECRET_LEVELS = [level.value for level in Confidentiality if level is not Confidentiality.NORMAL]
UNMARKED = "unmarked"
VISIBILITY_FIELDS = (
    "agency_code",
    "confidentiality",
    "readers",
    "registered_by",
    "task_unit_ids",
    "task_user_ids",
    "information_unit_ids",
)
"""What `may_read` reads from a record: the projection of a check."""


def never_lists(principal: Principal) -> bool:
    """A caller whose roles read no document at all (the administrator, ADR 0008)."""
    return not lists_agency_wide(principal) and not task_scoped(principal)


def keeps_file_of(principal: Principal, responsible_unit: str) -> bool:
    """A unit head sees the records files of his unit whole (ADR 0008): its normal documents,
    tasks or not; confidential ones still only when named."""
    return Role.UNIT_HEAD in principal.roles and principal.unit_id == responsible_unit


def may_read(principal: Principal, record: dict[str, Any], *, unit_file: bool = False) -> bool:
    """May this caller see this document record (its id, subject, content, history)?
    ``unit_file``: it is read as a member of a records file the caller keeps for his unit."""
    if never_lists(principal):
        return False
    # No marking is not "normal": the runtime's rule then asks for a named reader.
    confidentiality = str(record.get("confidentiality") or UNMARKED)
    seen = may_see(
        principal,
        agency_code=str(record.get("agency_code") or ""),
        confidentiality=confidentiality,
        readers=record.get("readers") or (),
        registered_by=record.get("registered_by"),
    )
    if not seen:
        return False
    if confidentiality != Confidentiality.NORMAL.value or unit_file:
        return True  # named on it: the agency chose this person, whatever the role
    return bool(
        may_see_through_tasks(
            principal,
            task_unit_ids=record.get("task_unit_ids") or (),
            task_user_ids=record.get("task_user_ids") or (),
            information_unit_ids=record.get("information_unit_ids") or (),
        )
    )


def visible_condition(principal: Principal) -> dict[str, Any]:
    """`may_read` as a query on `archive_documents` (an unmarked record matches no branch)."""
    if never_lists(principal):
        return {"_id": {"$in": []}}
    normal: dict[str, Any] = {"confidentiality": Confidentiality.NORMAL.value}
    if not lists_agency_wide(principal):
        normal["$or"] = _through_tasks(principal)
    return {
        "agency_code": principal.agency_code,
        "$or": [
            normal,
            {
                "confidentiality": {"$in": SECRET_LEVELS},
                "$or": [{"readers": principal.user_id}, {"registered_by": principal.user_id}],
            },
        ],
    }


def _through_tasks(principal: Principal) -> list[dict[str, Any]]:
    """`may_see_through_tasks` as query branches (the same table, ADR 0008)."""
    branches: list[dict[str, Any]] = [{"task_user_ids": principal.user_id}]
    if principal.unit_id:
        branches.append({"information_unit_ids": principal.unit_id})
        if Role.UNIT_HEAD in principal.roles:
            branches.append({"task_unit_ids": principal.unit_id})
    return branches
