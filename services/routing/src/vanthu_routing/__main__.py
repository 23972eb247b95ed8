from vanthu_runtime.process import run_service

from vanthu_routing.bootstrap import build_loops, create_api, extra_tasks
from vanthu_routing.config import API_PORT, SERVICE, WORKER_PORT

run_service(
    SERVICE,
    create_api=create_api,
    build_loops=build_loops,
    api_port=API_PORT,
    worker_port=WORKER_PORT,
    extra_tasks=extra_tasks,
)
