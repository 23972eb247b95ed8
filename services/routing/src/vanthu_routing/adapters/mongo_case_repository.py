"""Cases in Mongo-wire: one document per case, its events in the same document's outbox.

Besides the case itself the document carries a few flat fields, rewritten on every save, that
the inbox, task lists and reports query (FerretDB v1 matches arrays of strings well, nested
queries less so). Writes are guarded by a revision counted on every save: a save that finds
another revision raises ConcurrentUpdate and the handler re-reads and re-applies.

On FerretDB v1 (SQLite) that filter alone guards nothing: conditional updates are not atomic
there (eight concurrent `update_one({revision: 0})` calls all reported a match, and all but one
write were lost). So a save first takes the aggregate's lease (`take_lease`, a unique insert,
the same one the outbox relay takes), which also keeps a relay from removing published entries
while we add new ones (ADR 0021).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import outbox_entry, outbox_write, release_lease, take_lease

from vanthu_routing.adapters.mongo_case_codec import from_document, to_document
from vanthu_routing.domain.case import Case, CaseStatus
from vanthu_routing.domain.deadlines import NoticeKey, NoticeKind
from vanthu_routing.ports import CaseNotFound, ConcurrentUpdate, DocumentSummary, StoredCase

CASES = "cases"
WRITE_LEASE = timedelta(seconds=10)
URGENCY_RANK = {"normal": 0, "urgent": 1, "very_urgent": 2, "flash": 3}


def _query_fields(stored: StoredCase) -> dict[str, Any]:
    case = stored.case
    open_tasks = [t for t in case.tasks if t.status.is_open]
    return {
        "agency_code": case.agency_code,
        "document_id": case.document_id,
        "leader_user_id": case.leader.user_id,
        "status": case.status.value,
        "version": case.version,
        "revision": stored.revision,
        "urgency_rank": URGENCY_RANK.get(stored.document.urgency, 0),
        "open_users": sorted({t.assignee.user_id for t in open_tasks if t.assignee.user_id}),
        "open_units": sorted({t.assignee.unit_id for t in open_tasks if t.assignee.unit_id}),
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
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._cases = db[CASES]
        self._db = db

    async def ensure_indexes(self) -> None:
        await self._cases.create_index([("agency_code", 1), ("leader_user_id", 1), ("status", 1)])
        await self._cases.create_index([("agency_code", 1), ("open_users", 1)])
        await self._cases.create_index([("agency_code", 1), ("open_units", 1)])
        # The deadline ticker's query. On MongoDB these serve the lists; the local FerretDB v1
        # scans for any filter beyond `_id` (a leader's inbox at 20,000 cases of 3 KB: 1.9 s).
        await self._cases.create_index([("has_open_deadlines", 1)])

    async def add(self, stored: StoredCase, records: Sequence[KafkaRecord]) -> bool:
        document = {
            "_id": stored.case.case_id,
            **_body(stored),
            "outbox": [outbox_entry(r) for r in records],
        }
        try:
            if records:
                async with outbox_write(self._db, CASES, stored.case.case_id):
                    await self._cases.insert_one(document)
            else:
                # Nothing to publish, nothing to announce: two marker writes saved per case.
                await self._cases.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, agency_code: str, case_id: str) -> StoredCase:
        # A filter of `_id` alone: FerretDB v1 answers `{_id, agency_code}` by reading every case
        # (200 ms at 3,000 cases against 10 ms), so the agency is compared here.
        doc = await self._cases.find_one({"_id": case_id})
        if doc is None or doc.get("agency_code") != agency_code:
            raise CaseNotFound(case_id)
        return _stored(doc)

    async def save(
        self, before: StoredCase, after: StoredCase, records: Sequence[KafkaRecord]
    ) -> None:
        case_id = before.case.case_id
        owner = uuid.uuid4().hex
        if not await take_lease(self._db, CASES, case_id, owner, WRITE_LEASE):
            raise ConcurrentUpdate(case_id)
        try:
            # Every writer of a case holds its lease, so the revision read now cannot move before
            # our write; it is read and compared here rather than put in the update's filter,
            # because FerretDB v1 scans the whole collection for any filter beyond `_id` alone.
            current = await self._cases.find_one({"_id": case_id}, projection={"revision": 1})
            if current is None or int(current.get("revision", 0)) != before.revision:
                raise ConcurrentUpdate(case_id)
            update: dict[str, Any] = {"$set": {**_body(after), "revision": before.revision + 1}}
            if records:
                update["$push"] = {"outbox": {"$each": [outbox_entry(r) for r in records]}}
                async with outbox_write(self._db, CASES, case_id):
                    await self._cases.update_one({"_id": case_id}, update)
            else:
                await self._cases.update_one({"_id": case_id}, update)
        finally:
            await release_lease(self._db, CASES, case_id, owner)

    async def awaiting_direction(self, agency_code: str, leader_user_id: str) -> list[StoredCase]:
        return await self._find(
            {
                "agency_code": agency_code,
                "leader_user_id": leader_user_id,
                "status": CaseStatus.AWAITING_DIRECTION.value,
            }
        )

    async def with_open_tasks_for(
        self, agency_code: str, *, user_id: str | None = None, unit_id: str | None = None
    ) -> list[StoredCase]:
        query: dict[str, Any] = {"agency_code": agency_code}
        if user_id is not None:
            query["open_users"] = user_id
        if unit_id is not None:
            query["open_units"] = unit_id
        return await self._find(query)

    async def of_agency(self, agency_code: str) -> list[StoredCase]:
        return await self._find({"agency_code": agency_code})

    async def with_open_deadlines(self) -> list[StoredCase]:
        return await self._find({"has_open_deadlines": True})

    async def _find(self, query: dict[str, Any]) -> list[StoredCase]:
        return [_stored(doc) async for doc in self._cases.find(query)]
