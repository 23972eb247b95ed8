"""Routing's pipeline, document.received → case → direction → task.assigned, on the real servers.

    uv run python bench/routing_flow.py [--documents 2000] [--rate 20] [--seconds 15]

In this process: routing's real consume loop on `document.received` (a fresh consumer group), its
handlers on a fresh Mongo-wire database, and the runtime's outbox relay publishing to Kafka. Each
consumed batch of documents is opened together, and a leader who never sleeps directs every new
case at once (the way directions arrive through the API, concurrently), so the figure is the
machinery's cost: consume, open the cases, direct each (a read and one `findAndModify` carrying
state and events), relay (claim, note, produce with acks=all, remove).

Prints, in the same run on the same broker:
  1. cases/s through direction → assignment for a burst of N documents, beside the limit: a bare
     aiokafka consume (getmany) → produce loop moving the same N records between two scratch
     topics, its sends pipelined (no await per record, linger, acks=all), committing per batch;
  2. latency p50/p99 from publishing document.received to reading task.assigned, under a steady
     load of --rate documents per second for --seconds.
Ends with the two `bench:` lines, the throughput line last.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402
from aiokafka.admin import NewTopic  # noqa: E402
from harness.kafka_reads import topic_partitions  # noqa: E402
from harness.samples import sample_event  # noqa: E402
from harness.servers import choose_servers  # noqa: E402
from vanthu_contracts import DecodedEvent, DocumentReceived, KafkaRecord, encode  # noqa: E402
from vanthu_contracts.events.intake import DOCUMENT_RECEIVED_TOPIC  # noqa: E402
from vanthu_contracts.events.values import Channel, Confidentiality  # noqa: E402
from vanthu_routing.bootstrap import OUTBOX_COLLECTIONS, build_handlers  # noqa: E402
from vanthu_routing.config import RoutingSettings  # noqa: E402
from vanthu_routing.consumers.document_received import (  # noqa: E402
    open_cases,
    open_cases_in_batches,
)
from vanthu_routing.domain.case import case_id_for  # noqa: E402
from vanthu_routing.domain.decision import Entry  # noqa: E402
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole  # noqa: E402
from vanthu_routing.handlers import Caller  # noqa: E402
from vanthu_routing.ports import DirectoryUser  # noqa: E402
from vanthu_runtime.idempotency import ProcessedEvents  # noqa: E402
from vanthu_runtime.kafka_clients import create_admin, create_consumer, create_producer  # noqa: E402
from vanthu_runtime.kafka_consumer import ConsumeLoop  # noqa: E402
from vanthu_runtime.kafka_producer import KafkaEventPublisher  # noqa: E402
from vanthu_runtime.kafka_topics import ensure_topics  # noqa: E402
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client  # noqa: E402
from vanthu_runtime.mongo import create_mongo_client  # noqa: E402
from vanthu_runtime.outbox import OutboxRelay  # noqa: E402
from vanthu_runtime.settings import KafkaSettings, MongoSettings, S3Settings  # noqa: E402

TASK_ASSIGNED_TYPE = b"vanthu.routing.task.assigned.v1"
TARGET_MS = 100


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def at_end(consumer: AIOKafkaConsumer, topic: str) -> None:
    tps = await topic_partitions(consumer, topic)
    consumer.assign(tps)
    await consumer.seek_to_end(*tps)
    for tp in tps:
        await consumer.position(tp)


async def until_assigned(has_partitions: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.perf_counter() + timeout_s
    while not has_partitions():
        if time.perf_counter() > deadline:
            raise TimeoutError("the consumer group never got its partitions")
        await asyncio.sleep(0.05)


async def produce_all(producer: AIOKafkaProducer, records: Sequence[KafkaRecord]) -> None:
    """Queue every record without awaiting each, then wait for the acks together."""
    sent = [
        await producer.send(r.topic, value=r.value, key=r.key, headers=list(r.headers))
        for r in records
    ]
    await asyncio.gather(*sent)


class RoutingPipeline:
    """Routing's consume loop, handlers and relay, in this process, for one bench agency."""

    def __init__(self, kafka: KafkaSettings, mongo: MongoSettings, s3: S3Settings) -> None:
        self.kafka, self.mongo, self.s3 = kafka, mongo, s3
        self.agency = f"{secrets.randbelow(1000):03d}.00.00.H{secrets.randbelow(100):02d}"
        self.published_at: dict[bytes, float] = {}
        self.assigned_at: dict[bytes, float] = {}

    async def start(self) -> None:
        suffix = secrets.token_hex(4)
        self.database = f"bench_routing_{suffix}"
        self.client = create_mongo_client(self.mongo.model_copy(update={"database": self.database}))
        db = self.client[self.database]
        blobs = MinioBlobStore(create_minio_client(self.s3), self.s3.bucket)
        await blobs.ensure_bucket()
        self.publisher = KafkaEventPublisher(self.kafka, source="/vanthu/routing")
        await self.publisher.start()
        self.relay = OutboxRelay(db, OUTBOX_COLLECTIONS, self.publisher, poll_interval_s=0.05)
        settings = RoutingSettings(served_agencies=[self.agency])
        self.handlers = await build_handlers(db, blobs, settings, notify=self.relay.notify)
        admin = Caller("admin", self.agency, "Quản trị", frozenset({"administrator"}))
        await self.handlers.save_user(
            admin, DirectoryUser(self.agency, "director", "Giám đốc", roles=("leader",))
        )
        await self.handlers.save_routing_rules(
            admin, {"default": {"leader_user_id": "director", "lead_unit_id": "unit-bench"}}
        )
        self.director = Caller("director", self.agency, "Giám đốc", frozenset({"leader"}))
        group = f"bench-routing-{suffix}"
        opening = open_cases_in_batches(self.handlers)

        async def open_and_direct(batch: Sequence[DecodedEvent]) -> None:
            await opening(batch)
            await asyncio.gather(*(self._direct(d) for d in batch))

        self.loop = ConsumeLoop(
            settings=self.kafka.model_copy(update={"new_group_start": datetime.now(UTC)}),
            group_id=group,
            topics=[DOCUMENT_RECEIVED_TOPIC],
            handler=open_cases(self.handlers),
            batch_handler=open_and_direct,
            publisher=self.publisher,
            processed=ProcessedEvents(db, group),
        )
        self.reader = create_consumer(self.kafka)
        await self.reader.start()
        await at_end(self.reader, "task.assigned")
        self.stopping = asyncio.Event()
        self.tasks = [
            asyncio.create_task(self.loop.run()),
            asyncio.create_task(self.relay.run(self.stopping)),
            asyncio.create_task(self._read_tasks()),
        ]
        await until_assigned(lambda: self.loop.assigned)

    async def _direct(self, decoded: DecodedEvent) -> None:
        event = decoded.event
        if not isinstance(event, DocumentReceived) or event.agency_code != self.agency:
            return
        now = datetime.now(UTC)
        entry = Entry(f"bench-{event.document_id}", self.director.actor, now, "Giao chủ trì")
        lead = Assignment(
            Assignee.unit("unit-bench"), TaskRole.LEAD, (now + timedelta(days=30)).date()
        )
        await self.handlers.change_case(
            self.director,
            case_id_for(self.agency, event.document_id),
            lambda c, _: c.direct(entry, [lead]),
            correlation_id=decoded.envelope.correlationid,
        )

    async def _read_tasks(self) -> None:
        # Headers only: decoding every payload here would take the CPU the pipeline runs on.
        agency = self.agency.encode()
        while True:
            batches = await self.reader.getmany(timeout_ms=100)
            now = time.perf_counter()
            for messages in batches.values():
                for message in messages:
                    headers = dict(message.headers or ())
                    if headers.get("ce_type") == TASK_ASSIGNED_TYPE and (
                        headers.get("ce_agencycode") == agency
                    ):
                        self.assigned_at.setdefault(message.key or b"", now)

    def documents(self, count: int) -> list[KafkaRecord]:
        return [
            encode(
                sample_event(
                    DocumentReceived.event_type,
                    agency_code=self.agency,
                    channel=Channel.PAPER,
                    exchange=None,
                    confidentiality=Confidentiality.NORMAL,
                    readers=(),
                ),
                source="/vanthu/intake",
            )
            for _ in range(count)
        ]

    async def publish_burst(self, records: Sequence[KafkaRecord]) -> None:
        now = time.perf_counter()
        self.published_at.update((r.key, now) for r in records)
        await produce_all(self.publisher.producer, records)

    async def publish_steady(self, records: Sequence[KafkaRecord], rate: float) -> None:
        started = time.perf_counter()
        for i, record in enumerate(records):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.published_at[record.key] = time.perf_counter()
            await self.publisher.publish_record(record)

    async def wait_all(self, timeout_s: float = 600) -> None:
        deadline = time.perf_counter() + timeout_s
        while set(self.published_at) - set(self.assigned_at):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{len(self.assigned_at)}/{len(self.published_at)} assigned")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self.stopping.set()
        await self.loop.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.reader.stop()
        await self.publisher.stop()
        await self.client.drop_database(self.database)
        await self.client.close()


