"""History read back from Kafka itself, up to a time, for `vanthu audit replay --from-kafka`.

A consumer without a group is assigned every partition of the topics, starts at the oldest record
Kafka still keeps and stops, per partition, before the first record stamped after the time asked
(`offsets_for_times`), or at the end. A partition whose oldest kept record is not offset 0 has lost
its start to retention: that is reported, not hidden.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from vanthu_runtime.kafka_clients import create_admin, create_consumer
from vanthu_runtime.settings import KafkaSettings

from vanthu_archive.consumers.event_store_loop import now_in_milliseconds, to_stored
from vanthu_archive.domain.hashchain import StoredRecord

_FETCH_TIMEOUT_MS = 1000
_BATCH = 1000


@dataclass
class KafkaReplayReport:
    partitions: int = 0
    records: int = 0
    lost_to_retention: dict[str, int] = field(default_factory=dict)
    """`topic[partition]` → how many of its first offsets Kafka no longer keeps."""


class KafkaHistory:
    def __init__(self, settings: KafkaSettings, topics: Sequence[str]) -> None:
        self._settings = settings
        self._topics = tuple(topics)
        self.report = KafkaReplayReport()

    async def batches_until(self, as_of: datetime) -> AsyncIterator[list[StoredRecord]]:
        """Every kept record stamped at or before ``as_of``, in batches, partition by partition
        (offset order within one; the read models do not depend on the order across them)."""
        consumer = create_consumer(
            self._settings,
            client_id=f"{self._settings.client_id}-audit-replay",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            partitions = await self._partitions()
            if not partitions:
                return
            consumer.assign(partitions)
            starts = await consumer.beginning_offsets(partitions)
            ends = await self._ends(consumer, partitions, as_of)
            self.report.partitions = len(partitions)
            for tp in partitions:
                if starts[tp] > 0:
                    self.report.lost_to_retention[f"{tp.topic}[{tp.partition}]"] = starts[tp]
                async for batch in self._read(consumer, tp, starts[tp], ends[tp]):
                    self.report.records += len(batch)
                    yield batch
        finally:
            await consumer.stop()

    async def _partitions(self) -> list[TopicPartition]:
        admin = create_admin(self._settings)
        await admin.start()
        try:
            described = await admin.describe_topics(list(self._topics))
        finally:
            await admin.close()
        found = []
        for topic in described:
            if topic.get("error_code"):
                continue  # a topic that does not exist (any more) has nothing to replay
            for partition in sorted(p["partition"] for p in topic.get("partitions", [])):
                found.append(TopicPartition(topic["topic"], partition))
        return sorted(found)

    @staticmethod
    async def _ends(
        consumer: AIOKafkaConsumer, partitions: list[TopicPartition], as_of: datetime
    ) -> dict[TopicPartition, int]:
        # The first record stamped after `as_of` is where each partition stops.
        after_ms = int((as_of + timedelta(milliseconds=1)).timestamp() * 1000)
        found = await consumer.offsets_for_times(dict.fromkeys(partitions, after_ms))
        ends = await consumer.end_offsets(partitions)
        return {tp: (ends[tp] if found.get(tp) is None else found[tp].offset) for tp in partitions}

    @staticmethod
    async def _read(
        consumer: AIOKafkaConsumer, tp: TopicPartition, start: int, end: int
    ) -> AsyncIterator[list[StoredRecord]]:
        if start >= end:
            return
        consumer.seek(tp, start)
        position = start
        while position < end:
            fetched = await consumer.getmany(tp, timeout_ms=_FETCH_TIMEOUT_MS, max_records=_BATCH)
            messages = [m for m in fetched.get(tp, []) if m.offset < end]
            if not fetched.get(tp):
                # Transaction markers and aborted records take offsets but yield no message.
                if await consumer.position(tp) >= end:
                    return
                continue
            arrived_at = now_in_milliseconds()
            if messages:
                yield [to_stored(message, arrived_at) for message in messages]
            position = fetched[tp][-1].offset + 1
