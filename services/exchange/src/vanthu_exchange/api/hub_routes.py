"""The hub's REST API, /hub/v1 (thin: parse, authorize, call the hub, map refusals).

Systems sign in with their agency code and secret and get a short-lived hub session token
(``POST /hub/v1/sessions``); every other call carries it as a bearer token and is limited to the
agencies of that system. Registering systems needs a platform JWT of an administrator of the hub's
operating agency.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from vanthu_runtime.auth import Principal, Role, require_roles

from vanthu_exchange.domain.hub import HubRefusal, check_idempotency_key
from vanthu_exchange.hub_accounts import SignInRefused, SystemSession
from vanthu_exchange.hub_handlers import AgencyEntry, Hub, remove_quietly

MAX_PACKAGE_BYTES = 256 * 1024 * 1024
TRACE_HEADER = "X-Vanthu-Hub-Trace"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgencyIn(Strict):
    code: str = Field(min_length=1, max_length=35)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = Field(default=None, max_length=35)
    certificate_pem: str | None = None


class SystemIn(Strict):
    system_id: str = Field(min_length=1, max_length=64)
    secret: str = Field(min_length=1, max_length=200)
    agencies: list[AgencyIn] = []
    """The agencies the system sends and receives for; a peer hub registers with none."""
    is_hub: bool = False

    @model_validator(mode="after")
    def _agencies_unless_hub(self) -> SystemIn:
        if not self.agencies and not self.is_hub:
            raise ValueError("agencies: a system needs at least one agency")
        return self


class SessionIn(Strict):
    system_id: str = Field(min_length=1, max_length=64)
    secret: str = Field(min_length=1, max_length=200)


class SystemRegistered(BaseModel):
    system_id: str
    agencies: list[str]


class SessionOut(BaseModel):
    token: str
    """The bearer token of every other call of this API (not a portal session)."""
    expires_at: datetime


class Unlocked(BaseModel):
    system_id: str
    failures: int
    """Failed sign-ins counted before the unlock."""
    was_locked_until: datetime | None


class DeliveryAccepted(BaseModel):
    recipient: str
    delivery_id: str
    state: str
    duplicate: bool
    """True when this delivery existed before (the same document to the same recipient)."""


class PackageAccepted(BaseModel):
    deliveries: list[DeliveryAccepted]


class CertificateIn(Strict):
    certificate_pem: str = Field(min_length=1, max_length=20000)


class AckIn(Strict):
    status: Literal["done", "fail"]
    reason: str | None = Field(default=None, max_length=500)


Instant = Annotated[
    datetime,
    # As the untyped answers wrote it (``isoformat``): connectors keep these strings as cursors.
    PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class CertificatePublished(BaseModel):
    code: str
    version: int
    """The directory's version after the change (``GET /agencies?since=`` finds it)."""


class DirectoryEntry(BaseModel):
    code: str
    name: str | None
    parent: str | None
    certificate_pem: str | None
    """PEM of the certificate the agency's packages must verify with; none yet: unsigned."""
    hub_id: str | None
    """The hub that hosts the agency (a peer hub's for agencies learnt from it)."""
    version: int


class Directory(BaseModel):
    version: int
    """Ask again with ``since`` = this to get only what changed after."""
    agencies: list[DirectoryEntry]


class DeliveryListed(BaseModel):
    """One delivery of a package to one recipient, as the hub keeps it."""

    delivery_id: str
    kind: Literal["edoc", "status"]
    from_agency: str
    recipient: str
    state: str
    """pending, fetched, done, failed, forwarding, forwarded (ADR 0034)."""
    document_code: str | None
    subject: str | None
    status_code: str | None
    business_doc_type: int | None
    size: int
    sha256: str
    reason: str | None
    idempotency_key: str | None
    created_at: Instant
    updated_at: Instant


class PendingPackages(BaseModel):
    packages: list[DeliveryListed]


class SentDeliveries(BaseModel):
    deliveries: list[DeliveryListed]


class Acknowledged(BaseModel):
    delivery_id: str
    state: Literal["done", "failed"]


def hub_of(request: Request) -> Hub:
    hub: Hub | None = getattr(request.app.state, "hub", None)
    if hub is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this deployment does not run a hub")
    return hub


HubDep = Annotated[Hub, Depends(hub_of)]


def refusal(exc: HubRefusal) -> HTTPException:
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, SignInRefused) else None
    return HTTPException(
        exc.status, detail={"field": exc.field, "reason": exc.reason}, headers=headers
    )


