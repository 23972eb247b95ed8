"""The archive's read models in MongoDB/FerretDB: document timelines and the search records.

`archive_timeline`: one entry per event, `_id` = event id, so a replayed event rewrites the same
entry. `archive_documents`: one search record per document, in the shape
`textsearch.build_search_filter` expects. No `$text`, no `$lookup`, no transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError
from vanthu_runtime.mongo import MongoDocument

from vanthu_archive.domain.document_history import Actor, DocumentFacts, StoredFile, TimelineEntry
from vanthu_archive.domain.textsearch import (
    Candidate,
    SearchableDocument,
    Searcher,
    SearchFilters,
    TextQuery,
    build_search_filter,
    index_entry,
    permission_clause,
    rank,
)
from vanthu_archive.ports import Projected

TIMELINE = "archive_timeline"
DOCUMENTS = "archive_documents"
OBJECTS = "archive_objects"
_DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class SearchPage:
    total: int
    items: list[MongoDocument]
    scores: dict[str, float]


class MongoReadModels:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._timeline: AsyncCollection[MongoDocument] = db[TIMELINE]
        self._documents: AsyncCollection[MongoDocument] = db[DOCUMENTS]
        self._objects: AsyncCollection[MongoDocument] = db[OBJECTS]

    async def ensure_indexes(self) -> None:
        await self._timeline.create_index(
            [("document_id", ASCENDING), ("occurred_at", ASCENDING)], name="document_time"
        )
        await self._timeline.create_index(
            [("actor_ids", ASCENDING), ("occurred_at", ASCENDING)], name="actor_time"
        )
        await self._documents.create_index(
            [("agency_code", ASCENDING), ("search_terms", ASCENDING)], name="agency_terms"
        )
        await self._documents.create_index(
            [("agency_code", ASCENDING), ("received_at", DESCENDING)], name="agency_received"
        )

    # --- writes (projection) ---

    async def add_timeline_entry(self, entry: TimelineEntry, position: dict[str, Any]) -> None:
        await self._timeline.replace_one(
            {"_id": entry.event_id}, timeline_document(entry, position), upsert=True
        )

    async def apply(self, items: Sequence[Projected]) -> None:
        """Write a batch of projected events in a few round trips, in their order.

        Per document: one upsert that adds people and related ids, then the search fields merged
        over what is stored, then the newest status if it is newer than the stored one (topics
        are read in no common order).
        """
        if not items:
            return
        await self._add_timeline_entries(items)
        groups: dict[str, list[Projected]] = {}
        for item in items:
            groups.setdefault(item.facts.document_id, []).append(item)
        await self._documents.bulk_write([_upsert_people(g) for g in groups.values()])
        objects = [
            _object_upsert(item.facts, stored) for item in items for stored in item.facts.files
        ]
        if objects:
            await self._objects.bulk_write(objects)
        # By `_id` one at a time: the lookup FerretDB v1 answers from its index; `$in` and
        # compound filters are full scans there.
        stored = await asyncio.gather(
            *(self._documents.find_one({"_id": doc_id}) for doc_id in groups)
        )
        current = {doc_id: found or {} for doc_id, found in zip(groups, stored, strict=True)}
        later = _search_fields(groups, current) + _newest_statuses(groups, current)
        if later:
            await self._documents.bulk_write(later)

    async def _add_timeline_entries(self, items: Sequence[Projected]) -> None:
        # An entry is fixed by its event: one already there (a redelivered batch) stays as is.
        # Plain inserts, because FerretDB v1 answered unordered bulk upserts with a reply
        # PyMongo could not read.
        try:
            await self._timeline.insert_many(
                [timeline_document(i.entry, i.position) for i in items], ordered=False
            )
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if not all(error.get("code") == _DUPLICATE_KEY for error in errors):
                raise

    # --- reads ---

    async def stored_objects(self, document_id: str | None = None) -> list[MongoDocument]:
        query: MongoDocument = {} if document_id is None else {"document_id": document_id}
        return [item async for item in self._objects.find(query, sort=[("_id", ASCENDING)])]

    async def document(self, document_id: str) -> MongoDocument | None:
        return await self._documents.find_one({"_id": document_id})

    async def timeline(self, subjects: Sequence[str]) -> list[MongoDocument]:
        cursor = self._timeline.find(
            {"document_id": {"$in": list(subjects)}},
            sort=[("occurred_at", ASCENDING), ("_id", ASCENDING)],
        )
        return [entry async for entry in cursor]

    async def actions_of(
        self, user_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[MongoDocument]:
        query: MongoDocument = {"actor_ids": user_id}
        bounds: dict[str, datetime] = {}
        if since is not None:
            bounds["$gte"] = since
        if until is not None:
            bounds["$lte"] = until
        if bounds:
            query["occurred_at"] = bounds
        cursor = self._timeline.find(query, sort=[("occurred_at", ASCENDING)])
        return [entry async for entry in cursor]

    async def visible_document(self, searcher: Searcher, document_id: str) -> MongoDocument | None:
        """The document if it is of the searcher's agency and they may see it."""
        return await self._documents.find_one(
            {
                "$and": [
                    {"_id": document_id},
                    {"agency_code": searcher.agency_code},
                    permission_clause(searcher),
                ]
            }
        )

    async def search(
        self,
        searcher: Searcher,
        filters: SearchFilters,
        query: TextQuery | None,
        *,
        page: int,
        page_size: int,
        candidates: int,
    ) -> SearchPage:
        mongo_filter = build_search_filter(searcher, filters, query)
        start = (page - 1) * page_size
        newest_first = [("received_at", DESCENDING), ("_id", ASCENDING)]
        if query is None or query.is_empty:
            total = await self._documents.count_documents(mongo_filter)
            cursor = self._documents.find(
                mongo_filter,
                projection=_LISTED,
                sort=newest_first,
                skip=start,
                limit=page_size,
            )
            return SearchPage(total, [item async for item in cursor], {})
        cursor = self._documents.find(
            mongo_filter,
            projection={"_id": 1, "search_text": 1},
            sort=newest_first,
            limit=candidates,
        )
        found = [Candidate(item["_id"], item.get("search_text", "")) async for item in cursor]
        ranked = rank(query, found)
        chosen = ranked[start : start + page_size]
        by_id = {
            item["_id"]: item
            async for item in self._documents.find(
                {"_id": {"$in": [r.document_id for r in chosen]}}, projection=_LISTED
            )
        }
        items = [by_id[r.document_id] for r in chosen if r.document_id in by_id]
        return SearchPage(len(ranked), items, {r.document_id: r.score for r in chosen})


