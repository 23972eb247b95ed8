"""A unique index refuses a second document with the same key, and says so with E11000."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from mongo_semantics.kit import ClientFactory, Document
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


async def test_a_second_document_with_a_unique_key_raises_duplicate_key_error(
    db: AsyncDatabase[Document],
) -> None:
    coll = db[f"unique_{secrets.token_hex(3)}"]
    await coll.create_index("number", unique=True)
    await coll.insert_one({"_id": "a", "number": 7})

    with pytest.raises(DuplicateKeyError):
        await coll.insert_one({"_id": "b", "number": 7})
    with pytest.raises(DuplicateKeyError):
        await coll.insert_one({"_id": "a", "number": 8})
    await coll.insert_one({"_id": "c", "number": 8})
    with pytest.raises(DuplicateKeyError):
        await coll.update_one({"_id": "c"}, {"$set": {"number": 7}})

    assert await coll.count_documents({"number": 7}) == 1
    assert (await coll.find_one({"_id": "c"}) or {})["number"] == 8


async def test_a_compound_unique_index_refuses_only_the_whole_key_twice(
    db: AsyncDatabase[Document],
) -> None:
    coll = db[f"compound_{secrets.token_hex(3)}"]
    await coll.create_index(
        [("agency", ASCENDING), ("year", ASCENDING), ("number", ASCENDING)], unique=True
    )
    await coll.insert_one({"agency": "G22", "year": 2026, "number": 1})
    await coll.insert_one({"agency": "G22", "year": 2026, "number": 2})
    await coll.insert_one({"agency": "G22", "year": 2025, "number": 1})
    await coll.insert_one({"agency": "H01", "year": 2026, "number": 1})

    with pytest.raises(DuplicateKeyError):
        await coll.insert_one({"agency": "G22", "year": 2026, "number": 1})
    assert await coll.count_documents({}) == 4


async def test_claims_by_unique_insert_from_8_clients_have_one_winner(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    name = f"claims_{secrets.token_hex(3)}"
    await db[name].create_index([("agency", ASCENDING), ("number", ASCENDING)], unique=True)
    colls = [(await clients())[db.name][name] for _ in range(8)]

    async def claim(i: int, coll) -> bool:
        try:
            await coll.insert_one({"agency": "G22", "number": 42, "by": i})
        except DuplicateKeyError:
            return False
        return True

    won = await asyncio.gather(*(claim(i, c) for i, c in enumerate(colls)))
    assert sum(won) == 1
    assert await db[name].count_documents({"agency": "G22", "number": 42}) == 1
