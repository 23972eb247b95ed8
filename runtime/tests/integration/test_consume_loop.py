"""The consume loop as ops and integrators see it: dead letters, and nothing lost or doubled on a crash."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import uuid

from harness.polling import eventually
from harness.samples import sample_event
from harness.servers import ROOT
from vanthu_contracts import DecodedEvent, encode
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.kafka_consumer import ConsumeLoop, RetryPolicy
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.settings import KafkaSettings

DOCUMENT_RECEIVED = "vanthu.intake.document.received.v2"


async def _read_one(bootstrap: str, topic: str) -> dict[str, object]:
    consumer = create_consumer(
        KafkaSettings(bootstrap_servers=bootstrap), topic, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    return {
        "value": message.value,
        "headers": {k: v.decode() for k, v in message.headers},
    }


async def test_a_poison_message_lands_in_the_dlq_with_its_reason_and_the_next_one_is_handled(
    publisher: KafkaEventPublisher, platform_settings, scratch_topic: str
) -> None:
    handled: list[str] = []

    async def handle(event: DecodedEvent) -> None:
        handled.append(event.envelope.id)

    good = dataclasses.replace(
        encode(sample_event(DOCUMENT_RECEIVED), source="/vanthu/tests"), topic=scratch_topic
    )
    await publisher.producer.send_and_wait(
        scratch_topic,
        value=b"{not json",
        key=b"doc-1",
        headers=[("ce_type", DOCUMENT_RECEIVED.encode())],
    )
    await publisher.publish_record(good)

    loop = ConsumeLoop(
        settings=platform_settings.kafka,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        topics=[scratch_topic],
        handler=handle,
        publisher=publisher,
    )
    running = asyncio.create_task(loop.run())
    try:
        await eventually(lambda: handled, what="the good message to be handled")
        dead = await _read_one(platform_settings.kafka.bootstrap_servers, f"{scratch_topic}.dlq")
    finally:
        await loop.stop()
        running.cancel()

    assert handled == [good.event_id]
    assert dead["value"] == b"{not json"
    assert dead["headers"]["dlq_source_topic"] == scratch_topic
    assert dead["headers"]["dlq_source_offset"] == "0"
    assert "ce_id" in dead["headers"]["dlq_reason"] or "JSON" in dead["headers"]["dlq_reason"]


async def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered_with_the_error(
    publisher: KafkaEventPublisher, platform_settings, scratch_topic: str
) -> None:
    attempts: list[int] = []

    async def handle(event: DecodedEvent) -> None:
        attempts.append(1)
        raise RuntimeError("Mongo said no")

    record = dataclasses.replace(
        encode(sample_event(DOCUMENT_RECEIVED), source="/vanthu/tests"), topic=scratch_topic
    )
    await publisher.publish_record(record)
    loop = ConsumeLoop(
        settings=platform_settings.kafka,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        topics=[scratch_topic],
        handler=handle,
        publisher=publisher,
        retry=RetryPolicy(max_attempts=3, initial_backoff_s=0.01),
    )
    running = asyncio.create_task(loop.run())
    try:
        dead = await _read_one(platform_settings.kafka.bootstrap_servers, f"{scratch_topic}.dlq")
    finally:
        await loop.stop()
        running.cancel()

    assert len(attempts) == 3
    assert dead["headers"]["dlq_reason"] == "Mongo said no"
    assert dead["headers"]["dlq_error_type"] == "RuntimeError"
    assert dead["headers"]["dlq_attempts"] == "3"
    assert dead["headers"]["ce_id"] == record.event_id


def _start_consumer(topic: str, group: str, servers, database: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.counting_consumer",
            topic,
            group,
            servers.mongo_uri,
            database,
            servers.kafka_bootstrap,
        ],
        cwd=ROOT / "tests",
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")},
    )


async def test_a_consumer_killed_mid_batch_loses_nothing_and_applies_no_effect_twice(
    publisher: KafkaEventPublisher, servers, mongo_db, scratch_topic: str
) -> None:
    total = 300
    records = [
        dataclasses.replace(
            encode(sample_event(DOCUMENT_RECEIVED), source="/vanthu/tests"), topic=scratch_topic
        )
        for _ in range(total)
    ]
    for record in records:
        await publisher.producer.send(
            record.topic, value=record.value, key=record.key, headers=list(record.headers)
        )
    await publisher.producer.flush()
    group = f"test-{uuid.uuid4().hex[:8]}"

    first = _start_consumer(scratch_topic, group, servers, mongo_db.name)
    try:
        # Past the first committed batch of 100, inside the second: work done but not committed.
        await eventually(
            lambda: _at_least(mongo_db.deliveries, 130),
            timeout=60,
            interval=0.02,
            what="the consumer to be inside its second batch",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()

    second = _start_consumer(scratch_topic, group, servers, mongo_db.name)
    try:
        await eventually(
            lambda: _at_least(mongo_db.effects, total), timeout=90, what="every event to be counted"
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)

    deliveries = await mongo_db.deliveries.count_documents({})
    counts = [doc["count"] async for doc in mongo_db.effects.find({})]
    assert deliveries > total, "the kill should have forced re-deliveries"
    assert len(counts) == total
    assert set(counts) == {1}


async def _at_least(collection, n: int) -> bool:
    return await collection.count_documents({}) >= n


async def test_an_event_handled_before_or_repeated_in_the_same_batch_is_handled_once(
    publisher: KafkaEventPublisher, platform_settings, scratch_topic: str, mongo_db
) -> None:
    from vanthu_runtime.idempotency import ProcessedEvents

    handled: list[str] = []

    async def handle(event: DecodedEvent) -> None:
        handled.append(event.envelope.id)

    records = [
        dataclasses.replace(
            encode(sample_event(DOCUMENT_RECEIVED), source="/vanthu/tests"), topic=scratch_topic
        )
        for _ in range(4)
    ]
    group = f"test-{uuid.uuid4().hex[:8]}"
    processed = ProcessedEvents(mongo_db, group)
    assert await processed.record(records[0].event_id)  # handled by an earlier member
    # the old one, two new ones, a producer's repeat of the second, and a last one
    for record in [*records[:3], records[1], records[3]]:
        await publisher.publish_record(record)

    loop = ConsumeLoop(
        settings=platform_settings.kafka,
        group_id=group,
        topics=[scratch_topic],
        handler=handle,
        publisher=publisher,
        processed=processed,
    )
    running = asyncio.create_task(loop.run())
    try:
        await eventually(lambda: records[3].event_id in handled, what="the last event handled")
    finally:
        await loop.stop()
        running.cancel()

    assert handled == [records[1].event_id, records[2].event_id, records[3].event_id]
