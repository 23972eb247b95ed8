"""The web app's own component tests (vitest, in jsdom): run by `make test` like every other test."""

from __future__ import annotations

import os
import subprocess

from harness.servers import ROOT

WEB_SH = ROOT / "deploy" / "local" / "web.sh"


def test_the_web_apps_component_tests_pass() -> None:
    # `web.sh build` runs npm ci only when the lock file changed, and type-checks the app.
    subprocess.run([str(WEB_SH), "build"], check=True, cwd=ROOT, timeout=600)
    run = subprocess.run(
        ["npx", "--no-install", "vitest", "run", "--reporter=verbose"],
        cwd=ROOT / "web",
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "CI": "true", "NO_COLOR": "1"},
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert " passed" in run.stdout
