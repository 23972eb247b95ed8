"""The connector's use cases: remember outgoing documents, queue send requests, send packages
to the hub with retries, receive packages and statuses, answer them, follow deliveries.

Nothing here is lost when the process dies: requests become send jobs in Mongo before the offset
is committed; a received package is acknowledged to the hub only after its event is on Kafka;
every write that publishes carries its event (outbox). Ids derive from what caused them, so a
repeat changes nothing (ADR 0032, 0033).
"""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from cryptography import x509
from minio.error import ServerError
from pydantic import ValidationError
from pymongo.errors import PyMongoError
from urllib3.exceptions import HTTPError as Urllib3Error
from vanthu_contracts import DecodedEvent, Event, KafkaRecord, encode
from vanthu_contracts.events.exchange import (
    DeliveryStatusChanged,
    PackageReceived,
    ProcessingStatusReceived,
    SendDocumentRequested,
    SendStatusRequested,
)
from vanthu_contracts.events.intake import OutgoingDocumentIssued
from vanthu_contracts.events.values import (
    Attachment,
    BusinessType,
    DocumentType,
    FileRole,
    Issuer,
    PackageSignature,
    Signer,
    StaffInfo,
    StatusCode,
    TransportState,
    Urgency,
)
from vanthu_runtime.outbox import OutboxRelay
from vanthu_runtime.signing.ports import RawSigner, UnknownKey

from vanthu_exchange.domain.agency_code import is_test_environment_code
from vanthu_exchange.domain.document_types import steering_type, type_name
from vanthu_exchange.domain.edxml import (
    AttachmentDescriptor,
    AttachmentSource,
    AttachmentStart,
    Business,
    DocumentPackage,
    MessageHeader,
    PackageRejected,
    ReadPackage,
    SignatureProfile,
    SignatureStatus,
    StatusPackage,
    read_package,
    verify_package_signature,
    write_document_package,
    write_status_package,
)
from vanthu_exchange.domain.edxml import (
    BusinessDocType as EdxmlBusinessDocType,
)
from vanthu_exchange.domain.edxml.zipped_attachments import (
    ZIP_MEDIA_TYPE,
    ZIP_MEDIA_TYPES,
    ZipLimits,
    ZippedAttachmentRefused,
    is_wrapped,
    library_would_wrap,
    unwrap,
    wrap,
)
from vanthu_exchange.domain.outgoing import NotExchangeable, document_package, status_package
from vanthu_exchange.domain.peers import PeerProfile
from vanthu_exchange.domain.receipt import (
    Answer,
    answer_to_bad_signature,
    answer_to_new_document,
    answer_to_recall,
    answer_to_refused_package,
    backoff_seconds,
)
from vanthu_exchange.domain.signing_keys import (
    certificate_from_pem,
    certificate_pem_from_der,
    self_signed_key,
    signer_from_pem,
    signer_in_token,
    token_key_ref,
)
from vanthu_exchange.ports import (
    ConnectorStore,
    HubClient,
    HubRefused,
    HubUnavailable,
    ObjectMissing,
    PackageStore,
)

log = structlog.get_logger(__name__)

SOURCE = "/vanthu/exchange"
_NS = uuid.UUID("0b8f7a52-2f7e-4a55-8d8f-3c1e2a9b7d64")
SENDABLE_ROLES = {FileRole.ORIGINAL, FileRole.ATTACHMENT}
# The kinds of package one job may need, (zipped attachments, SDK signature) -> the label of its
# idempotency key; in this order the first kind present keeps the job's own id as its key.
_PACKAGE_KINDS: dict[tuple[bool, bool], str] = {
    (True, False): "zipped",
    (False, False): "plain",
    (True, True): "zipped-sdk",
    (False, True): "sdk",
}
_URGENCY = {
    0: Urgency.NORMAL,
    1: Urgency.URGENT,
    2: Urgency.VERY_URGENT,
    3: Urgency.FLASH,
    4: Urgency.FLASH,
}
# Our own servers (Mongo-wire, MinIO, the disk) not answering: the package is left at the hub
# for the next pass, never refused for it.
SERVER_OUTAGES = (PyMongoError, ServerError, Urllib3Error, OSError)
_BUSINESS = {
    EdxmlBusinessDocType.NEW: BusinessType.NEW,
    EdxmlBusinessDocType.REVOKE: BusinessType.REVOKE,
    EdxmlBusinessDocType.UPDATE: BusinessType.UPDATE,
    EdxmlBusinessDocType.REPLACE: BusinessType.REPLACE,
}


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "|".join(parts)))


def status_job_id(request: SendStatusRequested) -> str:
    """One job per status that happens once (01, 02, 03, 04, 06, 15, 16) per document and
    recipient, whoever asks for it (the connector itself, intake, routing); 05 may repeat."""
    if request.status_code is StatusCode.PROCESSING:
        return derived_id("status", request.agency_code, request.request_id)
    return derived_id(
        "status",
        request.agency_code,
        request.to_agency_code,
        request.in_response_to,
        request.status_code.value,
    )


