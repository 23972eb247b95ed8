"""Connectors and the hub killed (SIGKILL) in the middle of an exchange lose nothing and
deliver nothing twice."""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from exchange_testkit import (
    issued_document,
    put_file,
    restarted,
    send_request,
    start_two_agencies,
    tapping,
)
from harness.polling import eventually
from vanthu_contracts.events.exchange import PackageReceived, ProcessingStatusReceived

DOCUMENTS = 8


@pytest.fixture
def deployments(servers, tmp_path, topics_ready):
    started = start_two_agencies(servers, tmp_path, hub_id="hub-crash").as_dict()
    yield started
    # The tests restart processes in ``running``: stop the ones running at the end.
    for process in started["running"].values():
        process.stop()


@pytest.fixture
async def tap(platform_settings):
    async with tapping(
        platform_settings.kafka.bootstrap_servers, "exchange.inbound", "exchange.status"
    ) as tap:
        yield tap


async def _send_documents(deployments, servers, publisher) -> list:
    ministry, province = deployments["ministry"], deployments["province"]
    documents = []
    for index in range(DOCUMENTS):
        file = put_file(
            servers, deployments["sender"].bucket, f"%PDF-1.4 văn bản {index} ".encode() * 200
        )
        document = issued_document(ministry, [province], (file,), number=str(100 + index))
        await publisher.publish(document)
        await publisher.publish(send_request(document, [province]))
        documents.append(document)
    return documents


def _arrivals(tap, documents) -> Counter:
    codes = {d.document_code for d in documents}
    return Counter(
        e.document_code
        for e in tap.matching(lambda e: isinstance(e, PackageReceived) and e.document_code in codes)
    )


def _distinct_arrivals(tap, documents) -> Counter:
    codes = {d.document_code for d in documents}
    seen = {
        e.package_id: e.document_code
        for e in tap.matching(lambda e: isinstance(e, PackageReceived) and e.document_code in codes)
    }
    return Counter(seen.values())


async def test_killed_connectors_on_both_sides_lose_no_document_and_deliver_none_twice(
    deployments, servers, publisher, tap
) -> None:
    documents = await _send_documents(deployments, servers, publisher)
    running = deployments["running"]

    await eventually(
        lambda: len(_arrivals(tap, documents)) >= 1, timeout=60, what="a first arrival"
    )
    running["receiver"].stop(signal.SIGKILL)
    running["sender"].stop(signal.SIGKILL)
    running["sender"] = restarted(running["sender"])
    running["receiver"] = restarted(running["receiver"])

    await eventually(
        lambda: len(_arrivals(tap, documents)) == DOCUMENTS,
        timeout=90,
        what="every document at the province",
    )
    # One package per document and recipient, whatever the kills cut in half.
    assert set(_distinct_arrivals(tap, documents).values()) == {1}
    await eventually(
        lambda: (
            len(
                {
                    e.document_id
                    for e in tap.matching(
                        lambda e: (
                            isinstance(e, ProcessingStatusReceived)
                            and e.from_agency_code == deployments["province"]
                        )
                    )
                }
            )
            == DOCUMENTS
        ),
        timeout=90,
        what="a status 01 for every document",
    )
    # Intake running beside us may report 03 too; what must hold is one package per status.
    reports = {
        e.package_id: (e.document_id, e.status_code)
        for e in tap.matching(
            lambda e: (
                isinstance(e, ProcessingStatusReceived)
                and e.from_agency_code == deployments["province"]
            )
        )
    }
    assert set(Counter(reports.values()).values()) == {1}


async def test_a_hub_killed_and_restarted_keeps_every_package_it_accepted(
    deployments, servers, publisher, tap
) -> None:
    running = deployments["running"]
    documents = await _send_documents(deployments, servers, publisher)

    await eventually(
        lambda: len(_arrivals(tap, documents)) >= 1, timeout=60, what="a first arrival"
    )
    running["hub"].stop(signal.SIGKILL)
    running["hub"] = restarted(running["hub"])

    await eventually(
        lambda: len(_arrivals(tap, documents)) == DOCUMENTS,
        timeout=90,
        what="every document after the hub restart",
    )
    assert set(_distinct_arrivals(tap, documents).values()) == {1}
