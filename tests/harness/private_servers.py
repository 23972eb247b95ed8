"""A second Kafka, FerretDB and MinIO, from deploy/local, on free ports and in their own folder."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from harness.processes import free_port
from harness.servers import INFRA, KAFKA_LOGIN, KAFKA_TOOLS_LOGIN, kafka_settings_of
from vanthu_runtime.settings import KafkaSettings


class PrivateServers:
    """A second Kafka, FerretDB and MinIO on free ports, so stopping one disturbs no other test."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.env = {
            # Not the Kafka login of the servers the session chose: these servers have their own.
            **{k: v for k, v in os.environ.items() if k not in KAFKA_LOGIN + KAFKA_TOOLS_LOGIN},
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

    def kafka_settings(self) -> KafkaSettings:
        """The administrator's login to these servers' Kafka."""
        return kafka_settings_of(self.service_env())

    def kill(self, server: str) -> None:
        pid = int((self.state / "run" / f"{server}.pid").read_text())
        os.kill(pid, signal.SIGKILL)
