"""Transactional outbox without transactions: the event rides in the aggregate's own document write.

A handler that changes an aggregate and must publish an event writes both in ONE update:

    await documents.update_one(
        {"_id": doc_id}, {"$set": {...state...}, "$push": {"outbox": outbox_entry(record)}}
    )

and announces the aggregate to the relay with `outbox_write`, around that write:

    async with outbox_write(db, "documents", doc_id):
        await documents.update_one(...)

`OutboxRelay` (run by the worker) publishes pending entries in order and removes them. So that a
crash at any moment neither loses nor doubles an event on the topic, the relay notes, before it
produces, the partition and its end offset in `outbox_attempts.<event id>`. If it finds such a note
for an entry still pending (it died between producing and removing), it reads that partition from
the noted offset and publishes only if the event is not already there.

Finding the aggregates with pending entries must not scan: FerretDB v1 answers any filter but `_id`
by reading every document (3.5 s for 5,000 documents), and a relay polls several times a second.
So each write that adds entries leaves a marker in `outbox_pending` (`_id` = collection|aggregate id)
before and after it, and the relay reads that small collection. The marker before the write survives
a writer that dies after writing; the marker after it re-announces an aggregate whose marker the
relay removed between the two. A slow sweep of the collections (at start, then every few minutes)
catches writes that were never announced (a writer that died between its write and the second
marker while the relay was clearing the first, or code that writes without `outbox_write`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from bson import Binary
from pymongo import DeleteOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord

from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.mongo import MongoDocument, insert_new

log = structlog.get_logger(__name__)

OUTBOX_FIELD = "outbox"
_partitioner = DefaultPartitioner()


def outbox_entry(record: KafkaRecord) -> dict[str, Any]:
    """The sub-document to `$push` into the aggregate's `outbox` array in the state-changing write."""
    return {
        "event_id": record.event_id,
        "topic": record.topic,
        "key": Binary(record.key),
        "value": Binary(record.value),
        # FerretDB v1 stores no nested arrays, so each header is a small document.
        "headers": [{"name": name, "value": Binary(value)} for name, value in record.headers],
        "created_at": datetime.now(UTC),
    }


def _record_of(entry: MongoDocument) -> KafkaRecord:
    return KafkaRecord(
        topic=entry["topic"],
        key=bytes(entry["key"]),
        value=bytes(entry["value"]),
        headers=tuple((h["name"], bytes(h["value"])) for h in entry["headers"]),
    )


LEASES = "outbox_leases"
TAKEOVERS = "outbox_lease_takeovers"


async def take_lease(
    db: AsyncDatabase[MongoDocument],
    collection: str,
    doc_id: Any,
    owner: str,
    ttl: timedelta,
) -> bool:
    """Hold one aggregate against relays and other writers; False when someone else holds it.

    The lease is a document of its own, taken by inserting it under a unique `_id`: on FerretDB v1
    (SQLite) conditional updates are not atomic (two writers of one document can both "match" and
    one write is lost), unique inserts are. A writer that adds to an aggregate's outbox while a
    relay removes from it must hold the lease, or one of the two writes can be lost there.
    An expired lease (its holder died) is taken over.
    """
    leases = db[LEASES]
    key = f"{collection}|{doc_id}"
    now = datetime.now(UTC)
    lease = {"_id": key, "owner": owner, "until": now + ttl}
    try:
        await leases.insert_one(lease)
    except DuplicateKeyError:
        held = await leases.find_one({"_id": key})
        if held is not None and held["until"] >= now:
            return False
        if held is not None and not await take_over_lease(db, held):
            return False
        try:
            await leases.insert_one(lease)
        except DuplicateKeyError:
            return False
    return True


async def take_over_lease(db: AsyncDatabase[MongoDocument], held: MongoDocument) -> bool:
    """Remove a lease whose holder is gone; True for the one caller allowed to.

    Two relays that both see the same dead holder must not both remove its lease: on FerretDB v1 a
    `delete_one({_id, owner})` reads, then deletes by `_id`, so the slower one removed the lease
    the faster one had just taken, and both published the aggregate (seen in routing's reliability
    test). The right to remove is claimed first, by a unique insert keyed by the lease as seen."""
    claim = f"takeover|{held['_id']}|{held['owner']}|{held['until'].isoformat()}"
    try:
        await db[TAKEOVERS].insert_one({"_id": claim, "at": datetime.now(UTC)})
    except DuplicateKeyError:
        return False
    await db[LEASES].delete_one({"_id": held["_id"], "owner": held["owner"]})
    return True


async def release_lease(
    db: AsyncDatabase[MongoDocument], collection: str, doc_id: Any, owner: str
) -> None:
    await db[LEASES].delete_one({"_id": f"{collection}|{doc_id}", "owner": owner})


