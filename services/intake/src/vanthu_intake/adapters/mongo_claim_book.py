"""Claims in a Mongo-wire collection: one document per key, taken by inserting it under `_id`.

A unique `_id` insert is the one write that FerretDB v1 (SQLite) makes atomic, and `_id` equality is
the one lookup it answers from an index; a claim therefore costs one insert when free and one more
`_id` read when taken, whatever the size of the collection (ADR 0014).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_runtime.mongo import MongoDocument

COLLECTION = "intake_claims"


class MongoClaimBook:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._collection: AsyncCollection[MongoDocument] = db[COLLECTION]

    async def claim(
        self, key: str, owner: str, details: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        try:
            await self._collection.insert_one(
                {**(details or {}), "_id": key, "owner": owner, "at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            held = await self._collection.find_one({"_id": key})
            if held is None:
                # Released between our insert and our read: try once more.
                retried: dict[str, Any] | None = await self.claim(key, owner, details)
                return retried
            return held
        return None

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self._collection.find_one({"_id": key})

    async def take_over(self, key: str, holder: str, owner: str) -> bool:
        held = await self._collection.find_one({"_id": key})
        if held is None or held["owner"] != holder:
            return False
        await self._collection.delete_one({"_id": key, "owner": holder})
        details = {k: v for k, v in held.items() if k not in ("_id", "owner", "at")}
        try:
            await self._collection.insert_one(
                {**details, "_id": key, "owner": owner, "at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            return False
        return True

    async def release(self, key: str, owner: str) -> None:
        await self._collection.delete_one({"_id": key, "owner": owner})

    async def note(self, key: str, owner: str, changes: dict[str, Any]) -> None:
        await self._collection.update_one({"_id": key, "owner": owner}, {"$set": changes})
