"""The archive's ports, in its own words; adapters in `adapters/` implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from vanthu_archive.domain.document_history import DocumentFacts, TimelineEntry
from vanthu_archive.domain.hashchain import ChainedRecord, PartitionHead, TopicPartition


class EventStore(Protocol):
    """Append-only, chained Kafka records; unique per (topic, partition, offset)."""

    async def head(self, position: TopicPartition) -> PartitionHead | None: ...

    async def append(self, chained: Sequence[ChainedRecord]) -> None:
        """Raises `AlreadyExists` when another writer stored one of these offsets first."""
        ...

    async def partitions(self) -> list[TopicPartition]: ...

    def records(
        self, position: TopicPartition, *, after_offset: int | None = None,
        until: datetime | None = None,
    ) -> AsyncIterator[ChainedRecord]: ...

    async def record_at(self, position: TopicPartition, offset: int) -> ChainedRecord | None: ...

    def records_until(self, until: datetime) -> AsyncIterator[ChainedRecord]:
        """Every record with a Kafka timestamp at or before `until`, oldest first."""
        ...

    def records_about(self, subjects: Sequence[str]) -> AsyncIterator[ChainedRecord]: ...


class Projections(Protocol):
    """The read models built from events: timeline entries and the search record of documents."""

    async def add_timeline_entry(self, entry: TimelineEntry, position: dict[str, Any]) -> None: ...

    async def merge_document(self, facts: DocumentFacts, body: str | None) -> None: ...


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
