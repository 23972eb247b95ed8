"""Voiding a registration while the relay is publishing its events keeps it void.

On FerretDB v1 two concurrent updates of one document can lose each other: the relay removing a
published entry overwrote `status: void` in 5 of 60 tries before voiding took the lease."""

from __future__ import annotations

import asyncio
import uuid

from harness.samples import sample_event
from vanthu_contracts import encode
from vanthu_intake.adapters.mongo_document_repository import COLLECTION, MongoDocumentRepository
from vanthu_runtime.outbox import OutboxRelay


async def test_a_void_written_while_the_relay_empties_the_outbox_is_kept(
    mongo_db, publisher
) -> None:
    documents = MongoDocumentRepository(mongo_db)
    relay = OutboxRelay(mongo_db, [COLLECTION], publisher)
    still_registered = []
    try:
        for n in range(60):
            document_id = str(uuid.uuid4())
            received = sample_event("vanthu.intake.document.received.v1", document_id=document_id)
            events = [
                encode(received, source="/vanthu/intake", event_id=str(uuid.uuid4()))
                for _ in range(3)
            ]
            await documents.add(
                {"_id": document_id, "status": "registered", "number": n, "year": 2026}, events
            )

            await asyncio.gather(
                relay.publish_pending(), documents.set_fields(document_id, {"status": "void"})
            )

            stored = await documents.get(document_id)
            assert stored is not None
            if stored["status"] != "void":
                still_registered.append(document_id)
        # A pass that found a document leased by its voiding left it for the next pass.
        await relay.publish_pending()
        pending = await mongo_db[COLLECTION].count_documents({"outbox.0": {"$exists": True}})
    finally:
        await relay.close()

    assert still_registered == []
    assert pending == 0
