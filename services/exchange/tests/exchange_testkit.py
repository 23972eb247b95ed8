"""Hubs, connectors and a Kafka tap for exchange tests: real processes on the real servers."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from harness.kafka_reads import topic_partitions
from harness.polling import eventually
from harness.processes import ServiceProcess, free_port
from harness.servers import Servers
from minio import Minio
from vanthu_contracts import DecodedEvent, Event, decode
from vanthu_contracts.events.exchange import SendDocumentRequested, SendStatusRequested
from vanthu_contracts.events.intake import OutgoingDocumentIssued
from vanthu_contracts.events.values import (
    BusinessType,
    Confidentiality,
    DocumentType,
    FileRef,
    FileRole,
    Person,
    Recipient,
    Signer,
    StaffInfo,
    StatusCode,
    Urgency,
)
from vanthu_exchange.domain.edxml import (
    AttachmentSource,
    Business,
    DocumentNumber,
    DocumentPackage,
    MessageHeader,
    Organization,
    PackageSigner,
    Promulgation,
    SignatureProfile,
    TraceHeaderList,
    write_document_package,
)
from vanthu_exchange.domain.edxml import DocumentType as EdxmlDocumentType
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.settings import AuthSettings, KafkaSettings

OPERATOR = "000.00.00.G22"


def edxml_package(
    sender: str,
    recipients: Sequence[str],
    *,
    number: str = "12",
    notation: str = "SNV-VP",
    subject: str = "V/v báo cáo tình hình liên thông",
    sender_name: str | None = None,
    attachments: Sequence[AttachmentSource] = (),
    signer: PackageSigner | None = None,
    signature_profile: SignatureProfile = SignatureProfile.VANTHU,
    document_type: EdxmlDocumentType | None = None,
) -> bytes:
    """An edXML package as an agency's system sends it to the hub, dated 20/11/2026."""
    header = MessageHeader(
        sender=Organization(agency_code=sender, name=sender_name),
        recipients=tuple(Organization(agency_code=r) for r in recipients),
        document_code=f"{sender},2026/11/20,{number}/{notation}",
        code=DocumentNumber(code_number=number, code_notation=notation),
        promulgation=Promulgation(promulgation_date=date(2026, 11, 20)),
        subject=subject,
        document_type=document_type,
    )
    sink = io.BytesIO()
    write_document_package(
        sink,
        DocumentPackage(
            message_header=header, trace_header_list=TraceHeaderList(business=Business())
        ),
        list(attachments),
        signer=signer,
        signature_profile=signature_profile,
    )
    return sink.getvalue()


def random_agency(prefix: str = "H41") -> str:
    """A QĐ 20/2020-style code no other test uses."""
    return f"{prefix}.{secrets.token_hex(4).upper()}"


def random_secret() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class HubProcess:
    process: ServiceProcess
    dev_secret: str
    database: str
    bucket: str

    @property
    def url(self) -> str:
        return self.process.url

    def admin_token(self, agency: str = OPERATOR) -> str:
        settings = AuthSettings(dev_mode=True, dev_secret=self.dev_secret)
        return issue_dev_token(
            settings, user_id="hub-admin", agency_code=agency, roles=["administrator"]
        )

    def register(
        self, system_id: str, secret: str, agencies: list[str], *, is_hub: bool = False
    ) -> httpx.Response:
        return httpx.post(
            f"{self.url}/hub/v1/systems",
            headers={"Authorization": f"Bearer {self.admin_token()}"},
            json={
                "system_id": system_id,
                "secret": secret,
                "agencies": [{"code": a, "name": f"Cơ quan {a}"} for a in agencies],
                "is_hub": is_hub,
            },
            timeout=10,
        )

    def sign_in(self, system_id: str, secret: str) -> httpx.Response:
        return httpx.post(
            f"{self.url}/hub/v1/sessions",
            json={"system_id": system_id, "secret": secret},
            timeout=10,
        )

    def unlock(self, system_id: str) -> httpx.Response:
        return httpx.delete(
            f"{self.url}/hub/v1/systems/{system_id}/lock",
            headers={"Authorization": f"Bearer {self.admin_token()}"},
            timeout=10,
        )

    def session(self, system_id: str, secret: str) -> dict[str, str]:
        response = httpx.post(
            f"{self.url}/hub/v1/sessions",
            json={"system_id": system_id, "secret": secret},
            timeout=10,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['token']}"}


