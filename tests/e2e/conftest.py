"""What the browser tests share: the web app built once per session, and nginx on one origin in
front of this session's services (deploy/local/nginx's configuration, as `make run` serves it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness.processes import ServiceProcess, free_port
from harness.servers import Servers
from harness.web import SERVICES, build_web
from harness.web import one_origin as serve_one_origin
from vanthu_runtime.platform import PlatformSettings


@pytest.fixture(scope="session")
def built_web() -> Path:
    return build_web()


@pytest.fixture(scope="session")
def routing_indicators(
    running_services: dict[str, ServiceProcess],
    servers: Servers,
    platform_settings: PlatformSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceProcess]:
    """Routing's indicators worker of this session's database, as `make run` starts one: the
    reports and the leader's dashboard read its tables (ADR 0052). It counts from now on."""
    env = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": platform_settings.mongo.database,
        "VANTHU_LOG_JSON": "true",
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
    }
    logs = tmp_path_factory.mktemp("routing-indicators-logs")
    process = ServiceProcess(
        "routing", "indicators", free_port(), env, logs / "routing-indicators.log"
    ).start()
    try:
        process.wait_ready(timeout=120)
        yield process
    finally:
        process.stop()


@pytest.fixture
def one_origin(
    running_services: dict[str, ServiceProcess],
    routing_indicators: ServiceProcess,
    built_web: Path,
    tmp_path: Path,
) -> Iterator[str]:
    """nginx with deploy/local/nginx's configuration, pointed at this session's services."""
    apis = {s: f"127.0.0.1:{running_services[f'{s}-api'].port}" for s in SERVICES}
    with serve_one_origin(apis, free_port(), tmp_path / "nginx", built_web) as origin:
        yield origin