def _record(
    event: Event, *, event_id: str, correlation_id: str | None, causation_id: str | None = None
) -> KafkaRecord:
    return encode(
        event,
        source=SOURCE,
        event_id=event_id,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


@dataclass
class Directory:
    """The hub's agency directory as this connector last synced it (names, certificates)."""

    version: int = 0
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def names(self) -> dict[str, str]:
        return {code: e["name"] for code, e in self.entries.items() if e.get("name")}

    def certificates(self, agency_code: str) -> list[x509.Certificate]:
        pem = (self.entries.get(agency_code) or {}).get("certificate_pem")
        return [certificate_from_pem(pem)] if pem else []


@dataclass(frozen=True)
class ConnectorPolicy:
    agencies: tuple[str, ...]
    max_attempts: int = 8
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 60.0
    require_signature: bool = True
    long_poll_s: float = 10.0
    max_receive_attempts: int = 3
    """Passes a package may fail to be taken in (for any reason but our servers being away)
    before it is set aside: refused with status 02 and listed for the operator."""
    peers: Mapping[str, PeerProfile] = field(default_factory=dict)
    """What this deployment knows of each peer agency's system (ADR 0050)."""
    zip_limits: ZipLimits = field(default_factory=ZipLimits)

    def peer(self, agency_code: str) -> PeerProfile:
        return self.peers.get(agency_code) or PeerProfile()

    def is_test_environment_code(self, agency_code: str) -> bool:
        """A lower-case VDXP test code (``vxp.saas.03``) of a peer configured as on the test
        environment, or one of ours there (a hosted agency configured by its test code)."""
        return self.peer(agency_code).test_environment or agency_code in self.agencies

    def requires_signature_from(self, agency_code: str) -> bool:
        wanted = self.peer(agency_code).require_signature
        return self.require_signature if wanted is None else wanted


class Connector:
    def __init__(
        self,
        store: ConnectorStore,
        packages: PackageStore,
        hub: HubClient,
        relay: OutboxRelay,
        policy: ConnectorPolicy,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        token: RawSigner | None = None,
    ) -> None:
        self.store = store
        self.packages = packages
        self.hub = hub
        self.relay = relay
        self.policy = policy
        self.directory = Directory()
        self._clock = clock
        self.wake_sender = asyncio.Event()
        self._keys: list[dict[str, Any]] | None = None
        self._token = token
        # The certificates (PEM) of the hosted agencies whose key ``edxml:<agency>`` the token
        # holds: those sign in the token, and nothing of theirs is written to Mongo.
        self._token_certificates: dict[str, str] = {}

    async def close(self) -> None:
        await self.relay.close()
        await self.hub.close()

    async def publish_outbox(self) -> int:
        return int(await self.relay.publish_pending())

    def hosts(self, agency_code: str) -> bool:
        return agency_code in self.policy.agencies

    # -- keys and directory ------------------------------------------------------------------

    async def ensure_keys(self) -> list[dict[str, Any]]:
        """Each hosted agency's key: the token's ``edxml:<agency>`` when the connector has a
        token holding it, else one made on first use and kept in Mongo (dev, tests). Here,
        without the hub, so that sending works (and fails with a status when the hub is away)
        before the hub has been reached."""
        if self._keys is not None:
            return self._keys
        keys = []
        for code in self.policy.agencies:
            found = await self._token_key(code)
            if found is None:
                found = await self.store.key(code)
            if found is None:
                key_pem, cert_pem = await asyncio.to_thread(self_signed_key, code)
                found = await self.store.add_key(code, key_pem, cert_pem)
            keys.append(found)
        self._keys = keys
        return keys

    async def _token_key(self, agency_code: str) -> dict[str, Any] | None:
        if self._token is None:
            return None
        if agency_code not in self._token_certificates:
            try:
                der = await self._token.certificate(token_key_ref(agency_code))
            except UnknownKey:
                log.info("the token holds no package key; Mongo's is used", agency=agency_code)
                return None
            self._token_certificates[agency_code] = certificate_pem_from_der(der)
        return {"_id": agency_code, "certificate_pem": self._token_certificates[agency_code]}

    async def ensure_keys_published(self) -> None:
        """Make each hosted agency's key on first use and publish its certificate at the hub."""
        for found in await self.ensure_keys():
            await self.hub.publish_certificate(found["_id"], found["certificate_pem"])
        await self.sync_directory()

    async def sync_directory(self, *, full: bool = False) -> None:
        """Incremental by the hub's version; ``full`` reads everything again, because two
        concurrent directory writes can commit out of version order and a cursor past the
        later one would never see the earlier."""
        answer = await self.hub.directory(0 if full else self.directory.version)
        for entry in answer["agencies"]:
            self.directory.entries[entry["code"]] = entry
        self.directory.version = max(self.directory.version, int(answer["version"]))

    async def _signer(self, agency_code: str) -> Any:
        in_token = await self._token_key(agency_code)
        if in_token is not None and self._token is not None:
            return signer_in_token(
                self._token, token_key_ref(agency_code), in_token["certificate_pem"]
            )
        found = await self.store.key(agency_code)
        if found is None:
            raise HubUnavailable(f"no signing key yet for {agency_code}")
        return signer_from_pem(found["key_pem"], found["certificate_pem"])

    # -- consuming requests ------------------------------------------------------------------

    async def remember_outgoing_document(self, decoded: DecodedEvent) -> None:
        event = decoded.event
        if not isinstance(event, OutgoingDocumentIssued) or not self.hosts(event.agency_code):
            return
        await self.store.remember_outgoing(
            event.document_id,
            {
                "agency_code": event.agency_code,
                "document_code": event.document_code,
                "event": event.model_dump(mode="json", by_alias=True),
            },
        )
        self.wake_sender.set()

    async def queue_send_request(self, decoded: DecodedEvent) -> None:
        event = decoded.event
        if not isinstance(event, SendDocumentRequested | SendStatusRequested):
            return
        if not self.hosts(event.agency_code):
            return
        envelope = decoded.envelope
        kind = "document" if isinstance(event, SendDocumentRequested) else "status"
        job_id = (
            derived_id(kind, event.agency_code, event.request_id)
            if isinstance(event, SendDocumentRequested)
            else status_job_id(event)
        )
        recipients = (
            list(event.recipients)
            if isinstance(event, SendDocumentRequested)
            else [event.to_agency_code]
        )
        now = self._clock()
        events: list[KafkaRecord] = []
        if kind == "document":
            events = [
                _record(
                    DeliveryStatusChanged(
                        package_id=job_id,
                        document_id=event.document_id,
                        agency_code=event.agency_code,
                        recipient_agency_code=recipient,
                        transport=TransportState.QUEUED,
                        attempt=1,
                        changed_at=now,
                    ),
                    event_id=derived_id(job_id, recipient, "queued"),
                    correlation_id=envelope.correlationid,
                    causation_id=envelope.id,
                )
                for recipient in recipients
            ]
        await self.store.add_job(
            {
                "_id": job_id,
                "kind": kind,
                "agency_code": event.agency_code,
                "document_id": event.document_id,
                "recipients": recipients,
                "request": event.model_dump(mode="json", by_alias=True),
                "state": "waiting",
                "attempts": 0,
                "next_attempt_at": now,
                "correlation_id": envelope.correlationid,
                "causation_id": envelope.id,
                "created_at": now,
            },
            events,
        )
        self.wake_sender.set()

    async def queue_answer(
        self, *, agency_code: str, to_agency: str, document_code: str, answer: Answer, cause: str
    ) -> None:
        """A status the connector sends by itself (01, 02, 15, 16) as a send job."""
        request = SendStatusRequested(
            request_id=derived_id("answer", cause, answer.status_code.value),
            document_id=cause,
            agency_code=agency_code,
            to_agency_code=to_agency,
            in_response_to=document_code,
            status_code=answer.status_code,
            description=answer.description,
            staff=StaffInfo(department="Văn thư", name=f"Hệ thống liên thông {agency_code}"),
            requested_at=self._clock(),
        )
        job_id = status_job_id(request)
        await self.store.add_job(
            {
                "_id": job_id,
                "kind": "status",
                "automatic": True,
                "agency_code": agency_code,
                "document_id": cause,
                "recipients": [to_agency],
                "request": request.model_dump(mode="json", by_alias=True),
                "state": "waiting",
                "attempts": 0,
                "next_attempt_at": self._clock(),
                "correlation_id": cause,
                "created_at": self._clock(),
            }
        )
        self.wake_sender.set()

    # -- sending -----------------------------------------------------------------------------

    async def send_due(self, limit: int = 20) -> int:
        """Send the due jobs, each on its own: one that cannot be sent fails (at once, or after
        ``max_attempts``) and never holds back the jobs behind it. A server outage (Mongo-wire,
        MinIO unreachable) stops the pass: it is no job's fault, and the step is tried again."""
        sent = 0
        for job in await self.store.due_jobs(self._clock(), limit):
            try:
                sent += await self._send_job(job)
            except SERVER_OUTAGES:
                raise
            except Exception as exc:
                log.exception("send job failed", job=job["_id"])
                await self._retry_later(
                    job, int(job["attempts"]) + 1, f"{type(exc).__name__}: {exc}"
                )
        return sent

    async def _send_job(self, job: dict[str, Any]) -> int:
        attempt = int(job["attempts"]) + 1
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="send-")))
            try:
                packages = await self._build_for_recipients(job, workdir)
            except _NotReady as waiting:
                await self.store.update_job(
                    job["_id"],
                    {
                        "next_attempt_at": self._clock() + timedelta(seconds=waiting.retry_in_s),
                        "waiting_for": str(waiting),
                    },
                )
                return 0
            except (NotExchangeable, PackageRejected, ValidationError, ValueError) as exc:
                await self._give_up(job, attempt, f"cannot build the package: {exc}")
                return 0
            except _FileGone as gone:
                await self._give_up(job, attempt, f"{FILE_GONE_REASON}: {gone.name}")
                return 0
            deliveries: list[dict[str, Any]] = []
            try:
                for path, recipients, key in packages:
                    deliveries += await self.hub.send_package(
                        path, idempotency_key=key, recipients=recipients
                    )
            except HubRefused as exc:
                await self._give_up(job, attempt, f"the hub refused the package: {exc.detail}")
                return 0
            except HubUnavailable as exc:
                await self._retry_later(job, attempt, str(exc))
                return 0
        await self._mark_sent(job, attempt, deliveries)
        return 1

    async def _build_for_recipients(
        self, job: dict[str, Any], workdir: Path
    ) -> list[tuple[Path, Sequence[str], str]]:
        """The package(s) of a job, with the recipients each goes to and its idempotency key:
        one for all, unless recipients differ in what their software expects: attachments
        zipped the vendor libraries' way (``PeerProfile.zip_attachments``, ADR 0050) or the
        SDK's signature profile (``PeerProfile.sdk_signature``, ADR 0053); each kind then gets
        its own package, the same but for the attachments or the signature. The first kind
        keeps the job's id as its key, so a job's keys are what they were before."""
        # A document goes to a VDXP test code only where that peer is configured so; a status
        # answers whoever sent us a package, so a refusal reaches the sender it names (ADR 0053).
        untested = [
            code
            for code in job["recipients"]
            if job["kind"] == "document"
            and is_test_environment_code(code)
            and not self.policy.is_test_environment_code(code)
        ]
        if untested:
            raise NotExchangeable(
                f"{', '.join(untested)}: a lower-case VDXP test-environment code; documents go "
                "to one only where the peer is configured as a test-environment peer "
                "(VANTHU_EXCHANGE_PEERS test_environment)"
            )
        groups: dict[tuple[bool, bool], list[str]] = {}
        for recipient in job["recipients"]:
            peer = self.policy.peer(recipient)
            zipping = peer.zip_attachments and job["kind"] == "document"
            groups.setdefault((zipping, peer.sdk_signature), []).append(recipient)
        if len(groups) <= 1:
            ((zipping, sdk),) = groups or {(False, False): []}
            path = await self._build(job, workdir, zip_attachments=zipping, sdk_signature=sdk)
            return [(path, (), job["_id"])]
        built: list[tuple[Path, Sequence[str], str]] = []
        for kind in _PACKAGE_KINDS:
            recipients = groups.get(kind)
            if not recipients:
                continue
            label = _PACKAGE_KINDS[kind]
            kind_dir = workdir / label
            kind_dir.mkdir()
            path = await self._build(job, kind_dir, zip_attachments=kind[0], sdk_signature=kind[1])
            key = f"{job['_id']}|{label}" if built else job["_id"]
            built.append((path, recipients, key))
        return built

    async def _build(
        self,
        job: dict[str, Any],
        workdir: Path,
        *,
        zip_attachments: bool = False,
        sdk_signature: bool = False,
    ) -> Path:
        path = workdir / "package.edxml"
        names = self.directory.names()
        signer = await self._signer(job["agency_code"])
        profile = SignatureProfile.SDK if sdk_signature else SignatureProfile.VANTHU
        if job["kind"] == "status":
            request = SendStatusRequested.model_validate(job["request"])
            status = status_package(request, names=names, sent_at=self._clock())
            await asyncio.to_thread(_write_status, path, status, signer, profile)
            return path
        request_doc = SendDocumentRequested.model_validate(job["request"])
        stored = await self.store.outgoing(request_doc.document_id)
        if stored is None:
            raise _NotReady(f"document {request_doc.document_id} not issued yet", 1.0)
        document = OutgoingDocumentIssued.model_validate(stored["event"])
        earlier: list[str] | None = None
        if request_doc.business_type in (BusinessType.UPDATE, BusinessType.REPLACE):
            earlier = await self.store.sent_to(
                request_doc.agency_code, request_doc.target_document_code or ""
            )
        package = document_package(
            document,
            request_doc,
            names=names,
            sent_at=self._clock().replace(microsecond=0),
            earlier_recipients=earlier,
        )
        sources: list[tuple[Path, Any]] = []
        if request_doc.business_type is not BusinessType.REVOKE:
            for index, file in enumerate(f for f in document.files if f.role in SENDABLE_ROLES):
                local = workdir / f"file-{index}"
                try:
                    await self.packages.download(file.object_key, local)
                except ObjectMissing as exc:
                    raise _FileGone(file.name) from exc
                sources.append((local, file))
        await asyncio.to_thread(
            _write_document,
            path,
            package,
            sources,
            signer,
            zip_attachments=zip_attachments,
            profile=profile,
        )
        return path

    async def _mark_sent(
        self, job: dict[str, Any], attempt: int, deliveries: list[dict[str, Any]]
    ) -> None:
        events: list[KafkaRecord] = []
        if job["kind"] == "document":
            await self._note_recipients(job, [d["recipient"] for d in deliveries])
            events = [
                _record(
                    DeliveryStatusChanged(
                        package_id=job["_id"],
                        document_id=job["document_id"],
                        agency_code=job["agency_code"],
                        recipient_agency_code=d["recipient"],
                        transport=TransportState.DELIVERED,
                        attempt=attempt,
                        changed_at=self._clock(),
                    ),
                    event_id=derived_id(job["_id"], d["recipient"], "delivered"),
                    correlation_id=job.get("correlation_id"),
                    causation_id=job.get("causation_id"),
                )
                for d in deliveries
            ]
        await self.store.update_job(
            job["_id"],
            {
                "state": "sent",
                "attempts": attempt,
                "deliveries": [
                    {"recipient": d["recipient"], "delivery_id": d["delivery_id"]}
                    for d in deliveries
                ],
                "sent_at": self._clock(),
            },
            events,
        )
        log.info("package sent", job=job["_id"], kind=job["kind"], attempt=attempt)

    async def _note_recipients(self, job: dict[str, Any], recipients: list[str]) -> None:
        """Whom the document went to, before the job says sent: a later update or replacement
        of it names them (ReceiverList, ReplacementInfoList)."""
        if job["request"].get("business_type") == BusinessType.REVOKE.value:
            return
        await self.store.note_sent_to(job["document_id"], recipients)

    async def _retry_later(self, job: dict[str, Any], attempt: int, reason: str) -> None:
        if attempt >= self.policy.max_attempts:
            await self._give_up(job, attempt, f"gave up after {attempt} attempts: {reason}")
            return
        delay = backoff_seconds(attempt, self.policy.initial_backoff_s, self.policy.max_backoff_s)
        log.warning(
            "send failed; retrying", job=job["_id"], attempt=attempt, retry_in_s=delay, error=reason
        )
        await self.store.update_job(
            job["_id"],
            {
                "attempts": attempt,
                "next_attempt_at": self._clock() + timedelta(seconds=delay),
                "last_error": reason[:500],
            },
        )

    async def _give_up(self, job: dict[str, Any], attempt: int, reason: str) -> None:
        log.error("send failed for good", job=job["_id"], reason=reason)
        events: list[KafkaRecord] = []
        if job["kind"] == "document":
            events = [
                _record(
                    DeliveryStatusChanged(
                        package_id=job["_id"],
                        document_id=job["document_id"],
                        agency_code=job["agency_code"],
                        recipient_agency_code=recipient,
                        transport=TransportState.FAILED,
                        attempt=attempt,
                        reason=reason[:500],
                        changed_at=self._clock(),
                    ),
                    event_id=derived_id(job["_id"], recipient, "failed"),
                    correlation_id=job.get("correlation_id"),
                )
                for recipient in job["recipients"]
            ]
        await self.store.update_job(
            job["_id"], {"state": "failed", "attempts": attempt, "last_error": reason[:500]}, events
        )

    # -- following deliveries ----------------------------------------------------------------

    async def follow_deliveries(self) -> int:
        """Recipients' acknowledgements at the hub become ``acknowledged`` delivery states."""
        cursor = await self.store.cursor("sent")
        since = cursor["value"] if cursor else None
        noted = 0
        latest = since
        for delivery in await self.hub.sent(since):
            latest = (
                delivery["updated_at"] if latest is None else max(latest, delivery["updated_at"])
            )
            if delivery["state"] not in ("done", "failed") or delivery["kind"] != "edoc":
                continue
            job = await self.store.job_of_delivery(delivery["delivery_id"])
            if job is None or job["kind"] != "document":
                continue
            transport = (
                TransportState.ACKNOWLEDGED
                if delivery["state"] == "done"
                else TransportState.FAILED
            )
            event = DeliveryStatusChanged(
                package_id=job["_id"],
                document_id=job["document_id"],
                agency_code=job["agency_code"],
                recipient_agency_code=delivery["recipient"],
                transport=transport,
                attempt=max(1, int(job.get("attempts", 1))),
                reason=(delivery.get("reason") or "the recipient could not take the package")[:500]
                if transport is TransportState.FAILED
                else None,
                changed_at=self._clock(),
            )
            entry = _record(
                event,
                event_id=derived_id(job["_id"], delivery["recipient"], transport.value),
                correlation_id=job.get("correlation_id"),
            )
            noted += await self.store.note_acknowledged(
                job["_id"], delivery["delivery_id"], [entry]
            )
        if latest is not None and latest != since:
            # The hub's times are strings here; ISO strings in UTC order like the times.
            await self.store.set_cursor("sent", latest)
        return noted

    # -- receiving ---------------------------------------------------------------------------

    async def receive_pending(self) -> int:
        """Take in what waits at the hub, each package on its own: one that fails does not
        hold up those after it (issue 16 item 4)."""
        handled = 0
        for item in await self.hub.pending(wait_s=self.policy.long_poll_s):
            try:
                handled += await self.receive(item)
            except (HubUnavailable, *SERVER_OUTAGES) as exc:
                log.warning(
                    "receive interrupted; the hub keeps the package",
                    delivery=item["delivery_id"],
                    error=str(exc),
                )
            except Exception as exc:  # noqa: BLE001 (whatever a package does, the next is taken)
                handled += await self._after_failed_receive(item, exc)
        return handled

    async def _after_failed_receive(self, item: dict[str, Any], error: Exception) -> int:
        """Count the failure; at ``max_receive_attempts`` set the package aside: a refused
        record (status 02 with the reason goes back, the hub is told it failed, `vanthu
        exchange set-aside` lists it)."""
        delivery_id = item["delivery_id"]
        what = f"{type(error).__name__}: {error}"[:300]
        attempts = await self.store.note_receive_failure(delivery_id, what, self._clock())
        log.error(
            "package could not be taken in",
            delivery=delivery_id,
            attempts=attempts,
            error=what,
            exc_info=error,
        )
        if attempts < self.policy.max_receive_attempts:
            return 0
        reason = f"the connector could not take the package in ({attempts} attempts): {what}"
        await self._refuse(self._received_base(item), reason, item.get("document_code"))
        try:
            return await self.receive(item)
        except Exception as again:  # noqa: BLE001 (logged; the next package is still taken)
            log.error(
                "set-aside package not acknowledged yet", delivery=delivery_id, error=str(again)
            )
            return 0

    def _received_base(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "_id": item["delivery_id"],
            "kind": item["kind"],
            "from_agency": item["from_agency"],
            "agency_code": item["recipient"],
            "document_code": item.get("document_code"),
            "received_at": self._clock(),
        }

    async def receive(self, item: dict[str, Any]) -> int:
        delivery_id = item["delivery_id"]
        record = await self.store.received(delivery_id)
        if record is None:
            workdir = tempfile.TemporaryDirectory(prefix="recv-")
            try:
                record = await self._take_in(delivery_id, item, Path(workdir.name))
            finally:
                # Removing the package and its attachments is file I/O: not on the event loop.
                await asyncio.to_thread(workdir.cleanup)
        # The answer, the marks on an earlier copy and the record's own events are independent
        # writes: made at once.
        published = self._publish_record(record)
        _, _, record = await asyncio.gather(
            self._ensure_answer(record), self._ensure_copy_marked(record), published
        )
        if self.store.unpublished(record):
            return 0  # acknowledged on a later pass, once the event is on the topic
        await self.hub.acknowledge(
            delivery_id, record["outcome"] != "refused", record.get("reason")
        )
        return 1

    async def _publish_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record once a relay pass has published its events (as read after the pass)."""
        if not self.store.unpublished(record):
            return record
        await self.publish_outbox()
        return await self.store.received(record["_id"]) or record

    async def _ensure_copy_marked(self, record: dict[str, Any]) -> None:
        """The copy a received update, replacement or revocation affects, marked on every pass
        until the hub is acknowledged, so a crash after the record was written still marks it."""
        if record.get("kind") != "edoc" or record.get("outcome") != "accepted":
            return
        business_type = record.get("business_type")
        change = record.get("change")
        if not change or not change.get("copy_id"):
            return
        if business_type == BusinessType.REVOKE.value:
            await self.store.freeze(change["copy_id"], record["_id"])
        else:
            await self.store.note_change(change["copy_id"], change["entry"])

    async def _ensure_answer(self, record: dict[str, Any]) -> None:
        answer = record.get("answer")
        if not answer:
            return
        await self.queue_answer(
            agency_code=record["agency_code"],
            to_agency=record["from_agency"],
            document_code=answer["document_code"],
            answer=Answer(StatusCode(answer["status_code"]), answer.get("description")),
            cause=record["_id"],
        )

    async def _take_in(
        self, delivery_id: str, item: dict[str, Any], workdir: Path
    ) -> dict[str, Any]:
        package_path = workdir / "package.edxml"
        await self.hub.fetch(delivery_id, package_path)
        base = self._received_base(item)
        try:
            read, files = await asyncio.to_thread(
                _read_to_files, package_path, workdir, self.policy.is_test_environment_code
            )
        except PackageRejected as rejection:
            return await self._refuse(base, rejection.reason, item.get("document_code"))
        if read.sender_agency_code != item["from_agency"]:
            return await self._refuse(
                base,
                "the package's From/OrganId is not the sender the hub names",
                item.get("document_code"),
            )
        if not self.directory.certificates(read.sender_agency_code):
            await self.sync_directory(full=True)
        verdict = verify_package_signature(read, self.directory.certificates)
        # Unsigned (no Signature, or only the SDK's template block) is taken from a peer not
        # required to sign; an invalid signature never is (ADR 0050).
        unsigned_allowed = (
            verdict.status is SignatureStatus.UNSIGNED
            and not self.policy.requires_signature_from(read.sender_agency_code)
        )
        if not verdict.is_valid and not unsigned_allowed:
            reason = verdict.reason or "the package is not signed"
            if verdict.status is SignatureStatus.UNSIGNED:
                reason = f"{read.sender_agency_code} is required to sign its packages: {reason}"
            return await self._refuse(base, reason, item.get("document_code"), bad_signature=True)
        # SHA-1 is weak: taken only from a peer configured to sign the SDK's way (ADR 0053).
        if verdict.legacy_algorithm and not self.policy.peer(read.sender_agency_code).sdk_signature:
            reason = (
                f"{read.sender_agency_code} signed with SHA-1 (rsa-sha1, the VPCP SDK's "
                "profile), which is accepted only from peers configured to sign that way"
            )
            return await self._refuse(base, reason, item.get("document_code"), bad_signature=True)
        signature = PackageSignature.VALID if verdict.is_valid else PackageSignature.NONE
        base["signature"] = "unsigned" if signature is PackageSignature.NONE else "valid"
        if verdict.template_block:
            base["signature_note"] = verdict.reason
        if isinstance(read.package, StatusPackage):
            return await self._take_status(base, read.package)
        assert isinstance(read.package, DocumentPackage)
        try:
            received = await asyncio.to_thread(
                _unwrap_attachments, read, files, workdir, self.policy.zip_limits
            )
        except ZippedAttachmentRefused as refused:
            return await self._refuse(base, refused.reason, item.get("document_code"))
        return await self._take_document(base, read, received, package_path, signature)

    async def _refuse(
        self,
        base: dict[str, Any],
        reason: str,
        document_code: str | None,
        *,
        bad_signature: bool = False,
    ) -> dict[str, Any]:
        log.warning("package refused", delivery=base["_id"], reason=reason)
        answer = (
            answer_to_bad_signature(reason) if bad_signature else answer_to_refused_package(reason)
        )
        record = {**base, "outcome": "refused", "reason": reason[:500]}
        if base["kind"] == "edoc" and document_code:
            record["answer"] = {
                "status_code": answer.status_code.value,
                "description": answer.description,
                "document_code": document_code,
            }
        return await self.store.add_received(record)

    async def _take_status(self, base: dict[str, Any], status: StatusPackage) -> dict[str, Any]:
        document_code = status.response_for.document_code or ""
        outgoing = await self.store.outgoing_by_code(base["agency_code"], document_code)
        if outgoing is None:
            record = {
                **base,
                "outcome": "refused",
                "reason": f"no outgoing document {document_code} here",
            }
            return await self.store.add_received(record)
        staff = status.staff
        event = ProcessingStatusReceived(
            document_id=outgoing["_id"],
            agency_code=base["agency_code"],
            from_agency_code=status.sender.agency_code,
            document_code=document_code,
            status_code=StatusCode(status.status_code.value),
            description=(status.description or None) and status.description[:500],
            staff=StaffInfo(
                department=(staff.department or "-")[:200],
                name=(staff.staff or "-")[:100],
                email=None,
            )
            if staff
            else None,
            package_id=base["_id"],
            reported_at=status.timestamp,
        )
        record = {**base, "outcome": "accepted", "status_code": status.status_code.value}
        received = _record(
            event, event_id=derived_id(base["_id"], "status"), correlation_id=outgoing["_id"]
        )
        return await self.store.add_received(record, [received])

    async def _take_document(
        self,
        base: dict[str, Any],
        read: ReadPackage,
        received: Sequence[_ReceivedFile],
        package_path: Path,
        signature: PackageSignature,
    ) -> dict[str, Any]:
        package = read.package
        assert isinstance(package, DocumentPackage)
        header = package.message_header
        business = package.trace_header_list.business
        business_type = _BUSINESS[business.doc_type]
        target = business.document_code if business_type is not BusinessType.NEW else None
        answer: Answer
        frozen_copy: dict[str, Any] | None = None
        held: dict[str, Any] | None = None
        if target is not None:
            held = await self.store.held_copy(base["from_agency"], base["agency_code"], target)
        if business_type is BusinessType.REVOKE:
            frozen_copy = held
            answer = answer_to_recall(
                frozen_copy is not None, bool(frozen_copy and frozen_copy.get("frozen"))
            )
        else:
            answer = answer_to_new_document()
        # The package and its attachments go to the blob store at once, not one after another.
        # A wrapped attachment's zip is kept beside what it unwrapped to, as received (evidence).
        wrapped = [file for file in received if file.as_received is not None]
        (package_key, package_sha, _), *stored = await asyncio.gather(
            self.packages.put_file(
                package_path, prefix="exchange/packages", media_type="application/xml"
            ),
            *(
                self.packages.put_file(
                    file.path, prefix="exchange/attachments", media_type=file.media_type
                )
                for file in received
            ),
            *(
                self.packages.put_file(
                    file.as_received,
                    prefix="exchange/attachments",
                    media_type=ZIP_MEDIA_TYPE,
                )
                for file in wrapped
                if file.as_received is not None
            ),
        )
        kept, evidence = stored[: len(received)], stored[len(received) :]
        attachments = [
            Attachment(
                object_key=key,
                name=file.name[:255],
                media_type=file.media_type,
                sha256=sha,
                size=size,
            )
            for file, (key, sha, size) in zip(received, kept, strict=True)
        ]
        answer_code = target if business_type is BusinessType.REVOKE else header.document_code
        record = {
            **base,
            "document_code": header.document_code
            if business_type is not BusinessType.REVOKE
            else target,
            "business_type": business_type.value,
            "business": _business_record(business),
            "outcome": "accepted",
            "package_object_key": package_key,
            "unwrapped_attachments": [
                {
                    "name": file.name,
                    "entry_name": file.entry_name,
                    "received_object_key": key,
                    "received_sha256": sha,
                    "received_size": size,
                    "sha256": attachment.sha256,
                }
                for file, (key, sha, size), attachment in zip(
                    wrapped,
                    evidence,
                    [a for f, a in zip(received, attachments, strict=True) if f.as_received],
                    strict=True,
                )
            ],
            "answer": {
                "status_code": answer.status_code.value,
                "description": answer.description,
                "document_code": answer_code,
            },
        }
        events: list[KafkaRecord] = []
        if business_type is BusinessType.REVOKE and frozen_copy is None:
            record["outcome"] = "accepted"  # answered 16; nothing to freeze, nothing to publish
        else:
            try:
                event = PackageReceived(
                    package_id=base["_id"],
                    agency_code=base["agency_code"],
                    from_agency_code=header.sender.agency_code,
                    document_code=header.document_code
                    if business_type is not BusinessType.REVOKE
                    else (target or header.document_code),
                    business_type=business_type,
                    target_document_code=target,
                    issuer=Issuer(
                        name=(header.sender.name or header.sender.agency_code)[:200],
                        agency_code=header.sender.agency_code,
                    ),
                    document_type=DocumentType(name=_document_type_name(header)[:100]),
                    code_number=header.code.code_number[:11],
                    code_notation=header.code.code_notation.replace(" ", "")[:30],
                    issued_date=header.promulgation.promulgation_date,
                    subject=header.subject[:500],
                    signer=Signer(
                        competence=header.signer.competence,
                        position=header.signer.position or "-",
                        full_name=header.signer.full_name,
                    )
                    if header.signer
                    else None,
                    urgency=_URGENCY[int(header.other_info.urgency)],
                    due_date=header.due_date,
                    to_places=tuple(p[:200] for p in header.to_places if p),
                    page_count=header.other_info.page_amount or None,
                    attachments=tuple(attachments),
                    package_object_key=package_key,
                    package_sha256=package_sha,
                    signature=signature,
                    hub_message_id=base["_id"],
                    received_at=base["received_at"],
                    content=_bounded(header.content, 2000),
                    steering_type=steering_type(header.steering_type),
                    sphere_of_promulgation=_bounded(header.other_info.sphere_of_promulgation, 200),
                    typer_notation=_bounded(header.other_info.typer_notation, 30),
                )
            except ValidationError as error:
                return await self._refuse(
                    base,
                    f"the package does not fit the registry's fields: {error.errors()[0]['msg']}",
                    header.document_code,
                )
            events = [
                _record(
                    event, event_id=derived_id(base["_id"], "received"), correlation_id=base["_id"]
                )
            ]
        if held is not None:
            record["change"] = {
                "copy_id": held["_id"],
                "entry": {
                    "delivery_id": base["_id"],
                    "business_type": business_type.value,
                    "document_code": header.document_code,
                    **_business_record(business),
                    "received_at": base["received_at"],
                },
            }
        return await self.store.add_received(record, events)


FILE_GONE_REASON = (
    "Tệp của văn bản không còn được lưu trữ (the document's file is no longer stored)"
)
NO_CONNECTOR_REASON = (
    "Chưa kết nối trục liên thông: hệ thống chưa cấu hình kết nối (no exchange connector: "
    "VANTHU_EXCHANGE_HUB_URL, _SYSTEM_ID and _SYSTEM_SECRET are not set for this deployment)"
)


class NoConnector:
    """The exchange worker of a deployment with no hub configured. A send request of its
    agencies cannot go: each recipient is told failed at once, with the reason, so the clerk
    sees why instead of a document that never leaves (issue 11 item 8)."""

    def __init__(
        self,
        publish: Callable[[KafkaRecord], Awaitable[object]],
        agencies: Sequence[str],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._publish = publish
        self.agencies = tuple(agencies)
        self._clock = clock

    async def refuse_send(self, decoded: DecodedEvent) -> None:
        event = decoded.event
        if not isinstance(event, SendDocumentRequested) or event.agency_code not in self.agencies:
            return
        job_id = derived_id("document", event.agency_code, event.request_id)
        for recipient in event.recipients:
            await self._publish(
                _record(
                    DeliveryStatusChanged(
                        package_id=job_id,
                        document_id=event.document_id,
                        agency_code=event.agency_code,
                        recipient_agency_code=recipient,
                        transport=TransportState.FAILED,
                        attempt=1,
                        reason=NO_CONNECTOR_REASON,
                        changed_at=self._clock(),
                    ),
                    event_id=derived_id(job_id, recipient, "failed"),
                    correlation_id=decoded.envelope.correlationid,
                    causation_id=decoded.envelope.id,
                )
            )
        log.warning(
            "send requested with no connector configured",
            document_id=event.document_id,
            recipients=list(event.recipients),
        )


def _business_record(business: Business) -> dict[str, Any]:
    """What a package's Bussiness block says about the document it changes, as stored."""
    info = business.document_info
    return {
        "target_document_code": business.document_code
        if business.doc_type is not EdxmlBusinessDocType.NEW
        else None,
        "reason": business.reason,
        "document_info_changed": info.document_info == "1" if info else None,
        "receivers_changed": info.document_receiver == "1" if info else None,
        "receiver_changes": [
            {"agency_code": c.agency_code, "change": c.change.name.lower()}
            for c in (info.receiver_changes if info else ())
        ],
        "replacements": [
            {"document_code": r.document_code, "agency_codes": list(r.agency_codes)}
            for r in business.replacements
        ],
    }


