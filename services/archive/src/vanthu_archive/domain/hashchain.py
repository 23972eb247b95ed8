"""The append-only event store's proof of integrity: one hash chain per topic-partition.

Every record the archive consumes is kept exactly as Kafka delivered it, and chained:

    hash_0 = genesis_hash(topic, partition)
    hash_n = SHA-256(hash_{n-1} || canonical_bytes(record_n))

so changing, removing or inserting any stored record changes every hash after it, and a signed
checkpoint of the heads (see ``checkpoint``) pins the whole history. This is X-Road's
"linking information" idea applied per partition instead of per archive file.

Canonical bytes of a record (the encodings are defined in ``canonical_encoding``)::

    text("vanthu/archive/record/v1")      format tag, so the bytes can never be mistaken
                                          for a genesis or a checkpoint leaf
    text(topic)
    i64(partition)
    i64(offset)
    instant(timestamp)                    Kafka's record timestamp
    optional_bytes(key)
    optional_bytes(value)
    u32(number of headers)
    for each header, in the order Kafka delivered them:
        text(name) optional_bytes(value)
    instant(arrived_at)                   when the archive received the record

Offsets: Kafka offsets within a partition only grow, but they are not contiguous. Transaction
markers take offsets no consumer ever sees, and compaction removes records, so a gap is reported
(``VerificationResult.gaps``) but is not a break. A record taken out of the archive's own store
is still caught: the record after it names the removed one's hash as its predecessor. Offsets that
repeat or go backwards are breaks: Kafka never delivers them in one partition, so they can only
come from a tampered or mis-merged store.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from vanthu_archive.domain import canonical_encoding as enc
from vanthu_archive.domain.errors import ArchiveDomainError

HASH_SIZE = 32
_RECORD_FORMAT = "vanthu/archive/record/v1"
_GENESIS_FORMAT = "vanthu/archive/genesis/v1"


class TopicPartition(NamedTuple):
    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One Kafka record as the archive received it; nothing is parsed, nothing is dropped."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes | None]]
    arrived_at: datetime

    def __post_init__(self) -> None:
        if not self.topic:
            raise ValueError("a stored record needs the topic it came from")
        if self.partition < 0 or self.offset < 0:
            raise ValueError(
                f"partition and offset are never negative in Kafka, got "
                f"partition={self.partition} offset={self.offset}"
            )
        enc.require_aware(self.timestamp, "a record timestamp")
        enc.require_aware(self.arrived_at, "a record arrival time")
        # Callers often hold headers as a list (aiokafka does); a tuple keeps the record hashable.
        object.__setattr__(self, "headers", tuple((name, value) for name, value in self.headers))

    @property
    def topic_partition(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


@dataclass(frozen=True, slots=True)
class ChainedRecord:
    """A stored record with its link to the previous one and its own chain hash."""

    record: StoredRecord
    previous_hash: bytes
    hash: bytes


@dataclass(frozen=True, slots=True)
class PartitionHead:
    """The newest link of one partition's chain: what a checkpoint signs."""

    topic: str
    partition: int
    offset: int
    hash: bytes

    def __post_init__(self) -> None:
        _require_hash(self.hash, "a partition head hash")

    @property
    def topic_partition(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)


class RecordNotAfterHead(ArchiveDomainError):
    """A record cannot be appended because its partition's chain is already past its offset.

    The consume loop redelivers after a crash, so handlers treat this as "already archived".
    """


class RecordFromOtherPartition(ArchiveDomainError):
    """A record was offered to the chain of a different topic-partition."""


def canonical_bytes(record: StoredRecord) -> bytes:
    parts = [
        enc.text(_RECORD_FORMAT),
        enc.text(record.topic),
        enc.i64(record.partition),
        enc.i64(record.offset),
        enc.instant(record.timestamp),
        enc.optional_bytes(record.key),
        enc.optional_bytes(record.value),
        enc.u32(len(record.headers)),
    ]
    for name, value in record.headers:
        parts.append(enc.text(name))
        parts.append(enc.optional_bytes(value))
    parts.append(enc.instant(record.arrived_at))
    return b"".join(parts)


def genesis_hash(topic: str, partition: int) -> bytes:
    """The hash before a partition's first record; distinct per topic-partition, so no chain can
    be transplanted onto another partition."""
    seed = enc.text(_GENESIS_FORMAT) + enc.text(topic) + enc.i64(partition)
    return hashlib.sha256(seed).digest()


def chain_hash(prev: bytes, record: StoredRecord) -> bytes:
    _require_hash(prev, "the previous hash")
    return hashlib.sha256(prev + canonical_bytes(record)).digest()


def append_record(head: PartitionHead | None, record: StoredRecord) -> ChainedRecord:
    """Link a newly consumed record after its partition's head (``None``: the first record)."""
    if head is None:
        previous = genesis_hash(record.topic, record.partition)
    else:
        if head.topic_partition != record.topic_partition:
            raise RecordFromOtherPartition(
                f"record of {record.topic_partition} offered to the chain of {head.topic_partition}"
            )
        if record.offset <= head.offset:
            raise RecordNotAfterHead(
                f"{record.topic_partition} is archived up to offset {head.offset}; "
                f"offset {record.offset} is already behind it"
            )
        previous = head.hash
    return ChainedRecord(record=record, previous_hash=previous, hash=chain_hash(previous, record))


