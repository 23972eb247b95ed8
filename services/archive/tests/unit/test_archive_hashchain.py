"""The event store's hash chain, as an auditor relies on it."""

from __future__ import annotations

import dataclasses
import hashlib
import struct
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from vanthu_archive.domain.hashchain import (
    BreakKind,
    ChainedRecord,
    RecordFromOtherPartition,
    RecordNotAfterHead,
    StoredRecord,
    append_record,
    canonical_bytes,
    chain_hash,
    genesis_hash,
    head_of,
    verify_chain,
)

T0 = datetime(2025, 3, 5, 8, 30, tzinfo=UTC)


def record(offset: int, *, topic: str = "document.received", partition: int = 0) -> StoredRecord:
    return StoredRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        timestamp=T0 + timedelta(seconds=offset),
        key=f"doc-{offset % 3}".encode(),
        value=f'{{"document_id": "doc-{offset % 3}", "n": {offset}}}'.encode(),
        headers=[
            ("ce_id", f"evt-{offset}".encode()),
            ("ce_type", b"vanthu.intake.document.received.v1"),
        ],
        arrived_at=T0 + timedelta(seconds=offset, milliseconds=250),
    )


def chain_of(records: list[StoredRecord]) -> list[ChainedRecord]:
    chained: list[ChainedRecord] = []
    for item in records:
        chained.append(append_record(head_of(chained[-1]) if chained else None, item))
    return chained


def test_an_untouched_partition_verifies_from_its_genesis() -> None:
    chained = chain_of([record(n) for n in range(6)])

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.intact
    assert result.checked == 6
    assert result.last_offset == 5
    assert result.head_hash == chained[-1].hash


def test_altering_one_stored_record_names_exactly_that_record() -> None:
    chained = chain_of([record(n) for n in range(6)])
    tampered_record = dataclasses.replace(chained[3].record, value=b'{"document_id": "forged"}')
    chained[3] = dataclasses.replace(chained[3], record=tampered_record)

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert not result.intact
    broken = result.first_break
    assert broken is not None
    assert (broken.topic, broken.partition, broken.offset) == ("document.received", 0, 3)
    assert broken.kind is BreakKind.HASH_MISMATCH
    assert broken.found == chained[3].hash.hex()
    assert broken.expected == chain_hash(chained[2].hash, tampered_record).hex()
    assert result.checked == 3
    assert "offset 3" in broken.describe()


@pytest.mark.parametrize(
    "change",
    [
        {"key": b"doc-other"},
        {"key": None},
        {"value": None},
        {"headers": (("ce_id", b"evt-1"), ("ce_type", b"vanthu.intake.document.voided.v1"))},
        {"headers": (("ce_type", b"vanthu.intake.document.received.v1"), ("ce_id", b"evt-1"))},
        {"timestamp": T0 + timedelta(days=1)},
        {"arrived_at": T0 + timedelta(days=1)},
    ],
    ids=["key", "key removed", "value removed", "header value", "header order", "time", "arrival"],
)
def test_every_part_of_a_record_is_covered_by_its_hash(change: dict[str, Any]) -> None:
    chained = chain_of([record(n) for n in range(3)])
    chained[1] = dataclasses.replace(
        chained[1], record=dataclasses.replace(chained[1].record, **change)
    )

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.first_break is not None
    assert result.first_break.offset == 1


def test_removing_a_stored_record_breaks_the_link_of_the_next_one() -> None:
    chained = chain_of([record(n) for n in range(5)])
    del chained[2]

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.first_break is not None
    assert result.first_break.kind is BreakKind.LINK_MISMATCH
    assert result.first_break.offset == 3


def test_rewriting_a_record_and_its_hash_is_still_caught_at_the_next_record() -> None:
    chained = chain_of([record(n) for n in range(5)])
    forged = dataclasses.replace(chained[2].record, value=b'{"forged": true}')
    chained[2] = ChainedRecord(
        forged, chained[2].previous_hash, chain_hash(chained[1].hash, forged)
    )

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.first_break is not None
    assert (result.first_break.kind, result.first_break.offset) == (BreakKind.LINK_MISMATCH, 3)


def test_offset_gaps_from_kafka_transactions_are_reported_but_not_a_break() -> None:
    chained = chain_of([record(n) for n in (0, 1, 5, 6, 9)])

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.intact
    assert [(gap.after_offset, gap.next_offset, gap.skipped) for gap in result.gaps] == [
        (1, 5, 3),
        (6, 9, 2),
    ]


def test_a_duplicated_offset_is_a_break() -> None:
    chained = chain_of([record(n) for n in range(4)])
    chained.insert(2, chained[1])

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.first_break is not None
    assert (result.first_break.kind, result.first_break.offset) == (BreakKind.DUPLICATE_OFFSET, 1)


