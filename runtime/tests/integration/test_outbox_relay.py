"""An event written with the state change reaches its topic exactly once, whenever the relay died."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from harness.samples import sample_event
from vanthu_contracts import encode
from vanthu_runtime.outbox import (
    LEASES,
    OutboxRelay,
    outbox_entry,
    outbox_write,
    release_leases,
    take_lease,
    take_leases,
)

DOCUMENT_RECEIVED = "vanthu.intake.document.received.v1"


async def _copies_on_topic(bootstrap: str, topic: str, event_id: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or {0}]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        copies = 0
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                copies += sum(("ce_id", event_id.encode()) in m.headers for m in messages)
        return copies
    finally:
        await consumer.stop()


@pytest.fixture
async def relays(mongo_db, publisher):
    """Relays over the test's `documents` collection, closed afterwards."""
    made: list[OutboxRelay] = []

    def make() -> OutboxRelay:
        made.append(OutboxRelay(mongo_db, ["documents"], publisher))
        return made[-1]

    yield make
    for relay in made:
        await relay.close()


def _record(topic: str):
    return dataclasses.replace(
        encode(sample_event(DOCUMENT_RECEIVED), source="/vanthu/tests"), topic=topic
    )


async def test_a_pending_event_is_published_once_and_leaves_the_outbox(
    publisher, mongo_db, scratch_topic, platform_settings, relays
) -> None:
    record = _record(scratch_topic)
    # the process "died" right after the state change: the relay starts later
    await mongo_db.documents.insert_one(
        {"_id": "d1", "state": "registered", "outbox": [outbox_entry(record)]}
    )

    relay = relays()
    assert await relay.publish_pending() == 1
    assert await relay.publish_pending() == 0

    doc = await mongo_db.documents.find_one({"_id": "d1"})
    assert doc["outbox"] == []
    assert doc["state"] == "registered"
    bootstrap = platform_settings.kafka.bootstrap_servers
    assert await _copies_on_topic(bootstrap, scratch_topic, record.event_id) == 1


async def test_a_relay_that_died_after_producing_does_not_publish_the_event_again(
    publisher, mongo_db, scratch_topic, platform_settings, relays
) -> None:
    record = _record(scratch_topic)
    await mongo_db.documents.insert_one({"_id": "d2", "outbox": [outbox_entry(record)]})
    relay = relays()
    # Replay what the dead relay did: note the attempt, produce, then die before removing the entry.
    doc = await mongo_db.documents.find_one({"_id": "d2"})
    partition = await relay._partition_for(record)
    start = await relay._end_offset(scratch_topic, partition)
    await mongo_db.documents.update_one(
        {"_id": "d2"},
        {
            "$set": {
                f"outbox_attempts.{record.event_id}": {"partition": partition, "from_offset": start}
            }
        },
    )
    await publisher.producer.send_and_wait(
        scratch_topic,
        value=record.value,
        key=record.key,
        headers=list(record.headers),
        partition=partition,
    )
    assert doc is not None

    assert await relay.publish_pending() == 0

    assert (await mongo_db.documents.find_one({"_id": "d2"}))["outbox"] == []
    bootstrap = platform_settings.kafka.bootstrap_servers
    assert await _copies_on_topic(bootstrap, scratch_topic, record.event_id) == 1


async def test_a_relay_that_died_before_producing_publishes_the_event(
    publisher, mongo_db, scratch_topic, platform_settings, relays
) -> None:
    record = _record(scratch_topic)
    await mongo_db.documents.insert_one({"_id": "d3", "outbox": [outbox_entry(record)]})
    relay = relays()
    partition = await relay._partition_for(record)
    start = await relay._end_offset(scratch_topic, partition)
    await mongo_db.documents.update_one(
        {"_id": "d3"},
        {
            "$set": {
                f"outbox_attempts.{record.event_id}": {"partition": partition, "from_offset": start}
            }
        },
    )

    assert await relay.publish_pending() == 1
    bootstrap = platform_settings.kafka.bootstrap_servers
    assert await _copies_on_topic(bootstrap, scratch_topic, record.event_id) == 1


async def test_two_relays_side_by_side_publish_each_event_once(
    publisher, mongo_db, scratch_topic, platform_settings, relays
) -> None:
    records = [_record(scratch_topic) for _ in range(20)]
    await mongo_db.documents.insert_many(
        [{"_id": f"m{i}", "outbox": [outbox_entry(r)]} for i, r in enumerate(records)]
    )
    both = [relays() for _ in range(2)]
    counts = await asyncio.gather(*(r.publish_pending() for r in both))

    assert sum(counts) == 20
    bootstrap = platform_settings.kafka.bootstrap_servers
    for record in records[:3]:
        assert await _copies_on_topic(bootstrap, scratch_topic, record.event_id) == 1


