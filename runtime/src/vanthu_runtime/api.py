"""The FastAPI application every service's API process is built from."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI, Request, Response

from vanthu_runtime.health import health_router
from vanthu_runtime.logging import bound_context
from vanthu_runtime.metrics import HTTP_REQUESTS
from vanthu_runtime.platform import Platform, PlatformSettings
from vanthu_runtime.settings import AuthSettings

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"
StartupHook = Callable[[FastAPI, Platform], Awaitable[None]]


def create_app(
    *,
    service: str,
    routers: Sequence[APIRouter] = (),
    on_startup: StartupHook | None = None,
    platform_settings: PlatformSettings | None = None,
    auth_settings: AuthSettings | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform(service, platform_settings)
        app.state.platform = platform
        await platform.open(wait=False)
        if on_startup is not None:
            await on_startup(app, platform)
        log.info("api started")
        try:
            yield
        finally:
            await platform.close()

    app = FastAPI(title=f"vanthu {service}", lifespan=lifespan)
    app.state.auth_settings = auth_settings or AuthSettings()
    app.include_router(health_router(lambda: app.state.platform.checks()))
    for router in routers:
        app.include_router(router)

    @app.middleware("http")
    async def correlate_and_measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        started = time.perf_counter()
        with bound_context(correlation_id=correlation_id):
            response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        response.headers[CORRELATION_HEADER] = correlation_id
        return response

    return app
