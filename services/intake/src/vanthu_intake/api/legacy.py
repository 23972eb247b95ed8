"""`/legacy/{old_id}`: links of the old document system keep working after migration."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse

from vanthu_intake import handlers
from vanthu_intake.api.documents import Reader, registry_of
from vanthu_intake.imports import legacy_document_id

router = APIRouter(tags=["legacy"])


@router.get(
    "/legacy/{old_id}",
    status_code=status.HTTP_308_PERMANENT_REDIRECT,
    response_class=RedirectResponse,
    responses={
        status.HTTP_308_PERMANENT_REDIRECT: {
            "description": "To the migrated document, `/v1/documents/{document_id}`.",
            "headers": {
                "Location": {
                    "description": "The migrated document's path.",
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
async def follow_legacy_link(old_id: str, request: Request, principal: Reader) -> RedirectResponse:
    """308 to the migrated document of the caller's agency; its id derives from the old id, so
    this is one `_id` read. Unknown, another agency's and unreadable confidential ids look alike."""
    document_id = legacy_document_id(principal.agency_code, old_id)
    try:
        await handlers.readable_document(registry_of(request), principal, document_id)
    except handlers.NotFound as exc:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"old_id: no document migrated from the old system has the id {old_id!r} "
            "in your agency",
        ) from exc
    return RedirectResponse(
        f"/v1/documents/{document_id}", status_code=status.HTTP_308_PERMANENT_REDIRECT
    )
