"""HTTP API of the archive: search, timelines, audit. Thin: parse, authorize, call, map errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from vanthu_contracts.events.values import Urgency
from vanthu_runtime.auth import Principal, Role, require_roles

from vanthu_archive.api.query_rules import (
    known_query_parameters,
    refused,
    rfc3339_instant,
    within_calendar,
)
from vanthu_archive.api.responses import (
    NDJSON_RESPONSE,
    ActionOut,
    ActionsOut,
    ActorOut,
    BrokenRecordOut,
    ChainPositionOut,
    CheckpointOut,
    ComputedFromOut,
    DecisionThenOut,
    DocumentOut,
    DocumentStateOut,
    DocumentThenOut,
    DocumentTypeOut,
    IssuerOut,
    SearchHitOut,
    SearchPageOut,
    TaskThenOut,
    TimelineEntryOut,
    TimelineOut,
    VerificationOut,
    VoidedOut,
)
from vanthu_archive.document_access import never_lists
from vanthu_archive.domain.document_history import TimelineEntry
from vanthu_archive.domain.document_state import ChainPosition, DocumentAsOf
from vanthu_archive.domain.hashchain import ChainedRecord
from vanthu_archive.domain.textsearch import SearchFilters, parse_text_query
from vanthu_archive.handlers import document_as_of, export_agency, subject_of, verify_agency

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
    ) -> SearchPageOut:
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
        items = [
            SearchHitOut.of(
                _public(item),
                score=round(found.scores[item["_id"]], 4) if item["_id"] in found.scores else None,
            )
            for item in found.items
        ]
        return SearchPageOut(
            total=found.total,
            total_is_exact=found.total_is_exact,
            page=page,
            page_size=page_size,
            items=items,
        )

    @router.get("/documents/{document_id}")
    async def document(request: Request, principal: Staff, document_id: str) -> DocumentOut:
        found = await _visible(request, principal, document_id)
        return DocumentOut.of(_public(found))

    @router.get("/documents/{document_id}/timeline")
    async def timeline(request: Request, principal: Staff, document_id: str) -> TimelineOut:
        found = await _visible(request, principal, document_id)
        subjects = [document_id, *found.get("related_ids", [])]
        entries = await _archive(request).read_models.timeline(subjects)
        return TimelineOut(
            document_id=document_id,
            entries=[
                TimelineEntryOut.model_validate(
                    {**entry, "event_id": entry["_id"], "details": entry.get("details") or {}}
                )
                for entry in entries
            ],
        )

    @router.get("/documents/{document_id}/state")
    async def document_state(
        request: Request,
        principal: Staff,
        document_id: str,
        as_of: Annotated[
            str,
            Query(
                max_length=40,
                description="RFC 3339 instant with its offset, e.g. 2026-12-01T09:30:00+07:00",
                examples=["2026-12-01T09:30:00+07:00"],
            ),
        ],
    ) -> DocumentStateOut:
        """The document as the archive knew it at `as_of` (the auditor's replay of one document):
        folded from the event store up to that moment, with the chain positions it was computed
        from. Seen by whoever may see the document now (ADR 0006, 0008)."""
        moment = rfc3339_instant(as_of, "as_of")
        found = await _visible(request, principal, document_id)
        state = await document_as_of(
            _archive(request).store, document_id, list(found.get("related_ids", [])), moment
        )
        return _state_view(state)

    @router.post("/audit/checkpoints", status_code=status.HTTP_201_CREATED)
    async def checkpoint_now(request: Request, principal: Auditor) -> CheckpointOut:
        archive = _archive(request)
        name = await archive.sign_checkpoint_now()
        return CheckpointOut(
            name=name,
            bucket=archive.checkpoints.bucket,
            object_lock=archive.checkpoints.object_lock,
        )

    @router.get("/audit/verify")
    async def verify(
        request: Request,
        principal: Auditor,
        since: Since = None,
        until: Until = None,
    ) -> VerificationOut:
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
        return VerificationOut(
            agency_code=principal.agency_code,
            intact=report.intact,
            records_checked=report.records_checked,
            checkpoints_checked=report.checkpoints_checked,
            first_broken_record=None
            if broken is None
            else BrokenRecordOut(
                topic=broken.topic,
                partition=broken.partition,
                offset=broken.offset,
                kind=broken.kind.value,
                description=broken.describe(),
            ),
            checkpoint_problems=report.checkpoint_problems,
        )

    @router.get("/audit/export", response_class=StreamingResponse, responses=NDJSON_RESPONSE)
    async def export(
        request: Request,
        principal: Auditor,
        since: Since = None,
        until: Until = None,
    ) -> StreamingResponse:
        """The caller's agency's archived records with a Kafka timestamp in [from, to], streamed
        as NDJSON with their chain hashes and a signed trailer. A record about a document the
        caller may not see is exported as its links only (ADR 0006, 0047)."""
        for moment, name in ((since, "from"), (until, "to")):
            if moment is not None and moment.tzinfo is None:
                raise _bad(name, "needs a time zone (cần múi giờ)")
            within_calendar(moment, name)
        if since is not None and until is not None and since > until:
            raise _bad("to", "is before from (thời điểm kết thúc trước thời điểm bắt đầu)")
        archive = _archive(request)
        read_models = archive.read_models

        async def withheld(page: list[ChainedRecord]) -> set[str]:
            subjects = sorted({s for c in page if (s := subject_of(c.record)) is not None})
            return await read_models.hidden_ids(principal, subjects)

        lines = export_agency(
            archive.store,
            await archive.signing_key(),
            principal.agency_code,
            withheld,
            since=since,
            until=until,
            now=datetime.now(UTC),
        )
        name = f"export-{principal.agency_code}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.ndjson"
        return StreamingResponse(
            lines,
            media_type="application/x-ndjson",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/audit/actions")
    async def actions(
        request: Request,
        principal: Auditor,
        user_id: Annotated[str, Query(min_length=1, max_length=100)],
        since: Since = None,
        until: Until = None,
    ) -> ActionsOut:
        within_calendar(since, "from")
        within_calendar(until, "to")
        read_models = _archive(request).read_models
        own = await read_models.actions_of(user_id, since, until, agency_code=principal.agency_code)
        # Every action is counted; one on a document the auditor may not see keeps its time,
        # kind and roles, not the document or the summary (ADR 0006: a masked row).
        shown = await read_models.visible_ids(principal, sorted({e["document_id"] for e in own}))
        return ActionsOut(
            user_id=user_id,
            actions=[
                ActionOut(
                    occurred_at=e["occurred_at"],
                    document_id=e["document_id"] if e["document_id"] in shown else None,
                    kind=e["kind"],
                    roles=[a["role"] for a in e["actors"] if a["user_id"] == user_id],
                    summary=e["summary"] if e["document_id"] in shown else None,
                    on_behalf=e["on_behalf"],
                    masked=e["document_id"] not in shown,
                )
                for e in own
            ],
        )

    return router


def _position(position: ChainPosition | None) -> ChainPositionOut | None:
    if position is None:
        return None
    return ChainPositionOut(
        topic=position.topic,
        partition=position.partition,
        offset=position.offset,
        hash=position.hash,
        recorded_at=position.recorded_at,
    )


def _entry_view(entry: TimelineEntry) -> TimelineEntryOut:
    return TimelineEntryOut(
        event_id=entry.event_id,
        kind=entry.kind,
        occurred_at=entry.occurred_at,
        summary=entry.summary,
        actors=[
            ActorOut(role=a.role, user_id=a.user_id, full_name=a.full_name) for a in entry.actors
        ],
        on_behalf=entry.on_behalf,
        event_type=entry.event_type,
        details=entry.details,
    )


def _state_view(state: DocumentAsOf) -> DocumentStateOut:
    then = state.descriptive
    heads = [_position(state.heads[key]) for key in sorted(state.heads)]
    return DocumentStateOut(
        document_id=state.document_id,
        as_of=state.as_of,
        known=state.known,
        document=None
        if then is None
        else DocumentThenOut(
            subject=then.subject,
            notation=then.notation,
            document_type=DocumentTypeOut(
                code=then.document_type_code, name=then.document_type_name
            ),
            issuer=IssuerOut(name=then.issuer_name, agency_code=then.issuer_code),
            issued_date=then.issued_date,
            received_at=then.received_at,
            urgency=then.urgency,
            confidentiality=then.confidentiality,
            direction=then.direction,
            registered_by=then.registered_by,
        ),
        status=state.status,
        status_at=state.status_at,
        voided=None
        if state.voided is None
        else VoidedOut(
            reason=state.voided.reason, at=state.voided.voided_at, by=state.voided.voided_by
        ),
        decisions=[
            DecisionThenOut(
                decision_id=d.decision_id,
                kind=d.kind,
                decided_by=ActorOut(
                    role="decided_by", user_id=d.decided_by, full_name=d.decided_by_name
                ),
                recorded_by=ActorOut(
                    role="recorded_by", user_id=d.recorded_by, full_name=d.recorded_by_name
                ),
                on_behalf=d.on_behalf,
                decided_at=d.decided_at,
                text=d.text,
            )
            for d in state.decisions
        ],
        tasks=[
            TaskThenOut(
                task_id=t.task_id,
                role=t.role,
                unit_id=t.unit_id,
                user_id=t.user_id,
                assigned_by=t.assigned_by,
                assigned_at=t.assigned_at,
                due_date=t.due_date,
                state=t.state,
                closed_at=t.closed_at,
            )
            for t in state.tasks
        ],
        entries=[_entry_view(e) for e in state.entries],
        computed_from=ComputedFromOut(
            records_folded=state.records_folded,
            last_record=_position(state.last_record),
            heads=[h for h in heads if h is not None],
        ),
    )


async def _visible(request: Request, principal: Principal, document_id: str) -> dict[str, Any]:
    require_document_reader(principal)
    found = await _archive(request).read_models.visible_document(principal, document_id)
    if found is None:
        # Not found and not allowed look alike, so a confidential document's existence leaks not.
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"document {document_id} not found")
    return found
