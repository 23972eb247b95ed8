"""The FastAPI application every service's API process is built from."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from importlib import resources

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from vanthu_runtime.body_limit import BodyLimit
from vanthu_runtime.dev_signin import dev_signin_router
from vanthu_runtime.health import health_router
from vanthu_runtime.live import LiveFeed, live_router
from vanthu_runtime.logging import bound_context
from vanthu_runtime.metrics import HTTP_REQUESTS
from vanthu_runtime.platform import Platform, PlatformSettings
from vanthu_runtime.settings import AuthSettings
from vanthu_runtime.signin_config import signin_config_router

log = structlog.get_logger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
StartupHook = Callable[[FastAPI, Platform], Awaitable[None]]


def create_app(
    *,
    service: str,
    routers: Sequence[APIRouter] = (),
    on_startup: StartupHook | None = None,
    platform_settings: PlatformSettings | None = None,
    auth_settings: AuthSettings | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    live_topics: Sequence[str] = (),
) -> FastAPI:
    """`max_body_bytes`: the largest request body accepted, counted as it arrives (413 above).
    `live_topics`: the topics whose events `GET /live` streams to the web app (none: no route)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform(service, platform_settings)
        app.state.platform = platform
        await platform.open(wait=False)
        if live_topics:
            app.state.live = LiveFeed(platform.settings.kafka, live_topics)
        if on_startup is not None:
            await on_startup(app, platform)
        log.info("api started")
        try:
            yield
        finally:
            if live_topics:
                await app.state.live.close()
            await platform.close()

    # The docs page must work on a closed network: Swagger UI's assets are served from here.
    app = FastAPI(title=f"vanthu {service}", lifespan=lifespan, docs_url=None, redoc_url=None)
    _serve_docs(app)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.state.auth_settings = auth_settings or AuthSettings()
    app.include_router(health_router(lambda: app.state.platform.checks()))
    app.include_router(signin_config_router())
    if app.state.auth_settings.dev_mode:
        app.include_router(dev_signin_router())
    if live_topics:
        app.include_router(live_router(lambda request: request.app.state.live))
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


SWAGGER_ASSETS = "/docs-assets"


def _serve_docs(app: FastAPI) -> None:
    assets = resources.files("fastapi_swagger") / "resources"
    app.mount(SWAGGER_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} – API",
            swagger_js_url=f"{root}{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{SWAGGER_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{SWAGGER_ASSETS}/favicon-32x32.png",
        )
