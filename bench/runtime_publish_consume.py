"""Publish and consume through the runtime, beside bare aiokafka on the same broker, same run.

    uv run python bench/runtime_publish_consume.py [--events 20000]

Needs the local servers (`make infra-up`). Prints events/s for:
- publish: KafkaEventPublisher (encode to CloudEvents + idempotent acks=all produce) vs a bare
  AIOKafkaProducer sending the same bytes with the same settings;
- consume: ConsumeLoop (decode, handle, commit per partition batch) vs a bare consumer getmany loop;
- outbox: aggregates written through OutboxCollection (16 writers at a time) and published by the
  OutboxRelay, vs the same documents by `insert_many` and the same records by a pipelined produce.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import secrets
import time
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import NewTopic
from vanthu_contracts import DecodedEvent, decode, encode
from vanthu_contracts.samples import golden_sample
from vanthu_runtime.kafka_clients import create_admin, create_consumer, create_producer
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.outbox import PENDING_SINCE, OutboxCollection, OutboxRelay
from vanthu_runtime.settings import KafkaSettings, MongoSettings

DOCUMENT_RECEIVED = "vanthu.intake.document.received.v2"


def _events(n: int) -> list:
    sample = golden_sample(DOCUMENT_RECEIVED)
    template = decode(sample.kafka_headers, json.dumps(sample.value).encode()).event
    return [template.model_copy(update={"document_id": str(uuid.uuid4())}) for _ in range(n)]


async def _topic(settings: KafkaSettings, name: str) -> None:
    admin = create_admin(settings)
    await admin.start()
    await admin.create_topics([NewTopic(name, num_partitions=6, replication_factor=1)])
    await admin.close()


async def bench_publish_ours(settings: KafkaSettings, topic: str, events: list) -> float:
    publisher = KafkaEventPublisher(settings, source="/vanthu/bench")
    await publisher.start()
    started = time.perf_counter()
    futures = []
    for event in events:
        record = encode(event, source=publisher.source)
        futures.append(
            await publisher.producer.send(
                topic, value=record.value, key=record.key, headers=list(record.headers)
            )
        )
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await publisher.stop()
    return len(events) / elapsed


async def _bare_producer(settings: KafkaSettings) -> AIOKafkaProducer:
    """The bare client with the runtime producer's own settings, started."""
    producer = create_producer(
        settings,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
    )
    await producer.start()
    return producer


async def bench_publish_raw(settings: KafkaSettings, topic: str, events: list) -> float:
    records = [encode(e, source="/vanthu/bench") for e in events]
    producer = await _bare_producer(settings)
    started = time.perf_counter()
    futures = [
        await producer.send(topic, value=r.value, key=r.key, headers=list(r.headers))
        for r in records
    ]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await producer.stop()
    return len(records) / elapsed


async def bench_consume_ours(settings: KafkaSettings, topic: str, n: int) -> float:
    seen = 0
    done = asyncio.Event()

    async def handle(_: DecodedEvent) -> None:
        nonlocal seen
        seen += 1
        if seen >= n:
            done.set()

    publisher = KafkaEventPublisher(settings, source="/vanthu/bench")
    await publisher.start()
    loop = ConsumeLoop(
        settings=settings,
        group_id=f"bench-{secrets.token_hex(4)}",
        topics=[topic],
        handler=handle,
        publisher=publisher,
        max_batch=500,
    )
    await loop.start()
    started = time.perf_counter()
    running = asyncio.create_task(loop.run())
    await done.wait()
    elapsed = time.perf_counter() - started
    await loop.stop()
    running.cancel()
    await publisher.stop()
    return n / elapsed


