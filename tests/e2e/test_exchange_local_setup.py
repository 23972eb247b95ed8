"""End to end: the local exchange `make run` sets up (ADR 0049) carries a document and brings its
statuses back; a send that cannot go comes back failed with its reason, never silence.

The processes get their settings from the same module `deploy/local/services.sh` asks
(`vanthu_exchange.local_exchange`): a hub, this deployment's connector, the second demo agency's
connector with its own database, and intake's worker, which registers for every agency and so is
the demo partner's registry too. The agencies get random codes so that this test does not meet
another deployment on the shared broker. Intake's outgoing issue is stood in for by publishing
its two events, as the other exchange tests do.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "exchange" / "tests"))

from exchange_testkit import EventTap, issued_document, put_file, send_request
from harness.polling import eventually
from harness.processes import ServiceProcess, free_port
from vanthu_contracts.events.exchange import DeliveryStatusChanged, ProcessingStatusReceived
from vanthu_contracts.events.values import StatusCode, TransportState
from vanthu_exchange.connector_handlers import NO_CONNECTOR_REASON
from vanthu_exchange.local_exchange import (
    DEPLOYMENT,
    LocalAgency,
    connector_env,
    ensure_secrets,
    hub_env,
    register_systems,
)
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.settings import AuthSettings


def random_code(level1: str) -> str:
    return f"{secrets.randbelow(1000):03d}.{secrets.randbelow(100):02d}.00.{level1}"


@pytest.fixture(scope="module")
def local_exchange(servers, platform_settings, topics_ready, tmp_path_factory):
    logs = tmp_path_factory.mktemp("local-exchange")
    deployment = LocalAgency(random_code("G22"), "Văn phòng thử nghiệm", "deployment")
    partner = LocalAgency(random_code("H49"), "UBND tỉnh thử nghiệm", "partner")
    portal = LocalAgency(random_code("H41"), "Sở thử nghiệm dùng cổng", "portal")
    agencies = (deployment, partner, portal)
    known = ensure_secrets(logs / "exchange.env", agencies)
    dev_secret = secrets.token_hex(32)
    base = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": platform_settings.mongo.database,
        "VANTHU_S3_BUCKET": platform_settings.s3.bucket,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": dev_secret,
        "VANTHU_LOG_JSON": "true",
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        "VANTHU_EXCHANGE_POLL_INTERVAL_S": "0.2",
        "VANTHU_EXCHANGE_INITIAL_BACKOFF_S": "0.2",
        "VANTHU_EXCHANGE_MAX_BACKOFF_S": "1",
        "VANTHU_EXCHANGE_MAX_SEND_ATTEMPTS": "3",
    }
    hub = ServiceProcess(
        "exchange", "api", free_port(), {**base, **hub_env(known)}, logs / "hub.log"
    ).start()
    started = [hub]
    try:
        hub.wait_ready()
        admin = issue_dev_token(
            AuthSettings(dev_mode=True, dev_secret=dev_secret),
            user_id="make-run",
            agency_code=DEPLOYMENT.code,
            roles=["administrator"],
        )
        systems = [(agency, known[agency.secret_name]) for agency in agencies]
        asyncio.run(register_systems(hub.url, admin, systems))
        # `make run` twice: the second registration finds them and changes nothing.
        again = asyncio.run(register_systems(hub.url, admin, systems))
        assert all("already registered" in line for line in again)
        connector = ServiceProcess(
            "exchange",
            "worker",
            free_port(),
            {**base, **connector_env(deployment, known[deployment.secret_name], hub_url=hub.url)},
            logs / "connector.log",
        )
        partner_connector = ServiceProcess(
            "exchange",
            "worker",
            free_port(),
            {
                **base,
                **connector_env(
                    partner,
                    known[partner.secret_name],
                    hub_url=hub.url,
                    database=f"{platform_settings.mongo.database}_partner",
                ),
            },
            logs / "partner.log",
        )
        intake = ServiceProcess("intake", "worker", free_port(), base, logs / "intake.log")
        for process in (connector, partner_connector, intake):
            started.append(process.start())
        for process in started:
            process.wait_ready()
        yield {
            "hub": hub,
            "base": base,
            "logs": logs,
            "known": known,
            "deployment": deployment.code,
            "partner": partner.code,
            "portal": portal.code,
        }
    finally:
        for process in started:
            process.stop()


@pytest.fixture
async def tap(platform_settings):
    tap = EventTap(platform_settings.kafka.bootstrap_servers, ("exchange.status",))
    await tap.start()
    yield tap
    await tap.stop()


def deliveries(
    tap, document_id: str, transport: TransportState
) -> dict[str, DeliveryStatusChanged]:
    return {
        e.recipient_agency_code: e
        for e in tap.matching(
            lambda e: (
                isinstance(e, DeliveryStatusChanged)
                and e.document_id == document_id
                and e.transport is transport
            )
        )
    }


def processing(tap, document_id: str) -> set[StatusCode]:
    return {
        e.status_code
        for e in tap.matching(
            lambda e: isinstance(e, ProcessingStatusReceived) and e.document_id == document_id
        )
    }


async def send(publisher, servers, bucket: str, agency: str, recipients: list[str]):
    document = issued_document(
        agency, recipients, (put_file(servers, bucket, b"%PDF-1.4 cong van lien thong"),)
    )
    await publisher.publish(document)
    await publisher.publish(send_request(document, recipients))
    return document


async def test_a_sent_document_is_taken_in_by_the_partner_whose_statuses_come_back(
    local_exchange, servers, platform_settings, publisher, tap
) -> None:
    partner, portal = local_exchange["partner"], local_exchange["portal"]
    document = await send(
        publisher,
        servers,
        platform_settings.s3.bucket,
        local_exchange["deployment"],
        [partner, portal],
    )

    await eventually(
        lambda: {StatusCode.ARRIVED, StatusCode.ACCEPTED} <= processing(tap, document.document_id),
        timeout=120,
        what="01 (arrived) and 03 (accepted) back from the partner",
    )
    await eventually(
        lambda: partner in deliveries(tap, document.document_id, TransportState.ACKNOWLEDGED),
        timeout=60,
        what="the partner's acknowledgement",
    )
    assert portal in deliveries(tap, document.document_id, TransportState.DELIVERED)
    secret = local_exchange["known"][f"EXCHANGE_SECRET_{portal.replace('.', '_')}"]
    async with httpx.AsyncClient(base_url=local_exchange["hub"].url, timeout=10) as hub:
        session = await hub.post("/hub/v1/sessions", json={"system_id": portal, "secret": secret})
        assert session.status_code == 200
        waiting = await hub.get(
            "/hub/v1/packages", headers={"Authorization": f"Bearer {session.json()['token']}"}
        )
    assert [p["document_code"] for p in waiting.json()["packages"]] == [document.document_code]


async def test_a_document_for_an_agency_the_hub_does_not_know_comes_back_failed_naming_it(
    local_exchange, servers, platform_settings, publisher, tap
) -> None:
    unknown = random_code("H14")
    document = await send(
        publisher, servers, platform_settings.s3.bucket, local_exchange["deployment"], [unknown]
    )

    failed = await eventually(
        lambda: deliveries(tap, document.document_id, TransportState.FAILED),
        timeout=60,
        what="a failed delivery status",
    )
    assert unknown in failed[unknown].reason


def extra_worker(local_exchange, name: str, env: dict[str, str]) -> ServiceProcess:
    process = ServiceProcess(
        "exchange",
        "worker",
        free_port(),
        {**local_exchange["base"], **env},
        local_exchange["logs"] / f"{name}.log",
    ).start()
    process.wait_ready()
    return process


async def test_a_document_sent_while_the_hub_is_down_comes_back_failed_with_the_reason(
    local_exchange, servers, platform_settings, publisher, tap
) -> None:
    agency = LocalAgency(random_code("G22"), "Văn phòng thử nghiệm", "deployment")
    dead_hub = f"http://127.0.0.1:{free_port()}"
    worker = extra_worker(
        local_exchange,
        "hub-down",
        {
            **connector_env(agency, "Vt" + secrets.token_hex(16), hub_url=dead_hub),
            "VANTHU_MONGO_DATABASE": f"{platform_settings.mongo.database}_hubdown",
        },
    )
    try:
        document = await send(
            publisher,
            servers,
            platform_settings.s3.bucket,
            agency.code,
            [local_exchange["partner"]],
        )

        failed = await eventually(
            lambda: deliveries(tap, document.document_id, TransportState.FAILED),
            timeout=90,
            what="a failed delivery status",
        )
        reason = failed[local_exchange["partner"]].reason
        assert "gave up after 3 attempts" in reason
    finally:
        worker.stop()


async def test_a_document_sent_by_a_deployment_with_no_connector_comes_back_failed(
    local_exchange, servers, platform_settings, publisher, tap
) -> None:
    agency = random_code("G22")
    worker = extra_worker(
        local_exchange,
        "no-connector",
        {
            "VANTHU_EXCHANGE_HUB_ENABLED": "false",
            "VANTHU_EXCHANGE_HOSTED_AGENCIES": json.dumps([agency]),
            "VANTHU_MONGO_DATABASE": f"{platform_settings.mongo.database}_noconn",
        },
    )
    try:
        document = await send(
            publisher, servers, platform_settings.s3.bucket, agency, [local_exchange["partner"]]
        )

        failed = await eventually(
            lambda: deliveries(tap, document.document_id, TransportState.FAILED),
            timeout=60,
            what="a failed delivery status",
        )
        assert failed[local_exchange["partner"]].reason == NO_CONNECTOR_REASON
    finally:
        worker.stop()
