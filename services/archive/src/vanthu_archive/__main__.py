"""`python -m vanthu_archive`: the archive's processes; `verify-export FILE` checks an export."""

import sys

if sys.argv[1:2] == ["verify-export"]:
    from vanthu_archive.export_verifier import main

    sys.exit(main(sys.argv[2:]))

from vanthu_runtime.process import run_service

from vanthu_archive.bootstrap import build_loops, create_api, worker_tasks
from vanthu_archive.config import API_PORT, SERVICE, WORKER_PORT

run_service(
    SERVICE,
    create_api=create_api,
    build_loops=build_loops,
    api_port=API_PORT,
    worker_port=WORKER_PORT,
    extra_tasks=worker_tasks(),
)
