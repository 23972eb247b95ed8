"""A signing token for the processes a test starts (issue 14): deploy/local/signing.sh, as
`make run` runs it, in a folder of the test's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from harness.servers import ROOT

SIGNING_SH = ROOT / "deploy" / "local" / "signing.sh"


def signing_token(state: Path, keys: str | None = None) -> dict[str, str]:
    """A SoftHSM2 token of the demo directory's signers and the demo agency's seal (or `keys`,
    deploy/local/signing.sh's SIGNING_KEYS), made in `state` by signing.sh as `make run` makes
    it; the settings intake signs with."""
    env = {**os.environ, "VANTHU_STATE_DIR": str(state), **({"SIGNING_KEYS": keys} if keys else {})}
    script = SIGNING_SH
    subprocess.run([str(script), "up"], env=env, check=True, capture_output=True, timeout=300)
    printed = subprocess.run(
        [str(script), "env"], env=env, check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
