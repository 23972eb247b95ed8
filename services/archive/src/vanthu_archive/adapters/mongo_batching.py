"""How the archive's adapters batch round trips to the Mongo-wire server we run locally.

FerretDB v1 (SQLite) never answered an update batch of 100 operations or more in our tests (99
took 0.1 s), so bulk updates go in slices of `SLICE` operations, in order. Many concurrent
requests are slower there than a few at a time (SQLite takes one writer at once), so fan-outs go
`CONCURRENCY` at a time. It serves only `_id` equality from an index (with the index our wrapper
adds, ADR 0002 addendum), so reads are `_id` look-ups (`find_by_ids`). An upsert that creates a
document scanned the collection there (96 ms at 20,000 documents, against 1 ms for an update by
`_id`), so documents are created by inserts that skip duplicates, then updated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from vanthu_runtime.mongo import MongoDocument

SLICE = 50
CONCURRENCY = 16
_T = TypeVar("_T")


async def write_in_slices(
    collection: AsyncCollection[MongoDocument], operations: Sequence[Any]
) -> None:
    for start in range(0, len(operations), SLICE):
        await collection.bulk_write(list(operations[start : start + SLICE]))


async def gather_bounded(*awaitables: Awaitable[_T], limit: int = CONCURRENCY) -> list[_T]:
    """Like `asyncio.gather`, results in order, with at most `limit` running at once."""
    gate = asyncio.Semaphore(limit)

    async def one(awaitable: Awaitable[_T]) -> _T:
        async with gate:
            return await awaitable

    return list(await asyncio.gather(*(one(a) for a in awaitables)))


async def find_by_ids(
    collection: AsyncCollection[MongoDocument],
    ids: Sequence[str],
    projection: dict[str, int] | None = None,
) -> list[MongoDocument | None]:
    """The documents with these ids, in their order (None where absent): one `_id` equality
    each, `CONCURRENCY` at a time. An index look-up on MongoDB and on the local FerretDB v1 with
    the `_id` index our wrapper adds; an `$in` there is not pushed down to SQLite and decodes
    every document of the collection, so this stays one query per id (ADR 0044)."""
    return await gather_bounded(*(collection.find_one({"_id": each}, projection) for each in ids))
