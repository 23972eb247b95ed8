"""The Mongo-wire server through the runtime: plain CRUD, and duplicates as a clear domain error."""

from __future__ import annotations

import pytest
from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.idempotency import ProcessedEvents, apply_once
from vanthu_runtime.mongo import unique


async def test_documents_are_created_read_updated_and_deleted(mongo_db) -> None:
    docs = mongo_db.documents
    await docs.insert_one({"_id": "d1", "subject": "Về việc tổ chức hội nghị", "pages": 2})
    await docs.update_one({"_id": "d1"}, {"$set": {"pages": 3}})
    found = await docs.find_one({"_id": "d1"})
    assert found == {"_id": "d1", "subject": "Về việc tổ chức hội nghị", "pages": 3}
    await docs.delete_one({"_id": "d1"})
    assert await docs.find_one({"_id": "d1"}) is None


async def test_a_unique_index_violation_names_the_collection_and_the_key(mongo_db) -> None:
    registers = mongo_db.arrival_numbers
    await registers.create_index([("agency_code", 1), ("year", 1), ("number", 1)], unique=True)
    first = {"agency_code": "000.00.00.G22", "year": 2026, "number": 7}
    await registers.insert_one(dict(first))

    with pytest.raises(AlreadyExists) as caught, unique("arrival_numbers", first):
        await registers.insert_one(dict(first))

    assert caught.value.collection == "arrival_numbers"
    assert "number=7" in str(caught.value)
    assert await registers.count_documents({}) == 1


async def test_processed_events_remember_each_event_once_per_consumer(mongo_db) -> None:
    intake = ProcessedEvents(mongo_db, consumer="intake")
    archive = ProcessedEvents(mongo_db, consumer="archive")

    assert await intake.record("e-1") is True
    assert await intake.record("e-1") is False
    assert await intake.seen("e-1") is True
    assert await archive.seen("e-1") is False
    assert await archive.record("e-1") is True


async def test_an_effect_applied_twice_for_the_same_event_counts_once(mongo_db) -> None:
    counters = mongo_db.counters
    assert await apply_once(counters, "case-1", "e-1", {"$inc": {"n": 1}}) is True
    assert await apply_once(counters, "case-1", "e-1", {"$inc": {"n": 1}}) is False
    assert await apply_once(counters, "case-1", "e-2", {"$inc": {"n": 1}}) is True
    assert (await counters.find_one({"_id": "case-1"}))["n"] == 2
