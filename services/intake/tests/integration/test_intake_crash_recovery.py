"""Nothing is lost or doubled when a process dies half-way: events go out once, numbers stay."""

from __future__ import annotations

import json
import signal
import uuid
from datetime import UTC, datetime

from harness.polling import eventually
from intake_testkit import events_keyed, form, header, metadata, tiny_pdf
from vanthu_intake.adapters.mongo_number_register import MongoNumberRegister
from vanthu_intake.domain.numbering import Register, register_key
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.settings import MongoSettings

RECEIVED = "vanthu.intake.document.received.v2"


async def test_a_worker_killed_while_publishing_still_publishes_each_registration_once(
    intake, clerk, platform_settings
) -> None:
    intake.worker.stop(signal.SIGKILL)
    ids = []
    for i in range(12):
        response = await clerk.post(
            "/v1/documents", **form(metadata(code_number=str(500 + i)), ("a.pdf", tiny_pdf()))
        )
        ids.append(response.json()["id"])
    bootstrap = platform_settings.kafka.bootstrap_servers
    assert await events_keyed(bootstrap, "document.received", ids[0]) == []

    # Restart, and kill it again as soon as the first event is out, in the middle of the batch.
    intake.worker.start()
    await eventually(
        lambda: events_keyed(bootstrap, "document.received", ids[0]), timeout=60, interval=0.05
    )
    intake.worker.stop(signal.SIGKILL)
    intake.worker.start()
    intake.worker.wait_ready()

    async def published_once(document_id: str) -> bool:
        copies = await events_keyed(bootstrap, "document.received", document_id)
        return len(copies) >= 1

    for document_id in ids:
        await eventually(lambda d=document_id: published_once(d), timeout=60)
    counts = []
    for document_id in ids:
        published = await events_keyed(bootstrap, "document.received", document_id)
        received = [m for m in published if header(m, "ce_type") == RECEIVED]
        counts.append(len(received))
    assert counts == [1] * len(ids)


async def test_a_number_taken_by_a_registration_that_died_is_kept_as_void(
    intake, clerk, agency, servers, platform_settings
) -> None:
    client = create_mongo_client(MongoSettings(uri=servers.mongo_uri))
    try:
        db = client[intake.env["VANTHU_MONGO_DATABASE"]]
        key = register_key(agency, Register.INCOMING, datetime.now(UTC))
        # An API process took number 1 and died before storing its document.
        taken = await MongoNumberRegister(db).reserve(key, str(uuid.uuid4()))
    finally:
        await client.close()
    assert taken == 1

    after = await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))
    assert after.json()["arrival_number"] == 2

    async def void_entries() -> list[dict]:
        listing = await clerk.get("/v1/documents", params={"status": "void"})
        return listing.json()["items"]

    voided = await eventually(void_entries, timeout=30, what="number 1 written as void")
    assert [(v["number"], v["status"]) for v in voided] == [(1, "void")]
    bootstrap = platform_settings.kafka.bootstrap_servers
    published = await eventually(
        lambda: events_keyed(bootstrap, "document.received", voided[0]["id"])
    )
    assert json.loads(published[0].value)["number"] == "1"


async def test_a_clerk_voids_a_registration_and_its_number_is_never_given_again(clerk) -> None:
    first = (await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))).json()

    voided = await clerk.post(f"/v1/documents/{first['id']}/void", json={"reason": "nhầm văn bản"})
    second = await clerk.post("/v1/documents", **form(metadata(), ("b.pdf", tiny_pdf())))

    assert voided.status_code == 200
    assert voided.json()["status"] == "void"
    assert second.json()["arrival_number"] == 2
