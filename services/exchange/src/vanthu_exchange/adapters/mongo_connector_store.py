"""The connector's state in Mongo-wire: outgoing documents it may send, send jobs, packages
received, and the agencies' signing keys.

Every write that must publish an event carries it in the same document (``outbox``); the
runtime's ``OutboxRelay`` publishes it (ADR 0004).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import holding_lease, outbox_write

OUTGOING = "outgoing_documents"
JOBS = "send_jobs"
RECEIVED = "received_packages"
KEYS = "agency_keys"
CURSORS = "connector_cursors"
OUTGOING_CODES = "outgoing_codes"
"""``_id = "<agency>|<document code>"``: the document id and whom it was sent to."""
HELD_COPIES = "held_copies"
"""``_id = "<recipient>|<sender>|<document code>"``: the received package holding that copy."""
OUTBOX_COLLECTIONS = (JOBS, RECEIVED)


class MongoConnectorStore:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self.db = db
        self._outgoing = db[OUTGOING]
        self._jobs = db[JOBS]
        self._received = db[RECEIVED]
        self._keys = db[KEYS]
        self._cursors = db[CURSORS]
        self._codes = db[OUTGOING_CODES]
        self._held = db[HELD_COPIES]

    async def ensure_indexes(self) -> None:
        # The _id-keyed lookup collections are created up front: DDL is slow on a busy FerretDB.
        existing = set(await self.db.list_collection_names())
        for name in (OUTGOING_CODES, HELD_COPIES):
            if name not in existing:
                with contextlib.suppress(CollectionInvalid):
                    await self.db.create_collection(name)
        await self._jobs.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)])
        await self._jobs.create_index([("deliveries.delivery_id", ASCENDING)])
        await self._outgoing.create_index([("document_code", ASCENDING)])
        await self._received.create_index(
            [("from_agency", ASCENDING), ("document_code", ASCENDING)]
        )

    # -- outgoing documents ------------------------------------------------------------------

    async def remember_outgoing(self, document_id: str, fields: dict[str, Any]) -> None:
        await self._outgoing.update_one({"_id": document_id}, {"$set": fields}, upsert=True)
        # FerretDB v1 uses an index only for _id equality: statuses find the document by code.
        await self._codes.update_one(
            {"_id": _code_key(fields["agency_code"], fields["document_code"])},
            {"$set": {"document_id": document_id}},
            upsert=True,
        )

    async def note_sent_to(
        self, agency_code: str, document_code: str, recipients: Sequence[str]
    ) -> None:
        """Remember whom a document went to, for a later update's ReceiverList or a
        replacement's OrganIdList. One sender task writes it, so $addToSet is not raced."""
        await self._codes.update_one(
            {"_id": _code_key(agency_code, document_code)},
            {"$addToSet": {"sent_to": {"$each": list(recipients)}}},
            upsert=True,
        )

    async def sent_to(self, agency_code: str, document_code: str) -> list[str]:
        found = await self._codes.find_one({"_id": _code_key(agency_code, document_code)})
        return list(found.get("sent_to") or []) if found else []

    async def outgoing(self, document_id: str) -> MongoDocument | None:
        return await self._outgoing.find_one({"_id": document_id})

    async def outgoing_by_code(self, agency_code: str, document_code: str) -> MongoDocument | None:
        key = await self._codes.find_one({"_id": _code_key(agency_code, document_code)})
        if key is None or not key.get("document_id"):
            return None
        return await self.outgoing(key["document_id"])

    # -- send jobs -----------------------------------------------------------------------------

    async def add_job(self, job: MongoDocument) -> bool:
        """Insert a job unless one with its id exists (the request was seen before)."""
        async with outbox_write(self.db, JOBS, job["_id"]):
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
        # Every write to a job or a received package holds its lease: the relay may be removing
        # published entries from the same document, and on FerretDB v1 one of two concurrent
        # updates of a document is lost (ADR 0004 addendum).
        async with holding_lease(self.db, JOBS, job_id):
            if not outbox:
                await self._jobs.update_one({"_id": job_id}, update)
                return
            update["$push"] = {"outbox": {"$each": list(outbox)}}
            async with outbox_write(self.db, JOBS, job_id):
                await self._jobs.update_one({"_id": job_id}, update)

    async def job(self, job_id: str) -> MongoDocument | None:
        return await self._jobs.find_one({"_id": job_id})

    async def job_of_delivery(self, delivery_id: str) -> MongoDocument | None:
        return await self._jobs.find_one({"deliveries.delivery_id": delivery_id})

    async def note_acknowledged(
        self, job_id: str, delivery_id: str, outbox: dict[str, Any]
    ) -> bool:
        """Record the recipient's acknowledgement once, with its event."""
        async with holding_lease(self.db, JOBS, job_id), outbox_write(self.db, JOBS, job_id):
            result = await self._jobs.update_one(
                {"_id": job_id, "acknowledged": {"$ne": delivery_id}},
                {"$push": {"acknowledged": delivery_id, "outbox": outbox}},
            )
        return result.modified_count == 1

    # -- received packages -------------------------------------------------------------------

    async def received(self, delivery_id: str) -> MongoDocument | None:
        return await self._received.find_one({"_id": delivery_id})

    async def add_received(self, record: MongoDocument) -> bool:
        async with outbox_write(self.db, RECEIVED, record["_id"]):
            result = await self._received.update_one(
                {"_id": record["_id"]}, {"$setOnInsert": record}, upsert=True
            )
        return result.upserted_id is not None

    async def note_held_copy(
        self, to_agency: str, from_agency: str, document_code: str, delivery_id: str
    ) -> None:
        await self._held.update_one(
            {"_id": _held_key(to_agency, from_agency, document_code)},
            {"$setOnInsert": {"delivery_id": delivery_id}},
            upsert=True,
        )

    async def held_copy(
        self, from_agency: str, to_agency: str, document_code: str
    ) -> MongoDocument | None:
        """The accepted copy of ``document_code`` that ``from_agency`` sent ``to_agency``."""
        key = await self._held.find_one({"_id": _held_key(to_agency, from_agency, document_code)})
        if key is None:
            return None
        return await self.received(key["delivery_id"])

    async def freeze(self, delivery_id: str, by_delivery: str) -> None:
        async with holding_lease(self.db, RECEIVED, delivery_id):
            await self._received.update_one(
                {"_id": delivery_id, "frozen": {"$ne": True}},
                {
                    "$set": {
                        "frozen": True,
                        "frozen_by": by_delivery,
                        "frozen_at": datetime.now(UTC),
                    }
                },
            )

    async def note_change(self, delivery_id: str, change: dict[str, Any]) -> None:
        """Record on a held copy that a later package updated or replaced it, once per package."""
        fields: dict[str, Any] = {"updated_by": change["delivery_id"]}
        if change["business_type"] == "replace":
            fields = {"replaced_by": change["delivery_id"]}
        async with holding_lease(self.db, RECEIVED, delivery_id):
            await self._received.update_one(
                {"_id": delivery_id, "changed_by": {"$ne": change["delivery_id"]}},
                {"$set": fields, "$push": {"changes": change, "changed_by": change["delivery_id"]}},
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


def _code_key(agency_code: str, document_code: str) -> str:
    return f"{agency_code}|{document_code}"


def _held_key(to_agency: str, from_agency: str, document_code: str) -> str:
    return f"{to_agency}|{from_agency}|{document_code}"
