"""The worker's loop that archives every record of every topic, decodable or not.

The runtime's `ConsumeLoop` decodes first and dead-letters what does not decode; the archive must
keep exactly those records too (an integrator's odd message is still history), so it reads raw
records itself: per partition, chain and store the batch, update the read models, and only then
commit the offsets. A crash anywhere re-delivers the batch; stored offsets are skipped and the
projections are idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from vanthu_runtime.kafka_consumer import commit_partition, create_group_consumer
from vanthu_runtime.settings import KafkaSettings

from vanthu_archive.domain.hashchain import StoredRecord
from vanthu_archive.handlers import archive_records, project_records
from vanthu_archive.ports import EventStore, Projections, TextSource

log = structlog.get_logger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_stored(message: ConsumerRecord[bytes, bytes], arrived_at: datetime) -> StoredRecord:
    return StoredRecord(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        # Integer milliseconds, as Kafka keeps them: no float conversion to round.
        timestamp=_EPOCH + timedelta(milliseconds=message.timestamp),
        key=message.key,
        value=message.value,
        headers=list(message.headers or ()),
        arrived_at=arrived_at,
    )


def now_in_milliseconds() -> datetime:
    # BSON keeps milliseconds; truncating first makes the stored record hash like the consumed one.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class EventStoreLoop:
    def __init__(
        self,
        *,
        settings: KafkaSettings,
        group_id: str,
        topics: Sequence[str],
        store: EventStore,
        projections: Projections,
        texts: TextSource | None,
        max_batch: int = 500,
    ) -> None:
        self._settings = settings
        self.group_id = group_id
        self.topics = tuple(topics)
        self._store = store
        self._projections = projections
        self._texts = texts
        self._max_batch = max_batch
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self.archived = 0

    async def start(self) -> None:
        # Kept before it starts, so a stop during the start still closes its connections.
        self._consumer = create_group_consumer(
            self._settings,
            self.group_id,
            self.topics,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await self._consumer.start()

    async def stop(self) -> None:
        self._stopping.set()
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def run(self) -> None:
        if self._consumer is None:
            await self.start()
        consumer = self._consumer
        assert consumer is not None
        while not self._stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self._max_batch)
            for tp, messages in batches.items():
                await self._archive(messages)
                await commit_partition(consumer, tp, messages[-1].offset + 1)

    async def _archive(self, messages: list[ConsumerRecord[bytes, bytes]]) -> None:
        arrived_at = now_in_milliseconds()
        records = [to_stored(message, arrived_at) for message in messages]
        chained = await archive_records(self._store, records)
        self.archived += len(chained)
        # Every record of the batch, not only the new ones: a crash between storing and
        # projecting must not leave the read models behind.
        stored_now = {link.record.offset for link in chained}
        await project_records(
            self._projections,
            self._texts,
            records,
            first_time=lambda record: record.offset in stored_now,
        )
