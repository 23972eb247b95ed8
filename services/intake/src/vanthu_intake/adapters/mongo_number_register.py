"""Yearly registers in a Mongo-wire collection: one counter document per agency, register and year.

A number is taken by a compare-and-set on the counter that, in the same single-document write,
records the reservation (number → document id). So a process that dies after taking a number but
before storing its document leaves the reservation behind, and `stale_reservations` finds it: the
number is then written into the register as void, never silently skipped (ADR 0010).
An asyncio lock per register keeps one process's callers from racing each other; the
compare-and-set keeps several processes correct.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_runtime.mongo import MongoDocument

from vanthu_intake.domain.numbering import Register, RegisterKey
from vanthu_intake.ports import Reservation

COLLECTION = "intake_registers"


def _counter_id(key: RegisterKey) -> str:
    return f"{key.agency_code}|{key.register.value}|{key.year}"


class MongoNumberRegister:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._collection: AsyncCollection[MongoDocument] = db[COLLECTION]
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def reserve(self, key: RegisterKey, document_id: str) -> int:
        counter_id = _counter_id(key)
        async with self._locks[counter_id]:
            while True:
                counter = await self._collection.find_one({"_id": counter_id})
                if counter is None:
                    await self._create(key, counter_id)
                    continue
                last = int(counter["last"])
                number = last + 1
                result = await self._collection.update_one(
                    {"_id": counter_id, "last": last},
                    {
                        "$set": {
                            "last": number,
                            f"pending.n{number}": {
                                "document_id": document_id,
                                "at": datetime.now(UTC),
                            },
                        }
                    },
                )
                if result.modified_count == 1:
                    return number

    async def _create(self, key: RegisterKey, counter_id: str) -> None:
        try:
            await self._collection.insert_one(
                {
                    "_id": counter_id,
                    "agency_code": key.agency_code,
                    "register": key.register.value,
                    "year": key.year,
                    "last": 0,
                    "pending": {},
                }
            )
        except DuplicateKeyError:
            return

    async def release(self, key: RegisterKey, number: int) -> None:
        await self._collection.update_one(
            {"_id": _counter_id(key)}, {"$unset": {f"pending.n{number}": ""}}
        )

    async def raise_to(self, key: RegisterKey, number: int) -> None:
        """Make sure the series continues after `number` (numbers imported from an old system)."""
        counter_id = _counter_id(key)
        async with self._locks[counter_id]:
            if await self._collection.find_one({"_id": counter_id}) is None:
                await self._create(key, counter_id)
            await self._collection.update_one({"_id": counter_id}, {"$max": {"last": number}})

    async def stale_reservations(self, older_than: timedelta) -> Sequence[Reservation]:
        cutoff = datetime.now(UTC) - older_than
        stale: list[Reservation] = []
        async for counter in self._collection.find({}):
            key = RegisterKey(counter["agency_code"], Register(counter["register"]), counter["year"])
            for slot, pending in (counter.get("pending") or {}).items():
                if pending["at"] < cutoff:
                    stale.append(Reservation(key, int(slot[1:]), pending["document_id"]))
        return stale
