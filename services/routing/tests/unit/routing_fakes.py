"""In-memory stand-ins for routing's ports, with state a test can look at."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from vanthu_contracts import KafkaRecord, decode_record
from vanthu_routing.adapters.mongo_directory import rules_from_document
from vanthu_routing.domain.calendar import local_date
from vanthu_routing.domain.case import CaseStatus, Voiding
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.routing_rules import RoutingRules
from vanthu_routing.ports import (
    CaseNotFound,
    ConcurrentUpdate,
    DirectoryUnit,
    DirectoryUser,
    StoredCase,
)
from vanthu_routing.streams.indicators import apply, combine, summarise
from vanthu_runtime.auth import Principal
from vanthu_runtime.visibility import may_see


def _visible(stored: StoredCase, principal: Principal) -> bool:
    document = stored.document
    return may_see(
        principal,
        agency_code=stored.case.agency_code,
        confidentiality=document.confidentiality,
        readers=document.readers,
        registered_by=document.registered_by,
    )


@dataclass
class FakeCaseRepository:
    saved: dict[str, StoredCase] = field(default_factory=dict)
    outbox: list[KafkaRecord] = field(default_factory=list)
    voids: dict[str, Voiding] = field(default_factory=dict)
    scans: int = 0
    """How many times every case of an agency was read (a report scanning them)."""

    def published(self) -> list[Any]:
        return [decode_record(r).event for r in self.outbox]

    async def add(self, stored: StoredCase, records: Sequence[KafkaRecord]) -> bool:
        if stored.case.case_id in self.saved:
            return False
        self.saved[stored.case.case_id] = stored
        self.outbox += records
        return True

    async def add_many(self, stored: Sequence[StoredCase]) -> list[bool]:
        return [await self.add(s, ()) for s in stored]

    async def get(self, agency_code: str, case_id: str) -> StoredCase:
        stored = self.saved.get(case_id)
        if stored is None or stored.case.agency_code != agency_code:
            raise CaseNotFound(case_id)
        return stored

    async def remember_void(self, agency_code: str, case_id: str, voiding: Voiding) -> None:
        self.voids.setdefault(case_id, voiding)

    async def remembered_voids(self, case_ids: Sequence[str]) -> dict[str, Voiding]:
        return {c: self.voids[c] for c in case_ids if c in self.voids}

    async def save(
        self, before: StoredCase, after: StoredCase, records: Sequence[KafkaRecord]
    ) -> None:
        if self.saved[before.case.case_id].revision != before.revision:
            raise ConcurrentUpdate(before.case.case_id)
        self.saved[before.case.case_id] = replace(after, revision=before.revision + 1)
        self.outbox += records

    async def awaiting_direction(
        self, agency_code: str, *leader_user_ids: str, seen_by: Principal
    ) -> list[StoredCase]:
        return [
            s
            for s in self.saved.values()
            if s.case.agency_code == agency_code
            and s.case.leader is not None
            and s.case.leader.user_id in leader_user_ids
            and s.case.status is CaseStatus.AWAITING_DIRECTION
            and _visible(s, seen_by)
        ]

    async def awaiting_rules(
        self, agency_code: str, *, seen_by: Principal | None = None
    ) -> list[StoredCase]:
        return [
            s
            for s in self.saved.values()
            if s.case.agency_code == agency_code
            and s.case.status is CaseStatus.AWAITING_RULES
            and (seen_by is None or _visible(s, seen_by))
        ]

    async def with_open_tasks_for(
        self,
        agency_code: str,
        *,
        user_id: str | None = None,
        unit_ids: Sequence[str] = (),
        seen_by: Principal,
    ) -> list[StoredCase]:
        return [
            s
            for s in self.saved.values()
            if s.case.agency_code == agency_code
            and _visible(s, seen_by)
            and any(
                (t.status.is_open or t.awaits_acknowledgement)
                and (
                    (user_id is not None and t.assignee.user_id == user_id)
                    or t.assignee.unit_id in unit_ids
                )
                for t in s.case.tasks
            )
        ]

    async def of_agency(self, agency_code: str) -> list[StoredCase]:
        self.scans += 1
        return [s for s in self.saved.values() if s.case.agency_code == agency_code]

    async def by_ids(self, agency_code: str, case_ids: Sequence[str]) -> list[StoredCase]:
        return [
            s
            for case_id in sorted(set(case_ids))
            if (s := self.saved.get(case_id)) is not None and s.case.agency_code == agency_code
        ]

    async def with_open_deadlines(self) -> list[StoredCase]:
        return [s for s in self.saved.values() if any(t.is_open_work for t in s.case.tasks)]


@dataclass
class FakeDirectory:
    people: dict[tuple[str, str], DirectoryUser] = field(default_factory=dict)
    divisions: dict[tuple[str, str], DirectoryUnit] = field(default_factory=dict)
    grants: dict[tuple[str, str], Delegation] = field(default_factory=dict)
    rules: dict[str, RoutingRules] = field(default_factory=dict)
    outbox: list[KafkaRecord] = field(default_factory=list)

    async def user(self, agency_code: str, user_id: str) -> DirectoryUser | None:
        return self.people.get((agency_code, user_id))

    async def unit(self, agency_code: str, unit_id: str) -> DirectoryUnit | None:
        return self.divisions.get((agency_code, unit_id))

    async def users_by_id(
        self, agency_code: str, user_ids: Iterable[str]
    ) -> dict[str, DirectoryUser]:
        wanted = set(user_ids)
        return {u: p for (a, u), p in self.people.items() if a == agency_code and u in wanted}

    async def first_leader(self, agency_code: str) -> DirectoryUser | None:
        leaders = [
            u
            for (a, _), u in sorted(self.people.items())
            if a == agency_code and u.active and "leader" in u.roles
        ]
        return leaders[0] if leaders else None

    async def unit_heads(self, agency_code: str, unit_id: str) -> list[str]:
        return [
            u.user_id
            for (a, _), u in sorted(self.people.items())
            if a == agency_code and u.active and "unit_head" in u.roles and u.unit_id == unit_id
        ]

    async def users(self, agency_code: str) -> list[DirectoryUser]:
        return [u for (a, _), u in sorted(self.people.items()) if a == agency_code]

    async def units(self, agency_code: str) -> list[DirectoryUnit]:
        return [u for (a, _), u in sorted(self.divisions.items()) if a == agency_code]

    async def delegations(self, agency_code: str, leader_user_id: str) -> list[Delegation]:
        return [
            d
            for (a, _), d in self.grants.items()
            if a == agency_code and d.leader_user_id == leader_user_id
        ]

    async def delegations_to(self, agency_code: str, secretary_user_id: str) -> list[Delegation]:
        return [
            d
            for (a, _), d in self.grants.items()
            if a == agency_code and d.secretary_user_id == secretary_user_id
        ]

    async def delegation(self, agency_code: str, delegation_id: str) -> Delegation | None:
        return self.grants.get((agency_code, delegation_id))

    async def agency_delegations(self, agency_code: str) -> list[Delegation]:
        return [d for (a, _), d in self.grants.items() if a == agency_code]

    async def save_user(self, user: DirectoryUser, record: KafkaRecord) -> None:
        self.people[(user.agency_code, user.user_id)] = user
        self.outbox.append(record)

    async def save_unit(self, unit: DirectoryUnit, record: KafkaRecord) -> None:
        self.divisions[(unit.agency_code, unit.unit_id)] = unit
        self.outbox.append(record)

    async def save_delegation(
        self, agency_code: str, delegation: Delegation, record: KafkaRecord
    ) -> None:
        self.grants[(agency_code, delegation.delegation_id)] = delegation
        self.outbox.append(record)

    async def routing_rules(self, agency_code: str) -> RoutingRules | None:
        return self.rules.get(agency_code)

    async def routing_rules_of(self, agency_codes: Iterable[str]) -> dict[str, RoutingRules]:
        return {a: self.rules[a] for a in agency_codes if a in self.rules}

    async def save_routing_rules(self, agency_code: str, rules: dict[str, Any]) -> None:
        self.rules[agency_code] = rules_from_document(rules)


@dataclass
class FakeEvidenceStore:
    kept: list[tuple[str, bytes]] = field(default_factory=list)
    links: list[tuple[str, timedelta]] = field(default_factory=list)

    async def keep(
        self, data: bytes, name: str, media_type: str, prefix: str = "routing/evidence"
    ) -> FileReference:
        self.kept.append((name, data))
        digest = f"{len(self.kept):064x}"
        return FileReference(
            f"f-{len(self.kept)}", name, media_type, len(data), digest, f"{prefix}/{digest}"
        )

    async def link(self, file: FileReference, expires: timedelta) -> str:
        self.links.append((file.object_key, expires))
        return f"http://blobs.test/{file.object_key}?expires={int(expires.total_seconds())}"


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class FoldedIndicators:
    """The indicators as the worker would publish them: the events the handlers' outbox holds
    folded by the worker's own code, counted on the handlers' clock's day."""

    handlers: Any

    def figures(self, agency: str) -> dict[str, Any] | None:
        facts: dict[str, Any] = {}
        for event in self.handlers.cases.published():
            apply(facts, event, 0)
        today = local_date(self.handlers.clock.now())
        parts = summarise(facts.values(), today, self.handlers.calendar)
        return combine([{"agency": agency, **parts[agency]}]) if agency in parts else None
