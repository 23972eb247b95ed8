"""Ops' view of readiness: every process is ready on real servers, and says which server is missing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.processes import SERVICES, ServiceProcess, free_port
from harness.servers import INFRA


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


class PrivateServers:
    """A second Kafka, FerretDB and MinIO on free ports, so stopping one disturbs no other test."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.env = {
            **os.environ,
            "VANTHU_STATE_DIR": str(state),
            "VANTHU_KAFKA_PORT": str(free_port()),
            "VANTHU_KAFKA_CONTROLLER_PORT": str(free_port()),
            "VANTHU_MONGO_PORT": str(free_port()),
            "VANTHU_MINIO_PORT": str(free_port()),
            "VANTHU_MINIO_CONSOLE_PORT": str(free_port()),
        }

    def infra(self, *args: str) -> str:
        done = subprocess.run(
            [str(INFRA), *args], env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"infra.sh {' '.join(args)}: {done.stderr}"
        return done.stdout

    def service_env(self) -> dict[str, str]:
        env = dict(line.split("=", 1) for line in self.infra("env").splitlines() if "=" in line)
        return {**env, "VANTHU_AUTH_DEV_MODE": "true", "VANTHU_LOG_JSON": "true"}

    def kill(self, server: str) -> None:
        pid = int((self.state / "run" / f"{server}.pid").read_text())
        os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def private_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServers]:
    if not (shutil.which("java") and shutil.which("go")):
        pytest.skip(
            "private servers are built from Maven Central and the Go proxy; Java and Go needed"
        )
    servers = PrivateServers(tmp_path_factory.mktemp("private-servers"))
    servers.infra("up")
    try:
        yield servers
    finally:
        servers.infra("down")


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