def _bounded(text: str | None, limit: int) -> str | None:
    """An optional free-text field within the registry's length; blank is not said. The package
    as received is kept, so nothing cut here is lost."""
    if text is None or not text.strip():
        return None
    return text.strip()[:limit]


def _document_type_name(header: MessageHeader) -> str:
    """``TypeName`` as written, else the ND 30 name of its ``Type`` code, else công văn."""
    written = header.document_type
    if written is None:
        return "Công văn"
    return written.type_name or type_name(written.type_code) or "Công văn"


@dataclass(frozen=True)
class _ReceivedFile:
    """An attachment as it is registered: unwrapped when it came zipped (``as_received``)."""

    name: str
    media_type: str
    path: Path
    as_received: Path | None = None
    entry_name: str | None = None


def _unwrap_attachments(
    read: ReadPackage, files: dict[str, Path], workdir: Path, limits: ZipLimits
) -> list[_ReceivedFile]:
    received = []
    for index, descriptor in enumerate(read.attachments):
        local = files[descriptor.content_id]
        if not is_wrapped(descriptor):
            received.append(
                _ReceivedFile(descriptor.name, _media_type(descriptor.content_type), local)
            )
            continue
        inflated = workdir / f"unwrapped-{index}"
        with local.open("rb") as source, inflated.open("wb") as sink:
            unwrapped = unwrap(source, sink, name=descriptor.name, limits=limits)
        received.append(
            _ReceivedFile(
                descriptor.name,
                _unwrapped_media_type(descriptor),
                inflated,
                as_received=local,
                entry_name=unwrapped.entry_name,
            )
        )
    return received


