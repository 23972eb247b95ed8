"""The archive's ports, in its own words; adapters in `adapters/` implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from vanthu_contracts import KafkaRecord

from vanthu_archive.domain.document_history import DocumentFacts, TimelineEntry
from vanthu_archive.domain.fixity import FixityReport
from vanthu_archive.domain.hashchain import (
    ChainedRecord,
    PartitionHead,
    StoredRecord,
    TopicPartition,
)
from vanthu_archive.domain.records_files import RecordsFile


class EventStore(Protocol):
    """Append-only, chained Kafka records; unique per (topic, partition, offset)."""

    async def head(self, position: TopicPartition) -> PartitionHead | None: ...

    async def append(self, chained: Sequence[ChainedRecord]) -> None:
        """Raises `AlreadyExists` when another writer stored one of these offsets first."""
        ...

    async def partitions(self) -> list[TopicPartition]: ...

    def records(
        self,
        position: TopicPartition,
        *,
        after_offset: int | None = None,
        until: datetime | None = None,
    ) -> AsyncIterator[ChainedRecord]: ...

    async def record_at(self, position: TopicPartition, offset: int) -> ChainedRecord | None: ...

    def records_until(self, until: datetime) -> AsyncIterator[ChainedRecord]:
        """Every record with a Kafka timestamp at or before `until`, oldest first."""
        ...

    def records_about(self, subjects: Sequence[str]) -> AsyncIterator[ChainedRecord]: ...

    def records_of_agency(
        self, agency_code: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> AsyncIterator[ChainedRecord]:
        """The records whose envelope names this agency, in position order."""
        ...

    async def links_around(
        self, position: TopicPartition, offsets: Sequence[int]
    ) -> tuple[dict[int, bytes], dict[int, bytes]]:
        """Per offset: the hash of the stored record before it, and the `previous_hash` of the
        stored record after it (absent when there is none)."""
        ...


@dataclass(frozen=True, slots=True)
class Projected:
    """One event as the read models take it: its timeline entry, its facts, where it was stored
    and the OCR text it pointed to (if any)."""

    entry: TimelineEntry
    facts: DocumentFacts
    position: dict[str, Any]
    body: str | None = None


class Projections(Protocol):
    """The read models built from events: timeline entries and the search record of documents."""

    async def apply(self, items: Sequence[Projected]) -> None:
        """Apply a batch in order; applying it again changes nothing."""
        ...


class RecordHistory(Protocol):
    """Raw records read back from somewhere other than the store (Kafka, as far as it keeps them)."""

    def batches_until(self, as_of: datetime) -> AsyncIterator[list[StoredRecord]]: ...


class TextSource(Protocol):
    """Where OCR text lives (the shared blob store)."""

    async def text(self, key: str) -> str | None: ...


class CheckpointStore(Protocol):
    """Write-once storage of signed checkpoints and the public keys that verify them."""

    async def put_checkpoint(self, name: str, data: bytes) -> None: ...

    async def put_public_key(self, key_id: str, pem: bytes) -> None: ...

    async def checkpoint_names(self) -> list[str]: ...

    async def get(self, name: str) -> bytes: ...

    async def public_key(self, key_id: str) -> bytes | None: ...


class StaleRecordsFile(Exception):
    """The file changed since it was read; read it again and retry."""


class RecordsFileNotFound(Exception):
    pass


class RecordsFileRepository(Protocol):
    async def get(self, file_id: str) -> tuple[RecordsFile, int] | None: ...

    async def update(
        self,
        records_file: RecordsFile,
        version: int,
        events: tuple[KafkaRecord, ...] = (),
        *,
        before_ids: Sequence[str] = (),
    ) -> None:
        """Compare-and-set on ``version``; raises `StaleRecordsFile` when it moved on.
        ``before_ids``: the file's documents at ``version`` (its history keeps the changes)."""
        ...

    async def closed_files(self) -> list[tuple[RecordsFile, int]]: ...


class FixityRuns(Protocol):
    async def record(
        self, check_id: str, report: FixityReport, events: tuple[KafkaRecord, ...]
    ) -> None: ...
