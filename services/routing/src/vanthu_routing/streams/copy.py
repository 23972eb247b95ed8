"""The API's copy of the indicators: the latest figures of every agency and partition, read from
the compacted ``<group prefix>-indicators-kpi`` topic the indicators worker publishes (ADR 0051).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.settings import KafkaSettings

from vanthu_routing.streams.indicators import combine

log = logging.getLogger(__name__)


class IndicatorsCopy:
    def __init__(self, kafka: KafkaSettings, topic: str) -> None:
        self._kafka = kafka
        self._topic = topic
        self._latest: dict[str, dict[str, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name=f"indicators-copy-{self._topic}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def agencies(self) -> list[str]:
        return sorted({part["agency"] for part in self._latest.values()})

    def figures(self, agency: str) -> dict[str, Any] | None:
        """One agency's figures, its partitions added up; None before any was published."""
        parts = [part for part in self._latest.values() if part["agency"] == agency]
        return combine(parts) if parts else None

    def take(self, key: bytes, value: bytes | None) -> None:
        if value is None:
            self._latest.pop(key.decode(), None)
        else:
            self._latest[key.decode()] = json.loads(value)

    async def _follow(self) -> None:
        while True:
            try:
                await self._read()
            except KafkaError as error:
                log.warning(
                    "indicators copy lost the broker; retrying", extra={"error": str(error)}
                )
                await asyncio.sleep(1.0)

    async def _read(self) -> None:
        consumer = create_consumer(
            self._kafka,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            partition = TopicPartition(self._topic, 0)
            # The worker creates the topic when it first publishes.
            for _ in iter(int, 1):
                if self._topic in await consumer.topics():
                    break
                await asyncio.sleep(0.5)
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            while True:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        if record.key is not None:
                            self.take(record.key, record.value)
        finally:
            await consumer.stop()
