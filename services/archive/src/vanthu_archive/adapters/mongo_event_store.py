"""The event store in MongoDB (or FerretDB): one document per archived Kafka record.

Stored as delivered: key, value and headers as binary, topic, partition, offset, the Kafka
timestamp and the arrival time, with the record's link (`previous_hash`) and chain `hash`. Headers
are a list of `{name, value}` objects because FerretDB v1 stores no nested arrays. A few envelope
headers are copied out (`event_id`, `event_type`, `subject`, `agency_code`) only so records can be
found; they are not part of the proof and are re-read from the raw headers when it matters.
"""

from __future__ import annotations

import heapq
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError
from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.mongo import MongoDocument

from vanthu_archive.domain.hashchain import (
    ChainedRecord,
    PartitionHead,
    StoredRecord,
    TopicPartition,
)

COLLECTION = "archive_events"
_DUPLICATE_KEY = 11000
_READ_BATCH = 2000
_LINKS_AT_ONCE = 5000
"""Offsets whose neighbours one query reads (the local FerretDB allows 32,766 `$in` values)."""
_INDEXED_HEADERS = {
    "ce_id": "event_id",
    "ce_type": "event_type",
    "ce_subject": "subject",
    "ce_agencycode": "agency_code",
}


def _header_text(value: bytes | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", errors="replace")


def record_id(topic: str, partition: int, offset: int) -> str:
    """The stored record's `_id`: its Kafka position, readable in a dump of the store."""
    return f"{topic}|{partition}|{offset:020d}"


def record_to_document(chained: ChainedRecord) -> MongoDocument:
    record = chained.record
    document: MongoDocument = {
        "_id": record_id(record.topic, record.partition, record.offset),
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "arrived_at": record.arrived_at,
        "key": record.key,
        "value": record.value,
        "headers": [{"name": name, "value": value} for name, value in record.headers],
        "previous_hash": chained.previous_hash,
        "hash": chained.hash,
    }
    for header, field_name in _INDEXED_HEADERS.items():
        for name, value in record.headers:
            if name == header:
                document[field_name] = _header_text(value)
                break
    return document


def document_to_record(document: MongoDocument) -> ChainedRecord:
    record = StoredRecord(
        topic=document["topic"],
        partition=int(document["partition"]),
        offset=int(document["offset"]),
        timestamp=document["timestamp"],
        key=_bytes_or_none(document.get("key")),
        value=_bytes_or_none(document.get("value")),
        headers=[(h["name"], _bytes_or_none(h.get("value"))) for h in document["headers"]],
        arrived_at=document["arrived_at"],
    )
    return ChainedRecord(
        record=record,
        previous_hash=bytes(document["previous_hash"]),
        hash=bytes(document["hash"]),
    )


def _bytes_or_none(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


class MongoEventStore:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._events: AsyncCollection[MongoDocument] = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        # A partition's records in offset order and its head are range reads of this index; it
        # also refuses a second copy of a position.
        await self._events.create_index(
            [("topic", ASCENDING), ("partition", ASCENDING), ("offset", ASCENDING)],
            unique=True,
            name="position_unique",
        )
        # The local FerretDB pushes a condition (and a sort) down to SQL only on the first field
        # of an index (ADR 0005): these let it hand the whole position to the index above.
        await self._events.create_index([("partition", ASCENDING)], name="partition")
        await self._events.create_index([("offset", ASCENDING)], name="offset")
        await self._events.create_index([("subject", ASCENDING)], name="subject")
        await self._events.create_index([("timestamp", ASCENDING)], name="timestamp")
        # An agency's records, for its auditor's verify (the first field alone for FerretDB).
        await self._events.create_index(
            [
                ("agency_code", ASCENDING),
                ("topic", ASCENDING),
                ("partition", ASCENDING),
                ("offset", ASCENDING),
            ],
            name="agency_position",
        )
        await self._events.create_index([("agency_code", ASCENDING)], name="agency")

    async def head(self, position: TopicPartition) -> PartitionHead | None:
        """The newest stored record of a partition: the last key of its range in the index."""
        found = await self._events.find_one(
            {**_in_partition(position), "offset": {"$gte": 0}},
            projection={"offset": 1, "hash": 1},
            sort=[("offset", DESCENDING)],
        )
        if found is None:
            return None
        return PartitionHead(
            position.topic, position.partition, int(found["offset"]), bytes(found["hash"])
        )

    async def append(self, chained: Sequence[ChainedRecord]) -> None:
        if not chained:
            return
        documents = [record_to_document(each) for each in chained]
        try:
            await self._events.insert_many(documents, ordered=True)
        except DuplicateKeyError as exc:
            raise self._clash(chained) from exc
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if errors and all(error.get("code") == _DUPLICATE_KEY for error in errors):
                raise self._clash(chained) from exc
            raise

    @staticmethod
    def _clash(chained: Sequence[ChainedRecord]) -> AlreadyExists:
        first = chained[0].record
        return AlreadyExists(
            COLLECTION,
            {"topic": first.topic, "partition": first.partition, "offset": first.offset},
        )

    async def partitions(self) -> list[TopicPartition]:
        # Every partition really stored, not a list that could be edited: verify must see them.
        cursor = await self._events.aggregate(
            [{"$group": {"_id": {"topic": "$topic", "partition": "$partition"}}}]
        )
        found = [
            TopicPartition(group["_id"]["topic"], int(group["_id"]["partition"]))
            async for group in cursor
        ]
        return sorted(found)

    async def records(
        self,
        position: TopicPartition,
        *,
        after_offset: int | None = None,
        until: datetime | None = None,
    ) -> AsyncIterator[ChainedRecord]:
        """A partition's records in offset order (those with a Kafka timestamp after ``until``
        left out): one range read of the position index, however many offsets are unused."""
        query = {
            **_in_partition(position),
            "offset": {"$gt": -1 if after_offset is None else after_offset},
        }
        if until is not None:
            query["timestamp"] = {"$lte": until}
        cursor = self._events.find(query, sort=[("offset", ASCENDING)], batch_size=_READ_BATCH)
        async for document in cursor:
            yield document_to_record(document)

    async def record_at(self, position: TopicPartition, offset: int) -> ChainedRecord | None:
        found = await self._events.find_one({**_in_partition(position), "offset": offset})
        return None if found is None else document_to_record(found)

    async def records_until(self, until: datetime) -> AsyncIterator[ChainedRecord]:
        """Every record with a Kafka timestamp up to ``until``, oldest first: the partitions read
        as `records` reads them, merged by (timestamp, topic, partition, offset), so the store is
        never sorted as a whole. Within a partition records stay in offset order, which is
        timestamp order unless a producer set its own times; the read models do not depend on the
        order (ADR 0042)."""
        streams = [
            self.records(position, until=until).__aiter__() for position in await self.partitions()
        ]
        heap: list[tuple[datetime, str, int, int, int, ChainedRecord]] = []

        async def push(index: int) -> None:
            nxt = await anext(streams[index], None)
            if nxt is not None:
                r = nxt.record
                heapq.heappush(heap, (r.timestamp, r.topic, r.partition, r.offset, index, nxt))

        for index in range(len(streams)):
            await push(index)
        while heap:
            *_, index, chained = heapq.heappop(heap)
            yield chained
            await push(index)

    async def records_about(self, subjects: Sequence[str]) -> AsyncIterator[ChainedRecord]:
        cursor = self._events.find(
            {"subject": {"$in": list(subjects)}}, sort=[("timestamp", ASCENDING)]
        )
        async for document in cursor:
            yield document_to_record(document)

    async def records_of_agency(
        self, agency_code: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> AsyncIterator[ChainedRecord]:
        """The records whose envelope names this agency (`ce_agencycode`), by position."""
        query: MongoDocument = {"agency_code": agency_code}
        bounds: dict[str, datetime] = {}
        if since is not None:
            bounds["$gte"] = since
        if until is not None:
            bounds["$lte"] = until
        if bounds:
            query["timestamp"] = bounds
        cursor = self._events.find(
            query,
            sort=[("agency_code", ASCENDING), ("topic", ASCENDING), ("partition", ASCENDING),
                  ("offset", ASCENDING)],
            batch_size=_READ_BATCH,
        )  # fmt: skip
        async for document in cursor:
            yield document_to_record(document)

    async def links_around(
        self, position: TopicPartition, offsets: Sequence[int]
    ) -> tuple[dict[int, bytes], dict[int, bytes]]:
        """For each of these offsets: the hash of the record stored before it, and the
        `previous_hash` of the record stored after it (absent: none before, or the head). Only
        hashes are read, never another record's content."""
        before: dict[int, bytes] = {}
        after: dict[int, bytes] = {}
        for start in range(0, len(offsets), _LINKS_AT_ONCE):
            chunk = offsets[start : start + _LINKS_AT_ONCE]
            near = sorted({o - 1 for o in chunk} | {o + 1 for o in chunk})
            cursor = self._events.find(
                {**_in_partition(position), "offset": {"$in": near}},
                projection={"offset": 1, "hash": 1, "previous_hash": 1},
            )
            found = {int(d["offset"]): d async for d in cursor}
            for offset in chunk:
                earlier = found.get(offset - 1) or await self._next_to(position, offset, -1)
                later = found.get(offset + 1) or await self._next_to(position, offset, 1)
                if earlier is not None:
                    before[offset] = bytes(earlier["hash"])
                if later is not None:
                    after[offset] = bytes(later["previous_hash"])
        return before, after

    async def _next_to(
        self, position: TopicPartition, offset: int, direction: int
    ) -> MongoDocument | None:
        # Kafka may skip offsets (transaction markers): the nearest stored one, that way.
        return await self._events.find_one(
            {**_in_partition(position), "offset": {"$lt" if direction < 0 else "$gt": offset}},
            projection={"offset": 1, "hash": 1, "previous_hash": 1},
            sort=[("offset", DESCENDING if direction < 0 else ASCENDING)],
        )

    async def count(self) -> int:
        return await self._events.count_documents({})


def _in_partition(position: TopicPartition) -> MongoDocument:
    return {"topic": position.topic, "partition": position.partition}
