"""Fixtures every test tier shares: the real servers, a scratch database, topics, service processes."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka.admin import NewTopic
from harness.processes import SERVICES, ServiceProcess, free_port
from harness.servers import Servers, choose_servers
from harness.signing import signing_token
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.kafka_clients import create_admin
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.kafka_topics import ensure_topics
from vanthu_runtime.mongo import MongoDocument, create_mongo_client
from vanthu_runtime.outbox_guard import outbox_guard
from vanthu_runtime.platform import PlatformSettings
from vanthu_runtime.settings import MongoSettings, S3Settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.path)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


def random_suffix() -> str:
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    with ExitStack() as stack:
        yield choose_servers(stack)


@pytest.fixture(scope="session")
def platform_settings(servers: Servers) -> PlatformSettings:
    return PlatformSettings(
        kafka=servers.kafka_settings(),
        mongo=MongoSettings(uri=servers.mongo_uri, database=f"test_{random_suffix()}"),
        s3=S3Settings(
            endpoint=servers.s3_endpoint,
            access_key=servers.s3_access_key,
            secret_key=servers.s3_secret_key,
            bucket=f"test-{random_suffix()}",
        ),
    )


@pytest.fixture(scope="session")
async def topics_ready(platform_settings: PlatformSettings) -> None:
    await ensure_topics(platform_settings.kafka)


@pytest.fixture
async def mongo_db(
    platform_settings: PlatformSettings,
) -> AsyncIterator[AsyncDatabase[MongoDocument]]:
    settings = platform_settings.mongo.model_copy(update={"database": f"t_{random_suffix()}"})
    client = create_mongo_client(settings)
    try:
        yield client[settings.database]
        await client.drop_database(settings.database)
    finally:
        await client.close()


@pytest.fixture
async def publisher(
    platform_settings: PlatformSettings, topics_ready: None
) -> AsyncIterator[KafkaEventPublisher]:
    publisher = KafkaEventPublisher(platform_settings.kafka, source="/vanthu/tests")
    await publisher.start()
    try:
        yield publisher
    finally:
        await publisher.stop()


@pytest.fixture
async def scratch_topic(platform_settings: PlatformSettings) -> AsyncIterator[str]:
    """A one-partition topic with its .dlq twin, deleted afterwards."""
    name = f"test.{random_suffix()}"
    admin = create_admin(platform_settings.kafka)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, num_partitions=1, replication_factor=1) for n in (name, f"{name}.dlq")]
        )
        yield name
        await admin.delete_topics([name, f"{name}.dlq"])
    finally:
        await admin.close()


def service_env(servers: Servers, settings: PlatformSettings) -> dict[str, str]:
    return {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": settings.mongo.database,
        "VANTHU_S3_BUCKET": settings.s3.bucket,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": secrets.token_hex(32),
        "VANTHU_LOG_JSON": "true",
    }


@pytest.fixture(scope="session")
def running_services(
    servers: Servers,
    platform_settings: PlatformSettings,
    topics_ready: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ServiceProcess]]:
    """Every service's API and worker process, started as `make run` starts them, on free ports,
    intake with a signing token of the demo people (issue 14).

    Their consumer groups are new (named after the session's database) but the broker is shared
    with the rest of the suite, so they start at this moment rather than replaying every event the
    suite wrote before: an end-to-end test sees its own flow, at its own speed."""
    env = {
        **service_env(servers, platform_settings),
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        **signing_token(tmp_path_factory.mktemp("signing")),
    }
    logs = tmp_path_factory.mktemp("service-logs")
    processes = {
        f"{service}-{kind}": ServiceProcess(
            service, kind, free_port(), env, logs / f"{service}-{kind}.log"
        ).start()
        for service in SERVICES
        for kind in ("api", "worker")
    }
    try:
        for process in processes.values():
            process.wait_ready()
        yield processes
    finally:
        for process in processes.values():
            process.stop()


@pytest.fixture(autouse=True)
def _outbox_writes_stay_guarded() -> Iterator[None]:
    """Every write to an outbox collection goes through `OutboxCollection` (ADR 0004)."""
    before = len(outbox_guard.violations)
    yield
    unguarded = outbox_guard.violations[before:]
    del outbox_guard.violations[before:]
    assert not unguarded, f"writes to outbox collections outside OutboxCollection: {unguarded}"
