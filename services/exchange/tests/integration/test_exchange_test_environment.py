"""The VDXP test environment's lower-case agency codes (issue 13 item 9, ADR 0053), on the real
servers: a hub standing in for that environment, a connector hosting our agency by its test code,
one peer configured as a test-environment peer and one that is not.

Peers are registered systems that post to the hub themselves; every package is made by the test.
"""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
from exchange_testkit import (
    edxml_package,
    issued_document,
    put_file,
    random_secret,
    register_agencies,
    send_request,
    start_connector,
    start_hub,
    stopping,
    tapping,
)
from harness.polling import eventually
from vanthu_contracts.events.exchange import DeliveryStatusChanged, PackageReceived
from vanthu_contracts.events.values import TransportState


def vdxp_code(unit: str) -> str:
    """A code shaped like the test environment's (``vxp.saas.03``) that no other test uses."""
    return f"vxp.t{secrets.token_hex(3)}.{unit}"


@pytest.fixture(scope="module")
def vdxp(servers, tmp_path_factory, topics_ready):
    logs = tmp_path_factory.mktemp("exchange-vdxp")
    hub = start_hub(
        servers,
        logs,
        hub_id="hub-vdxp",
        extra_env={"VANTHU_EXCHANGE_HUB_TEST_ENVIRONMENT": "true"},
    )
    us, peer, stranger = vdxp_code("05"), vdxp_code("03"), vdxp_code("07")
    codes = register_agencies(hub, us, peer, stranger)
    connector = start_connector(
        servers,
        logs,
        hub,
        us,
        codes[us],
        [us],
        extra_env={
            "VANTHU_EXCHANGE_PEERS": json.dumps(
                {peer: {"test_environment": True, "require_signature": False}}
            )
        },
    )
    with stopping(connector.process, hub.process):
        yield {
            "hub": hub,
            "connector": connector,
            "us": us,
            "peer": peer,
            "stranger": stranger,
            "secrets": codes,
        }


@pytest.fixture
async def tap(platform_settings):
    async with tapping(
        platform_settings.kafka.bootstrap_servers, "exchange.inbound", "exchange.status"
    ) as tap:
        yield tap


async def post_as(vdxp, sender: str, package: bytes) -> httpx.AsyncClient:
    hub = vdxp["hub"]
    client = httpx.AsyncClient(
        base_url=hub.url, timeout=30, headers=hub.session(sender, vdxp["secrets"][sender])
    )
    sent = await client.post(
        "/hub/v1/packages", content=package, headers={"Idempotency-Key": secrets.token_hex(8)}
    )
    assert sent.status_code == 201, sent.text
    return client


async def test_a_package_from_a_test_environment_peer_arrives_with_the_codes_as_written(
    vdxp, tap
) -> None:
    us, peer = vdxp["us"], vdxp["peer"]
    package = edxml_package(peer, [us], number="41", sender_name="Đơn vị thử nghiệm 03")

    client = await post_as(vdxp, peer, package)
    await client.aclose()

    received = await eventually(
        lambda: tap.matching(
            lambda e: isinstance(e, PackageReceived) and e.from_agency_code == peer
        ),
        timeout=60,
        what="the test peer's package taken in",
    )
    assert received[0].agency_code == us
    assert received[0].issuer.agency_code == peer
    assert received[0].document_code == f"{peer},2026/11/20,41/SNV-VP"


async def test_a_package_with_test_codes_from_a_peer_not_configured_so_is_refused_with_02(
    vdxp,
) -> None:
    us, stranger = vdxp["us"], vdxp["stranger"]
    package = edxml_package(stranger, [us], number="42")

    client = await post_as(vdxp, stranger, package)
    try:

        async def answers():
            pending = (await client.get("/hub/v1/packages")).json()["packages"]
            return [p for p in pending if p["kind"] == "status"]

        (answer, *_) = await eventually(answers, timeout=60, what="a status back to the sender")
        assert answer["status_code"] == "02"
        status = (await client.get(f"/hub/v1/packages/{answer['delivery_id']}")).text
    finally:
        await client.aclose()
    assert "MessageHeader/From/OrganId" in status
    assert "test-environment peer" in status


async def test_a_document_to_a_test_code_not_configured_as_a_test_peer_fails_saying_why(
    vdxp, servers, publisher, tap
) -> None:
    us, stranger = vdxp["us"], vdxp["stranger"]
    document = issued_document(
        us, [stranger], (put_file(servers, vdxp["connector"].bucket, b"%PDF-1.4 thu"),)
    )

    await publisher.publish(document)
    await publisher.publish(send_request(document, [stranger]))

    failed = await eventually(
        lambda: tap.matching(
            lambda e: (
                isinstance(e, DeliveryStatusChanged)
                and e.document_id == document.document_id
                and e.transport is TransportState.FAILED
            )
        ),
        timeout=60,
        what="the send failed",
    )
    assert failed[0].recipient_agency_code == stranger
    assert "test-environment peer" in (failed[0].reason or "")


async def test_a_lower_case_code_is_not_registered_at_a_production_hub(servers, tmp_path) -> None:
    hub = start_hub(servers, tmp_path, hub_id="hub-production")
    with stopping(hub.process):
        code = vdxp_code("09")
        refused = hub.register(code, random_secret(), [code])

    assert refused.status_code == 422, refused.text
    assert "test environment" in refused.text
