"""The worker process of a service: its consume loops, supervised, plus a small health endpoint."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import structlog
import uvicorn
from fastapi import FastAPI

from vanthu_runtime.health import Check, health_router
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.platform import Platform, PlatformSettings

log = structlog.get_logger(__name__)

LoopFactory = Callable[[Platform], Awaitable[Sequence[Callable[[], ConsumeLoop]]]]


class RestartableLoop(Protocol):
    group_id: str

    async def run(self) -> None: ...

    async def stop(self) -> None: ...


async def supervise(make_loop: Callable[[], RestartableLoop], stopping: asyncio.Event) -> None:
    """Run one consume loop; if it dies (say, the dead-letter topic could not be written), start a
    fresh consumer from the last committed offset after a pause."""
    delay = 1.0
    while not stopping.is_set():
        loop = make_loop()
        try:
            await loop.run()
        except asyncio.CancelledError:
            await loop.stop()
            raise
        except Exception:
            log.exception("consume loop died; restarting", group=loop.group_id, retry_in_s=delay)
            await loop.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        else:
            await loop.stop()


async def run_worker(
    service: str,
    build_loops: LoopFactory,
    *,
    host: str,
    port: int,
    platform_settings: PlatformSettings | None = None,
    extra_tasks: Callable[[Platform, asyncio.Event], Sequence[Awaitable[None]]] | None = None,
) -> None:
    platform = Platform(service, platform_settings)
    consumers_started = asyncio.Event()

    async def consumers_check() -> None:
        if not consumers_started.is_set():
            raise ConnectionError("consumers not started yet")

    died: list[str] = []

    async def tasks_check() -> None:
        if died:
            raise RuntimeError(f"background tasks died: {', '.join(died)}")

    def checks() -> dict[str, Check]:
        return {**platform.checks(), "consumers": consumers_check, "tasks": tasks_check}

    app = FastAPI(title=f"vanthu {service} worker")
    app.include_router(health_router(checks))
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
    )
    serving = asyncio.create_task(server.serve())
    stopping = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        await platform.open(wait=True)
        makers = await build_loops(platform)
        tasks = [asyncio.create_task(supervise(make, stopping)) for make in makers]
        if extra_tasks is not None:
            tasks += [
                asyncio.create_task(_as_task(t, died)) for t in extra_tasks(platform, stopping)
            ]
        consumers_started.set()
        log.info("worker started", consume_loops=len(makers))
        await serving
    finally:
        stopping.set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await platform.close()


async def _as_task(awaitable: Awaitable[None], died: list[str]) -> None:
    """Run a background task; if it dies, say so in the log and in readiness (so the platform
    restarts the process) instead of going on silently without it."""
    try:
        await awaitable
    except asyncio.CancelledError:
        raise
    except Exception:
        name = getattr(awaitable, "__qualname__", repr(awaitable))
        died.append(name)
        log.exception("background task died", task=name)
