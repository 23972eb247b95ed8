"""Routing's own API and worker processes on free ports, a random agency per test, and a reader
of the topics routing publishes to."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from harness.processes import ServiceProcess, free_port
from harness.servers import Servers
from minio import Minio
from vanthu_contracts import DecodedEvent, decode
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.minio_blob_store import create_minio_client
from vanthu_runtime.platform import PlatformSettings
from vanthu_runtime.settings import AuthSettings, KafkaSettings


@dataclass
class RoutingDeployment:
    env: dict[str, str]
    auth: AuthSettings
    logs: Path
    processes: list[ServiceProcess] = field(default_factory=list)
    api: ServiceProcess | None = None

    def start(self, kind: str) -> ServiceProcess:
        name = f"{kind}-{len(self.processes)}"
        process = ServiceProcess(
            "routing", kind, free_port(), self.env, self.logs / f"routing-{name}.log"
        ).start()
        self.processes.append(process)
        process.wait_ready()
        return process

    def token(self, user_id: str, agency: str, *roles: str, unit_id: str | None = None) -> str:
        return issue_dev_token(
            self.auth,
            user_id=user_id,
            agency_code=agency,
            roles=list(roles),
            full_name=f"Người dùng {user_id}",
            unit_id=unit_id,
        )


@pytest.fixture(scope="session")
def routing(
    servers: Servers,
    platform_settings: PlatformSettings,
    topics_ready: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RoutingDeployment]:
    suffix = secrets.token_hex(4)
    secret = secrets.token_hex(32)
    env = {
        **servers.env(),
        "VANTHU_MONGO_DATABASE": f"routing_{suffix}",
        "VANTHU_S3_BUCKET": platform_settings.s3.bucket,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": secret,
        "VANTHU_LOG_JSON": "true",
        # The groups are named after the database, so new; they start now, not at the
        # beginning of everything the suite published before.
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        # Every test has an agency of its own.
        "VANTHU_ROUTING_SERVED_AGENCIES": "*",
        # Deadlines are driven by the tests through the handlers, with a chosen "now".
        "VANTHU_ROUTING_DEADLINE_SCAN_INTERVAL_S": "3600",
        "VANTHU_ROUTING_INDICATORS_PUBLISH_INTERVAL_S": "0.5",
    }
    deployment = RoutingDeployment(
        env=env,
        auth=AuthSettings(dev_mode=True, dev_secret=secret),
        logs=tmp_path_factory.mktemp("routing-logs"),
    )
    try:
        deployment.api = deployment.start("api")
        deployment.start("worker")
        # The reports read the indicators' tables (ADR 0052): their worker counts this session.
        deployment.start("indicators")
        yield deployment
    finally:
        for process in deployment.processes:
            process.stop()


@pytest.fixture
def agency() -> str:
    """A fresh agency per test, so tests never see each other's cases or directory."""
    n = secrets.randbelow(10**7)
    return (
        f"{n // 10000 % 1000:03d}.{n // 100 % 100:02d}.{n % 100:02d}.H{secrets.randbelow(100):02d}"
    )


@pytest.fixture
async def http(routing: RoutingDeployment) -> AsyncIterator[httpx.AsyncClient]:
    assert routing.api is not None
    async with httpx.AsyncClient(base_url=routing.api.url, timeout=20) as client:
        yield client


@dataclass
class Organisation:
    agency: str
    tokens: dict[str, str]
    ids: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
