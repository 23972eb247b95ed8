"""The worker's loop that archives every record of every topic, decodable or not.

The runtime's `ConsumeLoop` decodes first and dead-letters what does not decode; the archive must
keep exactly those records too (an integrator's odd message is still history), so it reads raw
records itself: per `getmany` batch, chain and store each partition's records, update the read
models, and only then commit the offsets. A crash anywhere re-delivers the batch; stored offsets are skipped and the
projections are idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError
from vanthu_runtime.kafka_consumer import create_group_consumer
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
            if not batches:
                continue
            await self._archive(list(batches.values()))
            await _commit(consumer, {tp: ms[-1].offset + 1 for tp, ms in batches.items()})

    async def _archive(self, batches: list[list[ConsumerRecord[bytes, bytes]]]) -> None:
        """Chain and store each partition's records (one head read and one insert each, the
        partitions at once), then project every record of the batch together: one write per
        read-model collection, whatever the number of partitions."""
        arrived_at = now_in_milliseconds()
        per_partition = [[to_stored(m, arrived_at) for m in messages] for messages in batches]
        chained = await asyncio.gather(
            *(archive_records(self._store, records) for records in per_partition)
        )
        self.archived += sum(len(links) for links in chained)
        # Every record of the batch, not only the new ones: a crash between storing and
        # projecting must not leave the read models behind (projecting again changes nothing).
        await project_records(
            self._projections, self._texts, [r for records in per_partition for r in records]
        )


async def _commit(consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    """Commit the batch's partitions at once; a refusal after a rebalance is expected: the
    partition's new owner reads from the last commit and the repeat changes nothing."""
    try:
        await consumer.commit(offsets)
    except CommitFailedError:
        log.warning("commit refused after rebalance", partitions=len(offsets))
