"""The idempotent producer every service publishes through (acks=all, enable_idempotence)."""

from __future__ import annotations

from datetime import datetime

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from vanthu_contracts import Event, KafkaRecord, encode

from vanthu_runtime.kafka_clients import create_producer
from vanthu_runtime.settings import KafkaSettings


class KafkaEventPublisher:
    """Encodes contract events as CloudEvents (binary mode) and produces them, keyed by document id."""

    def __init__(self, settings: KafkaSettings, source: str) -> None:
        self._settings = settings
        self.source = source
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = create_producer(
            self._settings,
            client_id=f"{self._settings.client_id}-{self.source.rsplit('/', 1)[-1]}",
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
        )
        try:
            await self._producer.start()
        except BaseException:
            # A producer that failed to start still holds a client; close it before retrying.
            await self._producer.stop()
            self._producer = None
            raise

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    @property
    def bootstrap_servers(self) -> str:
        return self._settings.bootstrap_servers

    @property
    def settings(self) -> KafkaSettings:
        """The broker's address and login, for the consumers that read back what was published."""
        return self._settings

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("publisher not started")
        return self._producer

    async def publish(
        self,
        event: Event,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        agency_code: str | None = None,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> KafkaRecord:
        record = encode(
            event,
            source=self.source,
            correlation_id=correlation_id,
            causation_id=causation_id,
            agency_code=agency_code,
            event_id=event_id,
            time=time,
        )
        await self.publish_record(record)
        return record

    async def publish_record(self, record: KafkaRecord) -> RecordMetadata:
        """Wait for the broker's acknowledgement from all in-sync replicas."""
        return await self.producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=list(record.headers)
        )