def login_form_token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def portal_sign_in(browser: httpx.Client, agency_code: str, secret: str) -> httpx.Response:
    """The agency signs in on the portal as a browser does: the form first, then its post."""
    form = browser.get("/portal/login")
    return browser.post(
        "/portal/login",
        data={
            "agency_code": agency_code,
            "secret": secret,
            "csrf_token": login_form_token(form.text),
        },
    )


def base_env(servers: Servers) -> dict[str, str]:
    return {**servers.env(), "VANTHU_LOG_JSON": "true", "VANTHU_LOG_LEVEL": "INFO"}


def start_hub(
    servers: Servers,
    logs: Path,
    *,
    hub_id: str = "hub",
    peers: list[dict[str, str]] | None = None,
    port: int | None = None,
    token_secret: str | None = None,
    database: str | None = None,
    bucket: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> HubProcess:
    dev_secret = secrets.token_hex(32)
    database = database or f"hub_{secrets.token_hex(4)}"
    bucket = bucket or f"hub-{secrets.token_hex(4)}"
    env = {
        **base_env(servers),
        "VANTHU_MONGO_DATABASE": database,
        "VANTHU_S3_BUCKET": bucket,
        "VANTHU_AUTH_DEV_MODE": "true",
        "VANTHU_AUTH_DEV_SECRET": dev_secret,
        "VANTHU_EXCHANGE_HUB_ID": hub_id,
        "VANTHU_EXCHANGE_HUB_TOKEN_SECRET": token_secret or secrets.token_hex(32),
        "VANTHU_EXCHANGE_HUB_OPERATOR_AGENCY": OPERATOR,
        "VANTHU_EXCHANGE_HUB_PEERS": json.dumps(peers or []),
        # Tests talk plain HTTP to 127.0.0.1; a Secure cookie would never come back.
        "VANTHU_EXCHANGE_PORTAL_COOKIE_SECURE": "false",
        **(extra_env or {}),
    }
    process = ServiceProcess(
        "exchange", "api", port or free_port(), env, logs / f"{hub_id}-{secrets.token_hex(2)}.log"
    ).start()
    process.wait_ready()
    return HubProcess(process, dev_secret, database, bucket)


@dataclass
class Deployment:
    """One deployment's connector (the exchange worker) and its own database and bucket."""

    process: ServiceProcess
    system_id: str
    agencies: list[str]
    database: str
    bucket: str


def start_connector(
    servers: Servers,
    logs: Path,
    hub: HubProcess,
    system_id: str,
    secret: str,
    agencies: list[str],
    *,
    database: str | None = None,
    bucket: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Deployment:
    database = database or f"conn_{secrets.token_hex(4)}"
    bucket = bucket or f"conn-{secrets.token_hex(4)}"
    env = {
        **base_env(servers),
        "VANTHU_MONGO_DATABASE": database,
        "VANTHU_S3_BUCKET": bucket,
        "VANTHU_EXCHANGE_HUB_ENABLED": "false",
        "VANTHU_EXCHANGE_HUB_URL": hub.url,
        "VANTHU_EXCHANGE_SYSTEM_ID": system_id,
        "VANTHU_EXCHANGE_SYSTEM_SECRET": secret,
        "VANTHU_EXCHANGE_HOSTED_AGENCIES": json.dumps(agencies),
        "VANTHU_EXCHANGE_POLL_INTERVAL_S": "0.2",
        "VANTHU_EXCHANGE_INITIAL_BACKOFF_S": "0.2",
        "VANTHU_EXCHANGE_MAX_BACKOFF_S": "2",
        # Its groups are new: start them now rather than replay the shared broker's history of
        # exchange.outbound and document.received, which other tests and deployments wrote.
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        **(extra_env or {}),
    }
    process = ServiceProcess(
        "exchange", "worker", free_port(), env, logs / f"connector-{system_id}.log"
    ).start()
    process.wait_ready()
    return Deployment(process, system_id, agencies, database, bucket)


def minio_client(servers: Servers) -> Minio:
    return Minio(
        servers.s3_endpoint,
        access_key=servers.s3_access_key,
        secret_key=servers.s3_secret_key,
        secure=False,
    )


def put_file(servers: Servers, bucket: str, data: bytes, name: str = "cong-van.pdf") -> FileRef:
    """A file as intake would have stored it in the deployment's bucket."""
    import hashlib
    import io

    client = minio_client(servers)
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    sha = hashlib.sha256(data).hexdigest()
    key = f"sha256/{sha}"
    client.put_object(bucket, key, io.BytesIO(data), len(data), content_type="application/pdf")
    return FileRef(
        file_id=str(uuid.uuid4()),
        name=name,
        media_type="application/pdf",
        size=len(data),
        sha256=sha,
        object_key=key,
        role=FileRole.ORIGINAL,
    )


def issued_document(
    agency: str, recipients: list[str], files: tuple[FileRef, ...], number: str | None = None
) -> OutgoingDocumentIssued:
    number = number or str(secrets.randbelow(9000) + 100)
    issued = date(2026, 11, 20)
    return OutgoingDocumentIssued(
        document_id=str(uuid.uuid4()),
        agency_code=agency,
        document_code=f"{agency},{issued:%Y/%m/%d},{number}/UBND-VX",
        code_number=number,
        code_notation="UBND-VX",
        issued_date=issued,
        place="Hà Nội",
        document_type=DocumentType(name="Công văn"),
        subject="V/v triển khai liên thông văn bản điện tử",
        signer=Signer(
            competence="KT. CHỦ TỊCH", position="Phó Chủ tịch", full_name="Nguyễn Văn An"
        ),
        recipients=tuple(Recipient(name=f"Cơ quan {r}", agency_code=r) for r in recipients),
        urgency=Urgency.URGENT,
        confidentiality=Confidentiality.NORMAL,
        page_count=2,
        files=files,
        issued_at=datetime.now(UTC),
        registered_by=Person(user_id="vt1", full_name="Trần Thị Bình"),
    )


def send_request(
    document: OutgoingDocumentIssued,
    recipients: list[str],
    business: BusinessType = BusinessType.NEW,
    target: str | None = None,
) -> SendDocumentRequested:
    return SendDocumentRequested(
        request_id=str(uuid.uuid4()),
        document_id=document.document_id,
        agency_code=document.agency_code,
        business_type=business,
        target_document_code=target,
        recipients=tuple(recipients),
        requested_by=Person(user_id="vt1", full_name="Trần Thị Bình"),
        requested_at=datetime.now(UTC),
    )


def status_request(
    agency: str, to_agency: str, document_code: str, code: StatusCode
) -> SendStatusRequested:
    return SendStatusRequested(
        request_id=str(uuid.uuid4()),
        document_id=str(uuid.uuid4()),
        agency_code=agency,
        to_agency_code=to_agency,
        in_response_to=document_code,
        status_code=code,
        description=f"Trạng thái {code.value}",
        staff=StaffInfo(department="Văn phòng", name="Lê Văn Cường"),
        requested_at=datetime.now(UTC),
    )


@dataclass
class EventTap:
    """Reads exchange topics from their end at start, keeping every decoded event."""

    bootstrap: str
    topics: tuple[str, ...]
    seen: list[Event] = field(default_factory=list)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = create_consumer(
            KafkaSettings(bootstrap_servers=self.bootstrap),
            enable_auto_commit=False,
            group_id=None,
        )
        await consumer.start()
        partitions = [tp for topic in self.topics for tp in await topic_partitions(consumer, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)
        self._consumer = consumer
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            for messages in batches.values():
                for message in messages:
                    with contextlib.suppress(Exception):
                        decoded: DecodedEvent = decode(list(message.headers or ()), message.value)
                        self.seen.append(decoded.event)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    def matching(self, predicate: Callable[[Any], bool]) -> list[Any]:
        return [e for e in self.seen if predicate(e)]


@contextlib.contextmanager
def stopping(*processes: ServiceProcess) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            process.stop()


def restarted(process: ServiceProcess) -> ServiceProcess:
    """The same process (same port, environment and log) started again after it died."""
    again = ServiceProcess(
        process.service, process.kind, process.port, process.env, process.log_path
    ).start()
    again.wait_ready()
    return again


# -- the usual set-up: a hub, two agencies each with its connector ---------------------------


def register_agencies(hub: HubProcess, *codes: str) -> dict[str, str]:
    """Each agency registered at ``hub`` as a system of its own; its secret by its code."""
    known = {code: random_secret() for code in codes}
    for code, secret in known.items():
        registered = hub.register(code, secret, [code])
        assert registered.status_code == 201, registered.text
    return known


@dataclass
class TwoAgencies:
    """A ministry sending through its connector to a province receiving through its own."""

    hub: HubProcess
    sender: Deployment
    receiver: Deployment
    ministry: str
    province: str
    secrets: dict[str, str]

    @property
    def running(self) -> dict[str, ServiceProcess]:
        return {
            "hub": self.hub.process,
            "sender": self.sender.process,
            "receiver": self.receiver.process,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "hub": self.hub,
            "sender": self.sender,
            "receiver": self.receiver,
            "ministry": self.ministry,
            "province": self.province,
            "secrets": self.secrets,
            "running": self.running,
        }


def start_two_agencies(servers: Servers, logs: Path, *, hub_id: str) -> TwoAgencies:
    hub = start_hub(servers, logs, hub_id=hub_id)
    ministry, province = random_agency("G09"), random_agency("H41")
    known = register_agencies(hub, ministry, province)
    sender = start_connector(servers, logs, hub, ministry, known[ministry], [ministry])
    receiver = start_connector(servers, logs, hub, province, known[province], [province])
    return TwoAgencies(hub, sender, receiver, ministry, province, known)


@contextlib.asynccontextmanager
async def tapping(bootstrap: str, *topics: str) -> AsyncIterator[EventTap]:
    """An ``EventTap`` on ``topics`` (from their end) for the time of the block."""
    tap = EventTap(bootstrap, topics)
    await tap.start()
    try:
        yield tap
    finally:
        await tap.stop()


# -- what other vendors' systems send ---------------------------------------------------------

SDK_TEMPLATE_SIGNATURE = (
    "<Signature><SignedInfo>"
    '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    '<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
    '<Reference URI=""><DigestValue></DigestValue></Reference></SignedInfo>'
    "<SignatureValue></SignatureValue><KeyInfo><X509Data>"
    "<X509Certificate>MIIE3zCCA8egAwIBAgIQVN</X509Certificate></X509Data></KeyInfo></Signature>"
)
"""Our own imitation of the SDK's template block: no xmlns, empty values, a cut certificate."""


def with_sdk_template_signature(package: bytes) -> bytes:
    """``package`` (unsigned) with the SDK's template block where a signature goes."""
    return package.replace(
        b"</edXML:TraceHeaderList>",
        f"</edXML:TraceHeaderList>{SDK_TEMPLATE_SIGNATURE}".encode(),
        1,
    )


def publish_certificate(
    hub: HubProcess, auth: dict[str, str], agency: str, certificate_pem: str
) -> httpx.Response:
    return httpx.put(
        f"{hub.url}/hub/v1/agencies/{agency}/certificate",
        json={"certificate_pem": certificate_pem},
        headers=auth,
        timeout=10,
    )


async def waiting_document(hub: HubProcess, agency: str, secret: str) -> bytes:
    """The one document package waiting for ``agency`` at the hub, as the hub hands it out."""
    async with httpx.AsyncClient(
        base_url=hub.url, timeout=30, headers=hub.session(agency, secret)
    ) as client:

        async def waiting() -> list[dict[str, Any]]:
            pending = (await client.get("/hub/v1/packages")).json()["packages"]
            return [p for p in pending if p["kind"] == "edoc"]

        (item,) = await eventually(waiting, timeout=60, what=f"the document at {agency}")
        return (await client.get(f"/hub/v1/packages/{item['delivery_id']}")).content
