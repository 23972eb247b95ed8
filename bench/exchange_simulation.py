"""The seed's pilot: one ministry and its 63 provincial departments exchange documents through a hub.

    uv run python bench/exchange_simulation.py [--documents 5] [--attachment-kb 256]

Starts a real hub (the exchange API process) on the local servers (`make infra-up`), and in this
process 64 connectors (one per agency: its own Mongo-wire database, the shared MinIO, the real
outbox relay publishing to Kafka). The ministry sends each document, with one attachment, to all
63; every department polls the hub, verifies the signature, stores the attachment, publishes
PackageReceived and answers 01. A first, small circular warms the connectors up (as connectors
that have been running: relays' Kafka readers started, connections open) and is shown apart.
Prints delivery latency p50/p99 (request queued at the ministry → package taken in and
acknowledged by the department) and packages/s, beside the raw cost of
copying the same bytes through MinIO (put + get) in the same run, and ends with

    bench: exchange_fanout p50_ms=<p50> p99_ms=<p99> target_ms=5000

(the pilot's target: every department has a 1 MB circular within 5 s, `--documents 1
--attachment-kb 1024`).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness.processes import ServiceProcess, free_port  # noqa: E402
from harness.servers import choose_servers  # noqa: E402
from minio import Minio  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402
from vanthu_contracts import decode, encode  # noqa: E402
from vanthu_contracts.events.exchange import SendDocumentRequested  # noqa: E402
from vanthu_contracts.events.intake import OutgoingDocumentIssued  # noqa: E402
from vanthu_contracts.events.values import (  # noqa: E402
    BusinessType,
    Confidentiality,
    DocumentType,
    FileRef,
    FileRole,
    Person,
    Recipient,
    Signer,
    Urgency,
)
from vanthu_exchange.adapters.http_hub_client import HttpHubClient, HubUnavailable  # noqa: E402
from vanthu_exchange.adapters.minio_package_store import MinioPackageStore  # noqa: E402
from vanthu_exchange.adapters.mongo_connector_store import (  # noqa: E402
    OUTBOX_COLLECTIONS,
    MongoConnectorStore,
)
from vanthu_exchange.connector_handlers import Connector, ConnectorPolicy  # noqa: E402
from vanthu_runtime.auth import issue_dev_token  # noqa: E402
from vanthu_runtime.kafka_producer import KafkaEventPublisher  # noqa: E402
from vanthu_runtime.outbox import OutboxRelay  # noqa: E402
from vanthu_runtime.settings import AuthSettings, KafkaSettings  # noqa: E402

OPERATOR = "000.00.00.G22"
PROVINCES = 63
refused: dict[str, str] = {}
LONG_POLL_S = 5.0
TARGET_P99_MS = 5000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def connector_database(run: str, code: str) -> str:
    return f"bench_{run}_{code.replace('.', '_')}"


def start_hub(servers: Any, logs: Path) -> tuple[ServiceProcess, str, str]:
    dev_secret = secrets.token_hex(32)
    bucket = f"bench-hub-{secrets.token_hex(3)}"
    env = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": f"bench_hub_{secrets.token_hex(3)}",
        "VANTHU_S3_BUCKET": bucket,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": dev_secret,
        "VANTHU_EXCHANGE_HUB_ID": "bench-hub",
        "VANTHU_EXCHANGE_HUB_TOKEN_SECRET": secrets.token_hex(32),
        "VANTHU_EXCHANGE_HUB_OPERATOR_AGENCY": OPERATOR,
        "VANTHU_LOG_LEVEL": "WARNING",
        "VANTHU_LOG_JSON": "true",
    }
    process = ServiceProcess("exchange", "api", free_port(), env, logs / "hub.log").start()
    process.wait_ready()
    return process, dev_secret, bucket


async def make_connector(
    code: str,
    secret: str,
    hub_url: str,
    mongo: AsyncMongoClient,
    publisher: KafkaEventPublisher,
    minio: Minio,
    bucket: str,
    run: str,
) -> Connector:
    db = mongo[connector_database(run, code)]
    store = MongoConnectorStore(db)
    await store.ensure_indexes()
    return Connector(
        store,
        MinioPackageStore(minio, bucket),
        HttpHubClient(hub_url, code, secret),
        OutboxRelay(db, OUTBOX_COLLECTIONS, publisher),
        ConnectorPolicy(agencies=(code,), initial_backoff_s=0.1, max_backoff_s=2.0),
    )


def decoded(event: Any) -> Any:
    record = encode(event, source="/vanthu/intake")
    return decode(list(record.headers), record.value)


async def receive_until(
    connector: Connector, wanted: set[str], arrived: dict[str, float], done: asyncio.Event
) -> None:
    while not done.is_set():
        try:
            for item in await connector.hub.pending(wait_s=LONG_POLL_S):
                if await connector.receive(item) and item["kind"] == "edoc":
                    taken_in = time.perf_counter()
                    record = await connector.store.received(item["delivery_id"]) or {}
                    key = f"{item['document_code']}|{item['recipient']}"
                    if record.get("outcome") == "accepted":
                        arrived[key] = taken_in
                    else:
                        refused[key] = record.get("reason", "?")
        except HubUnavailable:
            pass  # as the connector's own loop does: the hub keeps the package, try again
        if wanted <= arrived.keys() | refused.keys():
            return


async def raw_minio_copy(minio: Minio, bucket: str, payload: bytes, copies: int) -> float:
    """Seconds to put and get ``copies`` objects of ``payload``'s size, 16 at a time."""
    semaphore = asyncio.Semaphore(16)

    def copy_once(index: int) -> None:
        key = f"bench-raw/{uuid.uuid4()}"
        minio.put_object(bucket, key, io.BytesIO(payload), len(payload))
        response = minio.get_object(bucket, key)
        try:
            response.read()
        finally:
            response.close()
            response.release_conn()

    async def one(index: int) -> None:
        async with semaphore:
            await asyncio.to_thread(copy_once, index)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(copies)))
    return time.perf_counter() - started


