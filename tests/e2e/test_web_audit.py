"""The auditor's "state as of a moment" in real Chromium through nginx against every service of
`make run` (web/e2e/audit-flow.mjs): a document registered by the clerk is found in the archive's
search; asked for now it shows as registered with the hash-chain position the answer was folded
from, an hour before its registration as not yet known, and a moment tomorrow is refused at the
field; the clerk opens a records file from the year's plan, files the document and closes the
file, and the file as it stood before the filing shows it open and empty; axe-core finds no
serious or critical violation on either page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.processes import ServiceProcess, free_port
from harness.web import SERVICES, build_web, run_flow
from harness.web import one_origin as serve_one_origin


@pytest.fixture(scope="module")
def built_web() -> Path:
    return build_web()


@pytest.fixture
def one_origin(
    running_services: dict[str, ServiceProcess], built_web: Path, tmp_path: Path
) -> Iterator[str]:
    apis = {s: f"127.0.0.1:{running_services[f'{s}-api'].port}" for s in SERVICES}
    with serve_one_origin(apis, free_port(), tmp_path / "nginx", built_web) as origin:
        yield origin


def test_the_auditor_sees_a_document_as_it_stood_at_a_moment(
    one_origin: str, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    run = run_flow("audit-flow.mjs", {"VANTHU_WEB_URL": one_origin, "VANTHU_WEB_SHOTS": str(shots)})
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: done" in run.stdout, said
    assert (shots / "audit-02-truoc-khi-vao-so.png").exists(), said
    assert (shots / "audit-05-ho-so-luc-truoc.png").exists(), said
