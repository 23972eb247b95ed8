"""The hub's state in Mongo-wire: registered systems, the agency directory, deliveries.

One document per delivery (package × recipient) with a derived ``_id``: inserting it is the whole
acceptance, so a retried send re-inserts what a crash left out and changes nothing else. A
system's pending packages are its deliveries waiting for it, read through the index on
(recipient system, state, created at); a state change is one conditional single-document update.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.mongo import MongoDocument, insert_new

from vanthu_exchange.domain.hub import DeliveryState

SYSTEMS = "hub_systems"
AGENCIES = "hub_agencies"
DELIVERIES = "hub_deliveries"
COUNTERS = "hub_counters"
_WAITING = [state.value for state in DeliveryState if state.waiting_for_recipient]


class MongoHubStore:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._db = db
        self._systems = db[SYSTEMS]
        self._agencies = db[AGENCIES]
        self._deliveries = db[DELIVERIES]
        self._counters = db[COUNTERS]

    async def ensure_indexes(self) -> None:
        # One per query: pending packages, the portal's inbox, the sender's /sent, forwarding.
        await self._deliveries.create_index(
            [("recipient_system", ASCENDING), ("state", ASCENDING), ("created_at", ASCENDING)]
        )
        await self._deliveries.create_index(
            [("recipient_system", ASCENDING), ("created_at", ASCENDING)]
        )
        await self._deliveries.create_index(
            [("sender_system", ASCENDING), ("updated_at", ASCENDING)]
        )
        await self._deliveries.create_index([("state", ASCENDING), ("created_at", ASCENDING)])
        await self._agencies.create_index([("version", ASCENDING)])

    # -- systems -------------------------------------------------------------------------------

    async def add_system(
        self, system_id: str, secret_hash: str, agencies: Sequence[str], is_hub: bool
    ) -> bool:
        """Register a system unless its id is taken (one insert, so two at once cannot both
        win); whether it was new."""
        taken = await insert_new(
            self._systems,
            [
                {
                    "_id": system_id,
                    "secret_hash": secret_hash,
                    "agencies": list(agencies),
                    "is_hub": is_hub,
                    "updated_at": datetime.now(UTC),
                }
            ],
        )
        return not taken

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

    async def agencies(self, codes: Sequence[str]) -> list[MongoDocument]:
        cursor = self._agencies.find({"_id": {"$in": list(dict.fromkeys(codes))}})
        return await cursor.to_list(None)

    async def routing_tables(self, codes: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(agency → hosting system, agency → peer hub) for the given codes."""
        hosting: dict[str, str] = {}
        peers: dict[str, str] = {}
        for entry in await self.agencies(codes):
            if entry.get("system_id"):
                hosting[entry["_id"]] = entry["system_id"]
            elif entry.get("peer_hub"):
                peers[entry["_id"]] = entry["peer_hub"]
        return hosting, peers

    # -- deliveries ----------------------------------------------------------------------------

    async def add_deliveries(self, deliveries: Sequence[MongoDocument]) -> set[str]:
        """Insert a package's deliveries in one round trip; the ids that were new."""
        taken = await insert_new(self._deliveries, [dict(d) for d in deliveries])
        return {d["_id"] for index, d in enumerate(deliveries) if index not in taken}

    async def delivery(self, delivery_id: str) -> MongoDocument | None:
        return await self._deliveries.find_one({"_id": delivery_id})

    async def deliveries(self, delivery_ids: Sequence[str]) -> list[MongoDocument]:
        if not delivery_ids:
            return []
        cursor = self._deliveries.find({"_id": {"$in": list(delivery_ids)}})
        return await cursor.to_list(None)

    async def pending_for(self, system_id: str, limit: int) -> list[MongoDocument]:
        """The deliveries waiting for ``system_id``, oldest first."""
        cursor = self._deliveries.find(
            {"recipient_system": system_id, "state": {"$in": _WAITING}}
        ).sort("created_at", ASCENDING)
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
        *,
        recipient_system: str | None = None,
    ) -> MongoDocument | None:
        """Move the delivery to ``to_state`` if it is in one of ``from_states`` (and, when given,
        is for ``recipient_system``): one atomic update. The delivery after, or None when it
        was not in such a state."""
        query: dict[str, Any] = {
            "_id": delivery_id,
            "state": {"$in": [s.value for s in from_states]},
        }
        if recipient_system is not None:
            query["recipient_system"] = recipient_system
        return await self._deliveries.find_one_and_update(
            query,
            {"$set": {"state": to_state.value, "updated_at": datetime.now(UTC), **(extra or {})}},
            return_document=ReturnDocument.AFTER,
        )
