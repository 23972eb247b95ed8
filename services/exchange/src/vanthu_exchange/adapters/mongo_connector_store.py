"""The connector's state in Mongo-wire: outgoing documents it may send, send jobs, packages
received, and the agencies' signing keys.

Send jobs and received packages publish events: every write of them goes through the runtime's
``OutboxCollection``, the state change and its events in one single-document write, and the
``OutboxRelay`` publishes them (ADR 0004). The other collections are read by their indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OUTBOX_FIELD, OutboxCollection

OUTGOING = "outgoing_documents"
JOBS = "send_jobs"
RECEIVED = "received_packages"
KEYS = "agency_keys"
CURSORS = "connector_cursors"
RECEIVE_FAILURES = "receive_failures"
OUTBOX_COLLECTIONS = (JOBS, RECEIVED)


class MongoConnectorStore:
    def __init__(
        self, db: AsyncDatabase[MongoDocument], *, notify: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self._outgoing = db[OUTGOING]
        self._jobs = OutboxCollection(db[JOBS], notify=notify)
        self._received = OutboxCollection(db[RECEIVED], notify=notify)
        self._keys = db[KEYS]
        self._cursors = db[CURSORS]
        self._failures = db[RECEIVE_FAILURES]

    async def ensure_indexes(self) -> None:
        jobs, received = self._jobs.raw, self._received.raw
        await jobs.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)])
        await jobs.create_index([("deliveries.delivery_id", ASCENDING)])
        await self._outgoing.create_index(
            [("agency_code", ASCENDING), ("document_code", ASCENDING)]
        )
        await received.create_index(
            [("agency_code", ASCENDING), ("from_agency", ASCENDING), ("document_code", ASCENDING)]
        )
        await received.create_index([("outcome", ASCENDING), ("received_at", ASCENDING)])
        await self._jobs.ensure_indexes()
        await self._received.ensure_indexes()

    # -- outgoing documents ------------------------------------------------------------------

    async def remember_outgoing(self, document_id: str, fields: dict[str, Any]) -> None:
        await self._outgoing.update_one({"_id": document_id}, {"$set": fields}, upsert=True)

    async def note_sent_to(self, document_id: str, recipients: Sequence[str]) -> None:
        """Remember whom a document went to, for a later update's ReceiverList or a
        replacement's OrganIdList."""
        await self._outgoing.update_one(
            {"_id": document_id}, {"$addToSet": {"sent_to": {"$each": list(recipients)}}}
        )

    async def sent_to(self, agency_code: str, document_code: str) -> list[str]:
        found = await self.outgoing_by_code(agency_code, document_code)
        return list(found.get("sent_to") or []) if found else []

    async def outgoing(self, document_id: str) -> MongoDocument | None:
        return await self._outgoing.find_one({"_id": document_id})

    async def outgoing_by_code(self, agency_code: str, document_code: str) -> MongoDocument | None:
        return await self._outgoing.find_one(
            {"agency_code": agency_code, "document_code": document_code}
        )

    # -- send jobs -----------------------------------------------------------------------------

    async def add_job(self, job: MongoDocument, events: Sequence[KafkaRecord] = ()) -> bool:
        """Insert a job with its events unless one with its id exists (the request was seen
        before)."""
        return await self._jobs.insert(job, events)

    async def due_jobs(self, now: datetime, limit: int) -> list[MongoDocument]:
        cursor = self._jobs.raw.find({"state": "waiting", "next_attempt_at": {"$lte": now}}).sort(
            "next_attempt_at", ASCENDING
        )
        return await cursor.limit(limit).to_list(None)

    async def update_job(
        self, job_id: str, fields: dict[str, Any], events: Sequence[KafkaRecord] = ()
    ) -> None:
        await self._jobs.update(
            job_id, {"$set": {**fields, "updated_at": datetime.now(UTC)}}, events
        )

    async def job(self, job_id: str) -> MongoDocument | None:
        return await self._jobs.raw.find_one({"_id": job_id})

    async def job_of_delivery(self, delivery_id: str) -> MongoDocument | None:
        return await self._jobs.raw.find_one({"deliveries.delivery_id": delivery_id})

    async def note_acknowledged(
        self, job_id: str, delivery_id: str, events: Sequence[KafkaRecord]
    ) -> bool:
        """Record the recipient's acknowledgement once, with its events."""
        after = await self._jobs.update(
            job_id,
            {"$push": {"acknowledged": delivery_id}},
            events,
            where={"acknowledged": {"$ne": delivery_id}},
        )
        return after is not None

    # -- received packages -------------------------------------------------------------------

    async def received(self, delivery_id: str) -> MongoDocument | None:
        return await self._received.raw.find_one({"_id": delivery_id})

    @staticmethod
    def unpublished(record: MongoDocument) -> bool:
        """Whether events of this record still wait in its outbox."""
        return bool(record.get(OUTBOX_FIELD))

    async def add_received(
        self, record: MongoDocument, events: Sequence[KafkaRecord] = ()
    ) -> MongoDocument:
        """Insert the record of a received package with its events; the record as a read would
        find it now: ours (its events pending), or the one an earlier pass wrote first."""
        if await self._received.insert(record, events):
            return {**record, OUTBOX_FIELD: [event.event_id for event in events]}
        return await self.received(record["_id"]) or record

    async def note_receive_failure(self, delivery_id: str, error: str, at: datetime) -> int:
        """One more failed attempt to take in a package; how many there have been."""
        found = await self._failures.find_one_and_update(
            {"_id": delivery_id},
            {"$inc": {"attempts": 1}, "$set": {"last_error": error, "last_failed_at": at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(found["attempts"]) if found else 1

    async def set_aside(self, limit: int = 100) -> list[MongoDocument]:
        """Packages refused here (status 02 sent back), newest first: what an operator looks at
        when a partner says its document never arrived."""
        cursor = (
            self._received.raw.find({"outcome": "refused"})
            .sort("received_at", DESCENDING)
            .limit(limit)
        )
        return await cursor.to_list(None)

    async def held_copy(
        self, from_agency: str, to_agency: str, document_code: str
    ) -> MongoDocument | None:
        """The accepted copy of ``document_code`` that ``from_agency`` sent ``to_agency``: the
        first document package (not a revocation) received under that code."""
        return await self._received.raw.find_one(
            {
                "agency_code": to_agency,
                "from_agency": from_agency,
                "document_code": document_code,
                "kind": "edoc",
                "outcome": "accepted",
                "business_type": {"$ne": "revoke"},
            },
            sort=[("received_at", ASCENDING)],
        )

    async def freeze(self, delivery_id: str, by_delivery: str) -> None:
        await self._received.update(
            delivery_id,
            {"$set": {"frozen": True, "frozen_by": by_delivery, "frozen_at": datetime.now(UTC)}},
            where={"frozen": {"$ne": True}},
        )

    async def note_change(self, delivery_id: str, change: dict[str, Any]) -> None:
        """Record on a held copy that a later package updated or replaced it, once per package."""
        fields: dict[str, Any] = {"updated_by": change["delivery_id"]}
        if change["business_type"] == "replace":
            fields = {"replaced_by": change["delivery_id"]}
        await self._received.update(
            delivery_id,
            {"$set": fields, "$push": {"changes": change, "changed_by": change["delivery_id"]}},
            where={"changed_by": {"$ne": change["delivery_id"]}},
        )

    # -- keys and cursors ----------------------------------------------------------------------

    async def key(self, agency_code: str) -> MongoDocument | None:
        return await self._keys.find_one({"_id": agency_code})

    async def add_key(self, agency_code: str, key_pem: str, certificate_pem: str) -> MongoDocument:
        """The agency's key: this one, unless another was stored first."""
        found = await self._keys.find_one_and_update(
            {"_id": agency_code},
            {
                "$setOnInsert": {
                    "key_pem": key_pem,
                    "certificate_pem": certificate_pem,
                    "created_at": datetime.now(UTC),
                }
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert found is not None
        return found

    async def cursor(self, name: str) -> MongoDocument | None:
        return await self._cursors.find_one({"_id": name})

    async def set_cursor(self, name: str, value: Any) -> None:
        await self._cursors.update_one({"_id": name}, {"$set": {"value": value}}, upsert=True)