def head_of(chained: ChainedRecord) -> PartitionHead:
    record = chained.record
    return PartitionHead(record.topic, record.partition, record.offset, chained.hash)


class BreakKind(StrEnum):
    HASH_MISMATCH = "hash_mismatch"
    """The record's content no longer gives the hash stored with it: it was altered."""
    LINK_MISMATCH = "link_mismatch"
    """The record names a predecessor that is not the one before it: something was removed,
    inserted or rewritten before it."""
    DUPLICATE_OFFSET = "duplicate_offset"
    OFFSET_OUT_OF_ORDER = "offset_out_of_order"
    FOREIGN_PARTITION = "foreign_partition"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first stored record at which the chain stops proving anything."""

    kind: BreakKind
    topic: str
    partition: int
    offset: int
    expected: str
    found: str

    def describe(self) -> str:
        return (
            f"{self.topic}[{self.partition}] offset {self.offset}: {self.kind.value}, "
            f"expected {self.expected}, found {self.found}"
        )


@dataclass(frozen=True, slots=True)
class OffsetGap:
    """Offsets Kafka skipped between two archived records (allowed: see module docstring)."""

    topic: str
    partition: int
    after_offset: int
    next_offset: int

    @property
    def skipped(self) -> int:
        return self.next_offset - self.after_offset - 1


@dataclass(frozen=True, slots=True)
class VerificationResult:
    checked: int
    """How many records were proven intact, in order, before any break."""
    head_hash: bytes
    """Hash of the last intact record (or the starting hash if none was)."""
    last_offset: int | None
    first_break: ChainBreak | None = None
    gaps: tuple[OffsetGap, ...] = field(default=())

    @property
    def intact(self) -> bool:
        return self.first_break is None


def verify_chain(
    records: Iterable[ChainedRecord], start_prev: bytes, *, after_offset: int | None = None
) -> VerificationResult:
    """Walk one partition's stored records in offset order and name the first broken one.

    ``start_prev`` is the genesis hash when verifying from the beginning, or a trusted head hash
    (from a verified checkpoint) when verifying from there; ``after_offset`` is that head's offset.
    """
    _require_hash(start_prev, "the starting hash")
    running = start_prev
    last_offset = after_offset
    expected_partition: TopicPartition | None = None
    gaps: list[OffsetGap] = []
    checked = 0
    for chained in records:
        record = chained.record
        expected_partition = expected_partition or record.topic_partition
        found_break = _break_in_position(record, expected_partition, last_offset)
        found_break = found_break or _break_in_links(chained, running)
        if found_break is not None:
            return VerificationResult(checked, running, last_offset, found_break, tuple(gaps))
        if last_offset is not None and record.offset > last_offset + 1:
            gaps.append(OffsetGap(record.topic, record.partition, last_offset, record.offset))
        running = chained.hash
        last_offset = record.offset
        checked += 1
    return VerificationResult(checked, running, last_offset, None, tuple(gaps))


def _break_in_position(
    record: StoredRecord, expected: TopicPartition, last_offset: int | None
) -> ChainBreak | None:
    if record.topic_partition != expected:
        return _break(
            record, BreakKind.FOREIGN_PARTITION, str(expected), str(record.topic_partition)
        )
    if last_offset is None or record.offset > last_offset:
        return None
    kind = (
        BreakKind.DUPLICATE_OFFSET
        if record.offset == last_offset
        else BreakKind.OFFSET_OUT_OF_ORDER
    )
    return _break(record, kind, f"an offset after {last_offset}", str(record.offset))


def break_in_record(
    chained: ChainedRecord, before: bytes, next_names: bytes | None
) -> ChainBreak | None:
    """One stored record checked on its own: it names ``before`` (the hash of the record stored
    before it, or the genesis), its content still gives its hash, and the record stored after it
    names that hash (``next_names``; None for the head, which checkpoints pin). A partition
    walked this way record by record proves what `verify_chain` proves of those records."""
    found = _break_in_links(chained, before)
    if (
        found is None
        and next_names is not None
        and not hmac.compare_digest(next_names, chained.hash)
    ):
        # Rewritten whole (content and hash): the next record still names the old hash.
        return _break(chained.record, BreakKind.LINK_MISMATCH, next_names.hex(), chained.hash.hex())
    return found


def _break_in_links(chained: ChainedRecord, running: bytes) -> ChainBreak | None:
    record = chained.record
    if not hmac.compare_digest(chained.previous_hash, running):
        return _break(record, BreakKind.LINK_MISMATCH, running.hex(), chained.previous_hash.hex())
    recomputed = chain_hash(running, record)
    if not hmac.compare_digest(chained.hash, recomputed):
        return _break(record, BreakKind.HASH_MISMATCH, recomputed.hex(), chained.hash.hex())
    return None


def _break(record: StoredRecord, kind: BreakKind, expected: str, found: str) -> ChainBreak:
    return ChainBreak(kind, record.topic, record.partition, record.offset, expected, found)


def _require_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ValueError(
            f"{what} must be a {HASH_SIZE}-byte SHA-256 digest, got {len(value)} bytes"
        )