def stored_file(minio: Minio, bucket: str) -> Any:
    def put(data: bytes) -> FileRef:
        """An original in the ministry's bucket, as intake stores it."""
        sha = hashlib.sha256(data).hexdigest()
        minio.put_object(bucket, f"sha256/{sha}", io.BytesIO(data), len(data))
        return FileRef(
            file_id="f",
            name="cong-van.pdf",
            media_type="application/pdf",
            size=len(data),
            sha256=sha,
            object_key=f"sha256/{sha}",
            role=FileRole.ORIGINAL,
        )

    return put


def circular(
    ministry: str, provinces: list[str], run: str, n: int, file: FileRef
) -> OutgoingDocumentIssued:
    return OutgoingDocumentIssued(
        document_id=str(uuid.uuid4()),
        agency_code=ministry,
        document_code=f"{ministry},2026/11/21,{n + 1}-{run}/BNV-VP",
        code_number=f"{n + 1}",
        code_notation=f"{run.upper()}-BNV",
        issued_date=date(2026, 11, 21),
        document_type=DocumentType(name="Công văn"),
        subject=f"V/v thí điểm liên thông văn bản số {n + 1}",
        signer=Signer(position="Thứ trưởng", full_name="Nguyễn Văn A"),
        recipients=tuple(Recipient(name=f"Sở {p}", agency_code=p) for p in provinces),
        urgency=Urgency.NORMAL,
        confidentiality=Confidentiality.NORMAL,
        files=(file,),
        issued_at=datetime.now(UTC),
        registered_by=Person(user_id="vt", full_name="Văn thư"),
    )


async def fan_out(
    connectors: dict[str, Connector],
    ministry: str,
    provinces: list[str],
    documents: list[OutgoingDocumentIssued],
) -> dict[str, float]:
    """The ministry sends each document to every province; seconds from the request queued to
    the package taken in and acknowledged, by `<document code>|<province>`."""
    sender = connectors[ministry]
    queued_at: dict[str, float] = {}
    wanted = {f"{d.document_code}|{p}" for d in documents for p in provinces}
    arrived: dict[str, float] = {}
    done = asyncio.Event()
    receivers = [
        asyncio.create_task(
            receive_until(connectors[p], {w for w in wanted if w.endswith(p)}, arrived, done)
        )
        for p in provinces
    ]
    for document in documents:
        await sender.remember_outgoing_document(decoded(document))
        request = SendDocumentRequested(
            request_id=str(uuid.uuid4()),
            document_id=document.document_id,
            agency_code=ministry,
            business_type=BusinessType.NEW,
            recipients=tuple(provinces),
            requested_by=Person(user_id="vt", full_name="Văn thư"),
            requested_at=datetime.now(UTC),
        )
        queued_at[document.document_code] = time.perf_counter()
        await sender.queue_send_request(decoded(request))
        await sender.send_due()
    await asyncio.wait_for(asyncio.gather(*receivers), timeout=600)
    done.set()
    return {k: arrived[k] - queued_at[k.split("|")[0]] for k in wanted if k in arrived}


async def main(documents: int, attachment_kb: int) -> None:
    run = secrets.token_hex(3)
    with ExitStack() as stack:
        servers = choose_servers(stack)
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-exchange-")))
        hub, dev_secret, bucket = start_hub(servers, logs)
        try:
            await simulate(servers, hub, dev_secret, bucket, run, documents, attachment_kb)
        finally:
            hub.stop()


