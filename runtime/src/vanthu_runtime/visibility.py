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

from vanthu_runtime.auth import Principal

NORMAL = "normal"


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
