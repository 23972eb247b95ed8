"""PyMongo async client factory and translation of driver errors into domain errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.outbox_guard import outbox_guard
from vanthu_runtime.settings import MongoSettings

MongoDocument = dict[str, Any]
DUPLICATE_KEY = 11000


async def insert_new(
    collection: AsyncCollection[MongoDocument], documents: Sequence[MongoDocument]
) -> set[int]:
    """Insert the documents whose `_id` is not taken yet, in one round trip; a taken one stays as
    it was first written. Returns the positions of those that were taken: for things that are
    unique by rule (a delivery per recipient, a duplicate key per document) or whose `_id` derives
    from what they record (so a taken one already says the same), not for locking."""
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


def create_mongo_client(settings: MongoSettings) -> AsyncMongoClient[MongoDocument]:
    """Create the client inside the running loop (lifespan or bootstrap), never at import time."""
    return AsyncMongoClient(
        settings.uri,
        serverSelectionTimeoutMS=settings.server_selection_timeout_ms,
        tz_aware=True,
        # The local server has no replica sets, hence no retryable writes.
        retryWrites=False,
        event_listeners=[outbox_guard],
    )


def database(
    client: AsyncMongoClient[MongoDocument], settings: MongoSettings
) -> AsyncDatabase[MongoDocument]:
    return client[settings.database]


@contextmanager
def unique(collection: str, key: Mapping[str, object] | None = None) -> Iterator[None]:
    """Turn a unique-index violation inside the block into `AlreadyExists` naming the key.

    MongoDB reports the clashing key itself; FerretDB does not, so callers pass the key they wrote.
    """
    try:
        yield
    except DuplicateKeyError as exc:
        reported = (exc.details or {}).get("keyValue")
        raise AlreadyExists(collection, dict(reported or key or {})) from exc
