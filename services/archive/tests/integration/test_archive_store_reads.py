"""Reading the event store back: a partition in offset order across unused offsets (compaction,
transaction markers), and every partition merged by time for a replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from vanthu_archive.adapters.mongo_event_store import MongoEventStore
from vanthu_archive.domain.hashchain import StoredRecord, TopicPartition
from vanthu_archive.handlers import archive_records, verify_archive
from vanthu_runtime.mongo import MongoDocument

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def stored(topic: str, partition: int, offset: int, minute: int) -> StoredRecord:
    moment = T0 + timedelta(minutes=minute)
    return StoredRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        timestamp=moment,
        key=f"k{offset}".encode(),
        value=f"{topic}/{partition}/{offset}".encode(),
        headers=[("x-n", str(offset).encode())],
        arrived_at=moment,
    )


async def test_a_partition_reads_back_whole_across_a_run_of_unused_offsets(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    store = MongoEventStore(mongo_db)
    # Offsets 3..999 were never given to a record the archive saw (a compacted topic).
    offsets = [0, 1, 2, 1000, 1001]
    await archive_records(store, [stored("t.compacted", 0, o, n) for n, o in enumerate(offsets)])

    read = [c.record.offset async for c in store.records(TopicPartition("t.compacted", 0))]
    after = [
        c.record.offset
        async for c in store.records(TopicPartition("t.compacted", 0), after_offset=2)
    ]

    assert read == offsets
    assert after == [1000, 1001]
    report = await verify_archive(store, None)
    assert report.intact
    (verdict,) = report.partitions
    assert verdict.checked == 5
    assert [(g.after_offset, g.next_offset) for g in verdict.gaps] == [(2, 1000)]


async def test_a_replay_reads_every_partition_merged_by_time_up_to_the_moment_asked(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    store = MongoEventStore(mongo_db)
    await archive_records(
        store, [stored("t.a", 0, o, minute) for o, minute in enumerate([0, 3, 6])]
    )
    await archive_records(
        store, [stored("t.a", 1, o, minute) for o, minute in enumerate([1, 4, 7])]
    )
    await archive_records(
        store, [stored("t.b", 0, o, minute) for o, minute in enumerate([2, 5, 8])]
    )

    replayed = [c.record async for c in store.records_until(T0 + timedelta(minutes=6))]

    assert [(r.topic, r.partition, r.offset) for r in replayed] == [
        ("t.a", 0, 0),
        ("t.a", 1, 0),
        ("t.b", 0, 0),
        ("t.a", 0, 1),
        ("t.a", 1, 1),
        ("t.b", 0, 1),
        ("t.a", 0, 2),
    ]