async def simulate(
    servers: Any,
    hub: ServiceProcess,
    dev_secret: str,
    bucket: str,
    run: str,
    documents: int,
    attachment_kb: int,
) -> None:
    ministry = "000.00.00.G09"
    provinces = [f"{i:03d}.00.00.H{i % 100:02d}" for i in range(1, PROVINCES + 1)]
    secret_of = {code: secrets.token_urlsafe(24) for code in [ministry, *provinces]}
    admin = issue_dev_token(
        AuthSettings(dev_mode=True, dev_secret=dev_secret),
        user_id="bench",
        agency_code=OPERATOR,
        roles=["administrator"],
    )
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as client:
        for code, secret in secret_of.items():
            response = await client.post(
                "/hub/v1/systems",
                headers={"Authorization": f"Bearer {admin}"},
                json={
                    "system_id": code,
                    "secret": secret,
                    "agencies": [{"code": code, "name": f"Sở {code}"}],
                },
            )
            response.raise_for_status()

    minio = Minio(
        servers.s3_endpoint,
        access_key=servers.s3_access_key,
        secret_key=servers.s3_secret_key,
        secure=False,
    )
    mongo: AsyncMongoClient = AsyncMongoClient(servers.mongo_uri, tz_aware=True, retryWrites=False)
    publisher = KafkaEventPublisher(
        KafkaSettings(bootstrap_servers=servers.kafka_bootstrap), source="/vanthu/exchange"
    )
    await publisher.start()
    try:
        connectors = {
            code: await make_connector(
                code, secret_of[code], hub.url, mongo, publisher, minio, bucket, run
            )
            for code in [ministry, *provinces]
        }
        await asyncio.gather(*(c.ensure_keys_published() for c in connectors.values()))
        for connector in connectors.values():
            await connector.sync_directory()
        put = stored_file(minio, bucket)
        # Connectors that have been running: their relays' Kafka readers, their HTTP
        # connections are open. A first circular (a small one) gets them there; it is not measured.
        warm = [circular(ministry, provinces, f"warm-{run}", 0, put(secrets.token_bytes(1024)))]
        cold = await fan_out(connectors, ministry, provinces, warm)
        attachment = secrets.token_bytes(attachment_kb * 1024)
        file = put(attachment)
        issued_docs = [circular(ministry, provinces, run, n, file) for n in range(documents)]
        started = time.perf_counter()
        latencies = await fan_out(connectors, ministry, provinces, issued_docs)
        elapsed = time.perf_counter() - started
        wanted = latencies
        if refused:
            print(f"REFUSED {len(refused)} deliveries, e.g. {next(iter(refused.values()))}")
        latencies = list(latencies.values())
        package_bytes = len(attachment) * 4 // 3 + 4096
        raw_elapsed = await raw_minio_copy(minio, bucket, b"x" * package_bytes, len(wanted))
        print(
            f"agencies: 1 ministry + {len(provinces)} departments; documents: {documents}; attachment: {attachment_kb} KiB"
        )
        print(
            f"deliveries: {len(wanted)} in {elapsed:.2f} s -> {len(wanted) / elapsed:.1f} packages/s"
        )
        print(
            f"delivery latency: p50 {statistics.median(latencies) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
        )
        print(
            f"(the first, 1 KiB circular to connectors just started: p50 {statistics.median(cold.values()) * 1000:.0f} ms, "
            f"p99 {percentile(list(cold.values()), 0.99) * 1000:.0f} ms)"
        )
        print(
            f"raw MinIO put+get of the same {len(wanted)} packages (~{package_bytes // 1024} KiB each, 16 in parallel): "
            f"{raw_elapsed:.2f} s -> {len(wanted) / raw_elapsed:.1f} copies/s"
        )
        p50_ms = statistics.median(latencies) * 1000
        p99_ms = percentile(latencies, 0.99) * 1000
        summary = (
            f"bench: exchange_fanout p50_ms={p50_ms:.0f} p99_ms={p99_ms:.0f} "
            f"target_ms={TARGET_P99_MS}"
        )
        for connector in connectors.values():
            await connector.close()
        print(summary)
    finally:
        await publisher.stop()
        # By name: listing the databases of a FerretDB holding thousands takes minutes.
        for code in [ministry, *provinces]:
            await mongo.drop_database(connector_database(run, code))
        await mongo.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=5)
    parser.add_argument("--attachment-kb", type=int, default=256)
    args = parser.parse_args()
    asyncio.run(main(args.documents, args.attachment_kb))