async def current_system(request: Request, hub: HubDep) -> SystemSession:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={"field": "Authorization", "reason": "a hub session token is required"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return await hub.accounts.session_of(token)
    except HubRefusal as exc:
        raise refusal(exc) from exc


SystemDep = Annotated[SystemSession, Depends(current_system)]
AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMINISTRATOR))]

router = APIRouter(prefix="/hub/v1", tags=["hub"])


def _check_operator(admin: Principal, hub: Hub) -> None:
    if admin.agency_code != hub.operator_agency:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"only administrators of {hub.operator_agency} manage systems at this hub",
        )


@router.post(
    "/systems",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "the system id (or one of its agencies) is already taken"}},
)
async def register_system(body: SystemIn, admin: AdminDep, hub: HubDep) -> SystemRegistered:
    """Register a system once: an id already registered is refused (409), never replaced."""
    _check_operator(admin, hub)
    try:
        await hub.register_system(
            system_id=body.system_id,
            secret=body.secret,
            agencies=[
                AgencyEntry(a.code, a.name, a.parent, a.certificate_pem) for a in body.agencies
            ],
            is_hub=body.is_hub,
        )
    except HubRefusal as exc:
        raise refusal(exc) from exc
    return SystemRegistered(system_id=body.system_id, agencies=[a.code for a in body.agencies])


@router.delete("/systems/{system_id}/lock")
async def unlock_system(system_id: str, admin: AdminDep, hub: HubDep) -> Unlocked:
    """Lift a lock left by failed sign-ins (the system's operator called: it was them)."""
    _check_operator(admin, hub)
    record = await hub.accounts.unlock(system_id)
    return Unlocked(
        system_id=system_id, failures=record.failures, was_locked_until=record.locked_until
    )


@router.post(
    "/sessions",
    responses={
        401: {"description": "unknown system or wrong secret"},
        429: {"description": "locked after too many failed sign-ins, or too soon after one"},
    },
)
async def open_session(body: SessionIn, hub: HubDep) -> SessionOut:
    """Sign in. Consecutive failures make the next attempt wait (doubling from 1 s), and the
    fifth locks the system for 12 hours (both configurable); while locked even the right
    secret is refused, 429 with ``Retry-After``."""
    try:
        token, expires = await hub.accounts.open_session(body.system_id, body.secret)
    except HubRefusal as exc:
        raise refusal(exc) from exc
    return SessionOut(token=token, expires_at=expires)


@router.put("/agencies/{code}/certificate")
async def publish_certificate(
    code: str, body: CertificateIn, system: SystemDep, hub: HubDep
) -> CertificatePublished:
    try:
        version = await hub.publish_certificate(system, code, body.certificate_pem)
    except HubRefusal as exc:
        raise refusal(exc) from exc
    return CertificatePublished(code=code, version=version)


@router.get("/agencies")
async def directory(
    system: SystemDep, hub: HubDep, since: Annotated[int, Query(ge=0)] = 0
) -> Directory:
    entries = await hub.directory(since)
    version = max((e["version"] for e in entries), default=since)
    return Directory(version=version, agencies=[DirectoryEntry.model_validate(e) for e in entries])


async def _spool(request: Request) -> tuple[Path, int]:
    """The request body into a temporary file, refusing oversized packages as bytes arrive."""
    handle = tempfile.NamedTemporaryFile(prefix="edxml-", suffix=".edxml", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    size = 0

    try:
        with handle:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_PACKAGE_BYTES:
                    raise HTTPException(
                        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                        detail={
                            "field": "package",
                            "reason": f"larger than {MAX_PACKAGE_BYTES} bytes",
                        },
                    )

                handle.write(chunk)
    except BaseException:
        await remove_quietly(path)
        raise
    if size == 0:
        await remove_quietly(path)
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, detail={"field": "package", "reason": "empty body"}
        )
    return path, size


PACKAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "The edXML package itself as the body (not a multipart form): a document package "
            "(edXML 2.0, attachments inline in base64, XML-DSig signature) or a status package. "
            f"At most {MAX_PACKAGE_BYTES} bytes, counted as they arrive; streamed, chunked "
            "transfer allowed."
        ),
        "content": {
            "application/xml": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    "responses": {
        "200": {
            "description": "every delivery already existed (a resend): nothing new queued",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PackageAccepted"}}
            },
        },
        "400": {"description": "empty body, or no valid Idempotency-Key"},
        "403": {"description": "From/OrganId is not an agency of the sending system"},
        "413": {"description": f"larger than {MAX_PACKAGE_BYTES} bytes"},
        "422": {"description": "not a readable edXML package, or an unknown recipient"},
    },
}


