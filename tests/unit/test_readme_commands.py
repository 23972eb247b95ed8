"""The README's token command works as written in a fresh shell, where uv may not be on PATH."""

from __future__ import annotations

import re
import shlex
import subprocess

from harness.servers import ROOT


def _vanthu_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    found = re.findall(r"\$\(([^)]*vanthu [^)]*)\)", "\n".join(blocks))
    # Commands built from the walk-through's shell variables run in its own test
    # (tests/e2e/test_readme_walkthrough.py); the literal ones run here.
    return [command for command in found if "$" not in command]


def test_the_readme_shows_a_token_command() -> None:
    assert any(" token " in command for command in _vanthu_commands())


def test_every_vanthu_command_of_the_readme_runs_without_uv_on_the_path() -> None:
    # A fresh login shell: system directories only (uv lands in ~/.local/bin or /usr/local/bin).
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(ROOT),
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": "a-local-dev-secret-of-some-length",
    }
    for command in _vanthu_commands():
        done = subprocess.run(
            shlex.split(command), cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{command!r} failed: {done.stderr}"
        assert done.stdout.strip().count(".") == 2  # it printed a token