async def bench_consume_raw(settings: KafkaSettings, topic: str, n: int) -> float:
    consumer = create_consumer(
        settings,
        topic,
        group_id=f"bench-{secrets.token_hex(4)}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    started = time.perf_counter()
    seen = 0
    while seen < n:
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        for tp, messages in batches.items():
            seen += len(messages)
            await consumer.commit({tp: messages[-1].offset + 1})
    elapsed = time.perf_counter() - started
    await consumer.stop()
    return n / elapsed


def _state(i: int) -> dict[str, object]:
    return {"_id": f"agg-{i}", "agency_code": "000.00.00.G22", "status": "registered", "n": i}


async def bench_outbox_ours(settings: KafkaSettings, topic: str, events: list) -> float:
    mongo = MongoSettings()
    client = create_mongo_client(mongo)
    name = f"bench_{secrets.token_hex(4)}"
    publisher = KafkaEventPublisher(settings, source="/vanthu/bench")
    await publisher.start()
    relay = OutboxRelay(client[name], ["aggregates"], publisher)
    aggregates = OutboxCollection(client[name]["aggregates"], notify=relay.notify)
    await aggregates.ensure_indexes()
    records = [encode(e, source=publisher.source) for e in events]
    records = [dataclasses.replace(r, topic=topic) for r in records]
    gate = asyncio.Semaphore(16)

    async def write(i: int) -> None:
        async with gate:
            await aggregates.insert(_state(i), [records[i]])

    stopping = asyncio.Event()
    started = time.perf_counter()
    relaying = asyncio.create_task(relay.run(stopping))
    await asyncio.gather(*(write(i) for i in range(len(records))))
    while await aggregates.raw.count_documents({PENDING_SINCE: {"$exists": True}}, limit=1):  # noqa: ASYNC110 - polling the store
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    stopping.set()
    await relaying
    await publisher.stop()
    await client.drop_database(name)
    await client.close()
    return len(records) / elapsed


async def bench_outbox_raw(settings: KafkaSettings, topic: str, events: list) -> float:
    client = create_mongo_client(MongoSettings())
    name = f"bench_{secrets.token_hex(4)}"
    records = [encode(e, source="/vanthu/bench") for e in events]
    producer = await _bare_producer(settings)
    started = time.perf_counter()
    documents = [_state(i) for i in range(len(records))]
    for start in range(0, len(documents), 500):
        await client[name]["aggregates"].insert_many(documents[start : start + 500])
    futures = [
        await producer.send(topic, value=r.value, key=r.key, headers=list(r.headers))
        for r in records
    ]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await producer.stop()
    await client.drop_database(name)
    await client.close()
    return len(records) / elapsed


async def main(n: int) -> None:
    settings = KafkaSettings()
    topic = f"bench.{secrets.token_hex(4)}"
    await _topic(settings, topic)
    await _topic(settings, f"{topic}.dlq")
    events = _events(n)
    raw_pub = await bench_publish_raw(settings, topic, events)
    ours_pub = await bench_publish_ours(settings, topic, events)
    raw_con = await bench_consume_raw(settings, topic, 2 * n)
    ours_con = await bench_consume_ours(settings, topic, 2 * n)
    outbox_events = events[: max(1, n // 4)]
    raw_box = await bench_outbox_raw(settings, topic, outbox_events)
    ours_box = await bench_outbox_ours(settings, topic, outbox_events)
    print(
        f"events: {n} DocumentReceived ({len(encode(events[0], source='/vanthu/bench').value)} B payload)"
    )
    print(f"{'':10}{'vanthu':>14}{'bare aiokafka':>16}{'ratio':>8}")
    print(f"{'publish/s':10}{ours_pub:14.0f}{raw_pub:16.0f}{ours_pub / raw_pub:8.2f}")
    print(f"{'consume/s':10}{ours_con:14.0f}{raw_con:16.0f}{ours_con / raw_con:8.2f}")
    print(
        f"{'outbox/s':10}{ours_box:14.0f}{raw_box:16.0f}{ours_box / raw_box:8.2f}"
        f"   ({len(outbox_events)} aggregates; bare: insert_many + pipelined produce)"
    )
    print(
        f"bench: runtime_publish ours={ours_pub:.0f}/s limit={raw_pub:.0f}/s"
        f" ratio={ours_pub / raw_pub:.2f}"
    )
    print(
        f"bench: runtime_consume ours={ours_con:.0f}/s limit={raw_con:.0f}/s"
        f" ratio={ours_con / raw_con:.2f}"
    )
    print(
        f"bench: runtime_outbox ours={ours_box:.0f}/s limit={raw_box:.0f}/s"
        f" ratio={ours_box / raw_box:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    asyncio.run(main(parser.parse_args().events))
