"""Use cases of bulk import: the backlog of paper scans, and the old system's document database.

Both register through the same code as the API (`handlers.register_document` and its numbers,
duplicate claims, outbox and content-addressed originals). Both can be run again at any time:
each row's document id is derived from what the row *is* (the scan's bytes, the old id), so a
re-run finds what an earlier run did, skips what is done and finishes what was cut short (ADR 0015).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from vanthu_runtime.auth import Principal
from vanthu_runtime.errors import AlreadyExists

from vanthu_intake import events, handlers
from vanthu_intake.domain.duplicates import content_key
from vanthu_intake.domain.legacy_import import LegacyDocumentRecord, ScanManifestRow
from vanthu_intake.domain.numbering import Register, RegisterKey
from vanthu_intake.handlers import Registration, Registry, UploadedFile
from vanthu_intake.ports import Record


class Outcome(StrEnum):
    REGISTERED = "registered"
    ALREADY_DONE = "already_done"


@dataclass(frozen=True)
class RowResult:
    outcome: Outcome
    record: Record


class RowRefused(Exception):
    """This row cannot be imported; the message names the field at fault.

    `existing_id` is the document the row would repeat, when that is why (the API links to it).
    """

    def __init__(self, message: str, *, existing_id: str | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id

    @property
    def field(self) -> str:
        return str(self).partition(": ")[0]

    @property
    def reason(self) -> str:
        return str(self).partition(": ")[2]


def scan_document_id(agency_code: str, sha256: str) -> str:
    return events.derived_id("import-scan", agency_code, sha256)


def legacy_document_id(agency_code: str, legacy_id: str) -> str:
    """Migrated documents' ids derive from their old ids: `/legacy/{old_id}` is one `_id` read."""
    return events.derived_id("legacy", agency_code, legacy_id)


async def import_scan(
    registry: Registry,
    *,
    principal: Principal,
    batch: str,
    row: int,
    entry: ScanManifestRow,
    data: bytes,
    register_anyway_reason: str | None = None,
) -> RowResult:
    """Register one row of a backlog manifest, once, whatever runs before or after it.

    The row is claimed under the scan's sha256 (`import|<agency>|scan|<sha256>`): a claim already
    there means an earlier run got to it; its document says whether it finished.
    """
    sha256 = content_key(data)
    document_id = scan_document_id(principal.agency_code, sha256)
    claim_key = f"import|{principal.agency_code}|scan|{sha256}"
    details = {"batch": batch, "row": row, "file": entry.file}
    held = await registry.claims.claim(claim_key, document_id, details)
    if held is not None:
        existing = await registry.documents.get(document_id)
        if existing is not None:
            if held.get("file") != entry.file:
                raise RowRefused(
                    f"file: {entry.file!r} has the same bytes as {held.get('file')!r} (row "
                    f"{held.get('row')} of batch {held.get('batch')}), registered as "
                    f"no. {existing['number']}/{existing['year']} ({document_id})",
                    existing_id=document_id,
                )
            return RowResult(Outcome.ALREADY_DONE, existing)
    try:
        record = await handlers.register_document(
            registry,
            principal=principal,
            metadata=entry.metadata,
            uploads=[UploadedFile(entry.file.rsplit("/", 1)[-1], data)],
            register_anyway_reason=register_anyway_reason,
            document_id=document_id,
            extra={"import": details},
            resuming=held is not None,
        )
    except handlers.DuplicateDocument as exc:
        await registry.claims.release([claim_key], document_id)
        field = "file" if exc.key == "file content" else "code_number"
        raise RowRefused(
            f"{field}: already registered as document {exc.existing_id} (same {exc.key}); "
            "give a reason to register it anyway (--register-anyway-reason, or the form field "
            "register_anyway_reason)",
            existing_id=exc.existing_id,
        ) from exc
    except handlers.UnacceptableFile as exc:
        await registry.claims.release([claim_key], document_id)
        raise RowRefused(f"file: {exc}") from exc
    except AlreadyExists:
        # A second run of the same batch, at the same time, stored it first.
        existing = await registry.documents.get(document_id)
        if existing is None:
            raise
        return RowResult(Outcome.ALREADY_DONE, existing)
    return RowResult(Outcome.REGISTERED, record)


@dataclass(frozen=True)
class LegacyFileData:
    path: str
    name: str
    role: str
    data: bytes


async def migrate_document(
    registry: Registry,
    *,
    operator: Principal,
    line: LegacyDocumentRecord,
    files: list[LegacyFileData],
) -> RowResult:
    """Bring one document of the old system over with its old id, number and dates.

    Its arrival number is claimed in the same per-number claims as new registrations
    (`<agency>|incoming|<year>|<number>`), so an old number is never given again and a clash
    with a number already given here is refused by name, not silently doubled.
    """
    document_id = legacy_document_id(line.agency_code, line.legacy_id)
    existing = await registry.documents.get(document_id)
    if existing is not None:
        return RowResult(Outcome.ALREADY_DONE, existing)
    uploads = [UploadedFile(file.name, file.data) for file in files]
    try:
        checked = await handlers.check_files(uploads)
    except handlers.UnacceptableFile as exc:
        raise RowRefused(f"files.{exc.index}.path: {exc}") from exc
    stored = await handlers.store_files(registry.files, document_id, uploads, checked)
    for kept, file in zip(stored, files, strict=True):
        kept["role"] = "original" if file.role == "original" else "evidence"
    key = RegisterKey(line.agency_code, Register.INCOMING, line.arrival_year)
    holder = await registry.numbers.claim_existing(key, line.arrival_number, document_id)
    if holder != document_id:
        raise RowRefused(
            f"arrival_number: {line.arrival_number} of {line.arrival_year} is already taken "
            f"in this register by document {holder}"
        )
    # Later uploads of a migrated document are duplicates; duplicates inside the old system
    # itself were its own business, so a key already held just stays with its first holder.
    keys = handlers.duplicate_keys(line.agency_code, line.metadata, uploads)
    await registry.claims.claim_all([claim_key for claim_key, _ in keys], document_id)
    registered_by = line.registered_by or "migration"
    registration = Registration(
        document_id=document_id,
        agency_code=line.agency_code,
        metadata=line.metadata,
        files=stored,
        registered_by={"user_id": registered_by, "full_name": registered_by},
        registered_at=line.registered_at.astimezone(UTC),
        extra={
            "legacy_id": line.legacy_id,
            "old_urls": list(line.old_urls),
            "migrated_at": datetime.now(UTC),
            "migrated_by": handlers.person_of(operator),
        },
    )
    try:
        record = await handlers.store_registration(registry, registration, key, line.arrival_number)
    except AlreadyExists:
        existing = await registry.documents.get(document_id)
        if existing is None:
            raise
        return RowResult(Outcome.ALREADY_DONE, existing)
    return RowResult(Outcome.REGISTERED, record)
