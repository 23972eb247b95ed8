"""Where a consumer group starts: history for a new service, or only what happened after an instant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer
from vanthu_runtime.kafka_clients import create_producer
from vanthu_runtime.kafka_consumer import commit_partition, create_group_consumer
from vanthu_runtime.settings import KafkaSettings

SECOND = timedelta(seconds=1)


async def _write(
    bootstrap: str, topic: str, values: list[bytes], at: datetime | None = None
) -> None:
    """Write records stamped with `at` (record timestamps have millisecond resolution, so records
    written in the same millisecond as the instant under test would be ambiguous)."""
    producer = create_producer(KafkaSettings(bootstrap_servers=bootstrap))
    await producer.start()
    try:
        for value in values:
            stamp = int(at.timestamp() * 1000) if at is not None else None
            await producer.send_and_wait(topic, value, timestamp_ms=stamp)
    finally:
        await producer.stop()


async def _read_all(consumer: AIOKafkaConsumer, expected: int) -> list[bytes]:
    seen: list[bytes] = []
    for _ in range(40):
        batches = await consumer.getmany(timeout_ms=250)
        seen += [m.value for messages in batches.values() for m in messages if m.value]
        if len(seen) >= expected:
            # One more poll: anything beyond what we expected would show up here.
            batches = await consumer.getmany(timeout_ms=500)
            seen += [m.value for messages in batches.values() for m in messages if m.value]
            break
    return seen


async def test_a_new_group_reads_the_topic_from_its_beginning_by_default(
    platform_settings, scratch_topic: str
) -> None:
    bootstrap = platform_settings.kafka.bootstrap_servers
    await _write(bootstrap, scratch_topic, [b"old-1", b"old-2"])

    consumer = create_group_consumer(
        KafkaSettings(bootstrap_servers=bootstrap), f"g-{uuid.uuid4().hex[:8]}", [scratch_topic]
    )
    await consumer.start()
    try:
        assert await _read_all(consumer, 2) == [b"old-1", b"old-2"]
    finally:
        await consumer.stop()


async def test_a_new_group_told_to_start_at_an_instant_reads_only_what_was_written_after_it(
    platform_settings, scratch_topic: str
) -> None:
    bootstrap = platform_settings.kafka.bootstrap_servers
    instant = datetime.now(UTC)
    await _write(bootstrap, scratch_topic, [b"before-1", b"before-2"], instant - SECOND)
    # Written after the instant but before the member joins: a plain "latest" would skip these.
    await _write(bootstrap, scratch_topic, [b"after-1", b"after-2"], instant + SECOND)

    settings = KafkaSettings(bootstrap_servers=bootstrap, new_group_start=instant)
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumer = create_group_consumer(settings, group, [scratch_topic])
    await consumer.start()
    try:
        assert await _read_all(consumer, 2) == [b"after-1", b"after-2"]
        (tp,) = consumer.assignment()
        await commit_partition(consumer, tp, await consumer.position(tp))
    finally:
        await consumer.stop()

    # The group has committed now, so the instant no longer applies: it resumes where it was.
    await _write(bootstrap, scratch_topic, [b"later"])
    again = create_group_consumer(
        settings.model_copy(update={"new_group_start": datetime.now(UTC)}), group, [scratch_topic]
    )
    await again.start()
    try:
        assert await _read_all(again, 1) == [b"later"]
    finally:
        await again.stop()


async def test_a_group_told_to_start_after_everything_written_waits_at_the_end(
    platform_settings, scratch_topic: str
) -> None:
    bootstrap = platform_settings.kafka.bootstrap_servers
    instant = datetime.now(UTC)
    await _write(bootstrap, scratch_topic, [b"old"], instant - SECOND)
    settings = KafkaSettings(bootstrap_servers=bootstrap, new_group_start=instant)
    consumer = create_group_consumer(settings, f"g-{uuid.uuid4().hex[:8]}", [scratch_topic])
    await consumer.start()
    try:
        assert await _read_all(consumer, 0) == []
        await _write(bootstrap, scratch_topic, [b"new"], instant + SECOND)
        assert await _read_all(consumer, 1) == [b"new"]
    finally:
        await consumer.stop()
