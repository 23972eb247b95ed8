"""Entry point shared by the services: `python -m vanthu_<service> api|worker`."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence

import uvicorn
from fastapi import FastAPI

from vanthu_runtime.logging import configure_logging
from vanthu_runtime.platform import Platform
from vanthu_runtime.settings import ServiceSettings
from vanthu_runtime.worker import LoopFactory, run_worker


def run_service(
    service: str,
    *,
    create_api: Callable[[], FastAPI],
    build_loops: LoopFactory,
    api_port: int,
    worker_port: int,
    argv: list[str] | None = None,
    extra_tasks: Callable[[Platform, asyncio.Event], Sequence[Awaitable[None]]] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m vanthu_{service}")
    parser.add_argument("process", choices=["api", "worker"])
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    configure_logging(f"{service}-{args.process}", settings.log_level, settings.log_json)
    env_port = os.environ.get(f"VANTHU_{service.upper()}_{args.process.upper()}_PORT")
    if args.process == "api":
        port = args.port or int(env_port or api_port)
        uvicorn.run(
            create_api(), host=settings.http_host, port=port, log_config=None, access_log=False
        )
    else:
        port = args.port or int(env_port or worker_port)
        asyncio.run(
            run_worker(
                service, build_loops, host=settings.http_host, port=port, extra_tasks=extra_tasks
            )
        )
