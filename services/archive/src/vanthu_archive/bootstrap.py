"""The one place that wires the archive service: API routers and the worker's tasks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts import all_topic_names
from vanthu_runtime.api import create_app
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxRelay
from vanthu_runtime.platform import Platform, PlatformSettings
from vanthu_runtime.settings import AuthSettings, S3Settings
from vanthu_runtime.worker import supervise

from vanthu_archive.adapters.minio_checkpoint_store import MinioCheckpointStore
from vanthu_archive.adapters.minio_originals import MinioOriginals
from vanthu_archive.adapters.minio_text_source import MinioTextSource
from vanthu_archive.adapters.mongo_event_store import MongoEventStore
from vanthu_archive.adapters.mongo_fixity_runs import FIXITY_RUNS, MongoFixityRuns
from vanthu_archive.adapters.mongo_read_models import MongoReadModels
from vanthu_archive.adapters.mongo_records_files import RECORDS_FILES, MongoRecordsFiles
from vanthu_archive.adapters.mongo_signing_key import load_or_create_signing_key
from vanthu_archive.api.records_files import records_files_router
from vanthu_archive.api.routes import archive_router
from vanthu_archive.config import SERVICE, ArchiveSettings
from vanthu_archive.consumers.event_store_loop import EventStoreLoop
from vanthu_archive.domain.bagit_package import VIETNAM_TIME
from vanthu_archive.domain.fixity import FixityReport
from vanthu_archive.handlers import alert_due_handovers, check_fixity, sign_current_heads

log = structlog.get_logger(__name__)


@dataclass
class Archive:
    """Everything the archive's handlers need, wired to real servers."""

    settings: ArchiveSettings
    store: MongoEventStore
    read_models: MongoReadModels
    texts: MinioTextSource
    checkpoints: MinioCheckpointStore
    db: AsyncDatabase[MongoDocument]
    records_files: MongoRecordsFiles
    fixity_runs: MongoFixityRuns
    originals: MinioOriginals

    async def signing_key(self) -> Ed25519PrivateKey:
        return await load_or_create_signing_key(self.db)

    async def sign_checkpoint_now(self) -> str:
        name, _ = await sign_current_heads(
            self.store, self.checkpoints, await self.signing_key(), datetime.now(UTC)
        )
        return name

    async def check_fixity_now(self, agency_code: str | None = None) -> FixityReport:
        """Re-hash the stored objects: one agency's (its auditor, over HTTP), or all (the
        worker's timer and the operator's `vanthu audit fixity`)."""
        objects = await self.read_models.stored_objects(agency_code=agency_code)
        return await check_fixity(
            objects, self.originals.digest, self.fixity_runs, datetime.now(UTC)
        )

    async def alert_due_handovers_now(self) -> int:
        now = datetime.now(UTC)
        return await alert_due_handovers(
            self.records_files, now.astimezone(VIETNAM_TIME).date(), now
        )


async def build_archive(
    db: AsyncDatabase[MongoDocument],
    blobs: MinioBlobStore,
    s3: S3Settings,
    settings: ArchiveSettings | None = None,
) -> Archive:
    settings = settings or ArchiveSettings()
    store = MongoEventStore(db)
    read_models = MongoReadModels(db)
    checkpoints = MinioCheckpointStore(
        create_minio_client(s3),
        settings.checkpoint_bucket_for(s3.bucket),
        retention_days=settings.checkpoint_retention_days,
        lock_mode=settings.checkpoint_lock_mode,
    )
    records_files = MongoRecordsFiles(db)
    await store.ensure_indexes()
    await read_models.ensure_indexes()
    await records_files.ensure_indexes()
    await checkpoints.ensure_bucket()
    return Archive(
        settings=settings,
        store=store,
        read_models=read_models,
        texts=MinioTextSource(blobs),
        checkpoints=checkpoints,
        db=db,
        records_files=records_files,
        fixity_runs=MongoFixityRuns(db),
        # Originals live in the bucket the other services store them in.
        originals=MinioOriginals(create_minio_client(s3), s3.bucket),
    )


def create_api(
    platform_settings: PlatformSettings | None = None,
    auth_settings: AuthSettings | None = None,
    settings: ArchiveSettings | None = None,
) -> FastAPI:
    async def wire(app: FastAPI, platform: Platform) -> None:
        app.state.archive = await build_archive(
            platform.db, platform.blobs, platform.settings.s3, settings
        )

    return create_app(
        service=SERVICE,
        routers=[archive_router(), records_files_router()],
        on_startup=wire,
        platform_settings=platform_settings,
        auth_settings=auth_settings,
    )


def event_store_loop(platform: Platform, archive: Archive, topics: Sequence[str]) -> EventStoreLoop:
    return EventStoreLoop(
        settings=platform.settings.kafka,
        group_id=archive.settings.group_for(platform.settings.mongo.database),
        topics=topics,
        store=archive.store,
        projections=archive.read_models,
        texts=archive.texts,
        max_batch=archive.settings.consume_batch,
    )


def archived_topics() -> list[str]:
    # Every topic of the table; the .dlq twins hold copies of records already archived from
    # their source topic, with the failure in extra headers (ADR 0040).
    return all_topic_names(include_dlq=False)


async def build_loops(platform: Platform) -> Sequence[Callable[[], ConsumeLoop]]:
    # The archive reads raw records with its own loop (worker_tasks), not the decoding ConsumeLoop.
    return ()


async def every(
    interval_s: float, job: Callable[[], Awaitable[object]], what: str, stopping: asyncio.Event
) -> None:
    """Run `job` every `interval_s` seconds until stopping; a failed run waits for the next tick."""
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=interval_s)
        if stopping.is_set():
            return
        try:
            await job()
        except Exception:
            log.exception("periodic job failed", job=what)


def worker_tasks(
    settings: ArchiveSettings | None = None,
) -> Callable[[Platform, asyncio.Event], Sequence[Awaitable[None]]]:
    def tasks(platform: Platform, stopping: asyncio.Event) -> Sequence[Awaitable[None]]:
        return [_run_worker_tasks(platform, stopping, settings)]

    return tasks


async def _run_worker_tasks(
    platform: Platform, stopping: asyncio.Event, settings: ArchiveSettings | None
) -> None:
    archive = await build_archive(platform.db, platform.blobs, platform.settings.s3, settings)
    topics = archived_topics()
    relay = OutboxRelay(platform.db, [RECORDS_FILES, FIXITY_RUNS], platform.publisher)
    cfg = archive.settings
    await asyncio.gather(
        supervise(lambda: event_store_loop(platform, archive, topics), stopping),
        relay.run(stopping),
        every(cfg.checkpoint_interval_s, archive.sign_checkpoint_now, "checkpoint", stopping),
        every(cfg.handover_check_interval_s, archive.alert_due_handovers_now, "handover", stopping),
        every(cfg.fixity_interval_s, archive.check_fixity_now, "fixity", stopping),
    )
