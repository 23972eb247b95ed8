"""Fixtures of the archive's integration tests: a wired archive on real servers, and a topic."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import NewTopic
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_archive.bootstrap import Archive, build_archive, create_api
from vanthu_archive.config import ArchiveSettings
from vanthu_archive.consumers.event_store_loop import EventStoreLoop
from vanthu_contracts import Event, encode
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client

# --import-mode=importlib puts no test folder on sys.path; archive_testkit lives beside us.
sys.path.insert(0, str(Path(__file__).parent))
from archive_testkit import AUTH
from vanthu_runtime.kafka_clients import create_admin
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.platform import PlatformSettings


@pytest.fixture
def archive_settings() -> ArchiveSettings:
    return ArchiveSettings(checkpoint_bucket=f"test-ckpt-{secrets.token_hex(4)}")


@pytest.fixture
async def archive(
    mongo_db: AsyncDatabase[MongoDocument],
    platform_settings: PlatformSettings,
    archive_settings: ArchiveSettings,
) -> Archive:
    s3 = platform_settings.s3
    blobs = MinioBlobStore(create_minio_client(s3), s3.bucket)
    await blobs.ensure_bucket()
    return await build_archive(mongo_db, blobs, s3, archive_settings)


@pytest.fixture
async def archive_topic(platform_settings: PlatformSettings) -> AsyncIterator[str]:
    """A two-partition topic of its own, so the store sees only this test's records."""
    name = f"test.archive.{secrets.token_hex(4)}"
    admin = create_admin(platform_settings.kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


@pytest.fixture
def send_to(publisher: KafkaEventPublisher) -> Callable[..., object]:
    async def send(
        topic: str,
        event: Event,
        *,
        partition: int = 0,
        time: datetime | None = None,
    ) -> None:
        record = encode(event, source="/vanthu/tests", event_id=str(uuid.uuid4()), time=time)
        await publisher.producer.send_and_wait(
            topic,
            value=record.value,
            key=record.key,
            headers=list(record.headers),
            partition=partition,
        )

    return send


class Loops:
    """Event-store loops started by a test, each stopped when the test ends."""

    def __init__(self, platform_settings: PlatformSettings, archive: Archive) -> None:
        self._settings = platform_settings
        self._archive = archive
        self._running: dict[int, tuple[EventStoreLoop, asyncio.Task[None]]] = {}

    def start(self, topic: str, group: str | None = None) -> EventStoreLoop:
        loop = EventStoreLoop(
            settings=self._settings.kafka,
            group_id=group or f"test-archive-{secrets.token_hex(4)}",
            topics=[topic],
            store=self._archive.store,
            projections=self._archive.read_models,
            texts=self._archive.texts,
        )
        self._running[id(loop)] = (loop, asyncio.create_task(loop.run()))
        return loop

    async def stop(self, loop: EventStoreLoop) -> None:
        _, task = self._running.pop(id(loop))
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await loop.stop()

    async def stop_all(self) -> None:
        for loop, _ in list(self._running.values()):
            await self.stop(loop)


@pytest.fixture
async def loops(platform_settings: PlatformSettings, archive: Archive) -> AsyncIterator[Loops]:
    started = Loops(platform_settings, archive)
    yield started
    await started.stop_all()


@pytest.fixture
async def api(
    mongo_db: AsyncDatabase[MongoDocument],
    platform_settings: PlatformSettings,
    archive_settings: ArchiveSettings,
    archive: Archive,
) -> AsyncIterator[httpx.AsyncClient]:
    """The archive's API on the test's database, in process, signing callers with `AUTH`."""
    settings = PlatformSettings(
        kafka=platform_settings.kafka,
        mongo=platform_settings.mongo.model_copy(update={"database": mongo_db.name}),
        s3=platform_settings.s3,
    )
    app = create_api(platform_settings=settings, auth_settings=AUTH, settings=archive_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://archive") as client:
            yield client
