"""Voiding a registration while the relay is publishing its events keeps it void, and every event
of it (the registration's and the void's) reaches the topic, once.

The relay's removal of published entries and the void are two writes of one document: on a server
that lost one of two concurrent updates, the relay overwrote `status: void` in 5 of 60 tries."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from harness.kafka_reads import end_offsets
from harness.samples import sample_event
from vanthu_contracts import encode
from vanthu_intake.adapters.mongo_document_repository import (
    COLLECTION,
    OUTBOX_COLLECTIONS,
    MongoDocumentRepository,
)
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.outbox import OutboxRelay
from vanthu_runtime.settings import KafkaSettings

TOPIC = "document.received"


async def event_ids_from(bootstrap: str, start: dict) -> Counter[str]:
    """How often each event id (`ce_id`) appears on the topic from `start` to its end now."""
    consumer = create_consumer(KafkaSettings(bootstrap_servers=bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        ends = await consumer.end_offsets(list(start))
        seen: Counter[str] = Counter()
        while [tp for tp in start if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for messages in batch.values():
                for message in messages:
                    seen[dict(message.headers or ()).get("ce_id", b"").decode()] += 1
        return seen
    finally:
        await consumer.stop()


async def test_a_void_written_while_the_relay_empties_the_outbox_is_kept(
    mongo_db, publisher, platform_settings
) -> None:
    bootstrap = platform_settings.kafka.bootstrap_servers
    documents = MongoDocumentRepository(mongo_db)
    relay = OutboxRelay(mongo_db, OUTBOX_COLLECTIONS, publisher)
    start = await end_offsets(bootstrap, TOPIC)
    still_registered = []
    sent: list[str] = []
    try:
        for n in range(60):
            document_id = str(uuid.uuid4())
            received = sample_event("vanthu.intake.document.received.v2", document_id=document_id)
            events = [
                encode(received, source="/vanthu/intake", event_id=str(uuid.uuid4()))
                for _ in range(3)
            ]
            voided = encode(
                sample_event("vanthu.intake.document.voided.v1", document_id=document_id),
                source="/vanthu/intake",
                event_id=str(uuid.uuid4()),
            )
            sent += [event.event_id for event in [*events, voided]]
            await documents.add(
                {"_id": document_id, "status": "registered", "number": n, "year": 2026}, events
            )

            await asyncio.gather(
                relay.publish_pending(),
                documents.void(document_id, {"void_reason": "nhầm văn bản"}, [voided]),
            )

            stored = await documents.get(document_id)
            assert stored is not None
            if stored["status"] != "void":
                still_registered.append(document_id)
        # What a pass found claimed, or written after it looked, goes out on the next ones.
        while await relay.publish_pending():
            pass
        pending = await mongo_db[COLLECTION].count_documents({"outbox.0": {"$exists": True}})
    finally:
        await relay.close()

    assert still_registered == []
    assert pending == 0
    on_topic = await event_ids_from(bootstrap, start)
    assert {event_id: on_topic[event_id] for event_id in sent} == dict.fromkeys(sent, 1)
