"""Routing's pipeline, document.received → case → direction → task.assigned, on the real servers.

    uv run python bench/routing_flow.py [--documents 200] [--rate 1] [--seconds 30]

In this process: routing's real consume loop on `document.received` (fresh consumer group,
started at the topic's end), its handlers on a fresh Mongo-wire database, and its outbox relay
publishing to Kafka. Each case is directed the moment it opens (a leader who never sleeps), so
the figure is the machinery's cost: consume, open the case (one insert), direct it (a revision
claim + one update carrying state and events), relay (lease, produce with acks=all, pop).

Prints, in the same run on the same broker:
  1. cases/s through direction → assignment for a burst of N documents, beside a bare aiokafka
     consume → produce loop (send_and_wait per message, commit per batch) moving N records of
     the same size between two scratch topics;
  2. latency p50/p99 from publishing document.received to reading task.assigned, under a steady
     load of --rate documents per second for --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402
from harness.samples import sample_event  # noqa: E402
from harness.servers import choose_servers  # noqa: E402
from vanthu_contracts import DecodedEvent, DocumentReceived, TaskAssigned, decode  # noqa: E402
from vanthu_contracts.events.intake import DOCUMENT_RECEIVED_TOPIC  # noqa: E402
from vanthu_contracts.events.values import Channel  # noqa: E402
from vanthu_routing.adapters.mongo_outbox_relay import HeartbeatOutboxRelay  # noqa: E402
from vanthu_routing.bootstrap import OUTBOX_COLLECTIONS, build_handlers  # noqa: E402
from vanthu_routing.domain.case import case_id_for  # noqa: E402
from vanthu_routing.domain.decision import Entry  # noqa: E402
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole  # noqa: E402
from vanthu_routing.handlers import Caller  # noqa: E402
from vanthu_routing.ports import DirectoryUser  # noqa: E402
from vanthu_runtime.idempotency import ProcessedEvents  # noqa: E402
from vanthu_runtime.kafka_consumer import ConsumeLoop  # noqa: E402
from vanthu_runtime.kafka_producer import KafkaEventPublisher  # noqa: E402
from vanthu_runtime.kafka_topics import ensure_topics  # noqa: E402
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client  # noqa: E402
from vanthu_runtime.mongo import create_mongo_client  # noqa: E402
from vanthu_runtime.settings import KafkaSettings, MongoSettings, S3Settings  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def end_positions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    metadata = await consumer._client.fetch_all_metadata()
    tps = [TopicPartition(topic, p) for p in metadata.partitions_for_topic(topic) or ()]
    consumer.assign(tps)
    await consumer.seek_to_end(*tps)
    for tp in tps:
        await consumer.position(tp)
    return tps


class RoutingPipeline:
    """Routing's consume loop, handlers and relay, in this process, for one bench agency."""

    def __init__(self, kafka: KafkaSettings, mongo: MongoSettings, s3: S3Settings) -> None:
        self.kafka, self.mongo, self.s3 = kafka, mongo, s3
        self.agency = f"{secrets.randbelow(1000):03d}.00.00.H{secrets.randbelow(100):02d}"
        self.published_at: dict[str, float] = {}
        self.assigned_at: dict[str, float] = {}

    async def start(self) -> None:
        suffix = secrets.token_hex(4)
        self.database = f"bench_routing_{suffix}"
        self.client = create_mongo_client(self.mongo.model_copy(update={"database": self.database}))
        db = self.client[self.database]
        blobs = MinioBlobStore(create_minio_client(self.s3), self.s3.bucket)
        await blobs.ensure_bucket()
        self.publisher = KafkaEventPublisher(self.kafka, source="/vanthu/routing")
        await self.publisher.start()
        self.relay = HeartbeatOutboxRelay(
            db, OUTBOX_COLLECTIONS, self.publisher, poll_interval_s=0.05
        )
        self.handlers = await build_handlers(db, blobs, notify=self.relay.notify)
        admin = Caller("admin", self.agency, "Quản trị", frozenset({"administrator"}))
        await self.handlers.save_user(
            admin, DirectoryUser(self.agency, "director", "Giám đốc", roles=("leader",))
        )
        self.director = Caller("director", self.agency, "Giám đốc", frozenset({"leader"}))
        group = f"bench-routing-{suffix}"
        await self._start_group_at_end(group)
        processed = ProcessedEvents(db, group)
        self.loop = ConsumeLoop(
            settings=self.kafka,
            group_id=group,
            topics=[DOCUMENT_RECEIVED_TOPIC],
            handler=self._open_and_direct,
            publisher=self.publisher,
            processed=processed,
        )
        self.reader = AIOKafkaConsumer(bootstrap_servers=self.kafka.bootstrap_servers)
        await self.reader.start()
        await end_positions(self.reader, "task.assigned")
        self.stopping = asyncio.Event()
        self.tasks = [
            asyncio.create_task(self.loop.run()),
            asyncio.create_task(self.relay.run(self.stopping)),
            asyncio.create_task(self._read_tasks()),
        ]

    async def _start_group_at_end(self, group: str) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            tps = await end_positions(consumer, DOCUMENT_RECEIVED_TOPIC)
            await consumer.commit({tp: await consumer.position(tp) for tp in tps})
        finally:
            await consumer.stop()

    async def _open_and_direct(self, decoded: DecodedEvent) -> None:
        event = decoded.event
        if not isinstance(event, DocumentReceived) or event.agency_code != self.agency:
            return
        await self.handlers.open_case(
            event, event_id=decoded.envelope.id, correlation_id=decoded.envelope.correlationid
        )
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
        while True:
            batches = await self.reader.getmany(timeout_ms=100)
            now = time.perf_counter()
            for messages in batches.values():
                for message in messages:
                    decoded = decode(list(message.headers or ()), message.value)
                    event = decoded.event
                    if isinstance(event, TaskAssigned) and event.agency_code == self.agency:
                        self.assigned_at.setdefault(event.document_id, now)

    async def publish(self, count: int, rate: float | None) -> None:
        started = time.perf_counter()
        for i in range(count):
            if rate:
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            event = sample_event(
                "vanthu.intake.document.received.v1",
                agency_code=self.agency,
                channel=Channel.PAPER,
                exchange=None,
            )
            self.published_at[event.document_id] = time.perf_counter()  # type: ignore[attr-defined]
            await self.publisher.publish(event)

    async def wait_all(self, timeout_s: float = 600) -> None:
        deadline = time.perf_counter() + timeout_s
        while set(self.published_at) - set(self.assigned_at):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{len(self.assigned_at)}/{len(self.published_at)} assigned")
            await asyncio.sleep(0.05)

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


