import sys

if sys.argv[1:2] == ["indicators"]:
    # The indicators' Faust worker (issue 15, ADR 0051): `python -m vanthu_routing indicators`.
    import argparse

    from vanthu_runtime.logging import configure_logging
    from vanthu_runtime.settings import ServiceSettings

    from vanthu_routing.streams.app import run

    parser = argparse.ArgumentParser(prog="python -m vanthu_routing indicators")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(sys.argv[2:])
    settings = ServiceSettings()
    configure_logging("routing-indicators", settings.log_level, settings.log_json)
    sys.argv = sys.argv[:1]  # the Faust worker reads its own command line
    run(args.port)
else:
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
