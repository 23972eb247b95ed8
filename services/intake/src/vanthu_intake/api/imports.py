"""`/v1/imports/scans`: the backlog of paper scans imported from a browser, one row at a time.

The same use case as `vanthu intake import-scans` (ADR 0015): a row's document id derives from
its scan's bytes, so a client that sends a batch row by row can stop anywhere and send it all
again; what was registered answers `already_done` with its number. The manifest is checked by
the CLI's own parser first, so the page lists every bad row before sending any (ADR 0015
addendum).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from vanthu_runtime.auth import Principal, Role, require_roles
from vanthu_runtime.directory_copy import DirectoryCopy
from vanthu_runtime.openapi_forms import multipart_body

from vanthu_intake import imports
from vanthu_intake.api.documents import (
    metadata_problems,
    parse_metadata_part,
    read_upload_form,
    registry_of,
    settings_of,
    unprocessable,
)
from vanthu_intake.domain.legacy_import import (
    SCAN_MANIFEST_OPTIONAL_COLUMNS,
    SCAN_MANIFEST_REQUIRED_COLUMNS,
    ScanManifestRow,
    check_relative_path,
    parse_scan_manifest,
)
from vanthu_intake.domain.metadata import Channel, IncomingDocumentMetadata

IMPORTERS = (Role.CLERK,)
MAX_MANIFEST_CHARS = 5_000_000
MAX_LISTED_FILES = 10_000
MAX_ROW = 1_000_000
# "subject: is required; issued_date: ..." → one problem per field
_NEXT_FIELD = re.compile(r"; (?=[a-z_][a-z0-9_.]*: )")
_LEADING_FIELD = re.compile(r"([a-z_][a-z0-9_.]*): (.*)", re.DOTALL)


async def importing_clerk(
    request: Request, principal: Annotated[Principal, Depends(require_roles(*IMPORTERS))]
) -> Principal:
    """A clerk by token and, where the agency keeps its directory in vanthu, by that directory:
    the backlog goes into the clerk's own agency's register (an administrator runs the CLI)."""
    directory: DirectoryCopy = request.app.state.directory
    reason = await directory.refusal(
        principal.agency_code, principal.user_id, [r.value for r in IMPORTERS]
    )
    if reason is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=reason)
    return principal


Clerk = Annotated[Principal, Depends(importing_clerk)]

router = APIRouter(prefix="/v1/imports", tags=["imports"])


class ManifestCheckRequest(BaseModel):
    """A bulk-scan manifest as the CLI reads it, and the scans the clerk chose beside it."""

    csv: str = Field(max_length=MAX_MANIFEST_CHARS, description="The manifest's text (UTF-8).")
    files: list[Annotated[str, Field(max_length=1000)]] | None = Field(
        default=None,
        max_length=MAX_LISTED_FILES,
        description="The chosen scans' paths (or bare names); when given, each row's `file` must "
        "be one of them, by its path or, failing that, by its name.",
    )


class ManifestRowOut(BaseModel):
    row: int = Field(description="Spreadsheet row (the header is row 1).")
    file: str
    metadata: IncomingDocumentMetadata


class ManifestProblem(BaseModel):
    row: int
    field: str = Field(description="The manifest column at fault ('row' for the whole row).")
    message: str


class ManifestCheck(BaseModel):
    rows: list[ManifestRowOut]
    problems: list[ManifestProblem]
    required_columns: list[str]
    optional_columns: list[str]


@router.post("/scans/manifest")
async def check_scan_manifest(body: ManifestCheckRequest, principal: Clerk) -> ManifestCheck:
    """Every row of the manifest, parsed as `vanthu intake import-scans` parses it, and every bad
    row with its field. A manifest whose header cannot be used is refused (422, field `csv`)."""
    report = parse_scan_manifest(body.csv)
    if not report.rows and report.problems and report.problems[0].row == 1:
        raise unprocessable([(["csv"], report.problems[0].message)])
    problems = [
        ManifestProblem(row=problem.row, field=field, message=message)
        for problem in report.problems
        for field, message in _fields_of(problem.message)
    ]
    rows: list[ManifestRowOut] = []
    chosen = _Chosen(body.files) if body.files is not None else None
    for row in report.rows:
        if chosen is not None and not chosen.has(row.entry.file):
            problems.append(
                ManifestProblem(
                    row=row.row,
                    field="file",
                    message=f"{row.entry.file!r} is not among the chosen scans",
                )
            )
            continue
        rows.append(ManifestRowOut(row=row.row, file=row.entry.file, metadata=row.entry.metadata))
    problems.sort(key=lambda problem: problem.row)
    return ManifestCheck(
        rows=rows,
        problems=problems,
        required_columns=list(SCAN_MANIFEST_REQUIRED_COLUMNS),
        optional_columns=list(SCAN_MANIFEST_OPTIONAL_COLUMNS),
    )


class _Chosen:
    """The scans a browser offers: paths when a folder was chosen, else bare file names."""

    def __init__(self, files: list[str]) -> None:
        self.paths = set(files)
        self.names = {path.rsplit("/", 1)[-1] for path in files}

    def has(self, path: str) -> bool:
        return path in self.paths or path.rsplit("/", 1)[-1] in self.names


def _fields_of(message: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for part in _NEXT_FIELD.split(message):
        match = _LEADING_FIELD.fullmatch(part)
        found.append((match.group(1), match.group(2)) if match else ("row", part))
    return found


class RowOutcome(StrEnum):
    REGISTERED = imports.Outcome.REGISTERED.value
    ALREADY_DONE = imports.Outcome.ALREADY_DONE.value


class ScanImported(BaseModel):
    """One row done: registered now (201), or by an earlier run of the batch (200)."""

    outcome: RowOutcome
    batch: str
    row: int
    path: str
    document_id: str
    arrival_number: int
    arrival_year: int


class ImportDuplicate(BaseModel):
    """The row repeats a document already registered; `register_anyway_reason` overrides it."""

    detail: str
    field: str = Field(description="'file' (the same bytes) or 'code_number' (the same number).")
    existing_id: str


@router.post(
    "/scans",
    status_code=status.HTTP_201_CREATED,
    response_model=ScanImported,
    responses={
        200: {"model": ScanImported, "description": "Already registered by an earlier run."},
        409: {"model": ImportDuplicate},
    },
    openapi_extra=multipart_body(
        json_parts={"metadata": IncomingDocumentMetadata},
        text_parts={
            "batch": "The batch's label, kept with the row (e.g. the manifest's name).",
            "row": "The row's number in the manifest (the header is row 1), kept with it.",
            "path": "The manifest's `file` cell (the scan's path in its folder); default: the "
            "uploaded file's name. Another path with the same bytes is refused.",
            "register_anyway_reason": "Why a row found to be a duplicate is registered anyway.",
        },
        file_description="The row's scan, exactly one (PDF, TIFF, JPEG or PNG).",
        many_files=False,
        required=("metadata", "batch", "row", "file"),
    ),
)
async def import_scan_row(
    request: Request, response: Response, principal: Clerk
) -> ScanImported | JSONResponse:
    """Register one row of a backlog batch in the caller's agency, once however often it is sent."""
    fields, uploads = await read_upload_form(request, settings_of(request))
    known = {"metadata", "batch", "row", "path", "register_anyway_reason"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise unprocessable([([name], "is not a known form field") for name in unknown])
    batch = _batch_of(fields)
    row = _row_of(fields)
    raw = parse_metadata_part(fields)
    raw.setdefault("channel", Channel.PAPER.value)
    try:
        metadata = IncomingDocumentMetadata.model_validate(raw)
    except ValidationError as exc:
        raise unprocessable(metadata_problems(exc)) from exc
    if metadata.channel is not Channel.PAPER:
        raise unprocessable([(["metadata", "channel"], "must be 'paper': these are scans")])
    if len(uploads) != 1:
        raise unprocessable([(["file"], "exactly one file: the row's scan")])
    upload = uploads[0]
    path = _path_of(fields, upload.name)
    reason = (fields.get("register_anyway_reason") or "").strip() or None
    try:
        result = await imports.import_scan(
            registry_of(request),
            principal=principal,
            batch=batch,
            row=row,
            entry=ScanManifestRow(file=path, metadata=metadata),
            data=upload.data,
            register_anyway_reason=reason,
        )
    except imports.RowRefused as exc:
        if exc.existing_id is not None:
            duplicate = ImportDuplicate(
                detail=str(exc), field=exc.field, existing_id=exc.existing_id
            )
            return JSONResponse(duplicate.model_dump(), status_code=status.HTTP_409_CONFLICT)
        raise unprocessable([([exc.field], exc.reason)]) from exc
    if result.outcome is imports.Outcome.ALREADY_DONE:
        response.status_code = status.HTTP_200_OK
    record = result.record
    return ScanImported(
        outcome=RowOutcome(result.outcome.value),
        batch=batch,
        row=row,
        path=path,
        document_id=record["_id"],
        arrival_number=record["number"],
        arrival_year=record["year"],
    )


def _batch_of(fields: dict[str, str]) -> str:
    batch = (fields.get("batch") or "").strip()
    if not batch:
        raise unprocessable([(["batch"], "is required: the batch's label")])
    if len(batch) > 200:
        raise unprocessable([(["batch"], "is longer than 200 characters")])
    return batch


def _row_of(fields: dict[str, str]) -> int:
    text = (fields.get("row") or "").strip()
    if not text:
        raise unprocessable([(["row"], "is required: the row's number in the manifest")])
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ROW:
        raise unprocessable([(["row"], f"must be a whole number from 1 to {MAX_ROW}")])
    return int(text)


def _path_of(fields: dict[str, str], uploaded_name: str) -> str:
    path = (fields.get("path") or "").strip() or uploaded_name
    try:
        return check_relative_path(path)
    except ValueError as exc:
        raise unprocessable([(["path"], str(exc))]) from exc
