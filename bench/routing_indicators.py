"""How fast the indicators' Faust worker folds events, beside a bare aiokafka consumer of the same
records (issue 15, ADR 0051).

    uv run python bench/routing_indicators.py [--documents 2000]

On the local servers: publishes a burst (two fresh agencies, ~5 events per document) to the real
topics, then in the same run
1. the limit: a bare aiokafka consumer `getmany`s the same records (from the burst's first offset
   to its last on every partition of the four topics) and decodes each with the contracts' codec;
2. ours: an indicators worker of a fresh deployment starting at the burst, timed from ready until
   its published figures of both agencies equal the recount of the burst.
Ours includes a publication interval (0.2 s) and records other sessions wrote meanwhile. Not part
of `make test`; prints one final `bench:` line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "services/routing/tests/integration"))

import httpx  # noqa: E402
from aiokafka import TopicPartition  # noqa: E402
from indicators_burst import comparable, local_today, make_burst, recount  # noqa: E402
from vanthu_contracts import decode, encode  # noqa: E402
from vanthu_routing.config import RoutingSettings  # noqa: E402
from vanthu_routing.domain.calendar import WorkingCalendar  # noqa: E402
from vanthu_routing.streams.app import SOURCE_TOPICS, kpi_topic_name  # noqa: E402
from vanthu_routing.streams.copy import IndicatorsCopy  # noqa: E402
from vanthu_runtime.kafka_clients import create_consumer, create_producer  # noqa: E402
from vanthu_runtime.kafka_topics import ensure_topics  # noqa: E402
from vanthu_runtime.settings import KafkaSettings  # noqa: E402


async def publish(kafka: KafkaSettings, events: list) -> None:  # type: ignore[type-arg]
    producer = create_producer(kafka, acks="all")
    await producer.start()
    try:
        sent = [
            await producer.send(r.topic, r.value, key=r.key, headers=list(r.headers))
            for r in (encode(e, source="/vanthu/bench") for e in events)
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def bare(kafka: KafkaSettings, start: dict, end: dict) -> float:  # type: ignore[type-arg]
    consumer = create_consumer(kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [tp for tp in end if end[tp] > start[tp]]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, start[tp])
        total = sum(end[tp] - start[tp] for tp in tps)
        seen, began = 0, time.perf_counter()
        while seen < total:
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                for record in records:
                    if record.offset < end[tp]:
                        decode(record.headers, record.value)
                        seen += 1
        return total / (time.perf_counter() - began)
    finally:
        await consumer.stop()


async def offsets(kafka: KafkaSettings) -> dict:  # type: ignore[type-arg]
    consumer = create_consumer(kafka)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in SOURCE_TOPICS for p in range(kafka.partitions)]
        return await consumer.end_offsets(tps)
    finally:
        await consumer.stop()


def start_worker(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "vanthu_routing", "indicators", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=2000)
    args = parser.parse_args()
    kafka = KafkaSettings()
    await ensure_topics(kafka)
    agencies = [
        f"{secrets.randbelow(1000):03d}.{secrets.randbelow(100):02d}.00.H9{n}" for n in (1, 2)
    ]
    burst = make_burst(agencies, args.documents, local_today(), seed=51)
    before, began_at = await offsets(kafka), datetime.now(UTC)
    await publish(kafka, burst.events)
    after = await offsets(kafka)
    records = sum(after[tp] - before[tp] for tp in after)
    print(f"published {len(burst.events)} events ({records} records on the topics meanwhile)")

    limit = await bare(kafka, before, after)
    print(f"bare aiokafka getmany + decode: {limit:,.0f} records/s")

    database = f"bench_{secrets.token_hex(4)}"
    port = 18000 + secrets.randbelow(1000)
    env = {
        **os.environ,
        "VANTHU_MONGO_DATABASE": database,
        "VANTHU_KAFKA_NEW_GROUP_START": began_at.isoformat(),
        "VANTHU_ROUTING_INDICATORS_PUBLISH_INTERVAL_S": "0.2",
        "VANTHU_LOG_LEVEL": "WARNING",
    }
    worker = start_worker(env, port, Path(f"/tmp/{database}.log"))
    copy = IndicatorsCopy(kafka, kpi_topic_name(RoutingSettings(), database))
    await copy.start()
    calendar = WorkingCalendar()
    expected = {a: recount(burst, a, calendar) for a in agencies}
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(1200):
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/health/ready")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        ready = time.perf_counter()
        while True:
            found = {a: (comparable(f) if (f := copy.figures(a)) else None) for a in agencies}
            if found == expected:
                break
            await asyncio.sleep(0.05)
        ours = records / (time.perf_counter() - ready)
    finally:
        await copy.stop()
        worker.terminate()
        worker.wait()
    print(f"indicators worker (Faust), fold + changelog + figures equal: {ours:,.0f} records/s")
    print(f"bench: faust ours={ours:.0f}/s limit={limit:.0f}/s ratio={ours / limit:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
