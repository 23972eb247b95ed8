"""Who may see a document: one rule for every service and every endpoint (ADR 0006).

A document is seen only inside its agency. A confidential one (Mật, Tối mật, Tuyệt mật: Law on
Protection of State Secrets 2018, Art. 11; ND 30/2020 Art. 18) only by the people named on it at
registration (`DocumentReceived.readers`) and the clerk who registered it, whatever their role:
a leader, an auditor or a unit head who is not named sees neither its content nor its subject.
The readers travel in the event, so routing, archive and intake decide alike. Everything that
returns a document's content or subject applies it: single reads, lists, search, timelines,
reports, packages, inboxes, task lists and exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vanthu_runtime.auth import Principal, Role

NORMAL = "normal"

AGENCY_WIDE_ROLES = frozenset({Role.CLERK, Role.LEADER, Role.SECRETARY, Role.AUDITOR, Role.SERVICE})
"""Roles that list every document of their agency (ADR 0008); confidentiality still applies."""
TASK_SCOPED_ROLES = frozenset({Role.UNIT_HEAD, Role.SPECIALIST})
"""Roles that list the documents their unit or they themselves have a task on (ADR 0008)."""


def lists_agency_wide(principal: Principal) -> bool:
    """May this caller list every (non-confidential) document of the agency? (ADR 0008)"""
    return any(role in AGENCY_WIDE_ROLES for role in principal.roles)


def task_scoped(principal: Principal) -> bool:
    """Does this caller list only the documents of its own tasks and unit? (ADR 0008)"""
    return not lists_agency_wide(principal) and any(
        role in TASK_SCOPED_ROLES for role in principal.roles
    )


def may_see_through_tasks(
    principal: Principal,
    *,
    task_unit_ids: Iterable[str] = (),
    task_user_ids: Iterable[str] = (),
    information_unit_ids: Iterable[str] = (),
) -> bool:
    """ADR 0008 for a task-scoped caller: a unit head sees what his unit has a task on, a
    specialist what he holds a task on or what his unit was given for information."""
    if lists_agency_wide(principal):
        return True
    if Role.UNIT_HEAD in principal.roles and principal.unit_id in set(task_unit_ids):
        return True
    if Role.SPECIALIST in principal.roles or Role.UNIT_HEAD in principal.roles:
        if principal.user_id in set(task_user_ids):
            return True
        if principal.unit_id and principal.unit_id in set(information_unit_ids):
            return True
    return False


def may_see(
    principal: Principal,
    *,
    agency_code: str,
    confidentiality: str,
    readers: Iterable[str] = (),
    registered_by: str | None = None,
) -> bool:
    if principal.agency_code != agency_code:
        return False
    if confidentiality == NORMAL:
        return True
    return principal.user_id == registered_by or principal.user_id in set(readers)


def visible_filter(
    principal: Principal,
    *,
    agency_field: str = "agency_code",
    confidentiality_field: str = "confidentiality",
    readers_field: str = "readers",
    registered_by_field: str = "registered_by",
) -> dict[str, Any]:
    """The same rule as a query filter, for lists and searches (field names per collection)."""
    return {
        agency_field: principal.agency_code,
        "$or": [
            {confidentiality_field: NORMAL},
            {confidentiality_field: {"$exists": False}},
            {readers_field: principal.user_id},
            {registered_by_field: principal.user_id},
        ],
    }
