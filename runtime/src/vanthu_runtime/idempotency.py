"""Idempotent consumers: processed event ids under a unique index, and effects applied once per event.

Without multi-document transactions an effect and its "processed" mark cannot be written together
in two collections. So two tools, used together:
- `ProcessedEvents`: a fast skip for events already handled (one `_id` per consumer + event id);
  it is recorded after the handler succeeded, so a crash in between re-runs the handler.
- `apply_once`: the handler's own write carries the event id in the same document, so the re-run
  changes nothing. Handlers whose writes are upserts keyed by ids derived from the event need only
  the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from vanthu_runtime.mongo import DUPLICATE_KEY, MongoDocument


class ProcessedEvents:
    """Event ids a consumer has handled, one document each under `_id` = consumer|event id (the
    id derives from its cause, so a repeat is a duplicate key)."""

    def __init__(self, db: AsyncDatabase[MongoDocument], consumer: str) -> None:
        self._collection: AsyncCollection[MongoDocument] = db["processed_events"]
        self.consumer = consumer

    def _key(self, event_id: str) -> str:
        return f"{self.consumer}|{event_id}"

    async def seen(self, event_id: str) -> bool:
        found = await self._collection.find_one({"_id": self._key(event_id)}, projection={"_id": 1})
        return found is not None

    async def seen_many(self, event_ids: list[str]) -> set[str]:
        """Which of these events were handled already: one `$in` read for a consumed batch."""
        keys = [self._key(event_id) for event_id in event_ids]
        found = self._collection.find({"_id": {"$in": keys}}, projection={"event_id": 1})
        return {doc["event_id"] async for doc in found}

    async def record_many(self, event_ids: list[str]) -> None:
        """Mark a batch handled in one write; marks that exist already stay as they were."""
        now = datetime.now(UTC)
        marks = [
            {"_id": self._key(e), "consumer": self.consumer, "event_id": e, "processed_at": now}
            for e in event_ids
        ]
        try:
            await self._collection.insert_many(marks, ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise

    async def record(self, event_id: str) -> bool:
        """Mark the event handled; False when it already was."""
        try:
            await self._collection.insert_one(
                {
                    "_id": self._key(event_id),
                    "consumer": self.consumer,
                    "event_id": event_id,
                    "processed_at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            return False
        return True


async def apply_once(
    collection: AsyncCollection[MongoDocument],
    doc_id: Any,
    event_id: str,
    update: Mapping[str, Any],
    *,
    remember: int = 1000,
) -> bool:
    """Apply `update` to one document unless this event already did; True when it was applied.

    The event id is pushed into the document's `applied_events` in the same atomic write. When the
    id is already there the filter misses, the upsert tries to insert a second document with the same
    `_id`, and the unique `_id` index refuses it: that refusal is the "already applied" answer.
    Only the last `remember` ids are kept per document.
    """
    push = {"applied_events": {"$each": [event_id], "$slice": -remember}}
    full_update = {**update, "$push": {**update.get("$push", {}), **push}}
    try:
        await collection.update_one(
            {"_id": doc_id, "applied_events": {"$ne": event_id}}, full_update, upsert=True
        )
    except DuplicateKeyError:
        return False
    return True
