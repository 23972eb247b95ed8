"""The web app on one origin for the browser tests: nginx with deploy/local/nginx's configuration
(rendered by web.sh), in front of the APIs a test chose, and the browser flows of web/e2e."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from harness.servers import ROOT

WEB = ROOT / "web"
WEB_SH = ROOT / "deploy" / "local" / "web.sh"
CHROMIUM = os.environ.get("VANTHU_CHROMIUM", "/usr/bin/chromium")
SERVICES = ("intake", "routing", "exchange", "archive")


def build_web() -> Path:
    """web/dist, built by the same cached step as `make run` (seconds when nothing changed)."""
    subprocess.run([str(WEB_SH), "build"], check=True, cwd=ROOT, timeout=600)
    return WEB / "dist"


def _nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        pytest.fail("nginx is missing: deploy/local/prereqs.sh installs it (Debian nginx-light)")
    return found


@contextmanager
def one_origin(apis: Mapping[str, str], port: int, state: Path, dist: Path) -> Iterator[str]:
    """nginx on 127.0.0.1:`port` serving `dist` and proxying /api/<service>/ to `apis[service]`
    (host:port; a service left out goes to intake's); yields the origin once intake answers."""
    state.mkdir(parents=True, exist_ok=True)
    conf = state / "vanthu.conf"
    env = {
        **os.environ,
        "VANTHU_WEB_PORT": str(port),
        "VANTHU_WEB_STATE": str(state),
        "VANTHU_WEB_DIST": str(dist),
        **{f"VANTHU_WEB_{s.upper()}": apis.get(s, apis["intake"]) for s in SERVICES},
    }
    subprocess.run([str(WEB_SH), "render", str(conf)], check=True, env=env, timeout=30)
    nginx = subprocess.Popen(
        [_nginx(), "-p", str(state), "-c", str(conf), "-e", str(state / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_until_the_proxy_reaches_intake(origin, nginx)
        yield origin
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)


def _wait_until_the_proxy_reaches_intake(origin: str, nginx: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert nginx.poll() is None, "nginx exited on start"
        try:
            if httpx.get(f"{origin}/api/intake/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nginx on {origin} did not reach intake in 20 s")


def run_flow(
    script: str, env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """A browser flow of web/e2e (node + playwright-core + Debian's chromium)."""
    assert Path(CHROMIUM).exists(), "chromium is missing: deploy/local/prereqs.sh installs it"
    return subprocess.run(
        ["node", f"e2e/{script}"],
        cwd=WEB,
        env={**os.environ, "VANTHU_CHROMIUM": CHROMIUM, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
