"""`/legacy/{old_id}`: links of the old document system keep working after migration."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse

from vanthu_intake import handlers
from vanthu_intake.api.documents import Reader, registry_of

router = APIRouter(tags=["legacy"])


@router.get("/legacy/{old_id}")
async def follow_legacy_link(old_id: str, request: Request, principal: Reader) -> RedirectResponse:
    record = await registry_of(request).documents.by_legacy_id(principal.agency_code, old_id)
    if record is None or not handlers.may_read(principal, record):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no migrated document has this id")
    return RedirectResponse(
        f"/v1/documents/{record['_id']}", status_code=status.HTTP_308_PERMANENT_REDIRECT
    )
