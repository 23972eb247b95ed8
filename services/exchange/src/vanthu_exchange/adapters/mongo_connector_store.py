"""The connector's state in Mongo-wire: outgoing documents it may send, send jobs, packages
received, and the agencies' signing keys.

Every write that must publish an event carries it in the same document (``outbox``); the
runtime's ``OutboxRelay`` publishes it (ADR 0004).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.mongo import MongoDocument

OUTGOING = "outgoing_documents"
JOBS = "send_jobs"
RECEIVED = "received_packages"
KEYS = "agency_keys"
CURSORS = "connector_cursors"
OUTBOX_COLLECTIONS = (JOBS, RECEIVED)


class MongoConnectorStore:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self.db = db
        self._outgoing = db[OUTGOING]
        self._jobs = db[JOBS]
        self._received = db[RECEIVED]
        self._keys = db[KEYS]
        self._cursors = db[CURSORS]

    async def ensure_indexes(self) -> None:
        await self._jobs.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)])
        await self._jobs.create_index([("deliveries.delivery_id", ASCENDING)])
        await self._outgoing.create_index([("document_code", ASCENDING)])
        await self._received.create_index(
            [("from_agency", ASCENDING), ("document_code", ASCENDING)]
        )

    # -- outgoing documents ------------------------------------------------------------------

    async def remember_outgoing(self, document_id: str, fields: dict[str, Any]) -> None:
        await self._outgoing.update_one({"_id": document_id}, {"$set": fields}, upsert=True)

    async def outgoing(self, document_id: str) -> MongoDocument | None:
        return await self._outgoing.find_one({"_id": document_id})

    async def outgoing_by_code(self, agency_code: str, document_code: str) -> MongoDocument | None:
        return await self._outgoing.find_one(
            {"document_code": document_code, "agency_code": agency_code}
        )

    # -- send jobs -----------------------------------------------------------------------------

    async def add_job(self, job: MongoDocument) -> bool:
        """Insert a job unless one with its id exists (the request was seen before)."""
        result = await self._jobs.update_one(
            {"_id": job["_id"]}, {"$setOnInsert": job}, upsert=True
        )
        return result.upserted_id is not None

    async def due_jobs(self, now: datetime, limit: int) -> list[MongoDocument]:
        cursor = self._jobs.find({"state": "waiting", "next_attempt_at": {"$lte": now}}).sort(
            "next_attempt_at", ASCENDING
        )
        return await cursor.limit(limit).to_list(None)

    async def update_job(
        self, job_id: str, fields: dict[str, Any], outbox: Sequence[dict[str, Any]] = ()
    ) -> None:
        update: dict[str, Any] = {"$set": {**fields, "updated_at": datetime.now(UTC)}}
        if outbox:
            update["$push"] = {"outbox": {"$each": list(outbox)}}
        await self._jobs.update_one({"_id": job_id}, update)

    async def job(self, job_id: str) -> MongoDocument | None:
        return await self._jobs.find_one({"_id": job_id})

    async def job_of_delivery(self, delivery_id: str) -> MongoDocument | None:
        return await self._jobs.find_one({"deliveries.delivery_id": delivery_id})

    async def note_acknowledged(
        self, job_id: str, delivery_id: str, outbox: dict[str, Any]
    ) -> bool:
        """Record the recipient's acknowledgement once, with its event."""
        result = await self._jobs.update_one(
            {"_id": job_id, "acknowledged": {"$ne": delivery_id}},
            {"$push": {"acknowledged": delivery_id, "outbox": outbox}},
        )
        return result.modified_count == 1

    # -- received packages -------------------------------------------------------------------

    async def received(self, delivery_id: str) -> MongoDocument | None:
        return await self._received.find_one({"_id": delivery_id})

    async def add_received(self, record: MongoDocument) -> bool:
        result = await self._received.update_one(
            {"_id": record["_id"]}, {"$setOnInsert": record}, upsert=True
        )
        return result.upserted_id is not None

    async def held_copy(
        self, from_agency: str, to_agency: str, document_code: str
    ) -> MongoDocument | None:
        return await self._received.find_one(
            {
                "from_agency": from_agency,
                "agency_code": to_agency,
                "document_code": document_code,
                "outcome": "accepted",
                "kind": "edoc",
                "business_type": {"$ne": "revoke"},
            }
        )

    async def freeze(self, delivery_id: str, by_delivery: str) -> None:
        await self._received.update_one(
            {"_id": delivery_id},
            {"$set": {"frozen": True, "frozen_by": by_delivery, "frozen_at": datetime.now(UTC)}},
        )

    # -- keys and cursors ----------------------------------------------------------------------

    async def key(self, agency_code: str) -> MongoDocument | None:
        return await self._keys.find_one({"_id": agency_code})

    async def add_key(self, agency_code: str, key_pem: str, certificate_pem: str) -> MongoDocument:
        await self._keys.update_one(
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
        found = await self.key(agency_code)
        assert found is not None
        return found

    async def cursor(self, name: str) -> MongoDocument | None:
        return await self._cursors.find_one({"_id": name})

    async def set_cursor(self, name: str, value: Any) -> None:
        await self._cursors.update_one({"_id": name}, {"$set": {"value": value}}, upsert=True)
