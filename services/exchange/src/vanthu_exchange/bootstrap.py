"""The one place that wires the exchange service: the hub (API process) and the connector (worker)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI
from vanthu_runtime.api import create_app
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.minio_blob_store import create_minio_client
from vanthu_runtime.platform import Platform

from vanthu_exchange.adapters.minio_package_store import MinioPackageStore
from vanthu_exchange.adapters.mongo_hub_store import MongoHubStore
from vanthu_exchange.api.hub_routes import router as hub_router
from vanthu_exchange.api.portal_routes import router as portal_router
from vanthu_exchange.config import SERVICE, ExchangeSettings
from vanthu_exchange.hub_handlers import Hub


def package_store(platform: Platform) -> MinioPackageStore:
    return MinioPackageStore(create_minio_client(platform.settings.s3), platform.settings.s3.bucket)


async def build_hub(platform: Platform, settings: ExchangeSettings) -> Hub:
    store = MongoHubStore(platform.db)
    await store.ensure_indexes()
    return Hub(
        store,
        package_store(platform),
        hub_id=settings.hub_id,
        token_secret=settings.hub_token_secret.get_secret_value(),
        operator_agency=settings.hub_operator_agency,
        session_minutes=settings.hub_session_minutes,
    )


def create_api(settings: ExchangeSettings | None = None) -> FastAPI:
    settings = settings or ExchangeSettings()
    background: list[asyncio.Task[None]] = []

    async def on_startup(app: FastAPI, platform: Platform) -> None:
        if not settings.hub_enabled:
            return
        hub = await build_hub(platform, settings)
        app.state.hub = hub
        if settings.hub_peers:
            from vanthu_exchange.hub_forwarding import run_forwarding

            background.append(asyncio.create_task(run_forwarding(hub, settings)))

    app: FastAPI = create_app(
        service=SERVICE, routers=[hub_router, portal_router], on_startup=on_startup
    )
    app.state.background = background
    return app


async def build_loops(platform: Platform) -> Sequence[Callable[[], ConsumeLoop]]:
    settings = ExchangeSettings()
    if not settings.connector_enabled:
        return ()
    from vanthu_exchange.connector_wiring import connector_loops

    return await connector_loops(platform, settings)


def extra_tasks(platform: Platform, stopping: asyncio.Event) -> Sequence[Awaitable[None]]:
    settings = ExchangeSettings()
    if not settings.connector_enabled:
        return ()
    from vanthu_exchange.connector_wiring import connector_tasks

    return connector_tasks(platform, settings, stopping)