@contextlib.asynccontextmanager
async def holding_lease(
    db: AsyncDatabase[MongoDocument],
    collection: str,
    doc_id: Any,
    *,
    ttl: timedelta = timedelta(seconds=10),
    attempts: int = 50,
) -> AsyncIterator[None]:
    """Hold an aggregate's lease around a write, waiting for it (with backoff) while a relay or
    another writer has it. Any update of a document whose outbox a relay may be emptying needs
    it: FerretDB v1 applies two concurrent updates of one document as read-modify-writes, and one
    is lost (a voided registration went back to "registered" when the relay removed its
    published entry in the same moment)."""
    owner = uuid.uuid4().hex
    for attempt in range(attempts):
        if await take_lease(db, collection, doc_id, owner, ttl):
            break
        await asyncio.sleep(min(0.01 * 2**attempt, 0.5))
    else:
        raise TimeoutError(f"{collection} {doc_id} stayed busy")
    try:
        yield
    finally:
        await release_lease(db, collection, doc_id, owner)


async def take_leases(
    db: AsyncDatabase[MongoDocument],
    collection: str,
    doc_ids: Sequence[Any],
    owner: str,
    ttl: timedelta,
) -> list[Any]:
    """`take_lease` for many aggregates with one insert; returns the ids now held, in order.

    The others are held by someone alive. A caller that needs them all takes what it gets, does
    its work, releases, and asks again for the rest: waiting while holding some could deadlock two
    writers that each hold what the other wants."""
    if not doc_ids:
        return []
    leases = db[LEASES]
    now = datetime.now(UTC)
    keys = [f"{collection}|{doc_id}" for doc_id in doc_ids]
    rows = [{"_id": key, "owner": owner, "until": now + ttl} for key in keys]
    clashed = await insert_new(leases, rows)
    for index in sorted(clashed):
        held = await leases.find_one({"_id": keys[index]})
        if held is not None and held["until"] >= now:
            continue
        if held is not None and not await take_over_lease(db, held):
            continue
        try:
            await leases.insert_one(rows[index])
        except DuplicateKeyError:
            continue
        clashed.discard(index)
    return [doc_id for index, doc_id in enumerate(doc_ids) if index not in clashed]


async def release_leases(
    db: AsyncDatabase[MongoDocument], collection: str, doc_ids: Sequence[Any], owner: str
) -> None:
    operations = [
        DeleteOne({"_id": f"{collection}|{doc_id}", "owner": owner}) for doc_id in doc_ids
    ]
    # FerretDB v1 never answered a bulk of 100 operations or more.
    for start in range(0, len(operations), 50):
        await db[LEASES].bulk_write(operations[start : start + 50], ordered=False)


PENDING = "outbox_pending"


def _pending_key(collection: str, doc_id: Any) -> str:
    return f"{collection}|{doc_id}"


async def _mark_pending(db: AsyncDatabase[MongoDocument], collection: str, doc_id: Any) -> None:
    marker = {
        "_id": _pending_key(collection, doc_id),
        "collection": collection,
        "doc_id": doc_id,
        "since": datetime.now(UTC),
    }
    with contextlib.suppress(DuplicateKeyError):
        await db[PENDING].insert_one(marker)


@contextlib.asynccontextmanager
async def outbox_write(
    db: AsyncDatabase[MongoDocument], collection: str, doc_id: Any
) -> AsyncIterator[None]:
    """Wrap every write that adds entries to an aggregate's outbox, so the relay finds it without
    scanning the collection (see the module's docstring for why a marker on each side)."""
    await _mark_pending(db, collection, doc_id)
    yield
    await _mark_pending(db, collection, doc_id)