async def org(routing: RoutingDeployment, http: httpx.AsyncClient, agency: str) -> Organisation:
    """A department: a director and a secretary, two units with heads and a specialist; the
    director delegated to the secretary; documents go to the director by default."""
    tag = uuid.uuid4().hex[:6]
    ids = {
        "admin": f"admin-{tag}",
        "director": f"director-{tag}",
        "secretary": f"secretary-{tag}",
        "planning": f"unit-planning-{tag}",
        "finance": f"unit-finance-{tag}",
        "planning_head": f"planning-head-{tag}",
        "finance_head": f"finance-head-{tag}",
        "specialist": f"specialist-{tag}",
        "stranger": f"stranger-{tag}",
    }
    tokens = {
        "admin": routing.token(ids["admin"], agency, "administrator"),
        "director": routing.token(ids["director"], agency, "leader"),
        "secretary": routing.token(ids["secretary"], agency, "secretary"),
        "planning_head": routing.token(
            ids["planning_head"], agency, "unit_head", unit_id=ids["planning"]
        ),
        "finance_head": routing.token(
            ids["finance_head"], agency, "unit_head", unit_id=ids["finance"]
        ),
        "specialist": routing.token(
            ids["specialist"], agency, "specialist", unit_id=ids["planning"]
        ),
        "stranger": routing.token(ids["stranger"], agency, "secretary"),
        "other_agency_director": routing.token(ids["director"], "000.00.00.G22", "leader"),
    }
    organisation = Organisation(agency, tokens, ids)
    admin = organisation.auth("admin")
    csv_text = "\n".join(
        [
            "kind,id,name,parent_unit_id,unit_id,position,email,roles",
            f"unit,{ids['planning']},Phòng Kế hoạch,,,,,",
            f"unit,{ids['finance']},Phòng Tài chính,,,,,",
            f"user,{ids['director']},Nguyễn Văn An,,,Giám đốc Sở,,leader",
            f"user,{ids['secretary']},Trần Thị Bình,,,Thư ký Giám đốc,,secretary",
            f"user,{ids['planning_head']},Lê Văn Cường,,{ids['planning']},Trưởng phòng,,unit_head",
            f"user,{ids['finance_head']},Phạm Thị Dung,,{ids['finance']},Trưởng phòng,,unit_head",
            f"user,{ids['specialist']},Hoàng Văn Em,,{ids['planning']},Chuyên viên,,specialist",
            f"user,{ids['stranger']},Vũ Văn Hải,,,Thư ký,,secretary",
        ]
    )
    response = await http.post(
        "/directory/import", content=csv_text, headers={**admin, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    response = await http.post(
        "/directory/delegations",
        json={
            "leader_user_id": ids["director"],
            "secretary_user_id": ids["secretary"],
            "valid_from": "2020-01-01T00:00:00+07:00",
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    ids["delegation"] = response.json()["delegation_id"]
    response = await http.put(
        "/directory/routing-rules",
        json={"default": {"leader_user_id": ids["director"], "lead_unit_id": ids["planning"]}},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    return organisation


class TopicReader:
    """Reads what was published to some topics since the reader was made."""

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        self._bootstrap = bootstrap
        self._topics = topics
        self._consumer: AIOKafkaConsumer | None = None
        self.seen: list[tuple[str, DecodedEvent, bytes]] = []

    async def start(self) -> None:
        self._consumer = create_consumer(
            KafkaSettings(bootstrap_servers=self._bootstrap),
            enable_auto_commit=False,
        )
        await self._consumer.start()
        metadata = await self._consumer._client.fetch_all_metadata()
        tps = [
            TopicPartition(t, p)
            for t in self._topics
            for p in metadata.partitions_for_topic(t) or ()
        ]
        self._consumer.assign(tps)
        await self._consumer.seek_to_end(*tps)
        for tp in tps:
            await self._consumer.position(tp)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def poll(self) -> None:
        assert self._consumer is not None
        batches = await self._consumer.getmany(timeout_ms=200)
        for tp, messages in batches.items():
            for message in messages:
                decoded = decode(list(message.headers or ()), message.value)
                self.seen.append((tp.topic, decoded, message.key or b""))

    async def matching(self, predicate: Callable[[DecodedEvent], bool]) -> list[DecodedEvent]:
        await self.poll()
        return [d for _, d, _ in self.seen if predicate(d)]


@pytest.fixture
async def published(
    platform_settings: PlatformSettings, routing: RoutingDeployment
) -> AsyncIterator[TopicReader]:
    reader = TopicReader(
        platform_settings.kafka.bootstrap_servers,
        [
            "task.assigned",
            "decision.recorded",
            "exchange.outbound",
            "task.deadline",
            "directory.changed",
        ],
    )
    await reader.start()
    try:
        yield reader
    finally:
        await reader.stop()


@pytest.fixture
def routing_bucket(platform_settings: PlatformSettings) -> tuple[Minio, str]:
    """The bucket routing keeps scans in, to check what was (not) stored."""
    return create_minio_client(platform_settings.s3), platform_settings.s3.bucket


def of_agency(agency: str) -> Callable[[DecodedEvent], bool]:
    return lambda d: getattr(d.event, "agency_code", None) == agency


def now_utc() -> datetime:
    return datetime.now(UTC)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
