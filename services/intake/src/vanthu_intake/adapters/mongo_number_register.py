"""Yearly registers in a Mongo-wire collection of number claims, one document per number taken.

A number is taken by INSERTING its claim (`_id` = agency|register|year|number) with the id of the
document it is for; the unique `_id` makes the number one document's. The claim is also the
reservation: a process that dies after claiming but before storing its document leaves a claim
whose document never comes. The worker checks the claims older than a grace period, a page at a
time after a mark of how far it got (`intake_number_checks`), against the documents, and writes a
number whose document is missing into the register as void, never silently skipped (ADR 0010).
So a registration writes nothing more to its claim once its document is stored. Numbers are
claimed in order (the next is always the highest claimed plus one), so the series has no holes.
Callers of one register in one process are served together: one `insert_many` claims the next
numbers for all of them; across processes a collision is a refused insert, and the losers
continue after the highest claim, read from the register's index.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError
from vanthu_runtime.mongo import DUPLICATE_KEY, MongoDocument

from vanthu_intake.domain.numbering import Register, RegisterKey, next_number
from vanthu_intake.ports import Reservation

COLLECTION = "intake_number_claims"
CHECKS = "intake_number_checks"
RESERVED = "reserved"
STORED = "stored"
VOID = "void"
_MARK = "reservations"
_PAGE = 500


def _claim_id(key: RegisterKey, number: int) -> str:
    return f"{key.agency_code}|{key.register.value}|{key.year}|{number}"


def _register_id(key: RegisterKey) -> str:
    return f"{key.agency_code}|{key.register.value}|{key.year}"


class MongoNumberRegister:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._collection: AsyncCollection[MongoDocument] = db[COLLECTION]
        self._checks: AsyncCollection[MongoDocument] = db[CHECKS]
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._waiting: defaultdict[str, list[tuple[str, asyncio.Future[int]]]] = defaultdict(list)
        self._last_seen: dict[str, int] = {}

    async def ensure_indexes(self) -> None:
        await self._collection.create_index(
            [("agency_code", 1), ("register", 1), ("year", 1), ("number", -1)]
        )
        await self._collection.create_index([("state", 1), ("at", 1)])
        await self._collection.create_index([("document_id", 1)])

    async def reserve(self, key: RegisterKey, document_id: str) -> int:
        """The next number of the register, claimed for `document_id`.

        Callers of one register that arrive while a claim is being written are served together
        by the next one: one `insert_many` claims consecutive numbers for all of them (a group
        commit), instead of one insert each in turn behind the lock."""
        register_id = _register_id(key)
        claimed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting[register_id].append((document_id, claimed))
        async with self._locks[register_id]:
            if not claimed.done():
                batch, self._waiting[register_id] = self._waiting[register_id], []
                await self._claim_for(key, batch)
        return await claimed

    async def _claim_for(
        self, key: RegisterKey, batch: list[tuple[str, asyncio.Future[int]]]
    ) -> None:
        """Claim the next numbers in order, one per caller of `batch`, and give each its own.

        The claims are inserted in order and the insert stops at the first number another
        process holds: the numbers before it are ours, and every number up to the highest
        claimed is someone's, so the series stays without holes. The rest go round again after
        the highest claim."""
        register_id = _register_id(key)
        try:
            last = self._last_seen.get(register_id)
            if last is None:
                last = await self._highest_claimed(key)
            while batch:
                now = datetime.now(UTC)
                claims: list[MongoDocument] = [
                    {
                        "_id": _claim_id(key, number),
                        "agency_code": key.agency_code,
                        "register": key.register.value,
                        "year": key.year,
                        "number": number,
                        "document_id": document_id,
                        "state": RESERVED,
                        "at": now,
                    }
                    for number, (document_id, _) in enumerate(
                        batch, start=next_number(last or None)
                    )
                ]
                won = await self._insert_in_order(claims)
                for claim, (_, claimed) in zip(claims[:won], batch[:won], strict=True):
                    claimed.set_result(int(claim["number"]))
                last += won
                self._last_seen[register_id] = last
                batch = batch[won:]
                if batch:
                    # Another process claimed the next one: continue after the highest claim.
                    last = max(last + 1, await self._highest_claimed(key))
        except BaseException as exc:
            for _, claimed in batch:
                if not claimed.done():
                    claimed.set_exception(exc)
            raise

    async def _insert_in_order(self, claims: list[MongoDocument]) -> int:
        """How many of `claims`, from the first, were inserted before one was already taken."""
        try:
            await self._collection.insert_many(claims, ordered=True)
        except BulkWriteError as exc:
            first = exc.details["writeErrors"][0]
            if first.get("code") != DUPLICATE_KEY:
                raise
            return int(first["index"])
        return len(claims)

    async def _highest_claimed(self, key: RegisterKey) -> int:
        top = await self._collection.find_one(
            {"agency_code": key.agency_code, "register": key.register.value, "year": key.year},
            sort=[("number", -1)],
        )
        return int(top["number"]) if top else 0

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

    async def unchecked_reservations(self, older_than: timedelta) -> Sequence[Reservation]:
        query: dict[str, Any] = {
            "state": RESERVED,
            "at": {"$lt": datetime.now(UTC) - older_than},
        }
        mark = await self._checks.find_one({"_id": _MARK})
        if mark is not None:
            query["$or"] = [
                {"at": {"$gt": mark["at"]}},
                {"at": mark["at"], "_id": {"$gt": mark["claim"]}},
            ]
        claims = (
            await self._collection.find(query)
            .sort([("at", 1), ("_id", 1)])
            .limit(_PAGE)
            .to_list(None)
        )
        return [
            Reservation(
                RegisterKey(claim["agency_code"], Register(claim["register"]), claim["year"]),
                int(claim["number"]),
                claim["document_id"],
                claim["at"],
            )
            for claim in claims
        ]

    async def checked(self, up_to: Reservation) -> None:
        # Two workers checking the same page may set it twice; a mark set back is checked again.
        await self._checks.update_one(
            {"_id": _MARK},
            {"$set": {"at": up_to.at, "claim": _claim_id(up_to.key, up_to.number)}},
            upsert=True,
        )

    async def voided(self, key: RegisterKey, number: int) -> None:
        await self._collection.update_one(
            {"_id": _claim_id(key, number), "state": RESERVED}, {"$set": {"state": VOID}}
        )
