"""What the handlers need from the outside world, in the registry office's words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from vanthu_contracts import KafkaRecord

from vanthu_intake.domain.numbering import RegisterKey

Record = dict[str, Any]


@dataclass(frozen=True)
class StoredFile:
    object_key: str
    sha256: str
    size: int


class FileMissing(Exception):
    """The blob store has no object under the key a record names."""


class FileStore(Protocol):
    """Originals and derivatives, content-addressed and never altered."""

    async def put(self, data: bytes, media_type: str) -> StoredFile: ...

    async def get(self, object_key: str, sha256: str) -> bytes: ...

    async def put_named(self, key: str, data: bytes, media_type: str) -> StoredFile: ...

    async def link(self, object_key: str, ttl: timedelta) -> str: ...


class NumberRegister(Protocol):
    """Hands out the next number of a yearly register, remembering it until the document is kept."""

    async def reserve(self, key: RegisterKey, document_id: str) -> int: ...

    async def release(self, key: RegisterKey, number: int) -> None: ...

    async def claim_existing(self, key: RegisterKey, number: int, document_id: str) -> bool: ...

    async def stale_reservations(self, older_than: timedelta) -> Sequence[Reservation]: ...


@dataclass(frozen=True)
class Reservation:
    key: RegisterKey
    number: int
    document_id: str


class DocumentRepository(Protocol):
    """Registered documents, each written together with the events it must publish."""

    async def add(self, record: Record, events: Sequence[KafkaRecord]) -> None: ...

    async def get(self, document_id: str) -> Record | None: ...

    async def find_duplicate(
        self, agency_code: str, metadata_key: str | None, content_keys: Sequence[str]
    ) -> Record | None: ...

    async def find(
        self, query: Record, *, skip: int, limit: int, sort: Sequence[tuple[str, int]]
    ) -> tuple[list[Record], int]: ...

    async def add_fact(self, fact: Record, events: Sequence[KafkaRecord]) -> bool: ...

    async def facts_of(self, document_id: str) -> list[Record]: ...

    async def set_fields(self, document_id: str, changes: Record) -> None: ...

    async def by_legacy_id(self, agency_code: str, legacy_id: str) -> Record | None: ...


class OcrEngine(Protocol):
    async def read(self, data: bytes, media_type: str) -> OcrResult: ...


@dataclass(frozen=True)
class OcrResult:
    searchable_pdf: bytes
    text: str
    page_confidences: tuple[float, ...]


class SignatureVerifier(Protocol):
    async def verify(self, pdf: bytes) -> SignatureCheck: ...


@dataclass(frozen=True)
class SignerInfo:
    subject: str
    issuer: str
    serial_number: str | None
    signed_at: Any


@dataclass(frozen=True)
class SignatureCheck:
    result: str
    """valid, invalid, untrusted or unsigned (contracts' SignatureResult)."""
    signers: tuple[SignerInfo, ...]
    reason: str | None
