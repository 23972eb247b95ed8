"""An event written with the state change reaches its topic exactly once, whenever the relay died,
however many writers and relays work on the same aggregates."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import TopicPartition
from harness.samples import sample_event
from vanthu_contracts import encode
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.outbox import (
    CLAIM_OWNER,
    CLAIM_UNTIL,
    PENDING_SINCE,
    OutboxCollection,
    OutboxRelay,
)
from vanthu_runtime.outbox_guard import outbox_guard
from vanthu_runtime.settings import KafkaSettings

DOCUMENT_RECEIVED = "vanthu.intake.document.received.v2"


async def _copies_on_topic(bootstrap: str, topic: str) -> dict[str, int]:
    """How many times each event id is on the topic."""
    consumer = create_consumer(KafkaSettings(bootstrap_servers=bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or {0}]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        copies: dict[str, int] = {}
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                for message in messages:
                    event_id = dict(message.headers)["ce_id"].decode()
                    copies[event_id] = copies.get(event_id, 0) + 1
        return copies
    finally:
        await consumer.stop()


@pytest.fixture
async def relays(mongo_db, publisher):
    """Relays over the test's `documents` collection, closed afterwards."""
    made: list[OutboxRelay] = []

    def make(**options) -> OutboxRelay:
        made.append(OutboxRelay(mongo_db, ["documents"], publisher, **options))
        return made[-1]

    yield make
    for relay in made:
        await relay.close()


@pytest.fixture
def documents(mongo_db) -> OutboxCollection:
    return OutboxCollection(mongo_db.documents)


def _record(topic: str):
    return dataclasses.replace(
        encode(sample_event(DOCUMENT_RECEIVED), source="/vanthu/tests"), topic=topic
    )


async def test_a_pending_event_is_published_once_and_leaves_the_outbox(
    documents, scratch_topic, platform_settings, relays
) -> None:
    record = _record(scratch_topic)
    # the process "died" right after the state change: the relay starts later
    assert await documents.insert({"_id": "d1", "state": "registered"}, [record])

    relay = relays()
    assert await relay.publish_pending() == 1
    assert await relay.publish_pending() == 0

    doc = await documents.raw.find_one({"_id": "d1"})
    assert not doc.get("outbox")
    assert PENDING_SINCE not in doc
    assert CLAIM_OWNER not in doc
    assert doc["state"] == "registered"
    copies = await _copies_on_topic(platform_settings.kafka.bootstrap_servers, scratch_topic)
    assert copies == {record.event_id: 1}


async def test_an_insert_whose_id_is_taken_changes_nothing_and_queues_nothing(
    documents, scratch_topic, relays
) -> None:
    first, second = _record(scratch_topic), _record(scratch_topic)
    assert await documents.insert({"_id": "d", "n": 1}, [first])
    assert not await documents.insert({"_id": "d", "n": 2}, [second])

    doc = await documents.raw.find_one({"_id": "d"})
    assert doc["n"] == 1
    assert [e["event_id"] for e in doc["outbox"]] == [first.event_id]


async def test_an_update_with_a_revision_another_writer_moved_changes_nothing(
    documents, scratch_topic
) -> None:
    await documents.insert({"_id": "c", "state": "new"})
    assert await documents.update("c", {"$set": {"state": "a"}}, revision=0) is not None

    stale = await documents.update(
        "c", {"$set": {"state": "b"}}, [_record(scratch_topic)], revision=0
    )

    assert stale is None
    doc = await documents.raw.find_one({"_id": "c"})
    assert doc["state"] == "a"
    assert doc["revision"] == 1
    assert not doc.get("outbox")


async def test_of_eight_writers_holding_the_same_revision_exactly_one_wins(
    documents, scratch_topic
) -> None:
    await documents.insert({"_id": "c", "owner": None})

    results = await asyncio.gather(
        *(
            documents.update("c", {"$set": {"owner": i}}, [_record(scratch_topic)], revision=0)
            for i in range(8)
        )
    )

    winners = [i for i, after in enumerate(results) if after is not None]
    assert len(winners) == 1
    doc = await documents.raw.find_one({"_id": "c"})
    assert doc["owner"] == winners[0]
    assert len(doc["outbox"]) == 1


