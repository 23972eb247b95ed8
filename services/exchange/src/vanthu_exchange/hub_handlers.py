"""The hub's use cases: register systems, open sessions, accept, list, hand out and acknowledge
packages, keep the agency directory. Talks to its store and blob store only (ADR 0030-0033)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from cryptography import x509

from vanthu_exchange.domain.agency_code import is_agency_code_syntax, is_test_environment_code
from vanthu_exchange.domain.edxml import (
    DocumentPackage,
    PackageRejected,
    ReadPackage,
    StatusPackage,
    read_package,
)
from vanthu_exchange.domain.hub import (
    DeliveryState,
    HubRefusal,
    PackageKind,
    check_sender_hosted,
    delivery_id,
    document_dedup_subject,
    hash_secret,
    plan_routes,
    status_dedup_subject,
)
from vanthu_exchange.domain.sign_in import check_secret_policy
from vanthu_exchange.hub_accounts import HubAccounts, SystemSession
from vanthu_exchange.ports import HubStore, PackageStore

log = structlog.get_logger(__name__)

PACKAGE_PREFIX = "hub/packages"
_CHUNK = 1024 * 1024


class RecentPackages:
    """The bytes of packages accepted lately, by object key, so that the recipients of a package
    sent to many (a ministry to its 63 departments) are served from memory, not each with its
    own read of the blob store. Keys are content-addressed, so a kept copy is never stale.
    Packages over ``largest`` bytes are not kept (they stream from the blob store as before),
    and the oldest go when the total passes ``budget``."""

    def __init__(self, budget: int = 64 * 1024 * 1024, largest: int = 8 * 1024 * 1024) -> None:
        self.budget = budget
        self.largest = largest
        self._kept: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def keep(self, key: str, data: bytes) -> None:
        if len(data) > self.largest or key in self._kept:
            return
        self._kept[key] = data
        self._size += len(data)
        while self._size > self.budget:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped)

    def get(self, key: str) -> bytes | None:
        data = self._kept.get(key)
        if data is not None:
            self._kept.move_to_end(key)
        return data


@dataclass
class _Waiting:
    """The long polls of one system waiting in this process, and what arrived for them."""

    woken: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class AgencyEntry:
    code: str
    name: str
    parent: str | None = None
    certificate_pem: str | None = None


@dataclass(frozen=True)
class AcceptedDelivery:
    recipient: str
    delivery_id: str
    state: str
    duplicate: bool


def _summary(read: ReadPackage) -> tuple[PackageKind, list[str], dict[str, Any], str]:
    """(kind, recipients, fields shown in listings, dedup subject base) of a parsed package."""
    package = read.package
    if isinstance(package, DocumentPackage):
        header = package.message_header
        business = package.trace_header_list.business
        return (
            PackageKind.EDOC,
            [r.agency_code for r in header.recipients],
            {
                "document_code": header.document_code,
                "subject": header.subject[:500],
                "business_doc_type": int(business.doc_type),
                "target_document_code": business.document_code,
            },
            document_dedup_subject(
                header.sender.agency_code, header.document_code, int(business.doc_type)
            ),
        )
    assert isinstance(package, StatusPackage)
    return (
        PackageKind.STATUS,
        [package.response_for.agency_code],
        {
            "document_code": package.response_for.document_code,
            "status_code": package.status_code.value,
        },
        "",
    )


class Hub:
    def __init__(
        self,
        store: HubStore,
        packages: PackageStore,
        accounts: HubAccounts,
        *,
        hub_id: str,
        operator_agency: str,
        requery_s: float = 5.0,
        test_environment: bool = False,
    ) -> None:
        self.store = store
        self.test_environment = test_environment
        """This hub stands in for the VDXP test environment: it registers and routes its
        lower-case agency codes (``vxp.saas.03``) beside production ones (ADR 0053)."""
        self.packages = packages
        self.accounts = accounts
        self.hub_id = hub_id
        self.operator_agency = operator_agency
        self._arrivals: dict[str, _Waiting] = {}
        self._requery_s = requery_s
        self.recent = RecentPackages()
        self._noting: set[asyncio.Task[Any]] = set()

    def _announce(self, system_id: str, deliveries: Sequence[dict[str, Any]]) -> None:
        """Hand new deliveries to the long polls of ``system_id`` waiting in this process."""
        waiting = self._arrivals.pop(system_id, None)
        if waiting is not None:
            waiting.arrived.extend(deliveries)
            waiting.woken.set()

    # -- systems and sessions ----------------------------------------------------------------

    def is_agency_code(self, code: str) -> bool:
        return is_agency_code_syntax(code) or (
            self.test_environment and is_test_environment_code(code)
        )

    def _test_code_note(self, code: str) -> str:
        if is_test_environment_code(code) and not self.test_environment:
            return (
                " (lower-case VDXP test-environment codes are registered only at a hub "
                "configured as a test environment, VANTHU_EXCHANGE_HUB_TEST_ENVIRONMENT)"
            )
        return ""

    async def register_system(
        self,
        *,
        system_id: str,
        secret: str,
        agencies: Sequence[AgencyEntry],
        is_hub: bool = False,
    ) -> None:
        if not self.is_agency_code(system_id) and not is_hub:
            raise HubRefusal(
                "system_id",
                f"{system_id!r} is not an agency identifier code{self._test_code_note(system_id)}",
            )
        check_secret_policy(secret)
        for entry in agencies:
            if not self.is_agency_code(entry.code):
                raise HubRefusal(
                    "agencies.code",
                    f"{entry.code!r} is not an agency code{self._test_code_note(entry.code)}",
                )
            if entry.certificate_pem:
                _load_certificate(entry.certificate_pem)
        codes = [e.code for e in agencies]
        for existing in await self.store.agencies(codes):
            if existing.get("system_id") not in (None, system_id):
                raise HubRefusal(
                    "agencies.code",
                    f"{existing['_id']} is already served by system {existing['system_id']}",
                    status=409,
                )
        if not await self.store.add_system(system_id, hash_secret(secret), codes, is_hub):
            # Replacing the secret would keep the sessions opened with the old one alive
            # (issue 16 item 10): a registration is made once (ADR 0048).
            raise HubRefusal(
                "system_id",
                f"system {system_id} is already registered; its secret and agencies stay as "
                "they are",
                status=409,
            )
        for entry in agencies:
            fields: dict[str, Any] = {
                "name": entry.name,
                "parent": entry.parent,
                "system_id": system_id,
                "peer_hub": None,
                "hub_id": self.hub_id,
            }
            if entry.certificate_pem:
                fields["certificate_pem"] = entry.certificate_pem
            await self.store.save_agency(entry.code, fields)
        log.info("system registered", system_id=system_id, agencies=codes)

    # -- directory ---------------------------------------------------------------------------

    async def publish_certificate(self, session: SystemSession, code: str, pem: str) -> int:
        if code not in session.agencies:
            raise HubRefusal("agency_code", f"{code} is not an agency of {session.system_id}", 403)
        _load_certificate(pem)
        return await self.store.save_agency(code, {"certificate_pem": pem})

    async def directory(self, since: int) -> list[dict[str, Any]]:
        return [
            {
                "code": entry["_id"],
                "name": entry.get("name"),
                "parent": entry.get("parent"),
                "certificate_pem": entry.get("certificate_pem"),
                "hub_id": entry.get("hub_id"),
                "version": entry["version"],
            }
            for entry in await self.store.agencies_since(since)
        ]

    async def learn_peer_agencies(self, peer: str, entries: Sequence[dict[str, Any]]) -> int:
        """Agencies a peer hub serves become reachable through it, unless hosted here."""
        learned = 0
        known = {e["_id"]: e for e in await self.store.agencies([e["code"] for e in entries])}
        for entry in entries:
            code = entry["code"]
            local = known.get(code)
            if local is not None and local.get("system_id"):
                continue
            if entry.get("hub_id") == self.hub_id:
                continue  # our own agency echoed back by the peer
            fields = {
                "name": entry.get("name"),
                "parent": entry.get("parent"),
                "certificate_pem": entry.get("certificate_pem"),
                "system_id": None,
                "peer_hub": peer,
                "hub_id": entry.get("hub_id"),
            }
            if local is not None and all(local.get(k) == v for k, v in fields.items()):
                continue
            await self.store.save_agency(code, fields)
            learned += 1
        return learned

    # -- packages ----------------------------------------------------------------------------

    async def accept_package(
        self,
        session: SystemSession,
        *,
        idempotency_key: str,
        path: Path,
        only_recipients: Sequence[str] = (),
        hub_trace: Sequence[str] = (),
    ) -> list[AcceptedDelivery]:
        """Store the package and create one delivery per recipient; resends change nothing."""
        if self.hub_id in hub_trace:
            raise HubRefusal("X-Vanthu-Hub-Trace", f"hub {self.hub_id} already handled it", 409)
        try:
            read = await asyncio.to_thread(_read_envelope, path, self.test_environment)
        except PackageRejected as rejection:
            raise HubRefusal("package", rejection.reason) from rejection
        kind, recipients, fields, dedup_base = _summary(read)
        sender = read.sender_agency_code
        if not session.is_hub:
            check_sender_hosted(sender, session.agencies, session.system_id)
        if only_recipients:
            unknown = set(only_recipients) - set(recipients)
            if unknown:
                raise HubRefusal("recipients", f"not among the package's To: {sorted(unknown)}")
            recipients = list(only_recipients)
        (hosting, peers), (key, sha256, size) = await asyncio.gather(
            self.store.routing_tables(recipients),
            self.packages.put_file(path, prefix=PACKAGE_PREFIX, media_type="application/xml"),
        )
        routes = plan_routes(recipients, hosting, peers, hub_trace)
        if kind is PackageKind.STATUS:
            dedup_base = status_dedup_subject(sender, idempotency_key)
        now = datetime.now(UTC)
        planned = [
            {
                "_id": delivery_id(kind, dedup_base, route.agency_code),
                "kind": kind.value,
                "sender_system": session.system_id,
                "from_agency": sender,
                "recipient": route.agency_code,
                "recipient_system": route.system_id,
                "peer_hub": route.peer_hub,
                "state": route.state.value,
                "object_key": key,
                "sha256": sha256,
                "size": size,
                "idempotency_key": idempotency_key,
                "hub_trace": [*hub_trace, self.hub_id],
                "created_at": now,
                "updated_at": now,
                **fields,
            }
            for route in routes
        ]
        fresh = await self.store.add_deliveries(planned)
        if fresh and size <= self.recent.largest:
            self.recent.keep(key, await asyncio.to_thread(path.read_bytes))
        earlier = {
            d["_id"]: d
            for d in await self.store.deliveries(
                [d["_id"] for d in planned if d["_id"] not in fresh]
            )
        }
        accepted = []
        arrived: dict[str, list[dict[str, Any]]] = {}
        for delivery in planned:
            identifier = delivery["_id"]
            if identifier in fresh:
                if delivery["recipient_system"]:
                    arrived.setdefault(delivery["recipient_system"], []).append(delivery)
            else:
                delivery = earlier.get(identifier, delivery)
            accepted.append(
                AcceptedDelivery(
                    delivery["recipient"], identifier, delivery["state"], identifier not in fresh
                )
            )
        for system_id, deliveries in arrived.items():
            self._announce(system_id, deliveries)
        log.info(
            "package accepted",
            kind=kind.value,
            sender=sender,
            deliveries=[a.delivery_id for a in accepted],
            duplicates=sum(a.duplicate for a in accepted),
        )
        return accepted

    async def pending(
        self,
        session: SystemSession,
        limit: int = 100,
        wait_s: float = 0.0,
        *,
        gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> list[dict[str, Any]]:
        """Pending packages; with ``wait_s`` a long poll that answers as soon as one arrives.

        Arrivals accepted by this process are handed to the poll at once (it had found nothing
        waiting, so they are what waits now; it need not ask the database again); those accepted
        by another API process of the same hub are seen by the re-query every ``requery_s``
        (each re-query of every waiting system costs the database, so it is not done every
        second). A poll whose caller is ``gone`` ends then, so a stopped system does not hold
        the hub's shutdown.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            if gone is not None and await gone():
                return []
            # Registered before the query, so an arrival between query and wait is not missed.
            waiting = self._arrivals.setdefault(session.system_id, _Waiting())
            found = await self.store.pending_for(session.system_id, limit)
            remaining = deadline - loop.time()
            if found or remaining <= 0:
                return [_listed(d) for d in found]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiting.woken.wait(), min(remaining, self._requery_s))
            if waiting.arrived:
                return [_listed(d) for d in waiting.arrived[:limit]]

    async def open_delivery(
        self, session: SystemSession, identifier: str
    ) -> tuple[dict[str, Any], AsyncIterator[bytes]]:
        """The delivery and its package's bytes. A pending delivery is noted as fetched while
        the bytes go out, not before (in a fan-out that write waits its turn behind the other
        recipients' fetches), and the last bytes go once it is noted."""
        delivery = await self.store.delivery(identifier)
        if delivery is None or delivery.get("recipient_system") != session.system_id:
            raise HubRefusal("delivery_id", f"no package {identifier} for this system", 404)
        noting: asyncio.Task[Any] | None = None
        if delivery["state"] == DeliveryState.PENDING.value:
            noting = asyncio.create_task(
                self.store.move(identifier, [DeliveryState.PENDING], DeliveryState.FETCHED)
            )
            # Kept until done, even when the caller goes away mid-package.
            self._noting.add(noting)
            noting.add_done_callback(self._noting.discard)
        return dict(delivery), self._package_bytes(delivery, noting)

    async def _package_bytes(
        self, delivery: dict[str, Any], noting: asyncio.Task[Any] | None
    ) -> AsyncIterator[bytes]:
        held: bytes | None = None
        async for chunk in self._stored_package(delivery["object_key"]):
            if held is not None:
                yield held
            held = chunk
        if noting is not None:
            await noting
        if held is not None:
            yield held

    async def _stored_package(self, key: str) -> AsyncIterator[bytes]:
        kept = self.recent.get(key)
        if kept is None:
            async for chunk in self.packages.stream(key):
                yield chunk
            return
        for start in range(0, len(kept), _CHUNK):
            yield kept[start : start + _CHUNK]

    async def acknowledge(
        self, session: SystemSession, identifier: str, done: bool, reason: str | None
    ) -> str:
        target = DeliveryState.DONE if done else DeliveryState.FAILED
        moved = await self.store.move(
            identifier,
            [DeliveryState.PENDING, DeliveryState.FETCHED],
            target,
            {"acknowledged_at": datetime.now(UTC), "reason": reason},
            recipient_system=session.system_id,
        )
        if moved is not None:
            return target.value
        delivery = await self.store.delivery(identifier)
        if delivery is None or delivery.get("recipient_system") != session.system_id:
            raise HubRefusal("delivery_id", f"no package {identifier} for this system", 404)
        if delivery["state"] != target.value:
            raise HubRefusal(
                "status",
                f"package {identifier} was already acknowledged as {delivery['state']}",
                409,
            )
        return target.value

    async def sent(
        self, session: SystemSession, since: datetime | None, limit: int = 500
    ) -> list[dict[str, Any]]:
        return [_listed(d) for d in await self.store.sent_by(session.system_id, since, limit)]


def _listed(delivery: dict[str, Any]) -> dict[str, Any]:
    return {
        "delivery_id": delivery["_id"],
        "kind": delivery["kind"],
        "from_agency": delivery["from_agency"],
        "recipient": delivery["recipient"],
        "state": delivery["state"],
        "document_code": delivery.get("document_code"),
        "subject": delivery.get("subject"),
        "status_code": delivery.get("status_code"),
        "business_doc_type": delivery.get("business_doc_type"),
        "size": delivery["size"],
        "sha256": delivery["sha256"],
        "reason": delivery.get("reason"),
        "idempotency_key": delivery.get("idempotency_key"),
        "created_at": delivery["created_at"],
        "updated_at": delivery["updated_at"],
    }


def _read_envelope(path: Path, test_environment: bool = False) -> ReadPackage:
    # The hub routes on the envelope; attachments are measured and dropped, never kept apart.
    with path.open("rb") as source:
        return read_package(
            source, test_environment_peer=is_test_environment_code if test_environment else None
        )


def _load_certificate(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise HubRefusal("certificate_pem", f"not a PEM X.509 certificate: {exc}") from exc


async def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        await asyncio.to_thread(path.unlink)
