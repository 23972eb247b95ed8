"""Cursors that are read to the end or closed give their resources back; documents may be 16 MB."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from bson.errors import BSONError
from mongo_semantics.kit import Document
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DocumentTooLarge, OperationFailure, WriteError

MB = 1024 * 1024


async def test_writes_still_work_after_200_cursors_were_opened_and_closed(
    db: AsyncDatabase[Document],
) -> None:
    """Each cursor is closed before the next opens: FerretDB v1 holds one of at most 100 SQLite
    connections of a database for every open cursor (ADR 0002), so code never keeps that many."""
    coll = db[f"cursors_{secrets.token_hex(3)}"]
    await coll.insert_many([{"_id": n, "group": n % 3, "n": 0} for n in range(30)])

    for n in range(200):
        cursor = coll.find({"group": n % 3}, batch_size=2)
        await cursor.next()  # a batch is out, the cursor is open on the server
        await cursor.close()

    exhausted = [await coll.find({"group": n % 3}).to_list() for n in range(200)]
    assert all(len(docs) == 10 for docs in exhausted)

    async def writes() -> None:
        for n in range(30):
            await coll.update_one({"_id": n}, {"$inc": {"n": 1}})
            await coll.find_one_and_update({"_id": n}, {"$inc": {"n": 1}})

    await asyncio.wait_for(writes(), timeout=60)
    assert await coll.count_documents({"n": 2}) == 30


async def test_a_write_is_not_held_up_by_cursors_left_open_by_other_clients(
    db: AsyncDatabase[Document],
) -> None:
    coll = db[f"open_cursors_{secrets.token_hex(3)}"]
    await coll.insert_many([{"_id": n, "n": 0} for n in range(20)])
    cursors = []
    try:
        for _ in range(50):
            cursor = coll.find({}, batch_size=2)
            await cursor.next()
            cursors.append(cursor)
        await asyncio.wait_for(coll.update_one({"_id": 3}, {"$inc": {"n": 1}}), timeout=30)
        await asyncio.wait_for(coll.find_one_and_update({"_id": 4}, {"$inc": {"n": 1}}), timeout=30)
        assert await coll.count_documents({"n": 1}) == 2
    finally:
        for cursor in cursors:
            await cursor.close()


async def test_a_document_of_15_5_mb_round_trips(db: AsyncDatabase[Document]) -> None:
    coll = db[f"large_{secrets.token_hex(3)}"]
    body = secrets.token_hex(int(15.5 * MB) // 2)
    await coll.insert_one({"_id": "big", "body": body})
    doc = await coll.find_one({"_id": "big"})
    assert doc is not None
    assert doc["body"] == body


async def test_a_document_over_16_mb_is_refused(db: AsyncDatabase[Document]) -> None:
    coll = db[f"too_large_{secrets.token_hex(3)}"]
    with pytest.raises((DocumentTooLarge, WriteError, OperationFailure, BSONError)):
        await coll.insert_one({"_id": "huge", "body": "x" * (16 * MB + 1)})
    assert await coll.find_one({"_id": "huge"}) is None
