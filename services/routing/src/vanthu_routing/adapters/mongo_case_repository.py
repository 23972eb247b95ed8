"""Cases in Mongo-wire: one document per case, its events in the same document's outbox.

Besides the case itself the document carries a few flat fields, rewritten on every save, that
the inbox, task lists, reports and the deadline ticker query through their indexes. Every write
goes through the runtime's `OutboxCollection` (ADR 0004): a new case is one insert, a change is
one `findAndModify` on `{_id, revision}` carrying the new state and its events, so two writers
of one case cannot both win and the loser re-reads and re-applies (ConcurrentUpdate).

The lists people read take whom they are for (`seen_by`) and return only the cases that person
may see (ADR 0006), by the runtime's `visible_filter` on the document's summary in the query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts import KafkaRecord
from vanthu_runtime.auth import Principal
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxCollection
from vanthu_runtime.visibility import visible_filter

from vanthu_routing.adapters.mongo_case_codec import from_document, to_document
from vanthu_routing.domain.case import Case, CaseStatus, Voiding
from vanthu_routing.domain.deadlines import NoticeKey, NoticeKind
from vanthu_routing.ports import CaseNotFound, ConcurrentUpdate, DocumentSummary, StoredCase

CASES = "cases"
CASE_VOIDS = "case_voids"
"""Voids that arrived before their case was opened, by case id (no outbox: they publish nothing)."""
URGENCY_RANK = {"normal": 0, "urgent": 1, "very_urgent": 2, "flash": 3}
# What a case is read back from: lists leave the pending events (the relay's business) behind.
_CASE_FIELDS = {"case": 1, "document": 1, "revision": 1, "sent_notices": 1}


def _query_fields(stored: StoredCase) -> dict[str, Any]:
    case = stored.case
    open_tasks = [t for t in case.tasks if t.status.is_open]
    notices = [t for t in case.tasks if t.awaits_acknowledgement]
    return {
        "agency_code": case.agency_code,
        "document_id": case.document_id,
        "leader_user_id": case.leader.user_id if case.leader else None,
        "status": case.status.value,
        "version": case.version,
        "urgency_rank": URGENCY_RANK.get(stored.document.urgency, 0),
        "open_users": sorted({t.assignee.user_id for t in open_tasks if t.assignee.user_id}),
        "open_units": sorted({t.assignee.unit_id for t in open_tasks if t.assignee.unit_id}),
        # Withdrawn tasks whose assignees have not acknowledged it yet: still in their lists.
        "notice_users": sorted({t.assignee.user_id for t in notices if t.assignee.user_id}),
        "notice_units": sorted({t.assignee.unit_id for t in notices if t.assignee.unit_id}),
        "has_open_deadlines": any(t.is_open_work and t.due_date for t in case.tasks),
        "updated_at": datetime.now(UTC),
    }


def _body(stored: StoredCase) -> dict[str, Any]:
    return {
        **_query_fields(stored),
        "case": to_document(stored.case),
        "document": to_document(stored.document),
        "sent_notices": [
            {"task_id": k.task_id, "kind": k.kind.value, "level": k.level}
            for k in sorted(stored.sent_notices)
        ],
    }


def _stored(doc: MongoDocument) -> StoredCase:
    return StoredCase(
        case=from_document(Case, doc["case"]),
        document=from_document(DocumentSummary, doc["document"]),
        revision=int(doc.get("revision", 0)),
        sent_notices=frozenset(
            NoticeKey(n["task_id"], NoticeKind(n["kind"]), int(n["level"]))
            for n in doc.get("sent_notices", [])
        ),
    )


class MongoCaseRepository:
    def __init__(
        self, db: AsyncDatabase[MongoDocument], notify: Callable[[], None] | None = None
    ) -> None:
        self._cases = OutboxCollection(db[CASES], notify=notify)
        self._voids = db[CASE_VOIDS]

    async def ensure_indexes(self) -> None:
        raw = self._cases.raw
        await self._cases.ensure_indexes()
        # One index per query (per clause of an $or): the leader's inbox (and the reports, on
        # its first field), the documents waiting for rules, the task lists of a person and of
        # units with their withdrawal notices, the deadline ticker.
        await raw.create_index([("agency_code", 1), ("leader_user_id", 1), ("status", 1)])
        await raw.create_index([("agency_code", 1), ("status", 1)])
        await raw.create_index([("agency_code", 1), ("open_users", 1)])
        await raw.create_index([("agency_code", 1), ("open_units", 1)])
        await raw.create_index([("agency_code", 1), ("notice_users", 1)])
        await raw.create_index([("agency_code", 1), ("notice_units", 1)])
        await raw.create_index([("has_open_deadlines", 1)])

    async def add(self, stored: StoredCase, records: Sequence[KafkaRecord]) -> bool:
        return await self._cases.insert({"_id": stored.case.case_id, **_body(stored)}, records)

    async def add_many(self, stored: Sequence[StoredCase]) -> list[bool]:
        """New cases without events, written concurrently; False where the id was taken."""
        return list(await asyncio.gather(*(self.add(s, ()) for s in stored)))

    async def get(self, agency_code: str, case_id: str) -> StoredCase:
        doc = await self._cases.raw.find_one(
            {"_id": case_id, "agency_code": agency_code}, projection=_CASE_FIELDS
        )
        if doc is None:
            raise CaseNotFound(case_id)
        return _stored(doc)

    async def remember_void(self, agency_code: str, case_id: str, voiding: Voiding) -> None:
        await self._voids.update_one(
            {"_id": case_id},
            {"$setOnInsert": {"agency_code": agency_code, "voiding": to_document(voiding)}},
            upsert=True,
        )

    async def remembered_voids(self, case_ids: Sequence[str]) -> dict[str, Voiding]:
        found = self._voids.find({"_id": {"$in": list(case_ids)}})
        return {doc["_id"]: from_document(Voiding, doc["voiding"]) async for doc in found}

    async def save(
        self, before: StoredCase, after: StoredCase, records: Sequence[KafkaRecord]
    ) -> None:
        case_id = before.case.case_id
        written = await self._cases.update(
            case_id, {"$set": _body(after)}, records, revision=before.revision
        )
        if written is None:
            raise ConcurrentUpdate(case_id)

    async def awaiting_direction(
        self, agency_code: str, *leader_user_ids: str, seen_by: Principal
    ) -> list[StoredCase]:
        if not leader_user_ids:
            return []
        return await self._find(
            {
                "agency_code": agency_code,
                "leader_user_id": {"$in": list(leader_user_ids)},
                "status": CaseStatus.AWAITING_DIRECTION.value,
            },
            seen_by,
        )

    async def awaiting_rules(
        self, agency_code: str, *, seen_by: Principal | None = None
    ) -> list[StoredCase]:
        return await self._find(
            {"agency_code": agency_code, "status": CaseStatus.AWAITING_RULES.value}, seen_by
        )

    async def with_open_tasks_for(
        self,
        agency_code: str,
        *,
        user_id: str | None = None,
        unit_ids: Sequence[str] = (),
        seen_by: Principal,
    ) -> list[StoredCase]:
        queries: list[dict[str, Any]] = []
        if user_id is not None:
            queries.append(
                {
                    "agency_code": agency_code,
                    "$or": [{"open_users": user_id}, {"notice_users": user_id}],
                }
            )
        if unit_ids:
            units = {"$in": list(unit_ids)}
            queries.append(
                {
                    "agency_code": agency_code,
                    "$or": [{"open_units": units}, {"notice_units": units}],
                }
            )
        found: dict[str, StoredCase] = {}
        for batch in await asyncio.gather(*(self._find(q, seen_by) for q in queries)):
            found.update((s.case.case_id, s) for s in batch)
        return list(found.values())

    async def of_agency(self, agency_code: str) -> list[StoredCase]:
        return await self._find({"agency_code": agency_code})

    async def by_ids(self, agency_code: str, case_ids: Sequence[str]) -> list[StoredCase]:
        if not case_ids:
            return []
        return await self._find({"_id": {"$in": sorted(set(case_ids))}, "agency_code": agency_code})

    async def with_open_deadlines(self) -> list[StoredCase]:
        return await self._find({"has_open_deadlines": True})

    async def _find(
        self, query: dict[str, Any], seen_by: Principal | None = None
    ) -> list[StoredCase]:
        if seen_by is not None:
            query = {"$and": [query, _visible_to(seen_by)]}
        return [_stored(doc) async for doc in self._cases.raw.find(query, _CASE_FIELDS)]


def _visible_to(principal: Principal) -> dict[str, Any]:
    """ADR 0006's rule on the case's copy of its document. The summary has held the
    confidentiality since routing's first version, so a case written before the readers were
    kept reads as confidential with nobody named, never as normal. The condition narrows what
    each list's own index found (agency and leader, status or assignee), so it needs none."""
    condition: dict[str, Any] = visible_filter(
        principal,
        confidentiality_field="document.confidentiality",
        readers_field="document.readers",
        registered_by_field="document.registered_by",
    )
    return condition
