from vanthu_runtime.process import run_service

from vanthu_routing.bootstrap import RoutingWorker, create_api
from vanthu_routing.config import API_PORT, SERVICE, WORKER_PORT

worker = RoutingWorker()
run_service(
    SERVICE,
    create_api=create_api,
    build_loops=worker.build_loops,
    api_port=API_PORT,
    worker_port=WORKER_PORT,
    extra_tasks=worker.extra_tasks,
)
