"""HTTP API of file plans, records files, hand-over, disposition and archival packages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi import Path as FastApiPath
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask
from vanthu_contracts.events.archive import DispositionApproved
from vanthu_contracts.events.values import Person
from vanthu_runtime.auth import Principal, Role, require_roles
from vanthu_runtime.errors import AlreadyExists

from vanthu_archive.api.query_rules import known_query_parameters, rfc3339_instant
from vanthu_archive.api.responses import (
    ZIP_RESPONSE,
    DispositionOut,
    FiledDocumentOut,
    FileMemberOut,
    FilePlanOut,
    FilePlanSavedOut,
    FixityFindingOut,
    FixityOut,
    PlanEntryOut,
    RecordsFileDetailOut,
    RecordsFileOut,
    RecordsFilesOut,
    RecordsFileStateOut,
)
from vanthu_archive.api.routes import require_document_reader
from vanthu_archive.document_access import keeps_file_of
from vanthu_archive.domain.bagit_package import VIETNAM_TIME, PackagingContext, PackagingRefused
from vanthu_archive.domain.document_history import filed_entry
from vanthu_archive.domain.errors import ArchiveDomainError
from vanthu_archive.domain.records_files import (
    HANDOVER_ALERT_DAYS,
    FilePlan,
    FilePlanEntry,
    RecordsFile,
    RecordsFileStatus,
    RetentionPeriod,
    UnknownFilePlanEntry,
    open_records_file,
)
from vanthu_archive.handlers import (
    archive_event,
    change_records_file,
    document_bag,
    packaged_document,
    records_file_bag,
)
from vanthu_archive.ports import RecordsFileNotFound

if TYPE_CHECKING:
    from vanthu_archive.bootstrap import Archive

Keeper = Annotated[
    Principal, Depends(require_roles(Role.CLERK, Role.ADMINISTRATOR, Role.UNIT_HEAD))
]
Approver = Annotated[Principal, Depends(require_roles(Role.LEADER, Role.ADMINISTRATOR))]
Reader = Annotated[
    Principal,
    Depends(
        require_roles(Role.CLERK, Role.ADMINISTRATOR, Role.UNIT_HEAD, Role.LEADER, Role.AUDITOR)
    ),
]
Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR, Role.ADMINISTRATOR))]
ZIP = "application/zip"
Year = Annotated[int, FastApiPath(ge=1900, le=9999)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanEntryIn(_Body):
    code: str = Field(min_length=1, max_length=20)
    title: str = Field(min_length=1, max_length=500)
    retention_years: int | None = Field(ge=1, le=100)
    """null means permanent (vĩnh viễn)."""
    responsible_unit: str = Field(min_length=1, max_length=128)
    construction_project: bool = False


class FilePlanIn(_Body):
    entries: list[PlanEntryIn] = Field(min_length=1, max_length=5000)


class OpenFileIn(_Body):
    year: int = Field(ge=1900, le=9999)
    code: str = Field(min_length=1, max_length=20)


class AddDocumentIn(_Body):
    document_id: str = Field(min_length=1, max_length=128)


class CloseFileIn(_Body):
    retention_years: int | None = Field(default=None, ge=1, le=100)
    permanent: bool = False


class ReasonIn(_Body):
    reason: str = Field(min_length=1, max_length=500)


class NoteIn(_Body):
    note: str | None = Field(default=None, min_length=1, max_length=500)


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def today() -> date:
    return datetime.now(VIETNAM_TIME).date()


def _person(principal: Principal) -> Person:
    return Person(user_id=principal.user_id, full_name=principal.full_name or principal.user_id)


def _refused(exc: ArchiveDomainError) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=str(exc))


def file_view(records_file: RecordsFile, shown: set[str]) -> RecordsFileOut:
    """The file as this caller may see it: the documents they may not see are left out of
    `document_ids` and counted in `withheld_documents` (ADR 0047)."""
    disposition = records_file.disposition
    return RecordsFileOut(
        file_id=records_file.file_id,
        agency_code=records_file.agency_code,
        year=records_file.year,
        notation=records_file.notation,
        title=records_file.title,
        retention=records_file.retention.label,
        retention_years=records_file.retention.years,
        responsible_unit=records_file.responsible_unit,
        status=records_file.status.value,
        document_ids=[d for d in records_file.document_ids if d in shown],
        withheld_documents=sum(1 for d in records_file.document_ids if d not in shown),
        opened_on=records_file.opened_on,
        closed_on=records_file.closed_on,
        handover_due_on=records_file.handover_due_on,
        retention_expires_on=records_file.retention_expires_on,
        handed_over_on=records_file.handed_over_on,
        disposition=None
        if disposition is None
        else DispositionOut(
            state=disposition.state.value,
            proposed_by=disposition.proposed_by,
            reason=disposition.reason,
            decided_by=disposition.decided_by,
            decision_note=disposition.decision_note,
        ),
    )


async def _views(
    request: Request, principal: Principal, files: list[RecordsFile]
) -> list[RecordsFileOut]:
    return [file_view(f, await _shown_members(request, principal, f)) for f in files]


async def _shown_members(
    request: Request, principal: Principal, records_file: RecordsFile
) -> set[str]:
    return await _archive(request).read_models.visible_ids(
        principal,
        records_file.document_ids,
        unit_file=keeps_file_of(principal, records_file.responsible_unit),
    )


async def _view(
    request: Request, principal: Principal, records_file: RecordsFile
) -> RecordsFileOut:
    return (await _views(request, principal, [records_file]))[0]


async def _own_file(request: Request, principal: Principal, file_id: str) -> RecordsFile:
    found = await _archive(request).records_files.get(file_id)
    if found is None or found[0].agency_code != principal.agency_code:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"records file {file_id} not found")
    return found[0]


async def _change(
    request: Request, principal: Principal, file_id: str, change: Any
) -> RecordsFileOut:
    await _own_file(request, principal, file_id)
    try:
        changed = await change_records_file(_archive(request).records_files, file_id, change)
    except RecordsFileNotFound:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"records file {file_id} not found"
        ) from None
    except ArchiveDomainError as exc:
        raise _refused(exc) from None
    return await _view(request, principal, changed)


def silently(action: Callable[[RecordsFile], object]) -> Callable[[RecordsFile], tuple[()]]:
    """A change that publishes no event."""

    def change(records_file: RecordsFile) -> tuple[()]:
        action(records_file)
        return ()

    return change


def records_files_router() -> APIRouter:
    router = APIRouter(
        prefix="/archive", tags=["records files"], dependencies=[Depends(known_query_parameters)]
    )

    @router.put("/file-plans/{year}")
    async def put_file_plan(
        request: Request, principal: Keeper, year: Year, body: FilePlanIn
    ) -> FilePlanSavedOut:
        try:
            plan = FilePlan(
                principal.agency_code,
                year,
                tuple(
                    FilePlanEntry(
                        code=e.code,
                        title=e.title,
                        retention=RetentionPeriod(e.retention_years),
                        responsible_unit=e.responsible_unit,
                        construction_project=e.construction_project,
                    )
                    for e in body.entries
                ),
            )
        except ValueError as exc:
            raise HTTPException(
                422, detail=[{"loc": ["body", "entries"], "msg": str(exc)}]
            ) from None
        await _archive(request).records_files.save_plan(plan)
        return FilePlanSavedOut(agency_code=plan.agency_code, year=year, entries=len(plan.entries))

    @router.get("/file-plans/{year}")
    async def get_file_plan(request: Request, principal: Reader, year: Year) -> FilePlanOut:
        plan = await _archive(request).records_files.plan(principal.agency_code, year)
        if plan is None:
            raise HTTPException(404, detail=f"no {year} file plan for {principal.agency_code}")
        return FilePlanOut(
            agency_code=plan.agency_code,
            year=plan.year,
            entries=[
                PlanEntryOut(
                    code=e.code,
                    title=e.title,
                    retention=e.retention.label,
                    retention_years=e.retention.years,
                    responsible_unit=e.responsible_unit,
                    construction_project=e.construction_project,
                )
                for e in plan.entries
            ],
        )

    @router.post("/records-files", status_code=status.HTTP_201_CREATED)
    async def open_file(request: Request, principal: Keeper, body: OpenFileIn) -> RecordsFileOut:
        archive = _archive(request)
        plan = await archive.records_files.plan(principal.agency_code, body.year)
        if plan is None:
            raise HTTPException(
                422, detail=[{"loc": ["body", "year"], "msg": f"no {body.year} file plan"}]
            )
        file_id = f"rf-{body.year}-{uuid.uuid4().hex[:12]}"
        try:
            records_file = open_records_file(plan, body.code, file_id, today())
        except UnknownFilePlanEntry as exc:
            raise HTTPException(422, detail=[{"loc": ["body", "code"], "msg": str(exc)}]) from None
        except ArchiveDomainError as exc:
            raise _refused(exc) from None
        try:
            await archive.records_files.add(records_file)
        except AlreadyExists:
            raise HTTPException(
                409, detail=f"records file {body.code} of {body.year} is already open"
            ) from None
        return await _view(request, principal, records_file)

    @router.get("/records-files")
    async def list_files(
        request: Request, principal: Reader, status_: str | None = None
    ) -> RecordsFilesOut:
        statuses = None
        if status_ is not None:
            if status_ not in {s.value for s in RecordsFileStatus}:
                raise HTTPException(422, detail=[{"loc": ["query", "status_"], "msg": "unknown"}])
            statuses = [status_]
        files = await _archive(request).records_files.of_agency(principal.agency_code, statuses)
        return RecordsFilesOut(items=await _views(request, principal, files))

    @router.get("/records-files/{file_id}")
    async def get_file(request: Request, principal: Reader, file_id: str) -> RecordsFileDetailOut:
        records_file = await _own_file(request, principal, file_id)
        view = await _view(request, principal, records_file)
        # Only what the view shows (ADR 0047): the withheld members stay a count.
        listed = await _archive(request).read_models.listed(view.document_ids)
        members = [
            FileMemberOut.of(
                {**row, "document_id": row["_id"]},
                ordinal=records_file.ordinal_of(str(row["_id"])),
            )
            for row in listed
        ]
        return RecordsFileDetailOut(**view.model_dump(), members=members)

    @router.get("/records-files/{file_id}/state")
    async def file_state(
        request: Request,
        principal: Reader,
        file_id: str,
        as_of: Annotated[
            str,
            Query(
                max_length=40,
                description="RFC 3339 instant with its offset, e.g. 2026-12-01T09:30:00+07:00",
                examples=["2026-12-01T09:30:00+07:00"],
            ),
        ],
    ) -> RecordsFileStateOut:
        """The records file as it stood at `as_of` (status, documents, dispositions): its newest
        revision written by then, from the history kept with the file."""
        moment = rfc3339_instant(as_of, "as_of")
        await _own_file(request, principal, file_id)
        found = await _archive(request).records_files.as_of(file_id, moment)
        if found is None:
            return RecordsFileStateOut(
                file_id=file_id,
                as_of=moment,
                known=False,
                revision=None,
                revised_at=None,
                file=None,
            )
        then, revision, revised_at = found
        return RecordsFileStateOut(
            file_id=file_id,
            as_of=moment,
            known=True,
            revision=revision,
            revised_at=revised_at,
            file=await _view(request, principal, then),
        )

    @router.post("/records-files/{file_id}/documents")
    async def add_document(
        request: Request, principal: Keeper, file_id: str, body: AddDocumentIn
    ) -> FiledDocumentOut:
        archive = _archive(request)
        visible = await archive.read_models.visible_document(principal, body.document_id)
        if visible is None:
            raise HTTPException(
                422,
                detail=[{"loc": ["body", "document_id"], "msg": "no such document of yours"}],
            )
        await _own_file(request, principal, file_id)
        try:
            changed = await change_records_file(
                archive.records_files, file_id, silently(lambda f: f.add_document(body.document_id))
            )
        except RecordsFileNotFound:
            raise HTTPException(404, detail=f"records file {file_id} not found") from None
        except ArchiveDomainError as exc:
            raise _refused(exc) from None
        view = await _view(request, principal, changed)
        ordinal = changed.ordinal_of(body.document_id)
        # The archive's own step in the document's timeline; id fixed per (file, document).
        entry_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vanthu:filed:{file_id}:{body.document_id}"))
        await archive.read_models.add_timeline_entry(
            filed_entry(
                event_id=entry_id,
                document_id=body.document_id,
                agency_code=principal.agency_code,
                notation=view.notation,
                ordinal=ordinal,
                filed_by=principal.user_id,
                filed_at=datetime.now(UTC),
            ),
            {"records_file": file_id},
        )
        return FiledDocumentOut(**view.model_dump(), ordinal=ordinal)

    @router.post("/records-files/{file_id}/close")
    async def close_file(
        request: Request, principal: Keeper, file_id: str, body: CloseFileIn
    ) -> RecordsFileOut:
        retention = None
        if body.permanent:
            retention = RetentionPeriod.permanent()
        elif body.retention_years is not None:
            retention = RetentionPeriod.of_years(body.retention_years)
        return await _change(
            request, principal, file_id, silently(lambda f: f.close(today(), retention))
        )

    @router.post("/records-files/{file_id}/handover")
    async def hand_over(request: Request, principal: Keeper, file_id: str) -> RecordsFileOut:
        return await _change(
            request, principal, file_id, silently(lambda f: f.record_handover(today()))
        )

    @router.post("/records-files/{file_id}/disposition")
    async def propose(
        request: Request, principal: Keeper, file_id: str, body: ReasonIn
    ) -> RecordsFileOut:
        return await _change(
            request,
            principal,
            file_id,
            silently(lambda f: f.propose_disposition(principal.user_id, today(), body.reason)),
        )

    @router.post("/records-files/{file_id}/disposition/approve")
    async def approve(
        request: Request, principal: Approver, file_id: str, body: NoteIn
    ) -> RecordsFileOut:
        def change(records_file: RecordsFile) -> tuple[Any, ...]:
            records_file.approve_disposition(principal.user_id, today(), body.note)
            disposition = records_file.disposition
            assert disposition is not None
            event = DispositionApproved(
                file_id=records_file.file_id,
                agency_code=records_file.agency_code,
                notation=records_file.notation,
                title=records_file.title,
                retention=records_file.retention.label,
                document_ids=tuple(records_file.document_ids),
                reason=disposition.reason,
                proposed_by=Person(
                    user_id=disposition.proposed_by, full_name=disposition.proposed_by
                ),
                approved_by=_person(principal),
                note=body.note,
                approved_at=datetime.now(UTC),
            )
            return (archive_event(event),)

        return await _change(request, principal, file_id, change)

    @router.post("/records-files/{file_id}/disposition/reject")
    async def reject(
        request: Request, principal: Approver, file_id: str, body: ReasonIn
    ) -> RecordsFileOut:
        return await _change(
            request,
            principal,
            file_id,
            silently(lambda f: f.reject_disposition(principal.user_id, today(), body.reason)),
        )

    @router.post("/records-files/{file_id}/disposal")
    async def dispose(request: Request, principal: Keeper, file_id: str) -> RecordsFileOut:
        return await _change(
            request,
            principal,
            file_id,
            silently(lambda f: f.record_disposal(principal.user_id, today())),
        )

    @router.get("/handover-due")
    async def handover_due(request: Request, principal: Reader) -> RecordsFilesOut:
        files = await _archive(request).records_files.of_agency(
            principal.agency_code, [RecordsFileStatus.CLOSED.value]
        )
        now = today()
        due = [
            f
            for f in files
            if f.retention.requires_handover
            and f.handover_due_on is not None
            and (f.handover_due_on - now).days <= HANDOVER_ALERT_DAYS
        ]
        return RecordsFilesOut(items=await _views(request, principal, due))

    @router.get(
        "/documents/{document_id}/package", response_class=FileResponse, responses=ZIP_RESPONSE
    )
    async def document_package(request: Request, principal: Reader, document_id: str) -> Response:
        archive = _archive(request)
        require_document_reader(principal)
        visible = await archive.read_models.visible_document(principal, document_id)
        if visible is None:
            raise HTTPException(404, detail=f"document {document_id} not found")
        try:
            document = await _packaged(archive, document_id, visible)
            zipped = await asyncio.to_thread(document_bag, document, _context(principal))
        except PackagingRefused as exc:
            raise _refused(exc) from None
        return _send_and_delete(zipped, f"bag-{document_id}.zip")

    @router.get(
        "/records-files/{file_id}/package", response_class=FileResponse, responses=ZIP_RESPONSE
    )
    async def file_package(request: Request, principal: Reader, file_id: str) -> Response:
        archive = _archive(request)
        records_file = await _own_file(request, principal, file_id)
        shown = await _shown_members(request, principal, records_file)
        withheld = [d for d in records_file.document_ids if d not in shown]
        if withheld:
            # A package is the file as it is handed over, every document in it: it is made by
            # someone who may see them all, never a partial copy under the file's code (ADR 0047).
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"records file {file_id} holds {len(withheld)} document(s) you may not "
                "see; its package is made by someone named on them "
                f"(hồ sơ có {len(withheld)} văn bản bạn không được xem)",
            )
        try:
            documents = []
            for document_id in records_file.document_ids:
                read = await archive.read_models.document(document_id) or {}
                documents.append(await _packaged(archive, document_id, read))
            zipped = await asyncio.to_thread(
                records_file_bag, records_file, documents, _context(principal)
            )
        except PackagingRefused as exc:
            raise _refused(exc) from None
        return _send_and_delete(zipped, f"bag-{file_id}.zip")

    @router.post("/audit/fixity")
    async def fixity_now(request: Request, principal: Auditor) -> FixityOut:
        archive = _archive(request)
        # The caller's agency only: another agency's object keys name its documents (issue 16
        # item 12); the whole store is the worker's timer and the operator's command.
        report = await archive.check_fixity_now(principal.agency_code)
        objects = {
            str(o["_id"]): o
            for o in await archive.read_models.stored_objects(agency_code=principal.agency_code)
        }
        owners = {str(objects[f.object_key].get("document_id")) for f in report.findings}
        shown = await archive.read_models.visible_ids(principal, sorted(owners))
        findings = []
        for f in report.findings:
            visible = str(objects[f.object_key].get("document_id")) in shown
            findings.append(
                FixityFindingOut(
                    # The key names the document: masked for one the caller may not see.
                    object_key=f.object_key if visible else None,
                    document_id=objects[f.object_key].get("document_id") if visible else None,
                    masked=not visible,
                    problem=f.problem.value,
                    expected=f.expected,
                    found=f.found,
                )
            )
        return FixityOut(checked=report.checked, intact=report.intact, findings=findings)

    return router


async def _packaged(archive: Archive, document_id: str, read: dict[str, Any]) -> Any:
    return await packaged_document(
        archive.store,
        document_id,
        list(read.get("related_ids", [])),
        await archive.read_models.stored_objects(document_id),
        archive.originals.opener,
    )


def _context(principal: Principal) -> PackagingContext:
    return PackagingContext(
        source_organization=principal.agency_code,
        bagged_at=datetime.now(UTC),
        contact_name=principal.full_name or principal.user_id,
    )


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _send_and_delete(zipped: Path, name: str) -> FileResponse:
    """Stream a zipped bag from its temporary file, which is deleted once sent (or not sent)."""
    return FileResponse(
        zipped,
        media_type=ZIP,
        headers=_download(name),
        background=BackgroundTask(zipped.unlink, missing_ok=True),
    )
