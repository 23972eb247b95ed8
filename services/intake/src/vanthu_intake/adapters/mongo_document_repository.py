"""Registered documents in a Mongo-wire collection, each written with its outbox in one write."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument, unique
from vanthu_runtime.outbox import OUTBOX_FIELD, holding_lease, outbox_entry, outbox_write

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
        # Duplicates and legacy ids are looked up by `_id` (claims, derived ids), not by index.
        await self._collection.create_index([("agency_code", 1), ("registered_at", -1)])
        await self._facts.create_index([("document_id", 1), ("recorded_at", 1)])

    async def add(self, record: dict[str, Any], events: Sequence[KafkaRecord]) -> None:
        key = {
            "_id": record["_id"],
            "number": record.get("number"),
            "year": record.get("year"),
        }
        with unique(COLLECTION, key):
            async with outbox_write(self._collection.database, COLLECTION, record["_id"]):
                await self._collection.insert_one(
                    {**record, OUTBOX_FIELD: [outbox_entry(event) for event in events]}
                )

    async def get(self, document_id: str) -> dict[str, Any] | None:
        return await self._collection.find_one({"_id": document_id})

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
        return await cursor.to_list(None), total

    async def add_fact(self, fact: dict[str, Any], events: Sequence[KafkaRecord]) -> bool:
        """Record something learnt about a document (OCR, signatures, voiding) with its events.

        Facts are inserted, never updated into the document: an insert is atomic on FerretDB v1,
        whose concurrent updates of one document can lose each other (ADR 0010). False when the
        fact (same `_id`) was already recorded.
        """
        try:
            async with outbox_write(self._facts.database, self._facts.name, fact["_id"]):
                await self._facts.insert_one(
                    {**fact, OUTBOX_FIELD: [outbox_entry(event) for event in events]}
                )
        except DuplicateKeyError:
            return False
        return True

    async def facts_of(self, document_id: str) -> list[dict[str, Any]]:
        cursor = self._facts.find({"document_id": document_id}, sort=[("recorded_at", 1)])
        return await cursor.to_list(None)

    async def facts_with_ids(self, fact_ids: Sequence[str]) -> list[dict[str, Any]]:
        # One `_id` equality each: FerretDB v1 answers those from its index, anything else
        # (`$in` included) by parsing every fact of every document.
        found = await asyncio.gather(*(self._facts.find_one({"_id": i}) for i in fact_ids))
        return [fact for fact in found if fact is not None]

    async def set_fields(self, document_id: str, changes: dict[str, Any]) -> None:
        # Under the document's lease: the relay may be removing its published entries right now.
        async with holding_lease(self._collection.database, COLLECTION, document_id):
            await self._collection.update_one({"_id": document_id}, {"$set": changes})