def test_swapping_two_stored_records_names_the_first_one_out_of_place() -> None:
    chained = chain_of([record(n) for n in range(4)])
    chained[1], chained[2] = chained[2], chained[1]

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.first_break is not None
    assert (result.first_break.kind, result.first_break.offset) == (BreakKind.LINK_MISMATCH, 2)


def test_offsets_going_backwards_are_a_break_even_when_the_hashes_link_up() -> None:
    # A store that chained records in the wrong order: every link is consistent, the order is not.
    chained: list[ChainedRecord] = []
    previous = genesis_hash("document.received", 0)
    for offset in (0, 2, 1, 3):
        item = record(offset)
        chained.append(ChainedRecord(item, previous, chain_hash(previous, item)))
        previous = chained[-1].hash

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.first_break is not None
    assert result.first_break.kind is BreakKind.OFFSET_OUT_OF_ORDER
    assert result.first_break.offset == 1
    assert result.first_break.expected == "an offset after 2"


def test_a_record_of_another_partition_in_the_chain_is_named() -> None:
    chained = chain_of([record(n) for n in range(3)])
    stranger = chain_of([record(n, partition=1) for n in range(4)])[3]
    chained.append(stranger)

    result = verify_chain(chained, genesis_hash("document.received", 0))

    assert result.first_break is not None
    assert result.first_break.kind is BreakKind.FOREIGN_PARTITION
    assert (result.first_break.partition, result.first_break.offset) == (1, 3)


def test_a_chain_cannot_be_passed_off_as_another_partitions_chain() -> None:
    chained = chain_of([record(n) for n in range(2)])

    result = verify_chain(chained, genesis_hash("document.received", 1))

    assert result.first_break is not None
    assert result.first_break.offset == 0
    assert len({genesis_hash(t, p) for t in ("a", "b") for p in (0, 1)}) == 4


def test_verification_can_start_from_a_trusted_head_instead_of_genesis() -> None:
    chained = chain_of([record(n) for n in range(8)])
    trusted = head_of(chained[4])

    result = verify_chain(chained[5:], trusted.hash, after_offset=trusted.offset)

    assert result.intact
    assert result.checked == 3


def test_a_record_already_behind_its_head_is_recognised_as_archived() -> None:
    chained = chain_of([record(n) for n in range(3)])

    with pytest.raises(RecordNotAfterHead, match="offset 1"):
        append_record(head_of(chained[-1]), record(1))
    with pytest.raises(RecordFromOtherPartition):
        append_record(head_of(chained[-1]), record(3, partition=2))


def test_a_record_reloaded_with_millisecond_precision_still_verifies() -> None:
    precise = dataclasses.replace(record(0), arrived_at=T0 + timedelta(microseconds=123_456))
    chained = append_record(None, precise)
    reloaded = dataclasses.replace(precise, arrived_at=T0 + timedelta(milliseconds=123))

    result = verify_chain(
        [ChainedRecord(reloaded, chained.previous_hash, chained.hash)],
        genesis_hash("document.received", 0),
    )

    assert result.intact


def test_naive_times_are_refused_on_a_stored_record() -> None:
    with pytest.raises(ValueError, match="time zone"):
        dataclasses.replace(record(0), arrived_at=datetime(2025, 1, 1))  # noqa: DTZ001


def test_absent_and_empty_keys_and_shifted_bytes_never_hash_alike() -> None:
    base = record(0)
    variants = [
        dataclasses.replace(base, key=b"ab", value=b"c"),
        dataclasses.replace(base, key=b"a", value=b"bc"),
        dataclasses.replace(base, key=None, value=b"c"),
        dataclasses.replace(base, key=b"", value=b"c"),
    ]

    assert len({canonical_bytes(item) for item in variants}) == len(variants)


def test_canonical_bytes_follow_the_documented_layout() -> None:
    item = StoredRecord(
        topic="t",
        partition=2,
        offset=7,
        timestamp=datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC),
        key=None,
        value=b"{}",
        headers=[("h", b"v"), ("n", None)],
        arrived_at=datetime(1970, 1, 1, 0, 0, 2, 500_000, tzinfo=UTC),
    )

    def text(value: str) -> bytes:
        raw = value.encode()
        return struct.pack(">I", len(raw)) + raw

    expected = (
        text("vanthu/archive/record/v1")
        + text("t")
        + struct.pack(">qqq", 2, 7, 1000)
        + b"\x00"
        + b"\x01"
        + struct.pack(">I", 2)
        + b"{}"
        + struct.pack(">I", 2)
        + text("h")
        + b"\x01"
        + struct.pack(">I", 1)
        + b"v"
        + text("n")
        + b"\x00"
        + struct.pack(">q", 2500)
    )
    assert canonical_bytes(item) == expected
    prev = bytes(32)
    assert chain_hash(prev, item) == hashlib.sha256(prev + expected).digest()
