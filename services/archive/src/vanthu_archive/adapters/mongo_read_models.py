"""The archive's read models in MongoDB/FerretDB: document timelines and the search records.

`archive_timeline`: one entry per event, `_id` = event id, so a replayed event rewrites the same
entry. `archive_documents`: one search record per document, in the shape
`textsearch.build_search_filter` expects. No `$text`, no `$lookup`, no transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_runtime.mongo import MongoDocument

from vanthu_archive.domain.document_history import Actor, DocumentFacts, TimelineEntry
from vanthu_archive.domain.textsearch import (
    Candidate,
    SearchableDocument,
    SearchFilters,
    Searcher,
    TextQuery,
    build_search_filter,
    index_entry,
    permission_clause,
    rank,
)

TIMELINE = "archive_timeline"
DOCUMENTS = "archive_documents"


@dataclass(frozen=True)
class SearchPage:
    total: int
    items: list[MongoDocument]
    scores: dict[str, float]


class MongoReadModels:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._timeline: AsyncCollection[MongoDocument] = db[TIMELINE]
        self._documents: AsyncCollection[MongoDocument] = db[DOCUMENTS]

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

    async def merge_document(self, facts: DocumentFacts, body: str | None) -> None:
        await self._ensure_document(facts)
        if facts.people:
            await self._documents.update_one(
                {"_id": facts.document_id},
                {"$addToSet": {"allowed_user_ids": {"$each": list(facts.people)}}},
            )
        if facts.related_ids:
            await self._documents.update_one(
                {"_id": facts.document_id},
                {"$addToSet": {"related_ids": {"$each": list(facts.related_ids)}}},
            )
        if facts.descriptive is not None or body is not None:
            await self._reindex(facts, body)
        if facts.status is not None and facts.status_at is not None:
            # Topics are read in no common order: only a newer status replaces the one stored.
            await self._documents.update_one(
                {
                    "_id": facts.document_id,
                    "$or": [{"status_at": None}, {"status_at": {"$lt": facts.status_at}}],
                },
                {"$set": {"status": facts.status, "status_at": facts.status_at}},
            )

    async def _ensure_document(self, facts: DocumentFacts) -> None:
        try:
            await self._documents.update_one(
                {"_id": facts.document_id},
                {"$setOnInsert": {"agency_code": facts.agency_code, "allowed_user_ids": []}},
                upsert=True,
            )
        except DuplicateKeyError:
            # Two writers created it at once; it exists now, which is all this step wanted.
            return

    async def _reindex(self, facts: DocumentFacts, body: str | None) -> None:
        stored = await self._documents.find_one({"_id": facts.document_id}) or {}
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
        merged = {**stored, **fields}
        if "subject" in merged:
            searchable = _searchable(merged)
            fields.update(index_entry(searchable).as_document_fields())
        await self._documents.update_one({"_id": facts.document_id}, {"$set": fields})

    # --- reads ---

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
