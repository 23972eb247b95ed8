"""What the browser tests share: the web app built once per session, and nginx on one origin in
front of this session's services (deploy/local/nginx's configuration, as `make run` serves it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.processes import ServiceProcess, free_port
from harness.web import SERVICES, build_web
from harness.web import one_origin as serve_one_origin


@pytest.fixture(scope="session")
def built_web() -> Path:
    return build_web()


@pytest.fixture
def one_origin(
    running_services: dict[str, ServiceProcess], built_web: Path, tmp_path: Path
) -> Iterator[str]:
    """nginx with deploy/local/nginx's configuration, pointed at this session's services."""
    apis = {s: f"127.0.0.1:{running_services[f'{s}-api'].port}" for s in SERVICES}
    with serve_one_origin(apis, free_port(), tmp_path / "nginx", built_web) as origin:
        yield origin
