"""Registered documents and the facts learnt about them, each written with its events in one
write through the runtime's `OutboxCollection` (ADR 0004)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts import KafkaRecord
from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxCollection

COLLECTION = "intake_documents"
FACTS = "intake_document_facts"
OUTBOX_COLLECTIONS = (COLLECTION, FACTS)


class MongoDocumentRepository:
    def __init__(
        self, db: AsyncDatabase[MongoDocument], *, notify: Callable[[], None] | None = None
    ) -> None:
        self._documents = OutboxCollection(db[COLLECTION], notify=notify)
        self._facts = OutboxCollection(db[FACTS], notify=notify)

    async def ensure_indexes(self) -> None:
        documents, facts = self._documents.raw, self._facts.raw
        await documents.create_index(
            [("agency_code", 1), ("register", 1), ("year", 1), ("number", 1)],
            unique=True,
            name="one_document_per_number",
        )
        await documents.create_index([("agency_code", 1), ("registered_at", -1)])
        await facts.create_index([("document_id", 1), ("recorded_at", 1)])
        await facts.create_index([("kind", 1), ("draft.agency_code", 1), ("recorded_at", -1)])
        await self._documents.ensure_indexes()
        await self._facts.ensure_indexes()

    async def add(self, record: dict[str, Any], events: Sequence[KafkaRecord]) -> None:
        """Store a new document with its events; `AlreadyExists` when its id or its number is
        taken (the unique index on the number refuses a second document under it)."""
        if not await self._documents.insert(record, events):
            key = {"_id": record["_id"], "number": record.get("number"), "year": record.get("year")}
            raise AlreadyExists(COLLECTION, key)

    async def get(self, document_id: str) -> dict[str, Any] | None:
        return await self._documents.raw.find_one({"_id": document_id})

    async def get_many(self, document_ids: Sequence[str]) -> list[dict[str, Any]]:
        if not document_ids:
            return []
        cursor = self._documents.raw.find({"_id": {"$in": list(document_ids)}})
        return await cursor.to_list(None)

    async def find(
        self,
        query: dict[str, Any],
        *,
        skip: int,
        limit: int,
        sort: Sequence[tuple[str, int]],
    ) -> tuple[list[dict[str, Any]], int]:
        raw = self._documents.raw
        total = await raw.count_documents(query)
        cursor = raw.find(query, sort=list(sort), skip=skip, limit=limit)
        return await cursor.to_list(None), total

    async def void(
        self, document_id: str, changes: dict[str, Any], events: Sequence[KafkaRecord]
    ) -> dict[str, Any] | None:
        """Mark a registered document (or a reserved number) void, with its events, in one
        conditional write; None when it is not (or no longer) registered: someone else voided it
        first."""
        return await self._documents.update(
            document_id,
            {"$set": {**changes, "status": "void"}},
            events,
            where={"status": {"$in": ["registered", "reserved"]}},
        )

    async def finish_reservation(
        self, document_id: str, changes: dict[str, Any], events: Sequence[KafkaRecord]
    ) -> dict[str, Any] | None:
        return await self._documents.update(
            document_id,
            {"$set": {**changes, "status": "registered"}},
            events,
            where={"status": "reserved"},
        )

    async def fact(self, fact_id: str) -> dict[str, Any] | None:
        return await self._facts.raw.find_one({"_id": fact_id})

    async def add_fact(self, fact: dict[str, Any], events: Sequence[KafkaRecord]) -> bool:
        """Record something learnt about a document (OCR, signatures, a send request) with its
        events; False when that fact (same derived `_id`) was already recorded."""
        return await self._facts.insert(fact, events)

    async def facts_of(self, document_id: str) -> list[dict[str, Any]]:
        cursor = self._facts.raw.find({"document_id": document_id}, sort=[("recorded_at", 1)])
        return await cursor.to_list(None)

    async def facts_by_id(self, fact_ids: Sequence[str]) -> list[dict[str, Any]]:
        if not fact_ids:
            return []
        return await self._facts.raw.find({"_id": {"$in": list(fact_ids)}}).to_list(None)

    async def approved_drafts_of(self, agency_code: str, limit: int) -> list[dict[str, Any]]:
        cursor = self._facts.raw.find(
            {"kind": "approved_draft", "draft.agency_code": agency_code},
            sort=[("recorded_at", -1)],
            limit=limit,
        )
        return await cursor.to_list(None)

    async def facts_of_kind(self, document_ids: Sequence[str], kind: str) -> list[dict[str, Any]]:
        if not document_ids:
            return []
        cursor = self._facts.raw.find(
            {"document_id": {"$in": list(document_ids)}, "kind": kind}, sort=[("recorded_at", 1)]
        )
        return await cursor.to_list(None)
