"""The one place that wires the exchange service: the hub (API process) and the connector (worker)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import structlog
from fastapi import FastAPI
from pymongo.errors import PyMongoError
from vanthu_runtime.api import create_app
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.minio_blob_store import create_minio_client
from vanthu_runtime.platform import Platform

from vanthu_exchange.adapters.minio_package_store import MinioPackageStore
from vanthu_exchange.adapters.mongo_hub_store import MongoHubStore
from vanthu_exchange.adapters.mongo_sign_in_store import MongoSignInStore
from vanthu_exchange.api.hub_routes import MAX_PACKAGE_BYTES
from vanthu_exchange.api.hub_routes import router as hub_router
from vanthu_exchange.api.portal_routes import MAX_FORM_BYTES
from vanthu_exchange.api.portal_routes import router as portal_router
from vanthu_exchange.api.portal_security import PortalBodyLimit, PortalSecurityHeaders
from vanthu_exchange.config import SERVICE, ExchangeSettings
from vanthu_exchange.domain.sign_in import LockoutPolicy
from vanthu_exchange.hub_accounts import HubAccounts
from vanthu_exchange.hub_handlers import Hub

log = structlog.get_logger(__name__)
# Strong references to fire-and-forget tasks, so they are not collected mid-flight.
background_tasks: set[asyncio.Task[None]] = set()


def package_store(platform: Platform) -> MinioPackageStore:
    return MinioPackageStore(create_minio_client(platform.settings.s3), platform.settings.s3.bucket)


async def ensure_indexes_when_reachable(ensure: Callable[[], Awaitable[None]]) -> None:
    """Indexes speed queries up but nothing needs them to start: a Mongo-wire server that is
    still starting must leave the process up (and not ready), not kill it."""
    delay = 0.5
    while True:
        try:
            await ensure()
        except PyMongoError as exc:
            log.warning("indexes not created yet; retrying", error=str(exc), retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
        else:
            return


async def build_hub(platform: Platform, settings: ExchangeSettings) -> Hub:
    store = MongoHubStore(platform.db)
    sign_ins = MongoSignInStore(platform.db)
    for ensure in (store.ensure_indexes, sign_ins.ensure_indexes):
        background_tasks.add(asyncio.create_task(ensure_indexes_when_reachable(ensure)))
    accounts = HubAccounts(
        store,
        sign_ins,
        hub_id=settings.hub_id,
        token_secret=settings.hub_token_secret.get_secret_value(),
        session_minutes=settings.hub_session_minutes,
        lockout=lockout_policy(settings),
    )
    return Hub(
        store,
        package_store(platform),
        accounts,
        hub_id=settings.hub_id,
        operator_agency=settings.hub_operator_agency,
        requery_s=settings.hub_long_poll_requery_s,
        test_environment=settings.hub_test_environment,
    )


def lockout_policy(settings: ExchangeSettings) -> LockoutPolicy:
    return LockoutPolicy(
        max_failures=settings.hub_lockout_failures,
        lock_for=timedelta(hours=settings.hub_lockout_hours),
        first_backoff=timedelta(seconds=settings.hub_sign_in_backoff_s),
        max_backoff=timedelta(seconds=settings.hub_sign_in_max_backoff_s),
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
        service=SERVICE,
        routers=[hub_router, portal_router],
        on_startup=on_startup,
        max_body_bytes=MAX_PACKAGE_BYTES + 1024 * 1024,  # a hub package and its form fields
    )
    app.add_middleware(PortalBodyLimit, max_bytes=MAX_FORM_BYTES)
    app.add_middleware(PortalSecurityHeaders)
    app.state.background = background
    app.state.portal_cookie_secure = settings.portal_cookie_secure
    return app


async def build_loops(platform: Platform) -> Sequence[Callable[[], ConsumeLoop]]:
    settings = ExchangeSettings()
    if not settings.connector_enabled:
        from vanthu_exchange.connector_wiring import no_connector_loops

        return no_connector_loops(platform, settings)
    from vanthu_exchange.connector_wiring import connector_loops

    return await connector_loops(platform, settings)


def extra_tasks(platform: Platform, stopping: asyncio.Event) -> Sequence[Awaitable[None]]:
    settings = ExchangeSettings()
    if not settings.connector_enabled:
        return ()
    from vanthu_exchange.connector_wiring import connector_tasks

    return connector_tasks(platform, settings, stopping)
