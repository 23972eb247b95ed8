"""What the routing handlers need from the world, in domain words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from vanthu_contracts import KafkaRecord
from vanthu_runtime.auth import Principal

from vanthu_routing.domain.case import Case, Voiding
from vanthu_routing.domain.deadlines import NoticeKey
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.routing_rules import RoutingRules


class CaseNotFound(Exception):
    """No case with that id in the caller's agency."""


class ConcurrentUpdate(Exception):
    """Someone changed the case between our read and our write; read again and re-apply."""


@dataclass(frozen=True)
class DocumentSummary:
    """What routing keeps of the registered document: enough to sort, show and answer."""

    subject: str
    urgency: str
    confidentiality: str
    received_at: datetime
    arrival_number: int
    document_type_code: str | None = None
    issuer_name: str | None = None
    issuer_agency_code: str | None = None
    due_date: date | None = None
    sender_agency_code: str | None = None
    """Set for documents that came through the exchange: who is told our processing status."""
    sender_document_code: str | None = None
    readers: tuple[str, ...] = ()
    """User ids named to read a confidential document (DocumentReceived v2); empty otherwise,
    and for cases opened from a v1 event or before routing kept them."""
    registered_by: str | None = None
    """The clerk who registered the document: with its readers, who may see a confidential one."""


@dataclass(frozen=True)
class StoredCase:
    case: Case
    document: DocumentSummary
    sent_notices: frozenset[NoticeKey] = field(default_factory=frozenset)
    revision: int = 0
    """Counts every write of the stored case (changes and notices), guarding concurrent saves."""


class CaseRepository(Protocol):
    async def add(self, stored: StoredCase, records: Sequence[KafkaRecord]) -> bool:
        """Store a new case; False when a case with its id already exists."""

    async def add_many(self, stored: Sequence[StoredCase]) -> list[bool]:
        """Store new cases that publish nothing; per case, False when its id existed."""

    async def get(self, agency_code: str, case_id: str) -> StoredCase: ...

    async def remember_void(self, agency_code: str, case_id: str, voiding: Voiding) -> None:
        """Keep a void that arrived before its case was opened (once per case)."""

    async def remembered_voids(self, case_ids: Sequence[str]) -> dict[str, Voiding]:
        """The voids kept for those of the cases that had one, in one read."""

    async def save(
        self, before: StoredCase, after: StoredCase, records: Sequence[KafkaRecord]
    ) -> None:
        """Write the new state and its events in one write; ConcurrentUpdate if it moved on."""

    async def awaiting_direction(
        self, agency_code: str, *leader_user_ids: str, seen_by: Principal
    ) -> list[StoredCase]:
        """What the leaders' inboxes hold, of what `seen_by` may see (ADR 0006)."""

    async def awaiting_rules(
        self, agency_code: str, *, seen_by: Principal | None = None
    ) -> list[StoredCase]:
        """Documents of the agency received before it had routing rules (those `seen_by` may
        see; all of them for routing itself)."""

    async def with_open_tasks_for(
        self,
        agency_code: str,
        *,
        user_id: str | None = None,
        unit_ids: Sequence[str] = (),
        seen_by: Principal,
    ) -> list[StoredCase]:
        """Cases `seen_by` may see with an open task given to the person or to one of the
        units, or a withdrawn one they have not acknowledged yet."""

    async def of_agency(self, agency_code: str) -> list[StoredCase]: ...

    async def by_ids(self, agency_code: str, case_ids: Sequence[str]) -> list[StoredCase]:
        """Those of the cases that exist in the agency, in one read by id."""

    async def with_open_deadlines(self) -> list[StoredCase]: ...


@dataclass(frozen=True)
class DirectoryUser:
    agency_code: str
    user_id: str
    full_name: str
    position: str | None = None
    unit_id: str | None = None
    email: str | None = None
    roles: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class DirectoryUnit:
    agency_code: str
    unit_id: str
    name: str
    parent_unit_id: str | None = None
    active: bool = True


class Directory(Protocol):
    async def user(self, agency_code: str, user_id: str) -> DirectoryUser | None: ...

    async def users_by_id(
        self, agency_code: str, user_ids: Iterable[str]
    ) -> dict[str, DirectoryUser]: ...

    async def first_leader(self, agency_code: str) -> DirectoryUser | None:
        """The agency's active leader who comes first by id, if it has one."""

    async def unit_heads(self, agency_code: str, unit_id: str) -> list[str]:
        """User ids of the unit's active heads."""

    async def unit(self, agency_code: str, unit_id: str) -> DirectoryUnit | None: ...

    async def users(self, agency_code: str) -> list[DirectoryUser]: ...

    async def units(self, agency_code: str) -> list[DirectoryUnit]: ...

    async def delegations(self, agency_code: str, leader_user_id: str) -> list[Delegation]: ...

    async def delegations_to(self, agency_code: str, secretary_user_id: str) -> list[Delegation]:
        """Every grant made to the secretary, whatever its validity."""

    async def delegation(self, agency_code: str, delegation_id: str) -> Delegation | None: ...

    async def agency_delegations(self, agency_code: str) -> list[Delegation]:
        """Every grant of the agency's leaders, whatever its validity."""

    async def save_user(self, user: DirectoryUser, record: KafkaRecord) -> None: ...

    async def save_unit(self, unit: DirectoryUnit, record: KafkaRecord) -> None: ...

    async def save_delegation(
        self, agency_code: str, delegation: Delegation, record: KafkaRecord
    ) -> None: ...

    async def routing_rules(self, agency_code: str) -> RoutingRules | None: ...

    async def routing_rules_of(self, agency_codes: Iterable[str]) -> dict[str, RoutingRules]:
        """The rules of those agencies that have some, in one read."""

    async def save_routing_rules(self, agency_code: str, rules: dict[str, Any]) -> None: ...


class EvidenceStore(Protocol):
    async def keep(
        self, data: bytes, name: str, media_type: str, prefix: str = "routing/evidence"
    ) -> FileReference:
        """Store a scanned slip or a draft (content-addressed) and say where it is."""

    async def link(self, file: FileReference, expires: timedelta) -> str:
        """A URL that downloads the stored file for `expires`, then stops working."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class IndicatorFigures(Protocol):
    """The indicators of each agency as the indicators worker last published them (ADR 0051)."""

    def figures(self, agency: str) -> dict[str, Any] | None: ...