@router.post(
    "/packages",
    status_code=status.HTTP_201_CREATED,
    response_model=PackageAccepted,
    openapi_extra=PACKAGE_BODY,
)
async def send_package(
    request: Request,
    system: SystemDep,
    hub: HubDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    recipients: Annotated[list[str] | None, Query()] = None,
    hub_trace: Annotated[str | None, Header(alias=TRACE_HEADER)] = None,
) -> JSONResponse:
    try:
        key = check_idempotency_key(idempotency_key)
    except HubRefusal as exc:
        raise refusal(exc) from exc
    trace = [t for t in (hub_trace or "").split(",") if t]
    if trace and not system.is_hub:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={"field": TRACE_HEADER, "reason": "only hubs forward packages"},
        )
    path, _ = await _spool(request)
    try:
        accepted = await hub.accept_package(
            system,
            idempotency_key=key,
            path=path,
            only_recipients=recipients or (),
            hub_trace=trace,
        )
    except HubRefusal as exc:
        raise refusal(exc) from exc
    finally:
        await remove_quietly(path)
    every_duplicate = all(a.duplicate for a in accepted)
    answer = PackageAccepted(
        deliveries=[
            DeliveryAccepted(
                recipient=a.recipient,
                delivery_id=a.delivery_id,
                state=a.state,
                duplicate=a.duplicate,
            )
            for a in accepted
        ]
    )
    return JSONResponse(
        answer.model_dump(),
        status_code=status.HTTP_200_OK if every_duplicate else status.HTTP_201_CREATED,
    )


@router.get("/packages")
async def pending_packages(
    request: Request,
    system: SystemDep,
    hub: HubDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    wait: Annotated[float, Query(ge=0, le=30)] = 0,
) -> PendingPackages:
    """``wait`` (seconds) makes it a long poll: the answer comes when a package arrives."""
    if wait == 0:
        return _pending(await hub.pending(system, limit))
    disconnect = asyncio.ensure_future(_client_gone(request))

    async def gone() -> bool:
        return disconnect.done()

    try:
        return _pending(await hub.pending(system, limit, wait, gone=gone))
    finally:
        disconnect.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await disconnect


def _pending(listed: list[dict[str, Any]]) -> PendingPackages:
    return PendingPackages(packages=[DeliveryListed.model_validate(d) for d in listed])


async def _client_gone(request: Request) -> None:
    """Returns when the client disconnects. A GET's (empty) body comes first, then the channel
    waits for the disconnect; Request.is_disconnected does not see it through the runtime's
    HTTP middleware. Gives up (never returns) if the server keeps answering with body parts."""
    for _ in range(3):
        if (await request.receive())["type"] == "http.disconnect":
            return
    await asyncio.Event().wait()


@router.get(
    "/packages/{delivery_id}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the package as it was sent, streamed; its SHA-256 in "
            "X-Package-Sha256, edoc or status in X-Package-Kind",
            "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
        },
        404: {"description": "no such package for this system"},
    },
)
async def fetch_package(delivery_id: str, system: SystemDep, hub: HubDep) -> StreamingResponse:
    try:
        delivery, package = await hub.open_delivery(system, delivery_id)
    except HubRefusal as exc:
        raise refusal(exc) from exc

    return StreamingResponse(
        package,
        media_type="application/xml",
        headers={
            "Content-Length": str(delivery["size"]),
            "X-Package-Sha256": delivery["sha256"],
            "X-Package-Kind": delivery["kind"],
        },
    )


@router.post("/packages/{delivery_id}/ack")
async def acknowledge(
    delivery_id: str, body: AckIn, system: SystemDep, hub: HubDep
) -> Acknowledged:
    try:
        state = await hub.acknowledge(system, delivery_id, body.status == "done", body.reason)
    except HubRefusal as exc:
        raise refusal(exc) from exc
    return Acknowledged(delivery_id=delivery_id, state=state)  # type: ignore[arg-type]


@router.get("/sent")
async def sent_packages(
    system: SystemDep,
    hub: HubDep,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> SentDeliveries:
    return SentDeliveries(
        deliveries=[DeliveryListed.model_validate(d) for d in await hub.sent(system, since, limit)]
    )