_LISTED = {
    "_id": 1,
    "agency_code": 1,
    "subject": 1,
    "notation": 1,
    "document_type": 1,
    "issuer": 1,
    "issued_date": 1,
    "received_at": 1,
    "status": 1,
    "urgency": 1,
    "confidentiality": 1,
    "direction": 1,
}


def _searchable(merged: dict[str, Any]) -> SearchableDocument:
    return SearchableDocument(
        subject=merged.get("subject", ""),
        notation=merged.get("notation", ""),
        document_type=(merged.get("document_type") or {}).get("name", ""),
        issuer=(merged.get("issuer") or {}).get("name", ""),
        body=merged.get("body", ""),
    )


def _upsert_people(group: list[Projected]) -> UpdateOne:
    facts = [item.facts for item in group]
    people = sorted({person for f in facts for person in f.people})
    related = sorted({other for f in facts for other in f.related_ids})
    agency = next((f.agency_code for f in facts if f.agency_code is not None), None)
    update: dict[str, Any] = {"$setOnInsert": {"agency_code": agency}}
    added: dict[str, Any] = {}
    if people:
        added["allowed_user_ids"] = {"$each": people}
    if related:
        added["related_ids"] = {"$each": related}
    if added:
        update["$addToSet"] = added
    return UpdateOne({"_id": facts[0].document_id}, update, upsert=True)


def _object_upsert(facts: DocumentFacts, stored: StoredFile) -> UpdateOne:
    # The checksum recorded when the file was stored: what fixity checks compare against.
    return UpdateOne(
        {"_id": stored.object_key},
        {
            "$setOnInsert": {
                "sha256": stored.sha256,
                "size": stored.size,
                "name": stored.name,
                "media_type": stored.media_type,
                "role": stored.role,
                "file_id": stored.file_id,
                "document_id": facts.document_id,
                "agency_code": facts.agency_code,
            }
        },
        upsert=True,
    )


def _search_fields(
    groups: dict[str, list[Projected]], current: dict[str, MongoDocument]
) -> list[UpdateOne]:
    updates = []
    for doc_id, group in groups.items():
        if not any(i.facts.descriptive is not None or i.body is not None for i in group):
            continue
        merged: dict[str, Any] = dict(current[doc_id])
        changed: dict[str, Any] = {}
        for item in group:
            fields = _search_record_fields(item.facts, item.body)
            merged.update(fields)
            changed.update(fields)
        if "subject" in merged:
            changed.update(index_entry(_searchable(merged)).as_document_fields())
        updates.append(UpdateOne({"_id": doc_id}, {"$set": changed}))
    return updates


def _newest_statuses(
    groups: dict[str, list[Projected]], current: dict[str, MongoDocument]
) -> list[UpdateOne]:
    updates = []
    for doc_id, group in groups.items():
        timed = [
            (i.facts.status_at, i.facts.status)
            for i in group
            if i.facts.status is not None and i.facts.status_at is not None
        ]
        if not timed:
            continue
        status_at, status = max(timed, key=lambda pair: pair[0])
        stored_at = current[doc_id].get("status_at")
        # Topics are read in no common order: only a newer status replaces the stored one.
        # Checked here rather than in the filter (a compound filter is a scan on FerretDB v1);
        # one projector writes a document at a time (ADR 0042).
        if stored_at is None or stored_at < status_at:
            updates.append(
                UpdateOne({"_id": doc_id}, {"$set": {"status": status, "status_at": status_at}})
            )
    return updates


def _search_record_fields(facts: DocumentFacts, body: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    descriptive = facts.descriptive
    if descriptive is not None:
        fields.update(
            agency_code=facts.agency_code,
            subject=descriptive.subject,
            notation=descriptive.notation,
            document_type={
                "code": descriptive.document_type_code,
                "name": descriptive.document_type_name,
            },
            issuer={"name": descriptive.issuer_name, "agency_code": descriptive.issuer_code},
            issued_date=descriptive.issued_date.isoformat(),
            received_at=descriptive.received_at,
            urgency=descriptive.urgency,
            confidentiality=descriptive.confidentiality,
            direction=descriptive.direction,
        )
    if body is not None:
        fields["body"] = body
    return fields


def timeline_document(entry: TimelineEntry, position: dict[str, Any]) -> MongoDocument:
    return {
        "_id": entry.event_id,
        "event_type": entry.event_type,
        "document_id": entry.document_id,
        "agency_code": entry.agency_code,
        "kind": entry.kind,
        "occurred_at": entry.occurred_at,
        "summary": entry.summary,
        "actors": [_actor(actor) for actor in entry.actors],
        "actor_ids": entry.actor_ids,
        "on_behalf": entry.on_behalf,
        "details": entry.details,
        "source": position,
    }


def _actor(actor: Actor) -> dict[str, str]:
    return {"role": actor.role, "user_id": actor.user_id, "full_name": actor.full_name}
