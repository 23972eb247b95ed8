"""Transactional outbox without transactions: the event rides in the aggregate's own document write.

`OutboxCollection` is the one write path for an aggregate whose changes publish events:

    cases = OutboxCollection(db["cases"], notify=relay.notify)
    await cases.insert({"_id": case_id, ...state...}, records)            # False: id taken
    after = await cases.update(case_id, {"$set": {...}}, records, revision=seen)
    if after is None: ...  # gone, or another writer changed it since `seen`: re-read, re-apply

Each is ONE single-document write (an insert, or a `findAndModify` whose filter holds the
expected revision or condition), so the state change and its events land together or not at all,
and two writers of one aggregate cannot both win. The events go into the document's `outbox`
array; `outbox_since` (indexed) holds when the oldest pending one was written.

`OutboxRelay` (run by the worker) finds aggregates by `outbox_since`, claims each for a short
time in the document itself (a conditional `findAndModify`, so two relays never publish one
aggregate at once, and a dead relay's claim simply expires), publishes the entries of a whole
batch of aggregates without awaiting each send, and removes them with `$pullAll`, all in a few
round trips per batch. So that a crash at any moment neither loses nor doubles an event on the
topic, before producing it notes each entry's partition and that partition's end offset in
`outbox_attempts.<event id>`; an entry found later with such a note (its relay died between
producing and removing) is published only if the partition does not already hold it from there.

A writer that bypasses `OutboxCollection` would break these rules silently, so `OutboxGuard` (a
PyMongo command listener every client of `create_mongo_client` carries) reports any insert,
update or findAndModify of an outbox collection that does not come from here (ADR 0004).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from bson import Binary
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord

from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox_guard import guarded as _guarded
from vanthu_runtime.outbox_guard import register as _register

log = structlog.get_logger(__name__)

OUTBOX_FIELD = "outbox"
PENDING_SINCE = "outbox_since"
ATTEMPTS = "outbox_attempts"
CLAIM_OWNER = "outbox_claim_owner"
CLAIM_UNTIL = "outbox_claim_until"
REVISION = "revision"
_OUTBOX_FIELDS = (OUTBOX_FIELD, PENDING_SINCE, ATTEMPTS, CLAIM_OWNER, CLAIM_UNTIL)
_partitioner = DefaultPartitioner()


def outbox_entry(record: KafkaRecord) -> dict[str, Any]:
    """The sub-document one pending event is stored as."""
    return {
        "event_id": record.event_id,
        "topic": record.topic,
        "key": Binary(record.key),
        "value": Binary(record.value),
        "headers": [{"name": name, "value": Binary(value)} for name, value in record.headers],
        "created_at": datetime.now(UTC),
    }


def record_of(entry: MongoDocument) -> KafkaRecord:
    return KafkaRecord(
        topic=entry["topic"],
        key=bytes(entry["key"]),
        value=bytes(entry["value"]),
        headers=tuple((h["name"], bytes(h["value"])) for h in entry["headers"]),
    )


# --- the write path --------------------------------------------------------------------------


class OutboxCollection:
    """The one way to write an aggregate whose changes publish events (see the module's text)."""

    def __init__(
        self,
        collection: AsyncCollection[MongoDocument],
        *,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.raw = collection
        self._notify = notify
        _register(collection)

    @property
    def name(self) -> str:
        return self.raw.name

    async def ensure_indexes(self) -> None:
        await self.raw.create_index([(PENDING_SINCE, 1)])

    async def insert(self, document: MongoDocument, records: Sequence[KafkaRecord] = ()) -> bool:
        """Insert a new aggregate with its events; False (and nothing written) when its `_id`
        is taken."""
        body = {REVISION: 0, **document}
        if records:
            body[OUTBOX_FIELD] = [outbox_entry(r) for r in records]
            body[PENDING_SINCE] = datetime.now(UTC)
        try:
            with _guarded():
                await self.raw.insert_one(body)
        except DuplicateKeyError:
            return False
        self._announce(records)
        return True

    async def update(
        self,
        doc_id: Any,
        update: Mapping[str, Any],
        records: Sequence[KafkaRecord] = (),
        *,
        revision: int | None = None,
        where: Mapping[str, Any] | None = None,
        upsert: bool = False,
    ) -> MongoDocument | None:
        """Apply `update` and queue `records` in one atomic write, only when the aggregate exists
        (or `upsert`), matches `where`, and, when `revision` is given, still has that revision
        (then it moves to revision + 1). The document after the change (outbox fields left
        out), or None when nothing matched."""
        for operator in update.values():
            if any(field in _OUTBOX_FIELDS or field == REVISION for field in operator):
                raise ValueError(f"the update sets a field the write path owns: {operator}")
        change: dict[str, Any] = {op: dict(fields) for op, fields in update.items()}
        query: dict[str, Any] = {"_id": doc_id, **(where or {})}
        if revision is not None:
            query[REVISION] = revision
            change.setdefault("$set", {})[REVISION] = revision + 1
        if records:
            change.setdefault("$push", {})[OUTBOX_FIELD] = {
                "$each": [outbox_entry(r) for r in records]
            }
            change.setdefault("$min", {})[PENDING_SINCE] = datetime.now(UTC)
        with _guarded():
            after = await self.raw.find_one_and_update(
                query,
                change,
                upsert=upsert,
                return_document=ReturnDocument.AFTER,
            )
        if after is None:
            return None
        self._announce(records)
        return {k: v for k, v in after.items() if k not in _OUTBOX_FIELDS}

    def _announce(self, records: Sequence[KafkaRecord]) -> None:
        if records and self._notify is not None:
            self._notify()


# --- the relay -------------------------------------------------------------------------------


@dataclass
class _Claimed:
    collection: AsyncCollection[MongoDocument]
    doc: MongoDocument
    to_send: list[tuple[MongoDocument, KafkaRecord]]
    done: list[MongoDocument]


class OutboxRelay:
    """Publishes the outbox entries of the given collections, oldest pending aggregate first."""

    def __init__(
        self,
        db: AsyncDatabase[MongoDocument],
        collections: Sequence[str],
        publisher: KafkaEventPublisher,
        *,
        poll_interval_s: float = 0.2,
        claim_for: timedelta = timedelta(seconds=30),
        batch: int = 200,
        concurrency: int = 16,
    ) -> None:
        self._collections = {name: db[name] for name in collections}
        for collection in self._collections.values():
            _register(collection)
        self._publisher = publisher
        self._poll_interval_s = poll_interval_s
        self._claim_for = claim_for
        self._batch = batch
        self._concurrency = concurrency
        self.owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._offsets: AIOKafkaConsumer | None = None
        self._offsets_started = asyncio.Lock()
        self._indexed = False

    def notify(self) -> None:
        """Tell a relay in the same process that something was written, to skip the poll wait."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            while not stopping.is_set():
                published = await self.publish_pending()
                if published == 0:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
        finally:
            await self.close()

    async def publish_pending(self, limit: int | None = None) -> int:
        """One pass: claim up to `limit` pending aggregates per collection and publish them; the
        number of events published."""
        if not self._indexed:
            for collection in self._collections.values():
                await OutboxCollection(collection).ensure_indexes()
            self._indexed = True
        published = 0
        for collection in self._collections.values():
            claimed = await self._claim_batch(collection, limit or self._batch)
            if claimed:
                published += await self._publish(claimed)
        return published

    async def _claim_batch(
        self, collection: AsyncCollection[MongoDocument], limit: int
    ) -> list[_Claimed]:
        now = datetime.now(UTC)
        free = {"$or": [{CLAIM_UNTIL: {"$exists": False}}, {CLAIM_UNTIL: {"$lt": now}}]}
        candidates = (
            await collection.find({PENDING_SINCE: {"$lte": now}, **free}, projection={"_id": 1})
            .sort(PENDING_SINCE, 1)
            .limit(limit)
            .to_list(None)
        )
        gate = asyncio.Semaphore(self._concurrency)

        async def claim(doc_id: Any) -> MongoDocument | None:
            async with gate:
                with _guarded():
                    return await collection.find_one_and_update(
                        {"_id": doc_id, PENDING_SINCE: {"$exists": True}, **free},
                        {"$set": {CLAIM_OWNER: self.owner, CLAIM_UNTIL: now + self._claim_for}},
                        return_document=ReturnDocument.AFTER,
                    )

        docs = await asyncio.gather(*(claim(c["_id"]) for c in candidates))
        return [_Claimed(collection, doc, [], []) for doc in docs if doc is not None]

    async def _publish(self, claimed: list[_Claimed]) -> int:
        # Entries with a note from an earlier attempt go out only if their partition lacks them.
        for item in claimed:
            attempts = item.doc.get(ATTEMPTS) or {}
            for entry in item.doc.get(OUTBOX_FIELD) or []:
                record = record_of(entry)
                attempt = attempts.get(record.event_id)
                if attempt is not None and await self._already_published(record, attempt):
                    item.done.append(entry)
                else:
                    item.to_send.append((entry, record))
        sending = [(item, entry, record) for item in claimed for entry, record in item.to_send]
        if sending:
            partitions = await self._note_attempts(sending)
            producer = self._publisher.producer
            futures = [
                await producer.send(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    partition=partition,
                )
                for (_, _, record), partition in zip(sending, partitions, strict=True)
            ]
            await asyncio.gather(*futures)
        await self._remove_published(claimed)
        return len(sending)

    async def _note_attempts(
        self, sending: list[tuple[_Claimed, MongoDocument, KafkaRecord]]
    ) -> list[int]:
        """Note, per entry, the partition it goes to and where that partition ends now; the
        partitions, in order."""
        partitions = [await self._partition_for(record) for _, _, record in sending]
        wanted = {
            TopicPartition(r.topic, p) for (_, _, r), p in zip(sending, partitions, strict=True)
        }
        ends = await (await self._offset_reader()).end_offsets(list(wanted))
        notes: dict[int, tuple[_Claimed, dict[str, Any]]] = {}
        for (item, _, record), partition in zip(sending, partitions, strict=True):
            end = int(ends[TopicPartition(record.topic, partition)])
            note = {"partition": partition, "from_offset": end}
            notes.setdefault(id(item), (item, {}))[1][f"{ATTEMPTS}.{record.event_id}"] = note
        by_collection: dict[str, list[UpdateOne]] = {}
        collections: dict[str, AsyncCollection[MongoDocument]] = {}
        for item, fields in notes.values():
            by_collection.setdefault(item.collection.name, []).append(
                UpdateOne({"_id": item.doc["_id"], CLAIM_OWNER: self.owner}, {"$set": fields})
            )
            collections[item.collection.name] = item.collection
        for name, operations in by_collection.items():
            with _guarded():
                await collections[name].bulk_write(operations, ordered=False)
        return partitions

    async def _remove_published(self, claimed: list[_Claimed]) -> None:
        """Remove what was published, release the claim, and clear `outbox_since` where the
        outbox is empty now (a write that added entries meanwhile keeps it): one bulk per
        collection."""
        by_collection: dict[str, list[UpdateOne]] = {}
        collections: dict[str, AsyncCollection[MongoDocument]] = {}
        for item in claimed:
            entries = item.done + [entry for entry, _ in item.to_send]
            doc_id = item.doc["_id"]
            unset = {f"{ATTEMPTS}.{e['event_id']}": "" for e in entries}
            operations = by_collection.setdefault(item.collection.name, [])
            collections[item.collection.name] = item.collection
            if entries:
                operations.append(
                    UpdateOne(
                        {"_id": doc_id},
                        {"$pullAll": {OUTBOX_FIELD: entries}, "$unset": unset},
                    )
                )
            operations.append(
                UpdateOne(
                    {"_id": doc_id, CLAIM_OWNER: self.owner},
                    {"$unset": {CLAIM_OWNER: "", CLAIM_UNTIL: ""}},
                )
            )
            operations.append(
                UpdateOne(
                    {"_id": doc_id, f"{OUTBOX_FIELD}.0": {"$exists": False}},
                    {"$unset": {PENDING_SINCE: "", OUTBOX_FIELD: ""}},
                )
            )
        for name, operations in by_collection.items():
            with _guarded():
                await collections[name].bulk_write(operations, ordered=True)

    async def _partition_for(self, record: KafkaRecord) -> int:
        producer = self._publisher.producer
        partitions = sorted(await producer.partitions_for(record.topic))
        return int(_partitioner(record.key, partitions, partitions))

    async def _offset_reader(self) -> AIOKafkaConsumer:
        """One consumer for the relay's life (starting one per event cost ~100 ms each)."""
        async with self._offsets_started:
            if self._offsets is None:
                consumer = self._scratch_consumer()
                await consumer.start()
                self._offsets = consumer
            return self._offsets

    async def close(self) -> None:
        if self._offsets is not None:
            await self._offsets.stop()
            self._offsets = None

    async def _already_published(self, record: KafkaRecord, attempt: MongoDocument) -> bool:
        """Read the partition from the noted offset to its end, looking for this event's id."""
        tp = TopicPartition(record.topic, int(attempt["partition"]))
        consumer = self._scratch_consumer()
        await consumer.start()
        try:
            end = (await consumer.end_offsets([tp]))[tp]
            consumer.assign([tp])
            consumer.seek(tp, int(attempt["from_offset"]))
            wanted = record.event_id.encode()
            while await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=1000)
                for message in batch.get(tp, []):
                    if ("ce_id", wanted) in list(message.headers or ()):
                        log.info("outbox entry was already published", event_id=record.event_id)
                        return True
            return False
        finally:
            await consumer.stop()

    def _scratch_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._publisher.bootstrap_servers,
            enable_auto_commit=False,
            group_id=None,
        )