async def test_an_update_refused_by_its_condition_changes_nothing(documents) -> None:
    await documents.insert({"_id": "d", "status": "void"})

    assert (
        await documents.update("d", {"$set": {"status": "x"}}, where={"status": "registered"})
    ) is None
    assert (await documents.raw.find_one({"_id": "d"}))["status"] == "void"


async def test_the_write_path_refuses_to_let_a_caller_set_its_own_fields(documents) -> None:
    await documents.insert({"_id": "d"})
    with pytest.raises(ValueError, match="owns"):
        await documents.update("d", {"$set": {"outbox": []}})
    with pytest.raises(ValueError, match="owns"):
        await documents.update("d", {"$set": {"revision": 7}})


async def test_a_relay_that_died_after_producing_does_not_publish_the_event_again(
    publisher, documents, scratch_topic, platform_settings, relays
) -> None:
    record = _record(scratch_topic)
    await documents.insert({"_id": "d2"}, [record])
    # What the dead relay did: claim (noting the offsets), produce, then die before removing.
    dead = relays(claim_for=timedelta(seconds=-1))  # its claim is over at once
    claimed = await dead._claim(documents.raw, 10)
    assert [doc["_id"] for doc in claimed] == ["d2"]
    await publisher.producer.send_and_wait(
        scratch_topic,
        value=record.value,
        key=record.key,
        headers=list(record.headers),
        partition=await dead._partition_for(record),
    )

    assert await relays().publish_pending() == 0

    doc = await documents.raw.find_one({"_id": "d2"})
    assert not doc.get("outbox")
    assert PENDING_SINCE not in doc
    copies = await _copies_on_topic(platform_settings.kafka.bootstrap_servers, scratch_topic)
    assert copies == {record.event_id: 1}


async def test_a_relay_that_died_before_producing_leaves_the_event_to_the_next_one(
    documents, scratch_topic, platform_settings, relays
) -> None:
    record = _record(scratch_topic)
    await documents.insert({"_id": "d3"}, [record])
    dead = relays(claim_for=timedelta(seconds=-1))
    assert len(await dead._claim(documents.raw, 10)) == 1  # then it died

    assert await relays().publish_pending() == 1
    copies = await _copies_on_topic(platform_settings.kafka.bootstrap_servers, scratch_topic)
    assert copies == {record.event_id: 1}


async def test_an_aggregate_claimed_by_a_live_relay_is_left_to_it(
    documents, scratch_topic, relays
) -> None:
    await documents.insert({"_id": "d5"}, [_record(scratch_topic)])
    first = relays()
    assert len(await first._claim(documents.raw, 10)) == 1

    assert await relays().publish_pending() == 0
    doc = await documents.raw.find_one({"_id": "d5"})
    assert doc[CLAIM_OWNER].startswith(first.owner)
    assert doc[CLAIM_UNTIL] > datetime.now(UTC)


async def test_two_relays_side_by_side_publish_each_event_once(
    documents, scratch_topic, platform_settings, relays
) -> None:
    records = [_record(scratch_topic) for _ in range(60)]
    for i, record in enumerate(records):
        await documents.insert({"_id": f"m{i}"}, [record])
    both = [relays(batch=20) for _ in range(2)]

    async def drain(relay: OutboxRelay) -> int:
        total = 0
        while published := await relay.publish_pending():
            total += published
        return total

    counts = await asyncio.gather(*(drain(r) for r in both))
    while published := await both[0].publish_pending():  # what one left while the other held it
        counts.append(published)

    assert sum(counts) == 60
    copies = await _copies_on_topic(platform_settings.kafka.bootstrap_servers, scratch_topic)
    assert copies == {r.event_id: 1 for r in records}