async def bare_consume_produce(kafka: KafkaSettings, count: int, value: bytes) -> float:
    """Records/s of a bare aiokafka loop moving `count` records from one topic to another."""
    suffix = secrets.token_hex(4)
    source, target = f"bench.bare.in.{suffix}", f"bench.bare.out.{suffix}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    await admin.create_topics([NewTopic(t, kafka.partitions, 1) for t in (source, target)])
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, acks="all", enable_idempotence=True, linger_ms=5
    )
    await producer.start()
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"bench-bare-{suffix}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    reader = AIOKafkaConsumer(
        target, bootstrap_servers=kafka.bootstrap_servers, auto_offset_reset="earliest"
    )
    await reader.start()
    try:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                producer.send_and_wait(source, value=value, key=str(i).encode())
                for i in range(count)
            )
        )
        moved = seen = 0
        while seen < count:
            batches = await consumer.getmany(timeout_ms=100, max_records=100)
            for tp, messages in batches.items():
                for message in messages:
                    await producer.send_and_wait(target, value=message.value, key=message.key)
                    moved += 1
                await consumer.commit({tp: messages[-1].offset + 1})
            out = await reader.getmany(timeout_ms=10)
            seen += sum(len(m) for m in out.values())
        return count / (time.perf_counter() - started)
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
        sample = sample_event(
            "vanthu.intake.document.received.v1", channel=Channel.PAPER, exchange=None
        )
        value = sample.payload_json()

        burst = RoutingPipeline(kafka, mongo, s3)
        await burst.start()
        started = time.perf_counter()
        await burst.publish(args.documents, rate=None)
        await burst.wait_all()
        elapsed = max(burst.assigned_at.values()) - started
        await burst.stop()
        routing_rate = args.documents / elapsed

        bare_rate = await bare_consume_produce(kafka, args.documents, value)

        steady = RoutingPipeline(kafka, mongo, s3)
        await steady.start()
        await steady.publish(int(args.rate * args.seconds), rate=args.rate)
        await steady.wait_all()
        await steady.stop()
        latencies = [
            (steady.assigned_at[d] - steady.published_at[d]) * 1000 for d in steady.published_at
        ]

        print(f"servers: {servers.origin}; {args.documents} documents, payload {len(value)} bytes")
        print(
            f"routing   document.received → case → direction → task.assigned: {routing_rate:8.1f} cases/s"
        )
        print(
            f"bare      aiokafka consume → produce (send_and_wait, commit/batch): {bare_rate:8.1f} records/s"
        )
        print(f"ratio     routing / bare: {routing_rate / bare_rate:.3f}")
        print(
            f"latency   steady {args.rate:g}/s for {args.seconds:g} s ({len(latencies)} documents): "
            f"p50 {statistics.median(latencies):.0f} ms, p99 {percentile(latencies, 99):.0f} ms, "
            f"max {max(latencies):.0f} ms"
        )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
