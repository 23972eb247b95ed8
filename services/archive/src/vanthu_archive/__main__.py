"""`python -m vanthu_archive api|worker`.

The runtime's `run_service` starts workers without extra tasks, and the archive's worker is all
extra tasks (its raw-record loop and the checkpoint timer), so the worker is started here.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from vanthu_runtime.logging import configure_logging
from vanthu_runtime.process import run_service
from vanthu_runtime.settings import ServiceSettings
from vanthu_runtime.worker import run_worker

from vanthu_archive.bootstrap import build_loops, create_api, worker_tasks
from vanthu_archive.config import API_PORT, SERVICE, WORKER_PORT


def main() -> None:
    parser = argparse.ArgumentParser(prog=f"python -m vanthu_{SERVICE}")
    parser.add_argument("process", choices=["api", "worker"])
    parser.add_argument("--port", type=int, default=None)
    args, _ = parser.parse_known_args()
    if args.process == "api":
        run_service(
            SERVICE,
            create_api=create_api,
            build_loops=build_loops,
            api_port=API_PORT,
            worker_port=WORKER_PORT,
        )
        return
    settings = ServiceSettings()
    configure_logging(f"{SERVICE}-worker", settings.log_level, settings.log_json)
    port = args.port or int(os.environ.get("VANTHU_ARCHIVE_WORKER_PORT") or WORKER_PORT)
    asyncio.run(
        run_worker(
            SERVICE,
            build_loops,
            host=settings.http_host,
            port=port,
            extra_tasks=worker_tasks(),
        )
    )


main()
