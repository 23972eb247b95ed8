"""Registrations per second through intake, beside the bare clients doing the same I/O.

    uv run python bench/intake_registration.py [--count 300] [--concurrency 16] [--with-archive]

Needs the local servers (`deploy/local/infra.sh up`, or `make run`). Starts its own intake API and
worker on free ports against a fresh database, then measures, in the same run:

1. intake: POST /v1/documents with a 100 KB file and full metadata, `--concurrency` at a time;
   the rate at which the API answers 201, and the rate until every `DocumentReceived` is on Kafka
   (published by the worker's outbox relay);
2. the limit: the same I/O done the best way a bare client can, in the same run: the 100 KB
   MinIO puts `--concurrency` at a time, the registration documents (built by intake's own code,
   so of the same size) written with `insert_many` as the puts finish, and the same
   `DocumentReceived` records produced pipelined (acks=all, linger, no await per record);

and prints both, ending with

    bench: intake_registration ours=<through to Kafka>/s limit=<bare>/s ratio=<ours/limit>
 With `--with-archive`, an archive worker (its own database and
consumer group, starting now) runs beside intake the whole time, and the bench prints how long
after intake's last event reached Kafka the archive had stored every record of
`document.received` up to that point: whether the archive keeps up with intake at its peak.
Not part of `make test`; figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import TopicPartition
from aiokafka.admin import NewTopic
from minio import Minio
from pymongo import AsyncMongoClient
from vanthu_archive.adapters.mongo_event_store import COLLECTION as EVENTS
from vanthu_archive.adapters.mongo_event_store import record_id
from vanthu_intake import events as intake_events
from vanthu_intake.domain.metadata import IncomingDocumentMetadata
from vanthu_intake.domain.numbering import Register, register_key
from vanthu_intake.handlers import Registration, incoming_record
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.kafka_topics import ensure_topics
from vanthu_runtime.settings import AuthSettings, KafkaSettings, MongoSettings, S3Settings

ROOT = Path(__file__).resolve().parents[1]
SCAN_BYTES = 100 * 1024
sys.path.insert(0, str(ROOT / "tests"))

from harness.kafka_reads import end_offsets  # noqa: E402
from harness.pdfs import one_page_pdf  # noqa: E402
from vanthu_runtime.kafka_clients import create_admin, create_consumer, create_producer  # noqa: E402

RELAY_TIMEOUT_S = 300
LOGS = Path(tempfile.mkdtemp(prefix="bench-intake-logs-"))


def server_env() -> dict[str, str]:
    """The local servers' endpoints and keys, as `make run` gives them to the services."""
    out = subprocess.run(
        ["bash", str(ROOT / "deploy/local/infra.sh"), "env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env = {}
    for line in out.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        if key.startswith("VANTHU_"):
            env[key] = value.strip().strip("'\"")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scan_pdf() -> bytes:
    """A valid one-page PDF padded to about 100 KB: unique bytes each time."""
    return one_page_pdf(padding=SCAN_BYTES - 600)


def metadata(i: int) -> str:
    return json.dumps(
        {
            "channel": "electronic",
            "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            "document_type": "QĐ",
            "code_number": str(i + 1),
            "code_notation": "QĐ-BNV",
            "issued_date": "2026-03-02",
            "subject": "Về việc ban hành Quy chế công tác văn thư, lưu trữ",
            "page_count": 1,
            "signer": {"position": "Thứ trưởng", "full_name": "Trần Văn B"},
        },
        ensure_ascii=False,
    )


async def gather_limited(concurrency: int, jobs: list) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def run(job) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(run(job) for job in jobs))


async def wait_ready(url: str, within_s: float = 90) -> None:
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            with suppress(httpx.HTTPError):
                if (await client.get(f"{url}/health/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.3)
    raise SystemExit(f"{url} did not become ready")


async def wait_for_events(
    bootstrap: str, topic: str, start: dict[TopicPartition, int], ids: set[str]
) -> None:
    consumer = create_consumer(KafkaSettings(bootstrap_servers=bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        missing = set(ids)
        deadline = time.monotonic() + RELAY_TIMEOUT_S
        while missing:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(missing)} of {len(ids)} events not on Kafka in time")
            batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            for messages in batch.values():
                for message in messages:
                    kind = dict(message.headers or ()).get("ce_type") or b""
                    if kind.startswith(b"vanthu.intake.document.received."):
                        missing.discard((message.key or b"").decode())
    finally:
        await consumer.stop()


def start_service(
    module: str, kind: str, port: int, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", module, kind, "--port", str(port)],
        env=env,
        cwd=ROOT,
        # Kept for reading when a phase fails; printed with the figures.
        stdout=(LOGS / f"{module}-{kind}.log").open("ab"),
        stderr=subprocess.STDOUT,
    )


def archive_env(process_env: dict[str, str]) -> dict[str, str]:
    """An archive worker of its own: a fresh store and group, and no checkpoint during the run
    (a checkpoint is object-locked in MinIO for as long as its retention says)."""
    return {
        **process_env,
        "VANTHU_MONGO_DATABASE": f"bench_archive_{secrets.token_hex(4)}",
        "VANTHU_ARCHIVE_CHECKPOINT_INTERVAL_S": "86400",
        "VANTHU_ARCHIVE_CHECKPOINT_LOCK_MODE": "GOVERNANCE",
        "VANTHU_ARCHIVE_CHECKPOINT_RETENTION_DAYS": "1",
    }


async def archive_lag(
    mongo_uri: str, database: str, start: dict[TopicPartition, int], end: dict[TopicPartition, int]
) -> float:
    """Seconds until the archive has stored `document.received` up to ``end``."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri)
    began = time.perf_counter()
    try:
        wanted = {tp: offset - 1 for tp, offset in end.items() if offset > start.get(tp, 0)}
        while wanted:
            if time.perf_counter() - began > RELAY_TIMEOUT_S:
                raise TimeoutError(f"archive behind on {sorted(str(tp) for tp in wanted)}")
            for tp in list(wanted):
                # the archive stores a partition in offset order: the last record there means
                # everything before it is stored too
                stored = await client[database][EVENTS].find_one(
                    {"_id": record_id(tp.topic, tp.partition, wanted[tp])}, projection={"_id": 1}
                )
                if stored is not None:
                    del wanted[tp]
            await asyncio.sleep(0.1)
        return time.perf_counter() - began
    finally:
        await client.close()


async def bench_intake(
    env: dict[str, str], count: int, concurrency: int, with_archive: bool = False
) -> tuple[float, float]:
    secret = secrets.token_hex(32)
    database = f"bench_intake_{secrets.token_hex(4)}"
    process_env = {
        **os.environ,
        **env,
        "VANTHU_MONGO_DATABASE": database,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": secret,
        "VANTHU_LOG_JSON": "true",
        "VANTHU_INTAKE_CONSUMER_GROUP_PREFIX": f"bench-{secrets.token_hex(4)}",
        # The worker's new groups start now, not at the shared topics' past (other sessions').
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
    }
    api_port, worker_port = free_port(), free_port()
    processes = [
        start_service("vanthu_intake", kind, port, process_env)
        for kind, port in (("api", api_port), ("worker", worker_port))
    ]
    archive = archive_env(process_env) if with_archive else None
    archive_port = free_port()
    if archive is not None:
        processes.append(start_service("vanthu_archive", "worker", archive_port, archive))
    try:
        url = f"http://127.0.0.1:{api_port}"
        await wait_ready(url)
        await wait_ready(f"http://127.0.0.1:{worker_port}")
        if archive is not None:
            await wait_ready(f"http://127.0.0.1:{archive_port}")
        auth = AuthSettings(dev_mode=True, dev_secret=secret)
        token = issue_dev_token(
            auth, user_id="bench", agency_code="000.00.00.H41", roles=["clerk"], full_name="Bench"
        )
        bootstrap = env.get("VANTHU_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        start = await end_offsets(bootstrap, "document.received")
        files = [scan_pdf() for _ in range(count)]
        ids: set[str] = set()
        async with httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client:

            def job(i: int):
                async def register() -> None:
                    response = await client.post(
                        "/v1/documents",
                        data={"metadata": metadata(i)},
                        files=[("file", (f"{i}.pdf", files[i], "application/pdf"))],
                    )
                    response.raise_for_status()
                    ids.add(response.json()["id"])

                return register

            began = time.perf_counter()
            await gather_limited(concurrency, [job(i) for i in range(count)])
            answered = time.perf_counter() - began
            print(
                f"  intake API answered 201:                           {count / answered:8.1f} /s",
                flush=True,
            )
            try:
                await wait_for_events(bootstrap, "document.received", start, ids)
            except TimeoutError as exc:
                print(f"  intake through to Kafka: not measured ({exc}); logs in {LOGS}")
                return count / answered, float("nan")
            published = time.perf_counter() - began
            print(
                f"  intake through to Kafka (outbox relay):            {count / published:8.1f} /s"
            )
            if archive is not None:
                end = await end_offsets(bootstrap, "document.received")
                records = sum(end[tp] - start.get(tp, 0) for tp in end)
                try:
                    lag = await archive_lag(
                        env.get("VANTHU_MONGO_URI", MongoSettings().uri),
                        archive["VANTHU_MONGO_DATABASE"],
                        start,
                        end,
                    )
                except TimeoutError as exc:
                    print(f"  archive: did not catch up ({exc}); logs in {LOGS}")
                else:
                    print(
                        f"  archive beside it: all {records} records of document.received stored "
                        f"{lag:.1f} s after the last registration reached Kafka"
                    )
        return count / answered, count / published
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        client = AsyncMongoClient(env.get("VANTHU_MONGO_URI", MongoSettings().uri))
        await client.drop_database(database)
        if archive is not None:
            await client.drop_database(archive["VANTHU_MONGO_DATABASE"])
        await client.close()


def registration_of(i: int, agency: str) -> tuple[dict[str, object], bytes, bytes]:
    """What intake writes for registration ``i``: its document, and its `DocumentReceived`
    record's key and value, built by intake's own code so the bare writes have the same sizes."""
    meta = IncomingDocumentMetadata.model_validate_json(metadata(i))
    document_id = str(uuid.uuid4())
    file = {
        "file_id": intake_events.derived_id(document_id, "file", "0"),
        "name": f"{i}.pdf",
        "media_type": "application/pdf",
        "size": SCAN_BYTES,
        "sha256": secrets.token_hex(32),
        "object_key": f"sha256/{secrets.token_hex(32)}",
        "role": "original",
    }
    registration = Registration(
        document_id=document_id,
        agency_code=agency,
        metadata=meta,
        files=[file],
        registered_by={"user_id": "bench", "full_name": "Bench"},
    )
    key = register_key(agency, Register.INCOMING, registration.registered_at)
    record = incoming_record(registration, key, i + 1)
    event = intake_events.to_record(intake_events.document_received(record, meta))
    return record, event.key, event.value


async def bench_bare(env: dict[str, str], count: int, concurrency: int) -> float:
    s3 = S3Settings(
        endpoint=env.get("VANTHU_S3_ENDPOINT", "127.0.0.1:9000"),
        access_key=env.get("VANTHU_S3_ACCESS_KEY", ""),
        secret_key=env.get("VANTHU_S3_SECRET_KEY", ""),
    )
    minio = Minio(
        s3.endpoint,
        access_key=s3.access_key,
        secret_key=s3.secret_key.get_secret_value(),
        secure=False,
    )
    bucket = f"bench-{secrets.token_hex(4)}"
    await asyncio.to_thread(minio.make_bucket, bucket)
    mongo = AsyncMongoClient(env.get("VANTHU_MONGO_URI", MongoSettings().uri), retryWrites=False)
    database = f"bench_bare_{secrets.token_hex(4)}"
    collection = mongo[database]["documents"]
    kafka = KafkaSettings(
        bootstrap_servers=env.get("VANTHU_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    producer = create_producer(
        kafka,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
    )
    topic = f"bench.bare.{secrets.token_hex(4)}"
    admin = create_admin(kafka)
    await admin.start()
    # Same shape as document.received: six partitions, one replica.
    await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    await producer.start()
    files = [scan_pdf() for _ in range(count)]
    written = [registration_of(i, "000.00.00.H41") for i in range(count)]
    try:
        gate = asyncio.Semaphore(concurrency)
        stored: asyncio.Queue[int] = asyncio.Queue()

        async def put(i: int) -> None:
            async with gate:
                await asyncio.to_thread(
                    minio.put_object,
                    bucket,
                    f"sha256/{uuid.uuid4().hex}",
                    io.BytesIO(files[i]),
                    len(files[i]),
                )
            stored.put_nowait(i)

        async def write() -> None:
            """Whatever was stored meanwhile, in one insert_many, then produced without
            awaiting each record."""
            sends = []
            done = 0
            while done < count:
                batch = [await stored.get()]
                while not stored.empty():
                    batch.append(stored.get_nowait())
                await collection.insert_many([dict(written[i][0]) for i in batch], ordered=False)
                for i in batch:
                    _, key, value = written[i]
                    sends.append(await producer.send(topic, value=value, key=key))
                done += len(batch)
            await asyncio.gather(*sends)

        began = time.perf_counter()
        await asyncio.gather(write(), *(put(i) for i in range(count)))
        return count / (time.perf_counter() - began)
    finally:
        await producer.stop()
        await admin.delete_topics([topic])
        await admin.close()
        await mongo.drop_database(database)
        await mongo.close()
        for item in minio.list_objects(bucket, recursive=True):
            minio.remove_object(bucket, item.object_name)
        minio.remove_bucket(bucket)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--with-archive", action="store_true", help="run an archive worker beside")
    args = parser.parse_args()
    env = server_env()
    # Kafka's login (when the local broker has one) for every client this bench makes.
    os.environ.update({k: v for k, v in env.items() if k.startswith("VANTHU_KAFKA_")})
    # A fresh `make infra-up` has no topics yet (`make run` creates them).
    await ensure_topics(KafkaSettings(bootstrap_servers=env["VANTHU_KAFKA_BOOTSTRAP_SERVERS"]))
    print(f"{args.count} registrations of 100 KB files, {args.concurrency} at a time", flush=True)
    bare = await bench_bare(env, args.count, args.concurrency)
    print(f"  bare MinIO puts + insert_many + pipelined produce: {bare:8.1f} /s", flush=True)
    answered, published = await bench_intake(
        env, args.count, args.concurrency, with_archive=args.with_archive
    )
    print(f"  ratio intake/bare (answered):                      {answered / bare:8.2f}")
    print(f"  ratio intake/bare (on Kafka):                      {published / bare:8.2f}")
    print(
        f"bench: intake_registration ours={published:.1f}/s limit={bare:.1f}/s "
        f"ratio={published / bare:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
