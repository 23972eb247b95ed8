"""`/health/live`, `/health/ready` (Kafka, Mongo-wire, MinIO answer) and `/metrics`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[None]]


async def _run_check(check: Check, timeout_s: float) -> str | None:
    """None when the dependency answered, else a short reason."""
    try:
        await asyncio.wait_for(check(), timeout_s)
    except TimeoutError:
        return f"no answer within {timeout_s:g} s"
    except Exception as exc:  # noqa: BLE001 - any failure of a dependency means "not ready"
        return f"{type(exc).__name__}: {exc}"[:300]
    return None


async def readiness(checks: Mapping[str, Check], timeout_s: float = 2.0) -> dict[str, str | None]:
    names = list(checks)
    results = await asyncio.gather(*(_run_check(checks[n], timeout_s) for n in names))
    return dict(zip(names, results, strict=True))


def health_router(checks: Callable[[], Mapping[str, Check]]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        results = await readiness(checks())
        failing = {name: reason for name, reason in results.items() if reason is not None}
        body = {
            "status": "unavailable" if failing else "ready",
            "checks": {name: reason or "ok" for name, reason in results.items()},
            "failing": sorted(failing),
        }
        return JSONResponse(body, status_code=503 if failing else 200)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
