"""Reading a topic back in tests, e2e tests and benches: its partitions, where they end now, and
the records with one key."""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.settings import KafkaSettings


async def topic_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic``. A consumer that has just started may have no metadata for it
    yet; without asking for it, only partition 0 would be read (five events in six missed)."""
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic) or {0}
    return [TopicPartition(topic, p) for p in sorted(partitions)]


async def end_offsets(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    """Where each partition of ``topic`` ends now: read from there to see only what comes next."""
    consumer = create_consumer(KafkaSettings(bootstrap_servers=bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(await topic_partitions(consumer, topic)))
    finally:
        await consumer.stop()


async def records_keyed(
    bootstrap: str,
    topic: str,
    key: str,
    *,
    start: Mapping[TopicPartition, int] | None = None,
) -> list[ConsumerRecord[bytes, bytes]]:
    """The records of ``topic`` keyed ``key``, from ``start`` (the beginning when not given) to
    where the partitions end now."""
    consumer = create_consumer(KafkaSettings(bootstrap_servers=bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        tps = list(start) if start is not None else await topic_partitions(consumer, topic)
        consumer.assign(tps)
        if start is None:
            await consumer.seek_to_beginning(*tps)
        else:
            for tp, offset in start.items():
                consumer.seek(tp, offset)
        ends = await consumer.end_offsets(tps)
        wanted = key.encode()
        found: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for messages in batch.values():
                found += [m for m in messages if m.key == wanted]
        return found
    finally:
        await consumer.stop()
