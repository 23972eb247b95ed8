"""Yearly registers in a Mongo-wire collection of number claims, one document per number taken.

A number is taken by INSERTING its claim (`_id` = agency|register|year|number) with the id of the
document it is for; the unique `_id` makes the number one document's. The claim is also the
reservation: a process that dies after claiming but before storing its document leaves a claim in
state "reserved", and `stale_reservations` finds it, so the number is written into the register as
void, never silently skipped (ADR 0010). Numbers are claimed in order (the next is always the
highest claimed plus one), so the series has no holes. An asyncio lock per register keeps one
process's callers from colliding; across processes a collision is a refused insert, and the loser
continues after the highest claim, read from the register's index.
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

from vanthu_intake.domain.numbering import Register, RegisterKey, next_number
from vanthu_intake.ports import Reservation

COLLECTION = "intake_number_claims"
RESERVED = "reserved"
STORED = "stored"


def _claim_id(key: RegisterKey, number: int) -> str:
    return f"{key.agency_code}|{key.register.value}|{key.year}|{number}"


def _register_id(key: RegisterKey) -> str:
    return f"{key.agency_code}|{key.register.value}|{key.year}"


class MongoNumberRegister:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._collection: AsyncCollection[MongoDocument] = db[COLLECTION]
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last_seen: dict[str, int] = {}

    async def ensure_indexes(self) -> None:
        await self._collection.create_index(
            [("agency_code", 1), ("register", 1), ("year", 1), ("number", -1)]
        )
        await self._collection.create_index([("state", 1), ("at", 1)])
        await self._collection.create_index([("document_id", 1)])

    async def reserve(self, key: RegisterKey, document_id: str) -> int:
        register_id = _register_id(key)
        async with self._locks[register_id]:
            last = self._last_seen.get(register_id)
            if last is None:
                last = await self._highest_claimed(key)
            while True:
                number = next_number(last or None)
                try:
                    await self._collection.insert_one(
                        {
                            "_id": _claim_id(key, number),
                            "agency_code": key.agency_code,
                            "register": key.register.value,
                            "year": key.year,
                            "number": number,
                            "document_id": document_id,
                            "state": RESERVED,
                            "at": datetime.now(UTC),
                        }
                    )
                except DuplicateKeyError:
                    # Another process claimed it: continue after the highest claim we know of.
                    last = max(number, await self._highest_claimed(key))
                    continue
                self._last_seen[register_id] = number
                return number

    async def _highest_claimed(self, key: RegisterKey) -> int:
        top = await self._collection.find_one(
            {"agency_code": key.agency_code, "register": key.register.value, "year": key.year},
            sort=[("number", -1)],
        )
        return int(top["number"]) if top else 0

    async def release(self, key: RegisterKey, number: int) -> None:
        await self._collection.update_one(
            {"_id": _claim_id(key, number)}, {"$set": {"state": STORED}}
        )

    async def claim_existing(self, key: RegisterKey, number: int, document_id: str) -> str:
        """Record a number given by an older system (migration); the id of the document holding it
        (ours when we took it now or on an earlier run)."""
        try:
            await self._collection.insert_one(
                {
                    "_id": _claim_id(key, number),
                    "agency_code": key.agency_code,
                    "register": key.register.value,
                    "year": key.year,
                    "number": number,
                    "document_id": document_id,
                    "state": STORED,
                    "at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            held = await self._collection.find_one({"_id": _claim_id(key, number)})
            return str(held["document_id"]) if held else document_id
        # New numbers of this register continue after the migrated ones.
        self._last_seen.pop(_register_id(key), None)
        return document_id

    async def reservation_of(self, key: RegisterKey, document_id: str) -> int | None:
        claim = await self._collection.find_one(
            {"document_id": document_id, "state": RESERVED, "year": key.year}
        )
        return int(claim["number"]) if claim else None

    async def stale_reservations(self, older_than: timedelta) -> Sequence[Reservation]:
        cutoff = datetime.now(UTC) - older_than
        stale: list[Reservation] = []
        claims = (
            await self._collection.find({"state": RESERVED, "at": {"$lt": cutoff}})
            .limit(500)
            .to_list(None)
        )
        for claim in claims:
            key = RegisterKey(claim["agency_code"], Register(claim["register"]), claim["year"])
            stale.append(Reservation(key, int(claim["number"]), claim["document_id"]))
        return stale
