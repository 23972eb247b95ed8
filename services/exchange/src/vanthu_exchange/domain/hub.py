"""The hub's rules: who may send what to whom, one delivery per recipient, loops refused.

A package the hub accepts becomes one delivery per recipient agency. A delivery waits for the
system that hosts the recipient (``pending``), is fetched (``fetched``) and acknowledged (``done``
or ``failed``); one addressed to an agency another hub serves is ``forwarding`` until that hub
took it (``forwarded``). Ids are derived from what is delivered, so the same document sent to the
same recipient twice is one delivery however the sender retries (ADR 0032).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

_NAMESPACE = uuid.UUID("6f1b7e4e-36a4-4c4b-9a49-2f6b1e0d5a10")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class DeliveryState(StrEnum):
    PENDING = "pending"
    FETCHED = "fetched"
    DONE = "done"
    FAILED = "failed"
    FORWARDING = "forwarding"
    FORWARDED = "forwarded"

    @property
    def waiting_for_recipient(self) -> bool:
        return self in {DeliveryState.PENDING, DeliveryState.FETCHED}


class PackageKind(StrEnum):
    """VDXP message types: a document package or a status package."""

    EDOC = "edoc"
    STATUS = "status"


class HubRefusal(Exception):
    """A request the hub refuses, with the field at fault and a reason a person can act on."""

    def __init__(self, field: str, reason: str, status: int = 422) -> None:
        self.field = field
        self.reason = reason
        self.status = status
        super().__init__(f"{field}: {reason}")


# -- secrets ---------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """scrypt with a random salt; the hub keeps only this (ADR 0031)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    scheme, _, rest = stored.partition("$")
    salt_hex, _, digest_hex = rest.partition("$")
    if scheme != "scrypt" or not salt_hex or not digest_hex:
        return False
    digest = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


# -- routing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where a recipient agency is reached: a system registered here, or a peer hub."""

    agency_code: str
    system_id: str | None = None
    peer_hub: str | None = None

    @property
    def state(self) -> DeliveryState:
        return DeliveryState.FORWARDING if self.peer_hub else DeliveryState.PENDING


def plan_routes(
    recipients: Iterable[str],
    hosting_system: Mapping[str, str],
    served_by_peer: Mapping[str, str],
    hub_trace: Sequence[str],
) -> list[Route]:
    """One route per distinct recipient; refuses unknown agencies and loops between hubs."""
    routes: list[Route] = []
    for code in dict.fromkeys(recipients):
        if code in hosting_system:
            routes.append(Route(code, system_id=hosting_system[code]))
        elif code in served_by_peer:
            peer = served_by_peer[code]
            if peer in hub_trace:
                raise HubRefusal(
                    "To/OrganId",
                    f"{code} would be forwarded back to hub {peer!r}, which already handled "
                    "this package (loop)",
                    status=409,
                )
            routes.append(Route(code, peer_hub=peer))
        else:
            raise HubRefusal("To/OrganId", f"unknown agency {code}: not in the hub's directory")
    if not routes:
        raise HubRefusal("To", "the package names no recipient")
    return routes


def delivery_id(kind: PackageKind, dedup_subject: str, recipient: str) -> str:
    """The same document (or status) to the same recipient always gets the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind.value}|{dedup_subject}|{recipient}"))


def document_dedup_subject(sender: str, document_code: str, business_doc_type: int) -> str:
    return f"{sender}|{document_code}|{business_doc_type}"


def status_dedup_subject(sender: str, idempotency_key: str) -> str:
    return f"{sender}|{idempotency_key}"


def check_idempotency_key(key: str | None) -> str:
    if not key or len(key) > 200 or not key.isprintable():
        raise HubRefusal("Idempotency-Key", "header required: 1 to 200 printable characters", 400)
    return key


def check_sender_hosted(sender: str, hosted: Iterable[str], system_id: str) -> None:
    """DHX's rule: the package's sender must be an agency the sending system represents."""
    if sender not in set(hosted):
        raise HubRefusal(
            "From/OrganId",
            f"{sender} is not an agency of system {system_id}; a system sends only for "
            "the agencies registered to it",
            status=403,
        )
