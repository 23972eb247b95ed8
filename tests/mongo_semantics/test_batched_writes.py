"""The statements of one update command see each other's writes, and stop at the first error.

The local FerretDB writes the documents of one update command (an update_many, the UpdateOne
statements of a bulk_write) in shared SQLite transactions and reads ahead the documents a bulk
names by `_id` (ADR 0005, patch 0004/0006). These tests hold it to what MongoDB does: a statement
sees what the statements before it in the same bulk wrote, whatever the kind of its filter;
upserts in a bulk make one document; an ordered bulk that breaks a unique index keeps what came
before the failing statement and nothing after; concurrent bulks lose no increment.
"""

from __future__ import annotations

import asyncio
import secrets

import pytest
from bson import ObjectId
from mongo_semantics.kit import ClientFactory, Document
from pymongo import ASCENDING, UpdateMany, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure


async def test_a_statement_sees_what_the_statements_before_it_in_its_bulk_wrote(
    db: AsyncDatabase[Document],
) -> None:
    coll = db[f"bulk_sees_{secrets.token_hex(3)}"]
    await coll.create_index("status")
    await coll.insert_many(
        [{"_id": "a", "n": 0, "status": "new"}, {"_id": "b", "n": 0, "status": "ready"}]
    )

    result = await coll.bulk_write(
        [
            UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "a"}, {"$set": {"status": "ready"}}),
            # by an indexed field: must see a's new status, not the stored one
            UpdateMany({"status": "ready"}, {"$inc": {"n": 10}}),
            # by _id with a condition on what the statements before wrote
            UpdateOne({"_id": "a", "n": 12}, {"$inc": {"n": 100}}),
            UpdateOne({"_id": "b", "n": 0}, {"$inc": {"n": 1000}}),  # b is at 10: no match
            UpdateMany({"_id": {"$in": ["a", "b"]}, "n": {"$gt": 100}}, {"$set": {"seen": True}}),
        ]
    )

    assert result.matched_count == 1 + 1 + 1 + 2 + 1 + 0 + 1
    docs = {d["_id"]: d async for d in coll.find()}
    assert (docs["a"]["n"], docs["a"]["status"]) == (112, "ready")
    assert docs["b"]["n"] == 10
    assert [k for k, d in sorted(docs.items()) if d.get("seen")] == ["a"]


async def test_documents_named_by_objectid_and_number_ids_are_updated_once_per_statement(
    db: AsyncDatabase[Document],
) -> None:
    coll = db[f"bulk_ids_{secrets.token_hex(3)}"]
    oid = ObjectId()
    await coll.insert_many([{"_id": oid, "n": 0}, {"_id": 7, "n": 0}, {"_id": "7", "n": 0}])

    await coll.bulk_write(
        [
            UpdateOne({"_id": oid}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": 7}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": 7.0}, {"$inc": {"n": 1}}),  # the same document as 7
            UpdateOne({"_id": oid}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "7"}, {"$inc": {"n": 1}}),  # not the number
        ]
    )

    docs = {str(d["_id"]) + type(d["_id"]).__name__: d["n"] async for d in coll.find()}
    assert docs == {f"{oid}ObjectId": 2, "7int": 2, "7str": 1}


async def test_upserts_inside_a_bulk_make_one_document(db: AsyncDatabase[Document]) -> None:
    coll = db[f"bulk_upsert_{secrets.token_hex(3)}"]

    result = await coll.bulk_write(
        [
            UpdateOne({"_id": "x"}, {"$inc": {"n": 1}}, upsert=True),
            UpdateOne({"_id": "x"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "x"}, {"$inc": {"n": 1}}, upsert=True),
            UpdateOne({"_id": "y"}, {"$inc": {"n": 1}}),  # no such document, no upsert
        ]
    )

    assert result.upserted_count == 1
    assert await coll.find().to_list() == [{"_id": "x", "n": 3}]


async def test_an_ordered_bulk_stops_at_a_duplicate_key_keeping_what_came_before(
    db: AsyncDatabase[Document],
) -> None:
    coll = db[f"bulk_dup_{secrets.token_hex(3)}"]
    await coll.create_index("code", unique=True)
    await coll.insert_many([{"_id": k, "n": 0} for k in ("a", "b", "c")])

    # the update command itself: pymongo's bulk_write cannot read FerretDB's answer to a failed
    # bulk (no nModified beside writeErrors, whose index is always 0)
    statements = [
        ({"_id": "a"}, {"$set": {"code": "A"}}),
        ({"_id": "a"}, {"$inc": {"n": 1}}),
        ({"_id": "c"}, {"$inc": {"n": 1}}),
        ({"_id": "b"}, {"$set": {"code": "A"}}),  # breaks the index
        ({"_id": "c"}, {"$set": {"code": "C"}}),
        ({"_id": "a"}, {"$inc": {"n": 1}}),
    ]
    reply = await db.command(
        "update", coll.name, updates=[{"q": q, "u": u} for q, u in statements], ordered=True
    )
    assert [e["code"] for e in reply.get("writeErrors", [])] == [11000]

    docs = {d["_id"]: d async for d in coll.find()}
    assert (docs["a"].get("code"), docs["a"]["n"]) == ("A", 1)
    assert (docs["b"].get("code"), docs["b"]["n"]) == (None, 0)
    assert (docs["c"].get("code"), docs["c"]["n"]) == (None, 1)


async def test_an_update_many_that_breaks_a_unique_index_keeps_the_documents_before(
    db: AsyncDatabase[Document],
) -> None:
    coll = db[f"many_dup_{secrets.token_hex(3)}"]
    await coll.create_index("code", unique=True)
    await coll.insert_many([{"_id": f"d{n}", "n": n} for n in range(5)])

    with pytest.raises(OperationFailure):
        await coll.update_many({"_id": {"$in": ["d1", "d2", "d3"]}}, {"$set": {"code": "same"}})

    codes = [d.get("code") async for d in coll.find().sort("_id", ASCENDING)]
    assert codes.count("same") == 1  # the first one written; MongoDB stops at the second
    assert codes[0] is None
    assert codes[4] is None


async def test_concurrent_bulks_of_increments_lose_none(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    name = f"bulk_inc_{secrets.token_hex(3)}"
    keys = [f"k{n}" for n in range(10)]
    await db[name].insert_many([{"_id": k, "n": 0, "m": 0} for k in keys])
    colls = [(await clients())[db.name][name] for _ in range(8)]

    async def bump(i: int, coll: AsyncCollection[Document]) -> None:
        for _ in range(5):
            # every key twice a bulk, and a findAndModify of one key between bulks
            await coll.bulk_write([UpdateOne({"_id": k}, {"$inc": {"n": 1}}) for k in keys * 2])
            await coll.find_one_and_update({"_id": keys[i]}, {"$inc": {"m": 1}})
            await coll.update_many({"_id": {"$in": keys}}, {"$inc": {"m": 1}})

    await asyncio.gather(*(bump(i, c) for i, c in enumerate(colls)))

    docs = {d["_id"]: d async for d in db[name].find()}
    assert {k: d["n"] for k, d in docs.items()} == dict.fromkeys(keys, 8 * 5 * 2)
    assert {k: d["m"] for k, d in docs.items()} == {
        k: 8 * 5 + (5 if i < 8 else 0) for i, k in enumerate(keys)
    }