async def test_writers_adding_events_while_relays_publish_lose_neither_state_nor_events(
    documents, scratch_topic, platform_settings, relays
) -> None:
    """Each of 20 aggregates gets 10 changes with an event each, from concurrent writers, while
    two relays empty the outboxes: every change and every event is kept, each event once."""
    ids = [f"a{i}" for i in range(20)]
    for doc_id in ids:
        await documents.insert({"_id": doc_id, "changes": []})
    written: list[str] = []
    stopping = asyncio.Event()
    running = [asyncio.create_task(r.run(stopping)) for r in (relays(), relays())]

    async def writer(doc_id: str) -> None:
        for n in range(10):
            record = _record(scratch_topic)
            while True:
                current = await documents.raw.find_one({"_id": doc_id})
                after = await documents.update(
                    doc_id,
                    {"$push": {"changes": n}},
                    [record],
                    revision=current["revision"],
                )
                if after is not None:
                    break
            written.append(record.event_id)

    await asyncio.gather(*(writer(doc_id) for doc_id in ids))
    deadline = asyncio.get_running_loop().time() + 60
    while await documents.raw.count_documents({PENDING_SINCE: {"$exists": True}}):
        assert asyncio.get_running_loop().time() < deadline, "the relays left events behind"
        await asyncio.sleep(0.1)
    stopping.set()
    await asyncio.gather(*running)

    for doc_id in ids:
        doc = await documents.raw.find_one({"_id": doc_id})
        assert doc["changes"] == list(range(10))
        assert doc["revision"] == 10
    copies = await _copies_on_topic(platform_settings.kafka.bootstrap_servers, scratch_topic)
    assert copies == dict.fromkeys(written, 1)


async def test_a_raw_write_to_an_outbox_collection_is_reported(documents) -> None:
    await documents.insert({"_id": "g"})
    before = len(outbox_guard.violations)

    await documents.raw.update_one({"_id": "g"}, {"$set": {"state": "sneaked in"}})

    reported = outbox_guard.violations[before:]
    outbox_guard.violations[before:] = []
    assert [(v.collection, v.command) for v in reported] == [("documents", "update")]


async def test_an_event_added_while_the_relay_publishes_stays_pending_for_the_next_pass(
    documents, scratch_topic, platform_settings, relays
) -> None:
    first, second = _record(scratch_topic), _record(scratch_topic)
    await documents.insert({"_id": "w"}, [first])
    relay = relays()
    claimed = await relay._claim(documents.raw, 10)
    # a writer adds an event after the relay read the outbox, before it removed what it sent
    assert await documents.update("w", {"$set": {"state": "later"}}, [second]) is not None

    assert await relay._publish(documents.raw, claimed) == 1
    doc = await documents.raw.find_one({"_id": "w"})
    assert [e["event_id"] for e in doc["outbox"]] == [second.event_id]
    assert PENDING_SINCE in doc
    assert CLAIM_OWNER not in doc

    assert await relay.publish_pending() == 1
    copies = await _copies_on_topic(platform_settings.kafka.bootstrap_servers, scratch_topic)
    assert copies == {first.event_id: 1, second.event_id: 1}


async def test_a_relay_whose_passes_fail_keeps_going_and_publishes_once_it_can(
    mongo_db, documents, scratch_topic, platform_settings
) -> None:
    from vanthu_runtime.kafka_producer import KafkaEventPublisher

    publisher = KafkaEventPublisher(platform_settings.kafka, source="/vanthu/tests")  # not started
    relay = OutboxRelay(mongo_db, ["documents"], publisher, poll_interval_s=0.05)
    record = _record(scratch_topic)
    await documents.insert({"_id": "late"}, [record])
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while relay.failed_passes == 0:  # its first passes fail: no producer yet
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        await publisher.start()
        deadline = asyncio.get_running_loop().time() + 60
        while await documents.raw.count_documents({PENDING_SINCE: {"$exists": True}}):
            assert not running.done(), "the relay stopped after a failed pass"
            assert asyncio.get_running_loop().time() < deadline, "never published"
            await asyncio.sleep(0.1)
    finally:
        stopping.set()
        await running
        await publisher.stop()
    copies = await _copies_on_topic(platform_settings.kafka.bootstrap_servers, scratch_topic)
    assert copies == {record.event_id: 1}
