"""The runtime's outbox relay, with relays that prove they are alive, so that the lease of a
relay that died mid-pass is taken over within seconds instead of after the lease's 30 s.

Each relay writes a heartbeat (`outbox_relay_heartbeats`, `_id` = its owner id, written only by
that relay) every `heartbeat_s`. When an aggregate with pending events is leased by an owner whose
heartbeat is older than `stale_after`, the lease is removed (by owner, so a newer holder's lease
is never touched) and taken by the usual unique insert (ADR 0025). A live relay keeps beating
while it waits on a slow broker, so it is never taken over for being slow, only for being gone;
a lease without any heartbeat (an API process's short write lease) expires as before.

It also publishes an aggregate's pending entries as one batch (ADR 0026): one note of every
entry's partition and start offset, the records sent in order and awaited together, one write
removing them all; three events of a direction cost two writes instead of six. An aggregate
with an earlier attempt note (a relay died mid-publish) goes entry by entry through the runtime's
checked path, which looks on the partition before publishing again.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import TopicPartition
from pymongo.asynchronous.collection import AsyncCollection
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import (
    LEASES,
    OUTBOX_FIELD,
    OutboxRelay,
    _record_of,
    take_lease,
    take_over_lease,
)

log = structlog.get_logger(__name__)

HEARTBEATS = "outbox_relay_heartbeats"


class HeartbeatOutboxRelay(OutboxRelay):
    def __init__(
        self,
        *args: Any,
        heartbeat_s: float = 1.0,
        stale_after: timedelta = timedelta(seconds=10),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._heartbeat_s = heartbeat_s
        self._stale_after = stale_after

    @property
    def owner(self) -> str:
        return self._owner

    async def run(self, stopping: asyncio.Event) -> None:
        await self.prove_alive()
        beating = asyncio.create_task(self._beat(stopping))
        try:
            await super().run(stopping)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating

    async def prove_alive(self) -> None:
        await self._db[HEARTBEATS].update_one(
            {"_id": self._owner}, {"$set": {"at": datetime.now(UTC)}}, upsert=True
        )

    async def _beat(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._heartbeat_s)
            try:
                await self.prove_alive()
            except Exception:  # noqa: BLE001 - a missed beat is retried; the relay goes on
                log.warning("relay heartbeat failed", owner=self._owner)

    async def _take(self, collection: str, doc_id: Any) -> bool:
        if await take_lease(self._db, collection, doc_id, self._owner, self._lease):
            return True
        if not await self.release_if_holder_gone(collection, doc_id):
            return False
        return await take_lease(self._db, collection, doc_id, self._owner, self._lease)

    async def release_if_holder_gone(self, collection: str, doc_id: Any) -> bool:
        """Remove the aggregate's lease when its holder is a relay that stopped beating."""
        key = f"{collection}|{doc_id}"
        lease = await self._db[LEASES].find_one({"_id": key})
        if lease is None:
            return True
        beat = await self._db[HEARTBEATS].find_one({"_id": lease["owner"]})
        if beat is None or beat["at"] >= datetime.now(UTC) - self._stale_after:
            return False
        if not await take_over_lease(self._db, lease):
            return False
        log.warning("took over the lease of a relay that stopped", key=key, dead=lease["owner"])
        return True

    async def _deliver(
        self, collection: AsyncCollection[MongoDocument], doc: MongoDocument, entry: MongoDocument
    ) -> int:
        """Called by the runtime for each entry in order; the first call publishes them all."""
        entries = doc.get(OUTBOX_FIELD) or []
        if doc.get("outbox_attempts"):
            return await super()._deliver(collection, doc, entry)
        if not entries or entry is not entries[0]:
            return 0
        return await self._deliver_batch(collection, doc, entries)

    async def _deliver_batch(
        self,
        collection: AsyncCollection[MongoDocument],
        doc: MongoDocument,
        entries: list[MongoDocument],
    ) -> int:
        records = [_record_of(e) for e in entries]
        partitions = [await self._partition_for(r) for r in records]
        tps = sorted({TopicPartition(r.topic, p) for r, p in zip(records, partitions, strict=True)})
        ends = await (await self._offset_reader()).end_offsets(tps)
        notes = {
            f"outbox_attempts.{r.event_id}": {
                "partition": p,
                "from_offset": int(ends[TopicPartition(r.topic, p)]),
            }
            for r, p in zip(records, partitions, strict=True)
        }
        await collection.update_one({"_id": doc["_id"]}, {"$set": notes})
        if not await self._still_holding(collection.name, doc["_id"]):
            # Taken over while we were slow (a stalled heartbeat looked like death): send nothing;
            # the new holder reads our notes and publishes what is not on the partition.
            log.warning("lease lost before publishing; leaving it to its new holder", id=doc["_id"])
            return 0
        producer = self._publisher.producer
        # `send` queues in call order (one partition keeps it); the acks are awaited together.
        sent = [
            await producer.send(
                r.topic, value=r.value, key=r.key, headers=list(r.headers), partition=p
            )
            for r, p in zip(records, partitions, strict=True)
        ]
        await asyncio.gather(*sent)
        unset = {f"outbox_attempts.{r.event_id}": "" for r in records}
        # Writers hold the aggregate's lease too, so nothing should have been added since we
        # read it; entries beyond those we sent are kept all the same. A filter of `_id` alone:
        # FerretDB v1 reads every document of the collection for any other filter.
        now = await collection.find_one({"_id": doc["_id"]}, projection={OUTBOX_FIELD: 1})
        current = (now or {}).get(OUTBOX_FIELD) or []
        sent_ids = {r.event_id for r in records}
        remaining = [e for e in current if e["event_id"] not in sent_ids]
        await collection.update_one(
            {"_id": doc["_id"]}, {"$set": {OUTBOX_FIELD: remaining}, "$unset": unset}
        )
        return len(records)

    async def _still_holding(self, collection: str, doc_id: Any) -> bool:
        lease = await self._db[LEASES].find_one({"_id": f"{collection}|{doc_id}"})
        return lease is not None and lease["owner"] == self._owner
