"""Registered documents in a Mongo-wire collection, each written with its outbox in one write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument, unique
from vanthu_runtime.outbox import OUTBOX_FIELD, outbox_entry

COLLECTION = "intake_documents"
FACTS = "intake_document_facts"


class MongoDocumentRepository:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._collection: AsyncCollection[MongoDocument] = db[COLLECTION]
        self._facts: AsyncCollection[MongoDocument] = db[FACTS]

    async def ensure_indexes(self) -> None:
        await self._collection.create_index(
            [("agency_code", 1), ("register", 1), ("year", 1), ("number", 1)],
            unique=True,
            name="one_document_per_number",
        )
        await self._collection.create_index([("agency_code", 1), ("metadata_key", 1)])
        await self._collection.create_index([("agency_code", 1), ("content_keys", 1)])
        await self._collection.create_index([("agency_code", 1), ("registered_at", -1)])
        await self._collection.create_index([("agency_code", 1), ("legacy_id", 1)])
        await self._facts.create_index([("document_id", 1), ("recorded_at", 1)])

    async def add(self, record: dict[str, Any], events: Sequence[KafkaRecord]) -> None:
        key = {
            "_id": record["_id"],
            "number": record.get("number"),
            "year": record.get("year"),
        }
        with unique(COLLECTION, key):
            await self._collection.insert_one(
                {**record, OUTBOX_FIELD: [outbox_entry(event) for event in events]}
            )

    async def get(self, document_id: str) -> dict[str, Any] | None:
        return await self._collection.find_one({"_id": document_id})

    async def find_duplicate(
        self, agency_code: str, metadata_key: str | None, content_keys: Sequence[str]
    ) -> dict[str, Any] | None:
        alternatives: list[dict[str, Any]] = []
        if metadata_key is not None:
            alternatives.append({"metadata_key": metadata_key})
        if content_keys:
            alternatives.append({"content_keys": {"$in": list(content_keys)}})
        if not alternatives:
            return None
        return await self._collection.find_one(
            {"agency_code": agency_code, "status": "registered", "$or": alternatives},
            sort=[("registered_at", 1)],
        )

    async def find(
        self,
        query: dict[str, Any],
        *,
        skip: int,
        limit: int,
        sort: Sequence[tuple[str, int]],
    ) -> tuple[list[dict[str, Any]], int]:
        total = await self._collection.count_documents(query)
        cursor = self._collection.find(query, sort=list(sort), skip=skip, limit=limit)
        return [doc async for doc in cursor], total

    async def add_fact(self, fact: dict[str, Any], events: Sequence[KafkaRecord]) -> bool:
        """Record something learnt about a document (OCR, signatures, voiding) with its events.

        Facts are inserted, never updated into the document: an insert is atomic on FerretDB v1,
        whose concurrent updates of one document can lose each other (ADR 0010). False when the
        fact (same `_id`) was already recorded.
        """
        try:
            await self._facts.insert_one(
                {**fact, OUTBOX_FIELD: [outbox_entry(event) for event in events]}
            )
        except DuplicateKeyError:
            return False
        return True

    async def facts_of(self, document_id: str) -> list[dict[str, Any]]:
        cursor = self._facts.find({"document_id": document_id}, sort=[("recorded_at", 1)])
        return [fact async for fact in cursor]

    async def set_fields(self, document_id: str, changes: dict[str, Any]) -> None:
        await self._collection.update_one({"_id": document_id}, {"$set": changes})

    async def by_legacy_id(self, agency_code: str, legacy_id: str) -> dict[str, Any] | None:
        return await self._collection.find_one({"agency_code": agency_code, "legacy_id": legacy_id})