class OutboxRelay:
    """Publishes the outbox entries of the given collections, oldest aggregate write first."""

    def __init__(
        self,
        db: AsyncDatabase[MongoDocument],
        collections: Sequence[str],
        publisher: KafkaEventPublisher,
        *,
        poll_interval_s: float = 0.2,
        lease: timedelta = timedelta(seconds=30),
        sweep_interval_s: float = 300.0,
        orphan_marker_after: timedelta = timedelta(minutes=2),
        concurrency: int = 8,
    ) -> None:
        self._collections = {name: db[name] for name in collections}
        self._concurrency = concurrency
        self._offsets_started = asyncio.Lock()
        self._pending = db[PENDING]
        self._sweep_interval_s = sweep_interval_s
        self._next_sweep = 0.0
        self._orphan_marker_after = orphan_marker_after
        self._db = db
        self._publisher = publisher
        self._poll_interval_s = poll_interval_s
        self._lease = lease
        self._owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._offsets: AIOKafkaConsumer | None = None

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

    async def publish_pending(self, limit: int = 100) -> int:
        """One pass over the announced aggregates (and a sweep when one is due); the number of
        events published."""
        if time.monotonic() >= self._next_sweep:
            await self._sweep()
            self._next_sweep = time.monotonic() + self._sweep_interval_s
        # A bounded, fully read batch: an open cursor holds one of FerretDB's SQLite connections
        # until it times out, and enough of them starve every writer.
        markers = (
            await self._pending.find({"collection": {"$in": list(self._collections)}})
            .sort("since", 1)
            .limit(limit)
            .to_list(None)
        )
        # Aggregates are independent (each under its own lease, its entries in order), so a few
        # are published at once: one at a time, the round trips of each (lease, read, note,
        # produce, remove) capped a relay at a few dozen events a second.
        gate = asyncio.Semaphore(self._concurrency)

        async def one(marker: MongoDocument) -> int:
            async with gate:
                return await self._publish_aggregate(marker)

        results = await asyncio.gather(*(one(m) for m in markers), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(r for r in results if isinstance(r, int))

    async def _sweep(self) -> None:
        """Announce every aggregate that has entries, found the slow way (a full scan)."""
        for name, collection in self._collections.items():
            found = (
                await collection.find(
                    {f"{OUTBOX_FIELD}.0": {"$exists": True}}, projection={"_id": 1}
                )
                .limit(10_000)
                .to_list(None)
            )
            for doc in found:
                await _mark_pending(self._db, name, doc["_id"])
            if found:
                log.info(
                    "outbox sweep found unannounced aggregates", collection=name, count=len(found)
                )

    async def _publish_aggregate(self, marker: MongoDocument) -> int:
        """Publish one aggregate's entries under its lease, so two relays never publish the same
        entry (`take_lease`: findAndModify is not atomic on FerretDB v1, and two relays racing for
        the same aggregate both won it and published its entries twice)."""
        name, doc_id = marker["collection"], marker["doc_id"]
        collection = self._collections[name]
        if not await self._take(name, doc_id):
            return 0
        published = 0
        try:
            doc = await collection.find_one({"_id": doc_id})
            if doc is None:
                # Its writer died before writing, or the write failed: drop the marker once no
                # writer can still be on its way.
                since = marker["since"].replace(tzinfo=UTC)
                if datetime.now(UTC) - since > self._orphan_marker_after:
                    await self._pending.delete_one({"_id": marker["_id"]})
                return 0
            for entry in doc.get(OUTBOX_FIELD) or []:
                published += await self._deliver(collection, doc, entry)
            # Remove the marker first, then look again: an entry added in between is announced
            # again here, or by its writer's second marker.
            await self._pending.delete_one({"_id": marker["_id"]})
            again = await collection.find_one({"_id": doc_id}, projection={OUTBOX_FIELD: 1})
            if again is not None and again.get(OUTBOX_FIELD):
                await _mark_pending(self._db, name, doc_id)
        finally:
            await self._release(name, doc_id)
        return published

    async def _take(self, collection: str, doc_id: Any) -> bool:
        """Lease one aggregate for this pass; a subclass may also take over a dead holder's."""
        return await take_lease(self._db, collection, doc_id, self._owner, self._lease)

    async def _release(self, collection: str, doc_id: Any) -> None:
        await release_lease(self._db, collection, doc_id, self._owner)

    async def _deliver(
        self, collection: AsyncCollection[MongoDocument], doc: MongoDocument, entry: MongoDocument
    ) -> int:
        record = _record_of(entry)
        attempt = (doc.get("outbox_attempts") or {}).get(record.event_id)
        published = 0
        if attempt is None or not await self._already_published(record, attempt):
            partition = await self._partition_for(record)
            start = await self._end_offset(record.topic, partition)
            await collection.update_one(
                {"_id": doc["_id"]},
                {
                    "$set": {
                        f"outbox_attempts.{record.event_id}": {
                            "partition": partition,
                            "from_offset": start,
                        }
                    }
                },
            )
            await self._publisher.producer.send_and_wait(
                record.topic,
                value=record.value,
                key=record.key,
                headers=list(record.headers),
                partition=partition,
            )
            published = 1
        # Entries leave from the front, in order. ($pop rather than $pull: FerretDB v1's $pull
        # compares whole elements instead of matching a condition.) The filter is the `_id` alone:
        # FerretDB v1 uses its index only then, and any other condition reads every document. The
        # lease already guarantees that this entry is still the first.
        await collection.update_one(
            {"_id": doc["_id"]},
            {"$pop": {OUTBOX_FIELD: -1}, "$unset": {f"outbox_attempts.{record.event_id}": ""}},
        )
        return published

    async def _partition_for(self, record: KafkaRecord) -> int:
        producer = self._publisher.producer
        partitions = sorted(await producer.partitions_for(record.topic))
        return int(_partitioner(record.key, partitions, partitions))

    async def _end_offset(self, topic: str, partition: int) -> int:
        tp = TopicPartition(topic, partition)
        return int((await (await self._offset_reader()).end_offsets([tp]))[tp])

    async def _offset_reader(self) -> AIOKafkaConsumer:
        """One consumer for the relay's life (starting one per event cost ~100 ms each), started
        once however many aggregates ask at the same moment."""
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
                    if (("ce_id", wanted)) in list(message.headers or ()):
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
