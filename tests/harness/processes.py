"""Service processes started by tests, exactly as `make run` starts them, against the chosen servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from harness.servers import ROOT

SERVICES = ("intake", "routing", "exchange", "archive")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServiceProcess:
    service: str
    kind: str
    port: int
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    f"vanthu_{self.service}",
                    self.kind,
                    "--port",
                    str(self.port),
                ],
                # Unbuffered, so a process that hangs before it listens still shows its log.
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        return self

    def ready_status(self) -> tuple[int, dict[str, object]]:
        response = httpx.get(f"{self.url}/health/ready", timeout=5)
        return response.status_code, response.json()

    def wait_ready(self, timeout: float = 120) -> None:
        """Until /health/ready answers 200. The bound is for a loaded machine: several processes
        start at once, each importing its libraries and checking its servers before it listens."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                raise AssertionError(f"{self.service}-{self.kind} exited; log: {self.log_tail()}")
            try:
                code, body = self.ready_status()
            except httpx.HTTPError as exc:
                last = repr(exc)
            else:
                if code == 200:
                    return
                last = str(body)
            time.sleep(0.3)
        raise AssertionError(
            f"{self.service}-{self.kind} not ready: {last}; log: {self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(sig)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