def _unwrapped_media_type(descriptor: AttachmentDescriptor) -> str:
    """The manifest's type when it is the original's (the libraries put it there), else the
    name's."""
    manifest = _media_type(descriptor.manifest_content_type or "")
    if manifest not in ZIP_MEDIA_TYPES and manifest != "application/octet-stream":
        return manifest
    guessed, _ = mimetypes.guess_type(descriptor.name, strict=False)
    return guessed or "application/octet-stream"


class _FileGone(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _NotReady(Exception):
    def __init__(self, reason: str, retry_in_s: float) -> None:
        self.retry_in_s = retry_in_s
        super().__init__(reason)


def _media_type(content_type: str) -> str:
    value = content_type.split(";")[0].strip().lower()
    return value if "/" in value and " " not in value else "application/octet-stream"


def _write_status(
    path: Path, package: StatusPackage, signer: Any, profile: SignatureProfile
) -> None:
    with path.open("wb") as sink:
        write_status_package(sink, package, signer=signer, signature_profile=profile)


def _write_document(
    path: Path,
    package: DocumentPackage,
    sources: Sequence[tuple[Path, Any]],
    signer: Any,
    *,
    zip_attachments: bool = False,
    profile: SignatureProfile = SignatureProfile.VANTHU,
) -> None:
    with ExitStack() as stack:
        attachments = []
        for index, (local, file) in enumerate(sources):
            content_id = f"cid:{index + 1}"
            if zip_attachments and library_would_wrap(file.name):
                # As the vendor libraries: zip on the attachment, the original type in the
                # manifest, the original name on both.
                wrapped = local.with_name(f"{local.name}.zip")
                with local.open("rb") as source, wrapped.open("wb") as sink:
                    wrap(source, sink, name=file.name)
                attachments.append(
                    AttachmentSource(
                        content_id=content_id,
                        name=file.name,
                        content_type=ZIP_MEDIA_TYPE,
                        manifest_content_type=file.media_type,
                        stream=stack.enter_context(wrapped.open("rb")),
                    )
                )
                continue
            attachments.append(
                AttachmentSource(
                    content_id=content_id,
                    name=file.name,
                    content_type=file.media_type,
                    stream=stack.enter_context(local.open("rb")),
                    sha256=file.sha256,
                )
            )
        with path.open("wb") as sink:
            write_document_package(
                sink, package, attachments, signer=signer, signature_profile=profile
            )


def _read_to_files(
    path: Path, workdir: Path, test_environment_peer: Callable[[str], bool]
) -> tuple[ReadPackage, dict[str, Path]]:
    files: dict[str, Path] = {}
    with ExitStack() as stack:

        def open_sink(start: AttachmentStart) -> Any:
            local = workdir / f"attachment-{start.index}"
            files[start.content_id or str(start.index)] = local
            return stack.enter_context(local.open("wb"))

        with path.open("rb") as source:
            read = read_package(source, open_sink, test_environment_peer=test_environment_peer)
    by_content_id = {}
    for index, descriptor in enumerate(read.attachments):
        by_content_id[descriptor.content_id] = (
            files.get(descriptor.content_id) or workdir / f"attachment-{index}"
        )
    return read, by_content_id
