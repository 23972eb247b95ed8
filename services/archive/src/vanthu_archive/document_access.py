"""Which archived documents a caller may see: the runtime's one rule on the archive's records.

ADR 0006: a document is seen inside its agency only; a confidential one (Mật, Tối mật, Tuyệt
mật) by the readers named at registration and the clerk who registered it, whatever their role.
The record keeps both (`readers`, `registered_by`, from `DocumentReceived` v2 or the issue of an
outgoing document). A record without a `confidentiality` marking (its registration not archived
yet) is hidden, so a faulty or early write hides a document instead of exposing it.

`may_read` decides for one record read by id; `visible_condition` is the same rule as a query on
`archive_documents`, for lists. Every endpoint that returns a document's id, subject or content
goes through one of them (ADR 0047).
"""

from __future__ import annotations

from typing import Any

from vanthu_contracts.events.values import Confidentiality
from vanthu_runtime.auth import Principal
from vanthu_runtime.visibility import may_see

SECRET_LEVELS = [level.value for level in Confidentiality if level is not Confidentiality.NORMAL]
UNMARKED = "unmarked"


def may_read(principal: Principal, record: dict[str, Any]) -> bool:
    """May this caller see this document record (its id, subject, content, history)?"""
    return bool(
        may_see(
            principal,
            agency_code=str(record.get("agency_code") or ""),
            # No marking is not "normal": the runtime's rule then asks for a named reader.
            confidentiality=str(record.get("confidentiality") or UNMARKED),
            readers=record.get("readers") or (),
            registered_by=record.get("registered_by"),
        )
    )


def visible_condition(principal: Principal) -> dict[str, Any]:
    """`may_read` as a query on `archive_documents` (an unmarked record matches no branch)."""
    return {
        "agency_code": principal.agency_code,
        "$or": [
            {"confidentiality": Confidentiality.NORMAL.value},
            {
                "confidentiality": {"$in": SECRET_LEVELS},
                "$or": [{"readers": principal.user_id}, {"registered_by": principal.user_id}],
            },
        ],
    }


VISIBILITY_FIELDS = ("agency_code", "confidentiality", "readers", "registered_by")
"""What `may_read` reads from a record: the projection of a check."""