async def bare_consume_produce(kafka: KafkaSettings, records: Sequence[KafkaRecord]) -> float:
    """Records/s of a bare aiokafka loop moving these records from one topic to another: getmany,
    every send queued without awaiting it (linger), the batch's acks awaited together, a commit
    per batch; timed like the pipeline, from the first publish to the last record read back."""
    suffix = secrets.token_hex(4)
    source, target = f"bench.bare.in.{suffix}", f"bench.bare.out.{suffix}"
    admin = create_admin(kafka)
    await admin.start()
    await admin.create_topics([NewTopic(t, kafka.partitions, 1) for t in (source, target)])
    producer = create_producer(
        kafka,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
    )
    await producer.start()
    consumer = create_consumer(
        kafka,
        source,
        group_id=f"bench-bare-{suffix}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    reader = create_consumer(
        kafka,
        target,
        auto_offset_reset="earliest",
    )
    await reader.start()
    moved = [0]

    async def move(stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            batches = await consumer.getmany(timeout_ms=100, max_records=100)
            for tp, messages in batches.items():
                sent = [
                    await producer.send(
                        target, value=m.value, key=m.key, headers=list(m.headers or ())
                    )
                    for m in messages
                ]
                await asyncio.gather(*sent)
                await consumer.commit({tp: messages[-1].offset + 1})
                moved[0] += len(messages)

    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        stopping = asyncio.Event()
        mover = asyncio.create_task(move(stopping))
        started = time.perf_counter()
        await produce_all(
            producer, [KafkaRecord(source, r.key, r.value, r.headers) for r in records]
        )
        seen = 0
        while seen < len(records):
            out = await reader.getmany(timeout_ms=50)
            seen += sum(len(m) for m in out.values())
        elapsed = time.perf_counter() - started
        stopping.set()
        await mover
        return len(records) / elapsed
    finally:
        await consumer.stop()
        await reader.stop()
        await producer.stop()
        await admin.delete_topics([source, target])
        await admin.close()


async def main(args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        servers = choose_servers(stack)
        kafka = KafkaSettings(bootstrap_servers=servers.kafka_bootstrap)
        mongo = MongoSettings(uri=servers.mongo_uri)
        s3 = S3Settings(
            endpoint=servers.s3_endpoint,
            access_key=servers.s3_access_key,
            secret_key=servers.s3_secret_key,
            bucket="bench-routing",
        )
        await ensure_topics(kafka)

        burst = RoutingPipeline(kafka, mongo, s3)
        await burst.start()
        records = burst.documents(args.documents)
        started = time.perf_counter()
        await burst.publish_burst(records)
        await burst.wait_all()
        elapsed = max(burst.assigned_at.values()) - started
        await burst.stop()
        routing_rate = args.documents / elapsed

        bare_rate = await bare_consume_produce(kafka, records)

        steady = RoutingPipeline(kafka, mongo, s3)
        await steady.start()
        await steady.publish_steady(steady.documents(int(args.rate * args.seconds)), args.rate)
        await steady.wait_all()
        await steady.stop()
        latencies = [
            (steady.assigned_at[d] - steady.published_at[d]) * 1000 for d in steady.published_at
        ]
        p50, p99 = statistics.median(latencies), percentile(latencies, 99)

        size = len(records[0].value)
        print(f"servers: {servers.origin}; {args.documents} documents, payload {size} bytes")
        print(
            f"routing   document.received → case → direction → task.assigned: {routing_rate:8.1f} cases/s"
        )
        print(
            f"bare      aiokafka getmany → pipelined produce (linger, acks=all): {bare_rate:8.1f} records/s"
        )
        print(f"ratio     routing / bare: {routing_rate / bare_rate:.3f}")
        print(
            f"latency   steady {args.rate:g}/s for {args.seconds:g} s ({len(latencies)} documents): "
            f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(latencies):.0f} ms"
        )
        print(f"bench: routing_latency p50_ms={p50:.0f} p99_ms={p99:.0f} target_ms={TARGET_MS}")
        print(
            f"bench: routing_flow ours={routing_rate:.1f}cases/s limit={bare_rate:.1f}cases/s "
            f"ratio={routing_rate / bare_rate:.3f}"
        )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
