"""Three agencies on two hubs exchange a document: statuses flow back, a revocation is honoured.

A ministry and one of its departments share one deployment (one connector) on the government
hub; a province's department sits on a second hub. Intake and routing are stood in for by
publishing their requests on Kafka, as those services do.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "exchange" / "tests"))

from exchange_testkit import (
    EventTap,
    issued_document,
    put_file,
    random_agency,
    random_secret,
    send_request,
    start_connector,
    start_hub,
    status_request,
)
from harness.polling import eventually
from harness.processes import free_port
from vanthu_contracts.events.exchange import (
    DeliveryStatusChanged,
    PackageReceived,
    ProcessingStatusReceived,
)
from vanthu_contracts.events.values import BusinessType, StatusCode, TransportState


@pytest.fixture(scope="module")
def two_hubs(servers, tmp_path_factory, topics_ready):
    logs = tmp_path_factory.mktemp("two-hubs")
    port_a, port_b = free_port(), free_port()
    gov_id, party_id = f"gov-{secrets.token_hex(2)}", f"party-{secrets.token_hex(2)}"
    a_at_b, b_at_a = random_secret(), random_secret()
    gov = start_hub(
        servers,
        logs,
        hub_id=gov_id,
        port=port_a,
        peers=[
            {
                "name": party_id,
                "url": f"http://127.0.0.1:{port_b}",
                "system_id": gov_id,
                "secret": a_at_b,
            }
        ],
    )
    party = start_hub(
        servers,
        logs,
        hub_id=party_id,
        port=port_b,
        peers=[
            {
                "name": gov_id,
                "url": f"http://127.0.0.1:{port_a}",
                "system_id": party_id,
                "secret": b_at_a,
            }
        ],
    )
    assert gov.register(party_id, b_at_a, [], is_hub=True).status_code == 201
    assert party.register(gov_id, a_at_b, [], is_hub=True).status_code == 201
    ministry, department, province = (
        random_agency("G09"),
        random_agency("G09"),
        random_agency("H41"),
    )
    deployment_secret, province_secret = random_secret(), random_secret()
    assert gov.register(ministry, deployment_secret, [ministry, department]).status_code == 201
    assert party.register(province, province_secret, [province]).status_code == 201
    shared = start_connector(
        servers, logs, gov, ministry, deployment_secret, [ministry, department]
    )
    remote = start_connector(servers, logs, party, province, province_secret, [province])
    yield {
        "gov": gov,
        "party": party,
        "shared": shared,
        "remote": remote,
        "ministry": ministry,
        "department": department,
        "province": province,
        "deployment_secret": deployment_secret,
    }
    for process in (shared.process, remote.process, gov.process, party.process):
        process.stop()


@pytest.fixture
async def tap(platform_settings):
    tap = EventTap(
        platform_settings.kafka.bootstrap_servers, ("exchange.inbound", "exchange.status")
    )
    await tap.start()
    yield tap
    await tap.stop()


def reports(tap, document_id: str, from_agency: str) -> dict[str, StatusCode]:
    return {
        e.package_id: e.status_code
        for e in tap.matching(
            lambda e: (
                isinstance(e, ProcessingStatusReceived)
                and e.document_id == document_id
                and e.from_agency_code == from_agency
            )
        )
    }


async def test_a_document_crosses_hubs_statuses_come_back_and_a_revocation_is_honoured(
    two_hubs, servers, publisher, tap
) -> None:
    ministry, department, province = (
        two_hubs["ministry"],
        two_hubs["department"],
        two_hubs["province"],
    )
    document = issued_document(
        ministry,
        [department, province],
        (put_file(servers, two_hubs["shared"].bucket, b"%PDF-1.4 " * 500),),
    )

    await publisher.publish(document)
    await publisher.publish(send_request(document, [department, province]))

    arrivals = await eventually(
        lambda: (
            {
                e.agency_code
                for e in tap.matching(
                    lambda e: (
                        isinstance(e, PackageReceived) and e.document_code == document.document_code
                    )
                )
            }
            >= {department, province}
        ),
        timeout=90,
        what="the document at both recipients",
    )
    assert arrivals
    for code in (StatusCode.ACCEPTED, StatusCode.ASSIGNED, StatusCode.COMPLETED):
        await publisher.publish(status_request(province, ministry, document.document_code, code))
        await eventually(
            lambda code=code: code in reports(tap, document.document_id, province).values(),
            timeout=90,
            what=f"status {code.value} from the other hub",
        )
    assert list(reports(tap, document.document_id, province).values()) == [
        StatusCode.ARRIVED,
        StatusCode.ACCEPTED,
        StatusCode.ASSIGNED,
        StatusCode.COMPLETED,
    ]
    # The province acknowledged at the party hub: the sender sees it, not just "forwarded".
    await eventually(
        lambda: (
            {
                e.recipient_agency_code
                for e in tap.matching(
                    lambda e: (
                        isinstance(e, DeliveryStatusChanged)
                        and e.document_id == document.document_id
                        and e.transport is TransportState.ACKNOWLEDGED
                    )
                )
            }
            >= {department, province}
        ),
        timeout=90,
        what="both deliveries acknowledged, the one across hubs included",
    )
    gov = two_hubs["gov"]
    auth = gov.session(ministry, two_hubs["deployment_secret"])
    async with httpx.AsyncClient(base_url=gov.url, headers=auth, timeout=10) as client:
        sent = (await client.get("/hub/v1/sent")).json()["deliveries"]
    states = {
        d["recipient"]: d["state"]
        for d in sent
        if d["kind"] == "edoc" and d["document_code"] == document.document_code
    }
    assert states == {department: "done", province: "done"}

    await publisher.publish(
        send_request(document, [department, province], BusinessType.REVOKE, document.document_code)
    )

    await eventually(
        lambda: (
            StatusCode.RECALL_ACCEPTED in reports(tap, document.document_id, province).values()
            and StatusCode.RECALL_ACCEPTED
            in reports(tap, document.document_id, department).values()
        ),
        timeout=90,
        what="both recipients accept the recall",
    )
    frozen = tap.matching(
        lambda e: (
            isinstance(e, PackageReceived)
            and e.business_type is BusinessType.REVOKE
            and e.target_document_code == document.document_code
        )
    )
    assert {e.agency_code for e in frozen} == {department, province}
