"""Intake's own API and worker processes on free ports, against the real servers."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from harness.kafka_reads import topic_partitions
from harness.processes import ServiceProcess, free_port
from harness.servers import Servers
from vanthu_runtime.platform import PlatformSettings
from vanthu_runtime.settings import AuthSettings

# --import-mode=importlib puts no test folder on sys.path; the helpers module lives beside us.
sys.path.insert(0, str(Path(__file__).parent))

from intake_testkit import (
    MAX_UPLOAD_BYTES,
    NAMED_AGENCY,
    NAMED_AGENCY_NAME,
    Intake,
    random_agency,
)
from signing_testkit import (
    REMOTE_LEADERS,
    REMOTE_WAIT_S,
    SIGNING_AGENCY,
    SIGNING_AGENCY_NAME,
    SigningSetup,
    Simulator,
    make_token,
)
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.settings import KafkaSettings


async def start_groups_at_the_end(bootstrap: str, groups: dict[str, str]) -> None:
    """Commit each group at the end of its topic: the shared topics hold every earlier session's
    records, which this fresh deployment must not replay."""
    for group, topic in groups.items():
        consumer = create_consumer(
            KafkaSettings(bootstrap_servers=bootstrap),
            group_id=group,
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            tps = await topic_partitions(consumer, topic)
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)
            await consumer.commit(dict(ends))
        finally:
            await consumer.stop()


@asynccontextmanager
async def running_intake(
    servers: Servers,
    platform_settings: PlatformSettings,
    *,
    bucket: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Intake]:
    """An intake API and worker of their own (database, consumer groups), as `make run` starts them;
    with a `bucket` of their own too when a test counts what they store, and `extra_env` (the
    signing token's settings) when a test needs more."""
    secret = secrets.token_hex(32)
    prefix = f"intake-test-{secrets.token_hex(4)}"
    env = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": f"intake_{secrets.token_hex(4)}",
        "VANTHU_S3_BUCKET": bucket or platform_settings.s3.bucket,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": secret,
        "VANTHU_LOG_JSON": "true",
        "VANTHU_INTAKE_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
        # Numbers of registrations that died are voided after this long (60 s in production);
        # shorter than that so the recovery test is quick, longer than a registration takes
        # on a loaded machine (200 at once), so no live one is voided under it.
        "VANTHU_INTAKE_RESERVATION_GRACE_S": "10",
        # A send the exchange never answers shows as failed after this long.
        "VANTHU_INTAKE_SEND_SILENCE_S": "3",
        "VANTHU_INTAKE_AGENCY_NAMES": json.dumps({NAMED_AGENCY: NAMED_AGENCY_NAME}),
        # Own consumer groups: intake workers of other test sessions share these topics.
        "VANTHU_INTAKE_CONSUMER_GROUP_PREFIX": prefix,
        **(extra_env or {}),
    }
    await start_groups_at_the_end(
        servers.kafka_bootstrap,
        {
            f"{prefix}-digitiser": "document.received",
            f"{prefix}-exchange-inbound": "exchange.inbound",
            f"{prefix}-exchange-status": "exchange.status",
            f"{prefix}-drafts": "decision.recorded",
            # Not in production: there the copy reads the whole compacted directory from the start.
            f"{prefix}-directory": "directory.changed",
        },
    )
    # Outside pytest's rotating temp folders, so the logs outlive parallel runs for reading.
    logs = Path(tempfile.mkdtemp(prefix="vanthu-intake-logs-"))
    api = ServiceProcess("intake", "api", free_port(), env, logs / "api.log").start()
    worker = ServiceProcess("intake", "worker", free_port(), env, logs / "worker.log").start()
    try:
        api.wait_ready()
        worker.wait_ready()
        yield Intake(api, worker, AuthSettings(dev_mode=True, dev_secret=secret), env)
    finally:
        api.stop()
        worker.stop()


@pytest.fixture(scope="session")
async def intake(
    servers: Servers, platform_settings: PlatformSettings, topics_ready: None
) -> AsyncIterator[Intake]:
    async with running_intake(servers, platform_settings) as running:
        yield running


@pytest.fixture
def agency() -> str:
    return random_agency()


@pytest.fixture
async def clerk(intake: Intake, agency: str) -> AsyncIterator[httpx.AsyncClient]:
    async with intake.client("clerk-" + secrets.token_hex(3), agency, "clerk") as client:
        yield client


# Signing (issue 14): a SoftHSM2 token of the session made by deploy/local/signing.sh, the remote
# signing SIMULATOR, and an intake that signs with both.


@pytest.fixture(scope="session")
def signing_setup() -> Iterator[SigningSetup]:
    made = make_token()
    # The PKCS#11 library reads its configuration when this process first loads it.
    os.environ["SOFTHSM2_CONF"] = made.env["SOFTHSM2_CONF"]
    try:
        yield made
    finally:
        # the session's token, CA key and PINs go with the session
        shutil.rmtree(made.state, ignore_errors=True)


@pytest.fixture(scope="session")
def remote_simulator(signing_setup: SigningSetup) -> Iterator[Simulator]:
    logs = Path(tempfile.mkdtemp(prefix="vanthu-signing-simulator-"))
    simulator = Simulator(signing_setup.state / "signing" / "ca", logs / "simulator.log")
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="session")
async def signing_intake(
    servers: Servers,
    platform_settings: PlatformSettings,
    topics_ready: None,
    signing_setup: SigningSetup,
    remote_simulator: Simulator,
) -> AsyncIterator[Intake]:
    extra = {
        **signing_setup.env,
        "VANTHU_SIGNING_REMOTE_URL": remote_simulator.url,
        "VANTHU_SIGNING_REMOTE_USERS": json.dumps(sorted(REMOTE_LEADERS.values())),
        "VANTHU_SIGNING_REMOTE_WAIT_S": str(REMOTE_WAIT_S),
        "VANTHU_SIGNING_REMOTE_POLL_S": "0.2",
        "VANTHU_INTAKE_AGENCY_NAMES": json.dumps(
            {NAMED_AGENCY: NAMED_AGENCY_NAME, SIGNING_AGENCY: SIGNING_AGENCY_NAME}
        ),
    }
    async with running_intake(servers, platform_settings, extra_env=extra) as running:
        yield running
