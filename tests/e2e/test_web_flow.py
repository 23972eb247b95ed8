"""The web app in real Chromium, through nginx, against every service of `make run`: the clerk
registers a scan and sees its arrival number (and a second try of the same scan is recognised);
the leader, on a tablet, finds it in the inbox and directs it to a unit (web/e2e/web-flow.mjs).
Then the rest of the day, one person after another (web/e2e/roles-flow.mjs): an idle session
ends; the leader directs with the working-day calendar; the secretary records a paper decision
with its slip; the unit head re-assigns, the specialist reports and drafts, the unit head
forwards, the leader approves from the dashboard; the clerk issues the reply, follows its
recipients and prints the register; the auditor searches without diacritics, reads the timeline
and verifies the chains. Both scripts drive Debian's chromium with playwright-core, assert what
each person sees and save screenshots in the test's tmp dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from harness.pdfs import one_page_pdf
from harness.processes import ServiceProcess, free_port
from harness.servers import ROOT

WEB = ROOT / "web"
WEB_SH = ROOT / "deploy" / "local" / "web.sh"
CHROMIUM = os.environ.get("VANTHU_CHROMIUM", "/usr/bin/chromium")


def _nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        pytest.fail("nginx is missing: deploy/local/prereqs.sh installs it (Debian nginx-light)")
    return found


@pytest.fixture(scope="module")
def built_web() -> Path:
    """web/dist, built by the same cached step as `make run` (seconds when nothing changed)."""
    subprocess.run([str(WEB_SH), "build"], check=True, cwd=ROOT, timeout=600)
    return WEB / "dist"


@pytest.fixture
def one_origin(
    running_services: dict[str, ServiceProcess], built_web: Path, tmp_path: Path
) -> Iterator[str]:
    """nginx with deploy/local/nginx's configuration, pointed at this session's services."""
    port = free_port()
    state = tmp_path / "nginx"
    conf = state / "vanthu.conf"
    state.mkdir()
    env = {
        **os.environ,
        "VANTHU_WEB_PORT": str(port),
        "VANTHU_WEB_STATE": str(state),
        "VANTHU_WEB_DIST": str(built_web),
        **{
            f"VANTHU_WEB_{service.upper()}": f"127.0.0.1:{running_services[f'{service}-api'].port}"
            for service in ("intake", "routing", "exchange", "archive")
        },
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


def test_one_origin_serves_the_app_the_apis_and_the_portal(one_origin: str) -> None:
    page = httpx.get(f"{one_origin}/chi-dao/some-case")  # a route of the app, not a file
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    for service in ("intake", "routing", "exchange", "archive"):
        ready = httpx.get(f"{one_origin}/api/{service}/health/ready")
        assert ready.status_code == 200, (service, ready.text)
    assert httpx.get(f"{one_origin}/portal/login").status_code == 200


def test_the_clerk_registers_a_scan_and_the_leader_directs_it_in_the_browser(
    one_origin: str, tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists(), "chromium is missing: deploy/local/prereqs.sh installs it"
    scan = tmp_path / "cong-van-den.pdf"
    scan.write_bytes(one_page_pdf())
    shots = tmp_path / "screenshots"
    run = subprocess.run(
        ["node", "e2e/web-flow.mjs"],
        cwd=WEB,
        env={
            **os.environ,
            "VANTHU_WEB_URL": one_origin,
            "VANTHU_WEB_PDF": str(scan),
            "VANTHU_WEB_SHOTS": str(shots),
            "VANTHU_CHROMIUM": CHROMIUM,
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: registered: Số đến: " in run.stdout, said
    assert "web-flow: done" in run.stdout, said
    assert (shots / "03-so-den.png").exists()
    assert (shots / "06-da-chi-dao.png").exists()


ROLES_FLOW_FILES = ("scan-a", "scan-b", "slip", "draft")


def test_each_person_does_their_part_of_the_day_in_the_browser(
    one_origin: str, tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists(), "chromium is missing: deploy/local/prereqs.sh installs it"
    files = tmp_path / "files"
    files.mkdir()
    for name in ROLES_FLOW_FILES:
        (files / f"{name}.pdf").write_bytes(one_page_pdf())
    shots = tmp_path / "screenshots"
    run = subprocess.run(
        ["node", "e2e/roles-flow.mjs"],
        cwd=WEB,
        env={
            **os.environ,
            "VANTHU_WEB_URL": one_origin,
            "VANTHU_WEB_FILES": str(files),
            "VANTHU_WEB_SHOTS": str(shots),
            "VANTHU_CHROMIUM": CHROMIUM,
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: done" in run.stdout, said
    for shot in (
        "13-nhap-thay.png",
        "14-tong-hop.png",
        "15-van-ban-di.png",
        "18-dong-thoi-gian.png",
    ):
        assert (shots / shot).exists(), said
