"""How fast the archive takes in events, beside what bare clients do with the same records.

    uv run python bench/archive_replay.py [--events 20000] [--partitions 6]

On the local servers (`make infra-up`): produces N contract events (registrations, decisions,
assignments of N/3 documents) to a fresh topic, then in the same run
1. the limit: a bare aiokafka consumer takes `getmany` batches and writes each with one
   `insert_many` of the records as the store keeps them (no chain, no projection),
2. archives them with the archive's own loop (chain + store + timeline/search projections) into
   a fresh Mongo-wire database, and once more with projections that do nothing (chain + store),
3. replays the projections from the store into a scratch database (`vanthu audit replay`'s
   path), beside a bare read of the store and an `insert_many` of one document per record,
4. verifies every chain (`vanthu audit verify`'s path), beside a bare read of the store,
and prints records/s for each, then `bench:` lines, the archive store's last. Not part of
`make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from aiokafka.admin import NewTopic  # noqa: E402
from harness.samples import sample_event  # noqa: E402
from harness.servers import choose_servers  # noqa: E402
from vanthu_archive.adapters.mongo_event_store import (  # noqa: E402
    COLLECTION,
    record_to_document,
)
from vanthu_archive.adapters.mongo_read_models import MongoReadModels  # noqa: E402
from vanthu_archive.bootstrap import build_archive  # noqa: E402
from vanthu_archive.config import ArchiveSettings  # noqa: E402
from vanthu_archive.consumers.event_store_loop import (  # noqa: E402
    EventStoreLoop,
    now_in_milliseconds,
    to_stored,
)
from vanthu_archive.domain.hashchain import ChainedRecord  # noqa: E402
from vanthu_archive.handlers import replay_projections, verify_archive  # noqa: E402
from vanthu_archive.ports import Projected  # noqa: E402
from vanthu_contracts import encode  # noqa: E402
from vanthu_runtime.kafka_clients import create_admin, create_consumer, create_producer  # noqa: E402
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client  # noqa: E402
from vanthu_runtime.mongo import create_mongo_client  # noqa: E402
from vanthu_runtime.settings import KafkaSettings, MongoSettings, S3Settings  # noqa: E402

STORY = (
    "vanthu.intake.document.received.v1",
    "vanthu.routing.decision.recorded.v1",
    "vanthu.routing.task.assigned.v1",
)


async def produce(bootstrap: str, topic: str, count: int) -> None:
    producer = create_producer(KafkaSettings(bootstrap_servers=bootstrap), linger_ms=10, acks="all")
    await producer.start()
    try:
        pending = []
        for n in range(count):
            if n % 3 == 0:
                document_id = str(uuid.uuid4())
            event = sample_event(STORY[n % 3], document_id=document_id)
            record = encode(event, source="/vanthu/bench")
            pending.append(
                await producer.send(
                    topic, value=record.value, key=record.key, headers=list(record.headers)
                )
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def bare_consume_and_insert(
    bootstrap: str, topic: str, count: int, collection: Any, batch: int
) -> float:
    """The limit: getmany batches, each written with one insert_many, nothing else."""
    consumer = create_consumer(
        KafkaSettings(bootstrap_servers=bootstrap),
        topic,
        group_id=f"bench-bare-{secrets.token_hex(4)}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        started: float | None = None
        seen = 0
        while seen < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=batch)
            if batches and started is None:
                started = time.perf_counter()
            arrived = now_in_milliseconds()
            documents = [
                record_to_document(ChainedRecord(to_stored(m, arrived), b"", b""))
                for messages in batches.values()
                for m in messages
            ]
            if documents:
                await collection.insert_many(documents, ordered=False)
                await consumer.commit()
            seen += len(documents)
        assert started is not None
        return time.perf_counter() - started
    finally:
        await consumer.stop()


class TimedLoop(EventStoreLoop):
    """The archive's loop, timed from its first batch (joining the group is not the archive's
    work, and the limit is timed the same way)."""

    first_batch_at: float | None = None

    async def _archive(self, batches: list[Any]) -> None:
        if self.first_batch_at is None:
            self.first_batch_at = time.perf_counter()
        await super()._archive(batches)


class NoProjections:
    async def apply(self, items: Sequence[Projected]) -> None:
        return


async def archive_all(loop: TimedLoop, events: int, what: str) -> float:
    task = asyncio.create_task(loop.run())
    reported = time.perf_counter()
    try:
        while loop.archived < events:
            await asyncio.sleep(0.05)
            if task.done():
                task.result()
            if time.perf_counter() - reported > 10:
                reported = time.perf_counter()
                print(f"  {what}: archived {loop.archived}", flush=True)
        assert loop.first_batch_at is not None
        return time.perf_counter() - loop.first_batch_at
    finally:
        task.cancel()
        await loop.stop()


async def bare_read_and_insert(source: Any, target: Any | None, batch: int) -> tuple[int, float]:
    """Every stored record read back in one cursor; with ``target``, one small document per
    record written back with an insert_many per batch (the least a replay writes)."""
    started = time.perf_counter()
    read = 0
    pending: list[dict[str, Any]] = []
    async for document in source.find({}, batch_size=2000):
        read += 1
        if target is not None:
            pending.append({"_id": document["_id"], "offset": document["offset"]})
            if len(pending) >= batch:
                await target.insert_many(pending, ordered=False)
                pending = []
    if target is not None and pending:
        await target.insert_many(pending, ordered=False)
    return read, time.perf_counter() - started


def bench_line(name: str, ours: float, limit: float) -> str:
    return f"bench: {name} ours={ours:.0f}records/s limit={limit:.0f}records/s ratio={ours / limit:.2f}"


async def run(events: int, partitions: int) -> None:
    settings = ArchiveSettings()
    with ExitStack() as stack:
        servers = choose_servers(stack)
        kafka = KafkaSettings(bootstrap_servers=servers.kafka_bootstrap)
        topic = f"bench.archive.{secrets.token_hex(4)}"
        admin = create_admin(kafka)
        await admin.start()
        await admin.create_topics([NewTopic(topic, partitions, 1)])
        database = f"bench_archive_{secrets.token_hex(4)}"
        databases = [database, f"{database}_limit", f"{database}_store", f"{database}_replay"]
        mongo = MongoSettings(uri=servers.mongo_uri, database=database)
        s3 = S3Settings(
            endpoint=servers.s3_endpoint,
            access_key=servers.s3_access_key,
            secret_key=servers.s3_secret_key,
            bucket=f"bench-{secrets.token_hex(4)}",
        )
        client = create_mongo_client(mongo)
        try:
            started = time.perf_counter()
            await produce(kafka.bootstrap_servers, topic, events)
            produce_s = time.perf_counter() - started
            print(f"  produced in {produce_s:.1f} s", flush=True)
            limit_s = await bare_consume_and_insert(
                kafka.bootstrap_servers,
                topic,
                events,
                client[f"{database}_limit"][COLLECTION],
                settings.consume_batch,
            )
            print(f"  bare consume + insert_many in {limit_s:.1f} s", flush=True)

            blobs = MinioBlobStore(create_minio_client(s3), s3.bucket)
            await blobs.ensure_bucket()
            archive = await build_archive(client[database], blobs, s3, settings)

            def loop_of(store: Any, projections: Any) -> TimedLoop:
                return TimedLoop(
                    settings=kafka,
                    group_id=f"bench-archive-{secrets.token_hex(4)}",
                    topics=[topic],
                    store=store,
                    projections=projections,
                    texts=None,
                    max_batch=settings.consume_batch,
                )

            archive_s = await archive_all(
                loop_of(archive.store, archive.read_models), events, "chain+store+projections"
            )
            print(f"  archived in {archive_s:.1f} s", flush=True)
            store_only = await build_archive(client[f"{database}_store"], blobs, s3, settings)
            store_s = await archive_all(
                loop_of(store_only.store, NoProjections()), events, "chain+store"
            )

            scratch = client[f"{database}_replay"]
            models = MongoReadModels(scratch)
            await models.ensure_indexes()
            started = time.perf_counter()
            read, used = await replay_projections(archive.store, models, None, datetime.now(UTC))
            replay_s = time.perf_counter() - started
            events_collection = client[database][COLLECTION]
            _, bare_read_s = await bare_read_and_insert(events_collection, None, 1000)
            _, bare_copy_s = await bare_read_and_insert(
                events_collection, scratch["bench_copy"], 1000
            )

            started = time.perf_counter()
            report = await verify_archive(archive.store, None)
            verify_s = time.perf_counter() - started
        finally:
            for name in databases:
                await client.drop_database(name)
            await client.close()
            await admin.delete_topics([topic])
            await admin.close()

    verified = report.records_checked
    print(f"events: {events} on {partitions} partitions ({servers.origin} servers)")
    print(f"produce                              {events / produce_s:10.0f} records/s")
    print(f"bare consume + insert_many (limit)   {events / limit_s:10.0f} records/s")
    print(f"archive: chain+store+projections     {events / archive_s:10.0f} records/s")
    print(f"archive: chain+store only            {events / store_s:10.0f} records/s")
    print(
        f"replay from the store                {read / replay_s:10.0f} records/s ({used} projected)"
    )
    print(f"bare read + insert_many of the store {read / bare_copy_s:10.0f} records/s")
    print(
        f"verify chains                        {verified / verify_s:10.0f} records/s (intact={report.intact})"
    )
    print(f"bare read of the store               {read / bare_read_s:10.0f} records/s")
    print(bench_line("archive_verify", verified / verify_s, read / bare_read_s))
    print(bench_line("archive_replay", read / replay_s, read / bare_copy_s))
    print(bench_line("archive_chain_store", events / store_s, events / limit_s))
    print(bench_line("archive_store", events / archive_s, events / limit_s))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(run(args.events, args.partitions))


if __name__ == "__main__":
    main()
