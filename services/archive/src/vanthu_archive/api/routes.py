"""HTTP API of the archive: search, timelines, audit. Thin: parse, authorize, call, map errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from vanthu_contracts.events.values import Urgency
from vanthu_runtime.auth import Principal, Role, require_roles

from vanthu_archive.api.query_rules import known_query_parameters, refused, within_calendar
from vanthu_archive.document_access import never_lists
from vanthu_archive.domain.textsearch import SearchFilters, parse_text_query
from vanthu_archive.handlers import verify_agency

if TYPE_CHECKING:
    from vanthu_archive.bootstrap import Archive

STAFF = (
    Role.CLERK,
    Role.LEADER,
    Role.SECRETARY,
    Role.UNIT_HEAD,
    Role.SPECIALIST,
    Role.AUDITOR,
    Role.ADMINISTRATOR,
)
Staff = Annotated[Principal, Depends(require_roles(*STAFF))]
Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR, Role.ADMINISTRATOR))]
MAX_PAGE_SIZE = 100
Since = Annotated[datetime | None, Query(alias="from")]
Until = Annotated[datetime | None, Query(alias="to")]


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def _bad(field: str, message: str) -> HTTPException:
    return refused(field, message)


def require_document_reader(principal: Principal) -> None:
    """ADR 0008: running the system does not grant reading its documents."""
    if never_lists(principal):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="administrators keep the directory and the system, not the documents "
            "(quản trị hệ thống không xem văn bản)",
        )


def _require_agency(principal: Principal, agency_code: str | None) -> str:
    if agency_code is not None and agency_code != principal.agency_code:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"agency_code: you may only read the archive of {principal.agency_code}",
        )
    return principal.agency_code


def _urgencies(values: list[str]) -> frozenset[Urgency]:
    try:
        return frozenset(Urgency(value) for value in values)
    except ValueError:
        allowed = ", ".join(u.value for u in Urgency)
        raise _bad("urgency", f"must be one of {allowed}") from None


def _public(document: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in document.items() if k not in _HIDDEN}
    shown["document_id"] = shown.pop("_id")
    return shown


_HIDDEN = {
    "search_terms",
    "search_text",
    "issuer_folded",
    "body",
    "allowed_user_ids",
    "applied_events",
    "task_unit_ids",
    "task_user_ids",
    "information_unit_ids",
}


def archive_router() -> APIRouter:
    router = APIRouter(
        prefix="/archive", tags=["archive"], dependencies=[Depends(known_query_parameters)]
    )

    @router.get("/search")
    async def search(
        request: Request,
        principal: Staff,
        q: Annotated[str, Query(max_length=500)] = "",
        agency_code: str | None = None,
        document_type: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
        issuer_code: str | None = None,
        issuer: Annotated[str | None, Query(max_length=200)] = None,
        issued_from: date | None = None,
        issued_to: date | None = None,
        received_from: datetime | None = None,
        received_to: datetime | None = None,
        status_: Annotated[list[str], Query(alias="status")] = [],  # noqa: B006
        urgency: Annotated[list[str], Query()] = [],  # noqa: B006
        prefix: bool = False,
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    ) -> dict[str, Any]:
        _require_agency(principal, agency_code)
        require_document_reader(principal)
        for moment, name in ((received_from, "received_from"), (received_to, "received_to")):
            if moment is not None and moment.tzinfo is None:
                raise _bad(name, "needs a time zone, e.g. 2026-11-21T00:00:00+07:00")
            within_calendar(moment, name)
        within_calendar(issued_from, "issued_from")
        within_calendar(issued_to, "issued_to")
        if issued_from and issued_to and issued_from > issued_to:
            raise _bad("issued_to", "is before issued_from")
        filters = SearchFilters(
            document_types=frozenset(document_type),
            issuer_code=issuer_code,
            issuer_name=issuer,
            issued_from=issued_from,
            issued_to=issued_to,
            received_from=received_from,
            received_to=received_to,
            statuses=frozenset(status_),
            urgencies=_urgencies(urgency),
        )
        query = parse_text_query(q, last_word_is_prefix=prefix) if q.strip() else None
        archive = _archive(request)
        found = await archive.read_models.search(
            principal,
            filters,
            query,
            page=page,
            page_size=page_size,
            candidates=archive.settings.search_candidates,
        )
        items = []
        for item in found.items:
            shown = _public(item)
            if item["_id"] in found.scores:
                shown["score"] = round(found.scores[item["_id"]], 4)
            items.append(shown)
        return {
            "total": found.total,
            "total_is_exact": found.total_is_exact,
            "page": page,
            "page_size": page_size,
            "items": items,
        }

    @router.get("/documents/{document_id}")
    async def document(request: Request, principal: Staff, document_id: str) -> dict[str, Any]:
        found = await _visible(request, principal, document_id)
        return _public(found)

    @router.get("/documents/{document_id}/timeline")
    async def timeline(request: Request, principal: Staff, document_id: str) -> dict[str, Any]:
        found = await _visible(request, principal, document_id)
        subjects = [document_id, *found.get("related_ids", [])]
        entries = await _archive(request).read_models.timeline(subjects)
        return {
            "document_id": document_id,
            "entries": [
                {
                    "event_id": entry["_id"],
                    "kind": entry["kind"],
                    "occurred_at": entry["occurred_at"],
                    "summary": entry["summary"],
                    "actors": entry["actors"],
                    "on_behalf": entry["on_behalf"],
                    "event_type": entry["event_type"],
                    "details": entry.get("details", {}),
                }
                for entry in entries
            ],
        }

    @router.post("/audit/checkpoints", status_code=status.HTTP_201_CREATED)
    async def checkpoint_now(request: Request, principal: Auditor) -> dict[str, Any]:
        archive = _archive(request)
        name = await archive.sign_checkpoint_now()
        return {
            "name": name,
            "bucket": archive.checkpoints.bucket,
            "object_lock": archive.checkpoints.object_lock,
        }

    @router.get("/audit/verify")
    async def verify(
        request: Request,
        principal: Auditor,
        since: Since = None,
        until: Until = None,
    ) -> dict[str, Any]:
        for moment, name in ((since, "from"), (until, "to")):
            if moment is not None and moment.tzinfo is None:
                raise _bad(name, "needs a time zone")
            within_calendar(moment, name)
        archive = _archive(request)
        # The caller's agency's records; the walk of every chain is the operator's command
        # (`vanthu audit verify`), not a request any auditor of any agency may start.
        report = await verify_agency(
            archive.store, archive.checkpoints, principal.agency_code, since=since, until=until
        )
        broken = report.first_break
        return {
            "agency_code": principal.agency_code,
            "intact": report.intact,
            "records_checked": report.records_checked,
            "checkpoints_checked": report.checkpoints_checked,
            "first_broken_record": None
            if broken is None
            else {
                "topic": broken.topic,
                "partition": broken.partition,
                "offset": broken.offset,
                "kind": broken.kind.value,
                "description": broken.describe(),
            },
            "checkpoint_problems": report.checkpoint_problems,
        }

    @router.get("/audit/actions")
    async def actions(
        request: Request,
        principal: Auditor,
        user_id: Annotated[str, Query(min_length=1, max_length=100)],
        since: Since = None,
        until: Until = None,
    ) -> dict[str, Any]:
        within_calendar(since, "from")
        within_calendar(until, "to")
        read_models = _archive(request).read_models
        own = await read_models.actions_of(user_id, since, until, agency_code=principal.agency_code)
        # Every action is counted; one on a document the auditor may not see keeps its time,
        # kind and roles, not the document or the summary (ADR 0006: a masked row).
        shown = await read_models.visible_ids(principal, sorted({e["document_id"] for e in own}))
        return {
            "user_id": user_id,
            "actions": [
                {
                    "occurred_at": e["occurred_at"],
                    "document_id": e["document_id"] if e["document_id"] in shown else None,
                    "kind": e["kind"],
                    "roles": [a["role"] for a in e["actors"] if a["user_id"] == user_id],
                    "summary": e["summary"] if e["document_id"] in shown else None,
                    "on_behalf": e["on_behalf"],
                    "masked": e["document_id"] not in shown,
                }
                for e in own
            ],
        }

    return router


async def _visible(request: Request, principal: Principal, document_id: str) -> dict[str, Any]:
    require_document_reader(principal)
    found = await _archive(request).read_models.visible_document(principal, document_id)
    if found is None:
        # Not found and not allowed look alike, so a confidential document's existence leaks not.
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"document {document_id} not found")
    return found
