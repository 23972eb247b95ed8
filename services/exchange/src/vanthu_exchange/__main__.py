"""``python -m vanthu_exchange api|worker``: the API runs the hub, the worker the connector.

The worker is started here rather than through ``run_service`` because the connector needs
background tasks next to its consume loops (sender, receiver, outbox relay), which
``run_worker(extra_tasks=...)`` supports and ``run_service`` does not pass on.
"""

import asyncio
import os
import sys

from vanthu_runtime.logging import configure_logging
from vanthu_runtime.process import run_service
from vanthu_runtime.settings import ServiceSettings
from vanthu_runtime.worker import run_worker

from vanthu_exchange.bootstrap import build_loops, create_api, extra_tasks
from vanthu_exchange.config import API_PORT, SERVICE, WORKER_PORT


def _worker_port(argv: list[str]) -> int:
    if "--port" in argv:
        return int(argv[argv.index("--port") + 1])
    return int(os.environ.get("VANTHU_EXCHANGE_WORKER_PORT") or WORKER_PORT)


if len(sys.argv) > 1 and sys.argv[1] == "worker":
    settings = ServiceSettings()
    configure_logging(f"{SERVICE}-worker", settings.log_level, settings.log_json)
    asyncio.run(
        run_worker(
            SERVICE,
            build_loops,
            host=settings.http_host,
            port=_worker_port(sys.argv),
            extra_tasks=extra_tasks,
        )
    )
else:
    run_service(
        SERVICE,
        create_api=create_api,
        build_loops=build_loops,
        api_port=API_PORT,
        worker_port=WORKER_PORT,
    )
