"""Claims in a Mongo-wire collection: one document per key, taken by inserting it under `_id`.

The unique `_id` is the rule (one holder per duplicate key, per imported row): the first insert
wins, and a refused insert is answered with the holder, read back by `_id` (ADR 0014). A
registration's keys are claimed in one `insert_many`, their holders read in one `$in`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.mongo import MongoDocument, insert_new

COLLECTION = "intake_claims"


class MongoClaimBook:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._collection: AsyncCollection[MongoDocument] = db[COLLECTION]

    async def claim(
        self, key: str, owner: str, details: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        held = await self._claim(
            [{**(details or {}), "_id": key, "owner": owner, "at": datetime.now(UTC)}]
        )
        return held.get(key)

    async def claim_all(self, keys: Sequence[str], owner: str) -> dict[str, dict[str, Any]]:
        now = datetime.now(UTC)
        return await self._claim([{"_id": key, "owner": owner, "at": now} for key in keys])

    async def _claim(self, claims: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        held: dict[str, dict[str, Any]] = {}
        while claims:
            taken = [claims[i] for i in sorted(await insert_new(self._collection, claims))]
            if not taken:
                break
            ids = [claim["_id"] for claim in taken]
            found = self._collection.find({"_id": {"$in": ids}})
            held |= {claim["_id"]: claim for claim in await found.to_list(None)}
            # A claim released between our insert and our read: try that one again.
            claims = [claim for claim in taken if claim["_id"] not in held]
        return held

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self._collection.find_one({"_id": key})

    async def take_over(self, key: str, holder: str, owner: str) -> bool:
        taken = await self._collection.find_one_and_update(
            {"_id": key, "owner": holder}, {"$set": {"owner": owner, "at": datetime.now(UTC)}}
        )
        return taken is not None

    async def release(self, keys: Sequence[str], owner: str) -> None:
        if keys:
            await self._collection.delete_many({"_id": {"$in": list(keys)}, "owner": owner})
