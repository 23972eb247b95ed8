"""The servers a service talks to, opened once inside the running loop and closed at shutdown."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from aiokafka.errors import KafkaConnectionError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from vanthu_runtime.health import Check
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import MongoDocument, create_mongo_client
from vanthu_runtime.settings import KafkaSettings, MongoSettings, S3Settings

log = structlog.get_logger(__name__)


@dataclass
class PlatformSettings:
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    mongo: MongoSettings = field(default_factory=MongoSettings)
    s3: S3Settings = field(default_factory=S3Settings)


class Platform:
    """Kafka publisher, Mongo-wire database and MinIO bucket of one service process."""

    def __init__(self, service: str, settings: PlatformSettings | None = None) -> None:
        self.service = service
        self.settings = settings or PlatformSettings()
        self.mongo_client: AsyncMongoClient[MongoDocument] = create_mongo_client(
            self.settings.mongo
        )
        self.db: AsyncDatabase[MongoDocument] = self.mongo_client[self.settings.mongo.database]
        self.publisher = KafkaEventPublisher(self.settings.kafka, source=f"/vanthu/{service}")
        self.blobs = MinioBlobStore(create_minio_client(self.settings.s3), self.settings.s3.bucket)
        self._publisher_started = asyncio.Event()
        self._connect_task: asyncio.Task[None] | None = None

    async def open(self, wait: bool = True) -> None:
        """Connect to Kafka and make sure the bucket exists; with wait=False keep trying in the
        background so the process stays up (and not ready) while a server is still starting."""
        self._connect_task = asyncio.create_task(self._connect_until_ready())
        if wait:
            await self._connect_task

    async def _connect_until_ready(self) -> None:
        delay = 0.5
        while True:
            try:
                if not self._publisher_started.is_set():
                    await self.publisher.start()
                    self._publisher_started.set()
                await self.blobs.ensure_bucket()
            except (KafkaConnectionError, OSError) as exc:
                log.warning("servers not ready yet; retrying", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            else:
                return

    async def close(self) -> None:
        if self._connect_task is not None and not self._connect_task.done():
            self._connect_task.cancel()
        await self.publisher.stop()
        await self.mongo_client.close()

    async def _check_kafka(self) -> None:
        if not self._publisher_started.is_set():
            raise ConnectionError("not connected yet")
        await self.publisher.producer.client.fetch_all_metadata()

    async def _check_mongo(self) -> None:
        await self.mongo_client.admin.command("ping")

    async def _check_minio(self) -> None:
        await self.blobs.ping()

    def checks(self) -> dict[str, Check]:
        return {"kafka": self._check_kafka, "mongo": self._check_mongo, "minio": self._check_minio}
