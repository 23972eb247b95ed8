"""Ops' view of readiness: every process is ready on real servers, and says which server is missing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness.private_servers import PrivateServers
from harness.processes import SERVICES, ServiceProcess, free_port


def test_every_service_api_and_worker_is_ready_on_the_real_servers(running_services) -> None:
    assert sorted(running_services) == sorted(
        f"{s}-{k}" for s in SERVICES for k in ("api", "worker")
    )
    for name, process in running_services.items():
        code, body = process.ready_status()
        assert code == 200, f"{name}: {body}"
        assert body["checks"]["kafka"] == "ok"
        assert body["checks"]["mongo"] == "ok"
        assert body["checks"]["minio"] == "ok"


@pytest.mark.parametrize("server", ["minio", "ferretdb", "kafka"])
def test_readiness_turns_503_naming_the_server_that_stopped_and_recovers_when_it_is_back(
    private_servers: PrivateServers, server: str, tmp_path: Path
) -> None:
    api = ServiceProcess(
        "intake", "api", free_port(), private_servers.service_env(), tmp_path / "intake-api.log"
    ).start()
    try:
        api.wait_ready()
        private_servers.kill(server)
        failing_name = {"ferretdb": "mongo"}.get(server, server)

        code, body = _wait_for_status(api, 503)
        assert code == 503
        assert body["failing"] == [failing_name]
        assert body["checks"][failing_name] != "ok"

        private_servers.infra("up")
        api.wait_ready(timeout=90)
    finally:
        api.stop()


def _wait_for_status(api: ServiceProcess, wanted: int, timeout: float = 30) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    code, body = api.ready_status()
    while code != wanted and time.monotonic() < deadline:
        time.sleep(0.3)
        code, body = api.ready_status()
    return code, body
