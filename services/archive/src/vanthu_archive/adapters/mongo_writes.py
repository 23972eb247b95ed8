"""Writes the archive's adapters share."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError
from vanthu_runtime.mongo import DUPLICATE_KEY, MongoDocument


async def insert_missing(
    collection: AsyncCollection[MongoDocument], documents: Sequence[MongoDocument]
) -> set[int]:
    """Insert, in one round trip, the documents whose `_id` is not taken; the positions of those
    that were (the unique `_id` refuses them, whatever else is written at the same moment). Where
    the `_id` is derived from what a document records (an event's timeline entry, a stored
    object, a bucket of postings, a word), a taken one already says the same."""
    if not documents:
        return set()
    try:
        await collection.insert_many(list(documents), ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if not all(error.get("code") == DUPLICATE_KEY for error in errors):
            raise
        return {int(error["index"]) for error in errors}
    return set()
