"""How fast the archive takes in events, beside a bare aiokafka consume of the same events.

    uv run python bench/archive_replay.py [--events 5000] [--partitions 6]

On the local servers (`make infra-up`): produces N contract events (registrations, decisions,
assignments of N/3 documents) to a fresh topic, then in the same run
1. consumes them with a bare aiokafka consumer (nothing done per record),
2. archives them with the archive's own loop (chain + store + timeline/search projections) into
   a fresh Mongo-wire database,
3. replays the projections from the store into a scratch database (`vanthu audit replay`'s path),
4. verifies every chain (`vanthu audit verify`'s path),
and prints records/s for each. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402
from harness.samples import sample_event  # noqa: E402
from harness.servers import choose_servers  # noqa: E402
from vanthu_archive.adapters.mongo_read_models import MongoReadModels  # noqa: E402
from vanthu_archive.bootstrap import build_archive  # noqa: E402
from vanthu_archive.config import ArchiveSettings  # noqa: E402
from vanthu_archive.consumers.event_store_loop import EventStoreLoop  # noqa: E402
from vanthu_archive.handlers import replay_projections, verify_archive  # noqa: E402
from vanthu_contracts import encode  # noqa: E402
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client  # noqa: E402
from vanthu_runtime.mongo import create_mongo_client  # noqa: E402
from vanthu_runtime.settings import KafkaSettings, MongoSettings, S3Settings  # noqa: E402

STORY = (
    "vanthu.intake.document.received.v1",
    "vanthu.routing.decision.recorded.v1",
    "vanthu.routing.task.assigned.v1",
)


async def produce(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10, acks="all")
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


async def bare_consume(bootstrap: str, topic: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-{secrets.token_hex(4)}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        started = time.perf_counter()
        seen = 0
        while seen < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            seen += sum(len(messages) for messages in batches.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def run(events: int, partitions: int) -> None:
    with ExitStack() as stack:
        servers = choose_servers(stack)
        kafka = KafkaSettings(bootstrap_servers=servers.kafka_bootstrap)
        topic = f"bench.archive.{secrets.token_hex(4)}"
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
        await admin.start()
        await admin.create_topics([NewTopic(topic, partitions, 1)])
        database = f"bench_archive_{secrets.token_hex(4)}"
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
            bare_s = await bare_consume(kafka.bootstrap_servers, topic, events)
            print(f"  bare consume in {bare_s:.1f} s", flush=True)

            blobs = MinioBlobStore(create_minio_client(s3), s3.bucket)
            await blobs.ensure_bucket()
            archive = await build_archive(client[database], blobs, s3, ArchiveSettings())
            loop = EventStoreLoop(
                settings=kafka,
                group_id=f"bench-archive-{secrets.token_hex(4)}",
                topics=[topic],
                store=archive.store,
                projections=archive.read_models,
                texts=None,
            )
            started = time.perf_counter()
            task = asyncio.create_task(loop.run())
            reported = time.perf_counter()
            while loop.archived < events:
                await asyncio.sleep(0.05)
                if task.done():
                    task.result()
                if time.perf_counter() - reported > 5:
                    reported = time.perf_counter()
                    print(f"  archived {loop.archived}", flush=True)
            archive_s = time.perf_counter() - started
            task.cancel()
            await loop.stop()

            scratch = client[f"{database}_replay"]
            models = MongoReadModels(scratch)
            await models.ensure_indexes()
            started = time.perf_counter()
            read, used = await replay_projections(archive.store, models, None, datetime.now(UTC))
            replay_s = time.perf_counter() - started

            started = time.perf_counter()
            report = await verify_archive(archive.store, None)
            verify_s = time.perf_counter() - started
        finally:
            await client.drop_database(database)
            await client.drop_database(f"{database}_replay")
            await client.close()
            await admin.delete_topics([topic])
            await admin.close()

    print(f"events: {events} on {partitions} partitions ({servers.origin} servers)")
    print(f"produce                 {events / produce_s:10.0f} records/s")
    print(f"bare aiokafka consume   {events / bare_s:10.0f} records/s")
    print(f"archive (chain+store+projections) {events / archive_s:10.0f} records/s")
    print(f"replay from the store   {read / replay_s:10.0f} records/s ({used} projected)")
    print(
        f"verify chains           {report.records_checked / verify_s:10.0f} records/s "
        f"(intact={report.intact})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(run(args.events, args.partitions))


if __name__ == "__main__":
    main()
