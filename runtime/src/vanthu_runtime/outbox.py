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

`OutboxRelay` (run by the worker) finds aggregates by `outbox_since`, claims a batch of them for
a short time in the documents themselves (one conditional `update_many`, so two relays never
publish one aggregate at once, and a dead relay's claim simply expires), publishes their entries
without awaiting each send, and removes them with one `$pull`: a few commands per batch, not per
event. So that a crash at any moment neither loses nor doubles an event on the topic, the claim
also notes (`$min`) the end offset of every partition the entries may go to; an aggregate claimed
again later (its relay died between producing and removing) has its entries looked for on their
partitions from there, and only the missing ones are published.

A writer that bypasses `OutboxCollection` would break these rules silently, so `OutboxGuard` (a
PyMongo command listener every client of `create_mongo_client` carries) reports any insert,
update or findAndModify of an outbox collection that does not come from here (ADR 0004).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from bson import Binary
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord

from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox_guard import guarded as _guarded
from vanthu_runtime.outbox_guard import register as _register

log = structlog.get_logger(__name__)

OUTBOX_FIELD = "outbox"
PENDING_SINCE = "outbox_since"
CLAIM_OWNER = "outbox_claim_owner"
CLAIM_UNTIL = "outbox_claim_until"
CLAIM_OFFSETS = "outbox_claim_offsets"
CLAIMS = "outbox_claims"
REVISION = "revision"
_OUTBOX_FIELDS = (OUTBOX_FIELD, PENDING_SINCE, CLAIM_OWNER, CLAIM_UNTIL, CLAIM_OFFSETS, CLAIMS)
_partitioner = DefaultPartitioner()


def outbox_entry(record: KafkaRecord) -> dict[str, Any]:
    """The sub-document one pending event is stored as. Keys, JSON values and CloudEvents
    headers are UTF-8 text and are kept as text, the headers as one JSON string (readable in the
    store, and far cheaper for the server to read than binary values or a dozen sub-documents);
    anything that is not UTF-8 stays binary."""
    return {
        "event_id": record.event_id,
        "topic": record.topic,
        "key": _stored_bytes(record.key),
        "value": _stored_bytes(record.value),
        "headers": _stored_headers(record.headers),
        "created_at": datetime.now(UTC),
    }


def record_of(entry: MongoDocument) -> KafkaRecord:
    headers = entry["headers"]
    return KafkaRecord(
        topic=entry["topic"],
        key=_read_bytes(entry["key"]),
        value=_read_bytes(entry["value"]),
        headers=tuple((name, value.encode("utf-8")) for name, value in json.loads(headers))
        if isinstance(headers, str)
        else tuple((h["name"], _read_bytes(h["value"])) for h in headers),
    )


def _stored_headers(headers: Sequence[tuple[str, bytes]]) -> str | list[dict[str, Any]]:
    try:
        return json.dumps([[name, value.decode("utf-8")] for name, value in headers])
    except UnicodeDecodeError:
        return [{"name": name, "value": _stored_bytes(value)} for name, value in headers]


def _stored_bytes(data: bytes) -> str | Binary:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return Binary(data)


def _read_bytes(stored: str | bytes) -> bytes:
    return stored.encode("utf-8") if isinstance(stored, str) else bytes(stored)


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


class OutboxRelay:
    """Publishes the outbox entries of the given collections, oldest pending aggregate first.

    A pass over a collection is a handful of commands for up to `batch` aggregates, whatever
    their number: find the oldest pending ids; claim them all in one `update_many` that also
    notes (`$min`) each partition's end offset; read the claimed documents; produce every entry
    without awaiting each send; one `update_many` pulls what was published and releases the
    claims; one more clears `outbox_since` where the outbox is empty now. An aggregate claimed
    before (`outbox_claims` > 1: a relay died holding it, or its claim ran out) has its entries
    looked for on their partitions from the noted offsets first, and only the missing ones go out.
    """

    def __init__(
        self,
        db: AsyncDatabase[MongoDocument],
        collections: Sequence[str],
        publisher: KafkaEventPublisher,
        *,
        poll_interval_s: float = 0.2,
        claim_for: timedelta = timedelta(seconds=30),
        batch: int = 200,
    ) -> None:
        self._collections = {name: db[name] for name in collections}
        for collection in self._collections.values():
            _register(collection)
        self._publisher = publisher
        self._poll_interval_s = poll_interval_s
        self._claim_for = claim_for
        self._batch = batch
        self.owner = uuid.uuid4().hex
        self.failed_passes = 0
        self._topics: set[str] = set()
        self._wake = asyncio.Event()
        self._offsets: AIOKafkaConsumer | None = None
        self._offsets_started = asyncio.Lock()
        self._indexed = False

    def notify(self) -> None:
        """Tell a relay in the same process that something was written, to skip the poll wait."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            failures = 0
            while not stopping.is_set():
                # Cleared before the pass, so a write announced during it wakes the next one.
                self._wake.clear()
                try:
                    published = await self.publish_pending()
                except Exception:
                    failures += 1
                    self.failed_passes += 1
                    pause = min(0.5 * 2**failures, 30.0)
                    log.exception("outbox relay pass failed; retrying", retry_in_s=pause)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), pause)
                    continue
                failures = 0
                if published == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
        finally:
            await self.close()

    async def publish_pending(self, limit: int | None = None) -> int:
        """One pass over each collection (up to `limit` aggregates each); the number of events
        published."""
        if not self._indexed:
            for collection in self._collections.values():
                await OutboxCollection(collection).ensure_indexes()
            self._indexed = True
        published = 0
        for collection in self._collections.values():
            claimed = await self._claim(collection, limit or self._batch)
            if claimed:
                published += await self._publish(collection, claimed)
        return published

    async def _claim(
        self, collection: AsyncCollection[MongoDocument], limit: int
    ) -> list[MongoDocument]:
        """Claim up to `limit` of the oldest pending aggregates; their documents, as claimed."""
        now = datetime.now(UTC)
        free = {"$or": [{CLAIM_UNTIL: {"$exists": False}}, {CLAIM_UNTIL: {"$lt": now}}]}
        found = (
            await collection.find({PENDING_SINCE: {"$lte": now}, **free}, projection={"_id": 1})
            .sort(PENDING_SINCE, 1)
            .limit(limit)
            .to_list(None)
        )
        if not found:
            return []
        ids = [doc["_id"] for doc in found]
        token = f"{self.owner}:{uuid.uuid4().hex}"
        change: dict[str, Any] = {
            "$set": {CLAIM_OWNER: token, CLAIM_UNTIL: now + self._claim_for},
            "$inc": {CLAIMS: 1},
        }
        offsets = await self._end_offsets(self._topics)
        if offsets:
            change["$min"] = _offset_fields(offsets)
        with _guarded():
            await collection.update_many({"_id": {"$in": ids}, **free}, change)
        docs = await collection.find({"_id": {"$in": ids}, CLAIM_OWNER: token}).to_list(None)
        new_topics = {
            entry["topic"]
            for doc in docs
            for entry in doc.get(OUTBOX_FIELD) or []
            if entry["topic"] not in self._topics
        }
        if new_topics:
            # Noted before anything of these topics is produced, like the rest.
            self._topics |= new_topics
            more = await self._end_offsets(new_topics)
            with _guarded():
                await collection.update_many(
                    {"_id": {"$in": [doc["_id"] for doc in docs]}, CLAIM_OWNER: token},
                    {"$min": _offset_fields(more)},
                )
            for doc in docs:
                noted = doc.setdefault(CLAIM_OFFSETS, {})
                for key, offset in more.items():
                    noted[key] = min(noted.get(key, offset), offset)
        return docs

    async def _publish(
        self, collection: AsyncCollection[MongoDocument], docs: list[MongoDocument]
    ) -> int:
        published: list[str] = []
        sending: list[KafkaRecord] = []
        for doc in docs:
            claimed_before = int(doc.get(CLAIMS, 1)) > 1
            noted = doc.get(CLAIM_OFFSETS) or {}
            for entry in doc.get(OUTBOX_FIELD) or []:
                record = record_of(entry)
                if claimed_before and await self._already_published(record, noted):
                    published.append(record.event_id)
                else:
                    sending.append(record)
        producer = self._publisher.producer
        futures = []
        for record in sending:
            partition = await self._partition_for(record)
            futures.append(
                await producer.send(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    partition=partition,
                )
            )
        await asyncio.gather(*futures)
        published += [record.event_id for record in sending]
        await self._finish(collection, docs, published)
        return len(sending)

    async def _finish(
        self,
        collection: AsyncCollection[MongoDocument],
        docs: list[MongoDocument],
        published: list[str],
    ) -> None:
        """Remove what was published and release the claims, in one write per aggregate where
        nothing was added since the claim (its outbox still has the size it had: only a claim's
        holder removes entries); otherwise pull what was published (what was added since stays,
        never produced) and clear `outbox_since` where nothing is pending any more."""
        ids = [doc["_id"] for doc in docs]
        token = docs[0][CLAIM_OWNER]
        release = {CLAIM_OWNER: "", CLAIM_UNTIL: "", CLAIM_OFFSETS: "", CLAIMS: ""}
        by_size: dict[int, list[Any]] = {}
        for doc in docs:
            by_size.setdefault(len(doc.get(OUTBOX_FIELD) or []), []).append(doc["_id"])
        done = 0
        with _guarded():
            for size, same in by_size.items():
                unchanged = (
                    {OUTBOX_FIELD: {"$size": size}}
                    if size
                    else {f"{OUTBOX_FIELD}.0": {"$exists": False}}
                )
                result = await collection.update_many(
                    {"_id": {"$in": same}, CLAIM_OWNER: token, **unchanged},
                    {"$unset": {**release, OUTBOX_FIELD: "", PENDING_SINCE: ""}},
                )
                done += result.modified_count
            if done == len(ids):
                return
            rest = [
                doc["_id"]
                async for doc in collection.find(
                    {"_id": {"$in": ids}, CLAIM_OWNER: token}, projection={"_id": 1}
                )
            ]
            await collection.update_many(
                {"_id": {"$in": rest}, CLAIM_OWNER: token},
                {"$pull": {OUTBOX_FIELD: {"event_id": {"$in": published}}}, "$unset": release},
            )
            await collection.update_many(
                {"_id": {"$in": rest}, f"{OUTBOX_FIELD}.0": {"$exists": False}},
                {"$unset": {PENDING_SINCE: "", OUTBOX_FIELD: ""}},
            )

    async def _end_offsets(self, topics: set[str]) -> dict[tuple[str, int], int]:
        if not topics:
            return {}
        producer = self._publisher.producer
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in await producer.partitions_for(topic)
        ]
        ends = await (await self._offset_reader()).end_offsets(partitions)
        return {(tp.topic, tp.partition): int(offset) for tp, offset in ends.items()}

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

    async def _already_published(self, record: KafkaRecord, noted: Mapping[str, int]) -> bool:
        """Whether the event is on its partition at or after the offset a relay noted before it
        could have produced it (nothing noted for that partition: it was not produced)."""
        partition = await self._partition_for(record)
        start = noted.get(_offset_key(record.topic, partition))
        if start is None:
            return False
        tp = TopicPartition(record.topic, partition)
        consumer = self._scratch_consumer()
        await consumer.start()
        try:
            end = (await consumer.end_offsets([tp]))[tp]
            consumer.assign([tp])
            consumer.seek(tp, int(start))
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
        return create_consumer(self._publisher.settings, enable_auto_commit=False, group_id=None)


def _offset_key(topic: str, partition: int) -> str:
    # ":" is not allowed in Kafka topic names and "." would be read as a path by the server.
    return f"{topic.replace('.', ':')}:{partition}"


def _offset_fields(offsets: Mapping[tuple[str, int], int]) -> dict[str, int]:
    return {f"{CLAIM_OFFSETS}.{_offset_key(t, p)}": o for (t, p), o in offsets.items()}
