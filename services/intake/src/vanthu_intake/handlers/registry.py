"""The ports the registration use cases share, and the checks and storage of uploaded files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import structlog
from vanthu_runtime.auth import Principal
from vanthu_runtime.file_checks import (
    CheckedFile,
    FileLimits,
    FileRefused,
    MediaType,
    check_upload_async,
    safe_display_name,
)

from vanthu_intake import events
from vanthu_intake.ports import (
    ClaimBook,
    DocumentRepository,
    FileStore,
    NumberRegister,
    PdfText,
    Record,
)

log = structlog.get_logger(__name__)


SYSTEM_PERSON = {"user_id": "intake-system", "full_name": "Hệ thống văn thư (tự động)"}


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class Registry:
    """The ports the registration use cases share."""

    documents: DocumentRepository
    numbers: NumberRegister
    files: FileStore
    claims: ClaimBook
    claim_grace: timedelta = timedelta(seconds=60)
    """How long a claim whose document is not stored yet counts as a registration in flight."""
    pdf_text: PdfText | None = None
    """Reads a signed PDF to check it shows the number reserved for it."""


class DuplicateDocument(Exception):
    def __init__(self, existing_id: str, key: str) -> None:
        self.existing_id = existing_id
        self.key = key
        super().__init__(
            f"this document looks already registered (same {key}) as {self.existing_id}; "
            "state a reason to register it anyway"
        )


class UnacceptableFile(Exception):
    """A file that is not what intake keeps; `status` says which HTTP answer fits (415 not a
    kind intake keeps, 413 over a page or pixel limit, 422 damaged or carrying active content)."""

    def __init__(self, index: int, name: str, message: str, *, status: int) -> None:
        self.index = index
        self.name = safe_display_name(name, fallback=f"file-{index + 1}")
        self.status = status
        super().__init__(f"file {index + 1} ({self.name}): {message}")

    @property
    def unsupported_type(self) -> bool:
        return self.status == 415


class NotFound(Exception):
    pass


def person_of(principal: Principal) -> dict[str, str]:
    return {"user_id": principal.user_id, "full_name": principal.full_name or principal.user_id}


# What intake keeps (ADR 0018): an incoming PDF that needs a password is registered, flagged for
# a person, because it did arrive; our own signed originals are PDFs anyone can open.
INCOMING_FILES = FileLimits(encrypted_pdf="flag")
OUTGOING_ORIGINALS = FileLimits(accepted=frozenset({MediaType.PDF}))


async def check_files(
    files: Sequence[UploadedFile], limits: FileLimits = INCOMING_FILES
) -> list[CheckedFile]:
    """Open every file for real (never trusting its name or the channel it came by), or refuse
    the first that is not one intake keeps."""
    checked: list[CheckedFile] = []
    for index, file in enumerate(files):
        try:
            checked.append(await check_upload_async(file.data, file.name, limits))
        except FileRefused as exc:
            raise UnacceptableFile(index, file.name, str(exc), status=exc.http_status) from exc
    return checked


async def store_files(
    files: FileStore,
    document_id: str,
    uploads: Sequence[UploadedFile],
    checked: list[CheckedFile],
) -> list[Record]:
    stored: list[Record] = []
    for index, (upload, found) in enumerate(zip(uploads, checked, strict=True)):
        kept = await files.put(upload.data, found.media_type.value)
        file: Record = {
            "file_id": events.derived_id(document_id, "file", str(index)),
            "name": safe_display_name(upload.name, fallback=f"file-{index + 1}"),
            "media_type": found.media_type.value,
            "size": kept.size,
            "sha256": kept.sha256,
            "object_key": kept.object_key,
            "role": "original" if index == 0 else "attachment",
            "pages": found.pages,
            "scanned_pages": found.scanned_pages,
        }
        if found.cannot_be_read:
            file["cannot_be_read"] = found.cannot_be_read
        stored.append(file)
    return stored
