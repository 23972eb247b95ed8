"""A worker killed while relaying a case's events does not hold that case for the lease's 30 s:
another relay sees the holder stopped beating and publishes the events within seconds."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

from harness.polling import eventually
from harness.samples import sample_event
from vanthu_contracts import encode
from vanthu_routing.adapters.mongo_outbox_relay import HEARTBEATS, HeartbeatOutboxRelay
from vanthu_runtime.outbox import LEASES, outbox_entry, outbox_write

from .conftest import TopicReader


async def a_case_leased_by(db, relay_owner: str, heartbeat_age: timedelta) -> tuple[str, str]:
    """A case with one pending TaskAssigned, leased (for 30 s, as the runtime's relay leases)
    by a relay whose last heartbeat is ``heartbeat_age`` old."""
    case_id = str(uuid.uuid4())
    event = sample_event("vanthu.routing.task.assigned.v1", document_id=str(uuid.uuid4()))
    record = encode(event, source="/vanthu/routing")
    now = datetime.now(UTC)
    await db[HEARTBEATS].insert_one({"_id": relay_owner, "at": now - heartbeat_age})
    await db[LEASES].insert_one(
        {"_id": f"cases|{case_id}", "owner": relay_owner, "until": now + timedelta(seconds=30)}
    )
    async with outbox_write(db, "cases", case_id):
        await db["cases"].insert_one({"_id": case_id, "outbox": [outbox_entry(record)]})
    return case_id, record.event_id


async def test_the_events_of_a_case_held_by_a_killed_relay_go_out_within_seconds(
    mongo_db, publisher, platform_settings
):
    case_id, event_id = await a_case_leased_by(mongo_db, "killed-relay", timedelta(minutes=1))
    reader = TopicReader(platform_settings.kafka.bootstrap_servers, ["task.assigned"])
    await reader.start()
    relay = HeartbeatOutboxRelay(mongo_db, ["cases"], publisher, poll_interval_s=0.1)
    stopping = asyncio.Event()
    running = asyncio.create_task(relay.run(stopping))
    try:
        # Well under the 30 s the killed relay's lease would otherwise hold the case.
        found = await eventually(
            lambda: reader.matching(lambda d: d.envelope.id == event_id),
            timeout=10,
            what="the case's event published by the surviving relay",
        )
        await eventually(
            lambda: _outbox_empty(mongo_db, case_id), timeout=10, what="the outbox emptied"
        )
        await reader.poll()
    finally:
        stopping.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(running, 10)
        await reader.stop()
    assert len([d for _, d, _ in reader.seen if d.envelope.id == event_id]) == len(found) == 1


async def _outbox_empty(db, case_id: str) -> bool:
    doc = await db["cases"].find_one({"_id": case_id})
    return doc is not None and not doc.get("outbox")


async def test_a_relay_that_is_still_beating_keeps_its_lease(mongo_db, publisher):
    case_id, _ = await a_case_leased_by(mongo_db, "busy-relay", timedelta(0))
    relay = HeartbeatOutboxRelay(mongo_db, ["cases"], publisher)

    taken_over = await relay.release_if_holder_gone("cases", case_id)

    assert taken_over is False
    lease = await mongo_db[LEASES].find_one({"_id": f"cases|{case_id}"})
    assert lease["owner"] == "busy-relay"
