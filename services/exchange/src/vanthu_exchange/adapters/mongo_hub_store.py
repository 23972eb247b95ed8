"""The hub's state in Mongo-wire: registered systems, the agency directory, deliveries.

One document per delivery (package × recipient) with a derived ``_id``: inserting it is the whole
acceptance, so a retried send re-inserts what a crash left out and changes nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, CollectionInvalid, DuplicateKeyError
from vanthu_runtime.mongo import MongoDocument

from vanthu_exchange.domain.hub import DeliveryState

SYSTEMS = "hub_systems"
AGENCIES = "hub_agencies"
DELIVERIES = "hub_deliveries"
COUNTERS = "hub_counters"
INBOX_PREFIX = "hub_inbox_"
_DUPLICATE_KEY = 11000
_DIRECTORY_LOOKUPS = 8


def inbox_collection(system_id: str) -> str:
    """``hub_inbox_<system id>``, every character outside [A-Za-z0-9] written as ``_XX`` (hex),
    so that two system ids never share an inbox."""
    safe = "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):02X}" for c in system_id)
    return f"{INBOX_PREFIX}{safe}"


class MongoHubStore:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._db = db
        self._systems = db[SYSTEMS]
        self._agencies = db[AGENCIES]
        self._deliveries = db[DELIVERIES]
        self._counters = db[COUNTERS]

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index(
            [("recipient_system", ASCENDING), ("state", ASCENDING), ("created_at", ASCENDING)]
        )
        await self._deliveries.create_index(
            [("sender_system", ASCENDING), ("created_at", ASCENDING)]
        )
        await self._deliveries.create_index([("state", ASCENDING), ("peer_hub", ASCENDING)])
        await self._agencies.create_index([("version", ASCENDING)])

    # -- systems -------------------------------------------------------------------------------

    async def save_system(
        self, system_id: str, secret_hash: str, agencies: Sequence[str], is_hub: bool
    ) -> None:
        await self._systems.update_one(
            {"_id": system_id},
            {
                "$set": {
                    "secret_hash": secret_hash,
                    "agencies": list(agencies),
                    "is_hub": is_hub,
                    "updated_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )

    async def system(self, system_id: str) -> MongoDocument | None:
        return await self._systems.find_one({"_id": system_id})

    # -- directory -----------------------------------------------------------------------------

    async def _next_version(self) -> int:
        counter = await self._counters.find_one_and_update(
            {"_id": "directory"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert counter is not None
        return int(counter["value"])

    async def save_agency(self, code: str, fields: dict[str, Any]) -> int:
        """Upsert an agency entry; every change gets a new directory version."""
        version = await self._next_version()
        await self._agencies.update_one(
            {"_id": code},
            {"$set": {**fields, "version": version, "updated_at": datetime.now(UTC)}},
            upsert=True,
        )
        return version

    async def agency(self, code: str) -> MongoDocument | None:
        return await self._agencies.find_one({"_id": code})

    async def agencies_since(self, version: int, limit: int = 1000) -> list[MongoDocument]:
        cursor = self._agencies.find({"version": {"$gt": version}}).sort("version", ASCENDING)
        return await cursor.limit(limit).to_list(None)

    async def routing_tables(self, codes: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(agency → hosting system, agency → peer hub) for the given codes.

        One ``_id`` lookup per code, a few at a time: FerretDB v1 scans the directory for
        ``$in``, and SQLite serialises many concurrent readers poorly."""
        hosting: dict[str, str] = {}
        peers: dict[str, str] = {}
        limit = asyncio.Semaphore(_DIRECTORY_LOOKUPS)

        async def lookup(code: str) -> MongoDocument | None:
            async with limit:
                return await self.agency(code)

        entries = await asyncio.gather(*(lookup(code) for code in dict.fromkeys(codes)))
        for entry in entries:
            if entry is None:
                continue
            if entry.get("system_id"):
                hosting[entry["_id"]] = entry["system_id"]
            elif entry.get("peer_hub"):
                peers[entry["_id"]] = entry["peer_hub"]
        return hosting, peers

    # -- deliveries ----------------------------------------------------------------------------

    async def add_delivery(self, delivery: MongoDocument) -> bool:
        """Insert one delivery; False when it was already there (a resend)."""
        try:
            await self._deliveries.insert_one(delivery)
        except DuplicateKeyError:
            return False
        return True

    async def add_deliveries(self, deliveries: Sequence[MongoDocument]) -> set[str]:
        """Insert a package's deliveries in one round trip; the ids that were new."""
        if not deliveries:
            return set()
        try:
            await self._deliveries.insert_many([dict(d) for d in deliveries], ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != _DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise
            failed = {deliveries[e["index"]]["_id"] for e in exc.details["writeErrors"]}
            return {d["_id"] for d in deliveries} - failed
        return {d["_id"] for d in deliveries}

    async def delivery(self, delivery_id: str) -> MongoDocument | None:
        return await self._deliveries.find_one({"_id": delivery_id})

    def _inbox(self, system_id: str) -> AsyncCollection[MongoDocument]:
        return self._db[inbox_collection(system_id)]

    async def ensure_inbox(self, system_id: str) -> None:
        """Create the system's inbox when it registers: creating a collection is DDL, slow on a
        busy FerretDB, and better not paid by the first package sent to it."""
        with contextlib.suppress(CollectionInvalid):
            await self._db.create_collection(inbox_collection(system_id))

    async def add_to_inbox(self, system_id: str, delivery: MongoDocument) -> None:
        """List a waiting delivery in its recipient system's inbox; once, however often."""
        try:
            await self._inbox(system_id).insert_one(dict(delivery))
        except DuplicateKeyError:
            return

    async def note_in_inbox(self, system_id: str, delivery_id: str, state: DeliveryState) -> None:
        await self._inbox(system_id).update_one(
            {"_id": delivery_id}, {"$set": {"state": state.value, "updated_at": datetime.now(UTC)}}
        )

    async def remove_from_inbox(self, system_id: str, delivery_id: str) -> None:
        await self._inbox(system_id).delete_one({"_id": delivery_id})

    async def pending_for(self, system_id: str, limit: int) -> list[MongoDocument]:
        """The deliveries waiting for ``system_id``, oldest first.

        Read from the system's own inbox collection, which holds only what waits for it: on
        FerretDB v1 any filter but ``_id`` equality scans the whole collection, and a scan of
        every delivery ever made, once per long poll of every system, was the hub's hot spot
        (ADR 0039)."""
        cursor = self._inbox(system_id).find({}).sort("created_at", ASCENDING)
        return await cursor.limit(limit).to_list(None)

    async def received_by(self, system_id: str, limit: int) -> list[MongoDocument]:
        cursor = self._deliveries.find({"recipient_system": system_id}).sort("created_at", -1)
        return await cursor.limit(limit).to_list(None)

    async def portal_key(self, agency_code: str) -> MongoDocument | None:
        return await self._db["hub_portal_keys"].find_one({"_id": agency_code})

    async def add_portal_key(
        self, agency_code: str, key_pem: str, certificate_pem: str
    ) -> MongoDocument:
        await self._db["hub_portal_keys"].update_one(
            {"_id": agency_code},
            {
                "$setOnInsert": {
                    "key_pem": key_pem,
                    "certificate_pem": certificate_pem,
                    "created_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )
        found = await self.portal_key(agency_code)
        assert found is not None
        return found

    async def sent_by(
        self, system_id: str, since: datetime | None, limit: int
    ) -> list[MongoDocument]:
        query: dict[str, Any] = {"sender_system": system_id}
        if since is not None:
            query["updated_at"] = {"$gte": since}
        cursor = self._deliveries.find(query).sort("updated_at", ASCENDING)
        return await cursor.limit(limit).to_list(None)

    async def to_forward(self, limit: int) -> list[MongoDocument]:
        cursor = self._deliveries.find({"state": DeliveryState.FORWARDING.value}).sort(
            "created_at", ASCENDING
        )
        return await cursor.limit(limit).to_list(None)

    async def cursor(self, name: str) -> Any:
        found = await self._counters.find_one({"_id": f"cursor|{name}"})
        return found.get("value") if found else None

    async def set_cursor(self, name: str, value: Any) -> None:
        await self._counters.update_one(
            {"_id": f"cursor|{name}"}, {"$set": {"value": value}}, upsert=True
        )

    async def move(
        self,
        delivery_id: str,
        from_states: Sequence[DeliveryState],
        to_state: DeliveryState,
        extra: dict[str, Any] | None = None,
    ) -> bool:
        result = await self._deliveries.update_one(
            {"_id": delivery_id, "state": {"$in": [s.value for s in from_states]}},
            {"$set": {"state": to_state.value, "updated_at": datetime.now(UTC), **(extra or {})}},
        )
        return result.modified_count == 1