async def test_an_announced_write_is_published_without_scanning_the_collection(
    publisher, mongo_db, scratch_topic, platform_settings
) -> None:
    relay = OutboxRelay(mongo_db, ["documents"], publisher, sweep_interval_s=3600)
    try:
        assert await relay.publish_pending() == 0  # the sweep at start: nothing yet
        announced, silent = _record(scratch_topic), _record(scratch_topic)
        async with outbox_write(mongo_db, "documents", "a1"):
            await mongo_db.documents.insert_one({"_id": "a1", "outbox": [outbox_entry(announced)]})
        # Written without the markers: only the next sweep, an hour away, would find it.
        await mongo_db.documents.insert_one({"_id": "s1", "outbox": [outbox_entry(silent)]})

        assert await relay.publish_pending() == 1
        assert await mongo_db.outbox_pending.count_documents({}) == 0
        assert (await mongo_db.documents.find_one({"_id": "s1"}))["outbox"] != []
    finally:
        await relay.close()
    bootstrap = platform_settings.kafka.bootstrap_servers
    assert await _copies_on_topic(bootstrap, scratch_topic, announced.event_id) == 1


async def test_the_periodic_sweep_finds_a_write_that_was_never_announced(
    publisher, mongo_db, scratch_topic, relays
) -> None:
    relay = OutboxRelay(mongo_db, ["documents"], publisher, sweep_interval_s=0)
    try:
        assert await relay.publish_pending() == 0
        await mongo_db.documents.insert_one(
            {"_id": "s2", "outbox": [outbox_entry(_record(scratch_topic))]}
        )
        assert await relay.publish_pending() == 1
    finally:
        await relay.close()


async def test_a_marker_whose_write_never_happened_is_dropped_once_it_is_old(
    publisher, mongo_db
) -> None:
    relay = OutboxRelay(
        mongo_db, ["documents"], publisher, orphan_marker_after=timedelta(seconds=0)
    )
    try:
        # The writer announced the aggregate, then died before writing it.
        with pytest.raises(RuntimeError):
            async with outbox_write(mongo_db, "documents", "never"):
                raise RuntimeError("writer died")
        assert await mongo_db.outbox_pending.count_documents({}) == 1

        assert await relay.publish_pending() == 0
        assert await mongo_db.outbox_pending.count_documents({}) == 0
    finally:
        await relay.close()


async def test_of_eight_writers_finding_an_expired_lease_exactly_one_takes_it_over(
    mongo_db,
) -> None:
    expired = datetime.now(UTC) - timedelta(minutes=1)
    await mongo_db[LEASES].insert_one({"_id": "cases|c1", "owner": "dead", "until": expired})

    won = await asyncio.gather(
        *(take_lease(mongo_db, "cases", "c1", f"w{i}", timedelta(seconds=30)) for i in range(8))
    )

    assert sum(won) == 1
    lease = await mongo_db[LEASES].find_one({"_id": "cases|c1"})
    assert lease["owner"] == f"w{won.index(True)}"


async def test_writers_taking_many_leases_at_once_never_hold_the_same_one(mongo_db) -> None:
    expired = datetime.now(UTC) - timedelta(minutes=1)
    await mongo_db[LEASES].insert_one({"_id": "docs|d0", "owner": "dead", "until": expired})
    await mongo_db[LEASES].insert_one(
        {"_id": "docs|d1", "owner": "alive", "until": datetime.now(UTC) + timedelta(minutes=1)}
    )
    ids = [f"d{n}" for n in range(10)]

    held = await asyncio.gather(
        *(take_leases(mongo_db, "docs", ids, f"w{i}", timedelta(seconds=30)) for i in range(4))
    )

    taken = [doc_id for each in held for doc_id in each]
    assert sorted(taken) == sorted(set(ids) - {"d1"})  # each free or expired one, exactly once
    assert all(each == sorted(each, key=ids.index) for each in held)  # in the order asked
    for i, each in enumerate(held):
        await release_leases(mongo_db, "docs", each, f"w{i}")
    assert [row["_id"] async for row in mongo_db[LEASES].find({})] == ["docs|d1"]
