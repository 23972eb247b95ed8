"""Fixtures of the cross-service integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from harness.private_servers import PrivateServers


@pytest.fixture(scope="session")
def private_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServers]:
    if not (shutil.which("java") and shutil.which("go")):
        pytest.skip(
            "private servers are built from Maven Central and the Go proxy; Java and Go needed"
        )
    servers = PrivateServers(tmp_path_factory.mktemp("private-servers"))
    servers.infra("up")
    try:
        yield servers
    finally:
        servers.infra("down")
