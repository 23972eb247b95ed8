"""The archive's read models in MongoDB: document timelines and the search records.

- `archive_timeline`: one entry per event, `_id` = event id (a redelivery adds nothing), read by
  the index (document_id, occurred_at); the auditor's "who did what" by (actor_ids, occurred_at).
- `archive_documents`: one search record per document, merged from every event that names it by
  single-document upserts (`$addToSet` of task holders, `$max` of each status's time, `$set` of the
  search fields; a record not stored yet is inserted whole), so several workers merge into one
  record at once and lose nothing; its words are posted in the inverted index of
  `mongo_search_index`.
- `archive_objects`: every stored file with the checksum it was stored under.
A batch of events is written with one write per collection. No `$text`, no `$lookup`, no
transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.auth import Principal
from vanthu_runtime.mongo import MongoDocument, insert_new
from vanthu_runtime.visibility import task_scoped

from vanthu_archive.adapters.mongo_search_index import MongoSearchIndex, Reposted
from vanthu_archive.document_access import VISIBILITY_FIELDS, may_read, visible_condition
from vanthu_archive.domain.document_history import (
    Actor,
    DocumentFacts,
    DocumentStatus,
    StoredFile,
    TimelineEntry,
    Voiding,
)
from vanthu_archive.domain.inverted_index import (
    IndexedFacts,
    Scored,
    expand_prefix,
    issuer_term,
    rank_postings,
    received_seconds,
    type_term,
    union,
    urgency_term,
)
from vanthu_archive.domain.textsearch import (
    SearchableDocument,
    SearchFilters,
    TextQuery,
    admits,
    index_entry,
)
from vanthu_archive.ports import Projected

TIMELINE = "archive_timeline"
DOCUMENTS = "archive_documents"
OBJECTS = "archive_objects"
STATUS_TIMES = "status_times"
VOIDED = "voided"
_READ_AHEAD = 5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEARCH_FIELDS = (
    "agency_code",
    "subject",
    "notation",
    "document_type",
    "issuer",
    "issued_date",
    "received_at",
    "urgency",
    "confidentiality",
    "direction",
    "registered_by",
    "readers",
    "body",
)


@dataclass(frozen=True)
class SearchPage:
    total: int
    items: list[MongoDocument]
    scores: dict[str, float]
    total_is_exact: bool = True


def _aware(moment: datetime) -> datetime:
    # PyMongo returns naive UTC datetimes unless the client asks for aware ones.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class MongoReadModels:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._timeline: AsyncCollection[MongoDocument] = db[TIMELINE]
        self._documents: AsyncCollection[MongoDocument] = db[DOCUMENTS]
        self._objects: AsyncCollection[MongoDocument] = db[OBJECTS]
        self.index = MongoSearchIndex(db)

    async def ensure_indexes(self) -> None:
        await self._timeline.create_index(
            [("document_id", ASCENDING), ("occurred_at", ASCENDING)], name="document_time"
        )
        await self._timeline.create_index(
            [("actor_ids", ASCENDING), ("occurred_at", ASCENDING)], name="actor_time"
        )
        await self._objects.create_index([("document_id", ASCENDING)], name="document")
        await self._objects.create_index([("agency_code", ASCENDING)], name="agency")
        await self._documents.create_index(
            [("agency_code", ASCENDING), ("received_at", DESCENDING)], name="agency_newest"
        )
        # The local FerretDB sorts by a field only if it is the first of an index (ADR 0005).
        await self._documents.create_index([("received_at", DESCENDING)], name="newest")
        await self.index.ensure_indexes()

    # --- writes (projection) ---

    async def add_timeline_entry(self, entry: TimelineEntry, position: dict[str, Any]) -> None:
        await insert_new(self._timeline, [timeline_document(entry, position)])

    async def apply(self, items: Sequence[Projected]) -> None:
        """Write a batch of projected events: one write per collection, applying it again
        changes nothing.

        Per document one write, an insert when it is new, else an upsert: the task holders and related
        ids added, each status's newest time kept (topics are read in no common order: the
        status shown is the one with the newest time), and the search fields the batch changes
        merged over what is stored. Only the
        consumer of `document.received` (where a document's text comes from, in order) writes
        those; it reads the stored record for them, and posts the words before it writes the
        record, so a stop in between posts them again on redelivery.
        """
        if not items:
            return
        groups: dict[str, list[Projected]] = {}
        for item in items:
            groups.setdefault(item.facts.document_id, []).append(item)
        texts = [doc_id for doc_id, group in groups.items() if _carries_text(group)]
        objects = {
            stored.object_key: _object_document(item.facts, stored)
            for item in items
            for stored in item.facts.files
        }
        _, _, current = await asyncio.gather(
            insert_new(self._timeline, [timeline_document(i.entry, i.position) for i in items]),
            insert_new(self._objects, list(objects.values())),
            self._stored_text_fields(texts),
        )
        searchable, reposted = _search_fields(groups, current)
        if reposted:
            await self.index.post(reposted)
        await self._merge_documents(groups, searchable, set(current))

    async def _merge_documents(
        self,
        groups: dict[str, list[Projected]],
        searchable: dict[str, dict[str, Any]],
        stored: set[str],
    ) -> None:
        """A document not stored yet is inserted whole (an insert costs a fraction of an upsert,
        on the local FerretDB about a fiftieth); one that is, or that another worker stored
        meanwhile (its insert is refused), gets the upsert, which merges into what is there."""
        changes = {
            doc_id: _Merge.of(group, searchable.get(doc_id)) for doc_id, group in groups.items()
        }
        new = [doc_id for doc_id in changes if doc_id not in stored]
        taken = await insert_new(self._documents, [changes[d].as_document(d) for d in new])
        merged = [doc_id for doc_id in changes if doc_id in stored]
        merged += [new[index] for index in sorted(taken)]
        if merged:
            await self._documents.bulk_write(
                [
                    UpdateOne({"_id": doc_id}, changes[doc_id].as_update(), upsert=True)
                    for doc_id in merged
                ],
                ordered=False,
            )

    async def _stored_text_fields(self, ids: list[str]) -> dict[str, MongoDocument]:
        if not ids:
            return {}
        cursor = self._documents.find(
            {"_id": {"$in": ids}}, projection=dict.fromkeys(_SEARCH_FIELDS, 1)
        )
        return {str(row["_id"]): row async for row in cursor}

    # --- reads ---

    async def stored_objects(
        self, document_id: str | None = None, *, agency_code: str | None = None
    ) -> list[MongoDocument]:
        query: MongoDocument = {} if document_id is None else {"document_id": document_id}
        if agency_code is not None:
            query["agency_code"] = agency_code
        return [item async for item in self._objects.find(query, sort=[("_id", ASCENDING)])]

    async def document(self, document_id: str) -> MongoDocument | None:
        found = await self._documents.find_one({"_id": document_id})
        return None if found is None else with_status(found)

    async def timeline(self, subjects: Sequence[str]) -> list[MongoDocument]:
        """The entries of these documents, oldest first."""
        cursor = self._timeline.find(
            {"document_id": {"$in": list(subjects)}},
            sort=[("occurred_at", ASCENDING), ("_id", ASCENDING)],
        )
        return [entry async for entry in cursor]

    async def actions_of(
        self,
        user_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        agency_code: str | None = None,
    ) -> list[MongoDocument]:
        query: MongoDocument = {"actor_ids": user_id}
        if agency_code is not None:
            query["agency_code"] = agency_code
        bounds: dict[str, datetime] = {}
        if since is not None:
            bounds["$gte"] = since
        if until is not None:
            bounds["$lte"] = until
        if bounds:
            query["occurred_at"] = bounds
        cursor = self._timeline.find(query, sort=[("occurred_at", ASCENDING)])
        return [entry async for entry in cursor]

    async def visible_document(
        self, principal: Principal, document_id: str
    ) -> MongoDocument | None:
        """The document if it is of the caller's agency and they may see it (ADR 0006)."""
        found = await self._documents.find_one(
            {"_id": document_id, "agency_code": principal.agency_code}
        )
        if found is None or not may_read(principal, found):
            return None
        return with_status(found)

    async def visible_ids(
        self, principal: Principal, document_ids: Sequence[str], *, unit_file: bool = False
    ) -> set[str]:
        """Those of these documents the caller may see (``unit_file``: as the members of a
        records file of the caller's unit)."""
        if not document_ids:
            return set()
        cursor = self._documents.find(
            {"_id": {"$in": list(document_ids)}, "agency_code": principal.agency_code},
            projection=dict.fromkeys(VISIBILITY_FIELDS, 1),
        )
        return {
            str(row["_id"]) async for row in cursor if may_read(principal, row, unit_file=unit_file)
        }

    async def listed(self, ids: Sequence[str]) -> list[MongoDocument]:
        """These documents as search lists them (their fields and status), in the order of
        ``ids``; the caller has checked that they may be seen."""
        if not ids:
            return []
        projection = dict(_LISTED) | {STATUS_TIMES: 1}
        rows = await self._records(list(ids), projection)
        return [{k: v for k, v in row.items() if k in _LISTED} for row in rows]

    async def hidden_ids(self, principal: Principal, ids: Sequence[str]) -> set[str]:
        """Those of these ids that are documents the caller may not see (ids that name no
        document, a unit or a person, are not hidden)."""
        if not ids:
            return set()
        cursor = self._documents.find(
            {"_id": {"$in": list(ids)}}, projection=dict.fromkeys(VISIBILITY_FIELDS, 1)
        )
        return {str(row["_id"]) async for row in cursor if not may_read(principal, row)}

    async def search(
        self,
        principal: Principal,
        filters: SearchFilters,
        query: TextQuery | None,
        *,
        page: int,
        page_size: int,
        candidates: int,
    ) -> SearchPage:
        """Postings narrow and rank; then documents are read by id, a window at a time, best
        first, only until the page is full (ADR 0044). Without text or a filter the postings
        answer, the newest documents are read in order from the index instead. ``candidates``
        bounds how many are read for one request."""
        start = (page - 1) * page_size
        wanted = start + page_size
        projection = (
            dict(_LISTED)
            | dict.fromkeys(VISIBILITY_FIELDS, 1)
            | {"issuer_folded": 1, STATUS_TIMES: 1}
        )
        if query is not None and query.text_patterns():
            projection["search_text"] = 1
        if (query is None or query.is_empty) and not _posting_filters(filters):
            return await self._newest(principal, filters, start, wanted, candidates, projection)
        ranked, scored = await self._ranked(principal.agency_code, filters, query)
        passing: list[MongoDocument] = []
        checked = 0
        while checked < len(ranked) and len(passing) < wanted and checked < candidates:
            # As many as the page still needs and a few more (some may be hidden or filtered).
            step = min(wanted - len(passing) + _READ_AHEAD, candidates - checked)
            window = [r.document_id for r in ranked[checked : checked + step]]
            checked += len(window)
            records = await self._records(window, projection)
            passing.extend(
                r for r in records if may_read(principal, r) and admits(filters, query, r)
            )
        if checked >= len(ranked):
            total, exact = len(passing), True
        else:
            # Not all candidates were read: the share that passed, extended to the rest.
            total = len(passing) + round((len(ranked) - checked) * len(passing) / checked)
            exact = False
        chosen = [{k: v for k, v in r.items() if k in _LISTED} for r in passing[start:wanted]]
        scores = {r.document_id: r.score for r in ranked} if scored else {}
        shown = {str(item["_id"]): scores[item["_id"]] for item in chosen if item["_id"] in scores}
        return SearchPage(total, chosen, shown, exact)

    async def _newest(
        self,
        principal: Principal,
        filters: SearchFilters,
        start: int,
        wanted: int,
        candidates: int,
        projection: dict[str, int],
    ) -> SearchPage:
        """The agency's documents newest first, read in the order of the index
        (agency_code, received_at) until the page is full; the total from the agency's count of
        posted documents and the share that passed the checks."""
        # Who may see what is in the query (the newest documents of the agency the caller may
        # see), so a reader of a few documents of a large agency is not left with an empty page.
        visible = {"$and": [{"received_at": {"$gt": _EPOCH}}, visible_condition(principal)]}
        cursor = self._documents.find(
            {"agency_code": principal.agency_code, **visible},
            projection=projection,
            sort=[("received_at", DESCENDING)],
            limit=candidates,
            batch_size=wanted + _READ_AHEAD,
        )
        passing: list[MongoDocument] = []
        checked = 0
        exhausted = True
        async with cursor:
            async for row in cursor:
                checked += 1
                record = with_status(row)
                if may_read(principal, record) and admits(filters, None, record):
                    passing.append(record)
                if len(passing) >= wanted:
                    exhausted = False
                    break
        if exhausted:
            total, exact = len(passing), True
        else:
            if task_scoped(principal):
                # A unit's or a person's documents are a small part of the agency's: counted,
                # not taken as the agency's count (which would promise pages that are not there).
                query = {"agency_code": principal.agency_code, **visible}
                listed = max(await self._documents.count_documents(query), checked)
            else:
                listed = max(await self.index.documents(principal.agency_code), checked)
            total = len(passing) + round((listed - checked) * len(passing) / checked)
            exact = False
        chosen = [{k: v for k, v in r.items() if k in _LISTED} for r in passing[start:wanted]]
        return SearchPage(total, chosen, {}, exact)

    async def _records(self, ids: list[str], projection: dict[str, int]) -> list[MongoDocument]:
        """The records of these documents, in the order of ``ids`` (absent ones left out)."""
        cursor = self._documents.find({"_id": {"$in": ids}}, projection=projection)
        found = {row["_id"]: with_status(row) async for row in cursor}
        return [found[doc_id] for doc_id in ids if doc_id in found]

    async def _ranked(
        self, agency: str, filters: SearchFilters, query: TextQuery | None
    ) -> tuple[list[Scored], bool]:
        groups: list[list[str]] = []
        scored_groups: list[list[str]] = []
        if query is not None and not query.is_empty:
            plain = list(dict.fromkeys([*query.terms, *(w for p in query.phrases for w in p)]))
            groups.extend([word] for word in plain)
            expansions = await asyncio.gather(
                *(self.index.words_starting(agency, prefix) for prefix in query.prefixes)
            )
            for prefix, vocabulary in zip(query.prefixes, expansions, strict=True):
                expanded = expand_prefix(prefix, vocabulary)
                if not expanded:
                    return [], True
                groups.append(expanded)
            scored_groups = list(groups)
        if filters.document_types:
            groups.append([type_term(code) for code in sorted(filters.document_types)])
        if filters.urgencies:
            groups.append([urgency_term(u.value) for u in sorted(filters.urgencies)])
        if filters.issuer_code is not None:
            groups.append([issuer_term(filters.issuer_code)])
        bounds = {
            "received_from": None
            if filters.received_from is None
            else received_seconds(filters.received_from),
            "received_to": None
            if filters.received_to is None
            else received_seconds(filters.received_to),
        }
        if not groups:
            everything = await self.index.all_postings(agency)
            return rank_postings([everything], [], len(everything), **bounds), False
        found, total = await asyncio.gather(
            self.index.lookup(agency, [t for group in groups for t in group]),
            self.index.documents(agency),
        )
        required = [union(found[t] for t in group) for group in groups]
        scored = [union(found[t] for t in group) for group in scored_groups]
        return rank_postings(required, scored, total, **bounds), bool(scored)


def _posting_filters(filters: SearchFilters) -> bool:
    """Whether the search has a filter that postings answer (and the newest list cannot)."""
    return bool(
        filters.document_types
        or filters.urgencies
        or filters.issuer_code is not None
        or filters.received_from is not None
        or filters.received_to is not None
    )


def with_status(record: MongoDocument) -> MongoDocument:
    """The record with its `status` and `status_at`: of every status, the one set by the event
    with the newest time."""
    times = record.pop(STATUS_TIMES, None) or {}
    if times:
        status, at = max(times.items(), key=lambda pair: (_aware(pair[1]), pair[0]))
        if DocumentStatus.VOIDED in times:
            # A cancelled registration is final: a task closed after it does not reopen it.
            status, at = DocumentStatus.VOIDED, times[DocumentStatus.VOIDED]
        record["status"], record["status_at"] = status, _aware(at)
    voided = record.get(VOIDED)
    if isinstance(voided, dict) and isinstance(voided.get("at"), datetime):
        record[VOIDED] = {**voided, "at": _aware(voided["at"])}
    return record


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
    VOIDED: 1,
}


def _searchable(merged: dict[str, Any]) -> SearchableDocument:
    return SearchableDocument(
        subject=merged.get("subject", ""),
        notation=merged.get("notation", ""),
        document_type=(merged.get("document_type") or {}).get("name", ""),
        issuer=(merged.get("issuer") or {}).get("name", ""),
        body=merged.get("body", ""),
    )


def _carries_text(group: list[Projected]) -> bool:
    return any(i.facts.descriptive is not None or i.body is not None for i in group)


_ADDED_SETS = ("task_unit_ids", "task_user_ids", "information_unit_ids", "related_ids")
"""Fields of a record that events only ever add to (`$addToSet`): the task holders and the other
subjects of its timeline."""


@dataclass(frozen=True)
class _Merge:
    """What a batch's events say about one document: task holders and related ids to add, each
    status's newest time, and (from the consumer of its text only) its search fields."""

    added: dict[str, list[str]]
    status_times: dict[str, datetime]
    agency_code: str | None
    searchable: dict[str, Any] | None
    voided: dict[str, Any] | None = None

    @classmethod
    def of(cls, group: list[Projected], searchable: dict[str, Any] | None) -> _Merge:
        facts = [item.facts for item in group]
        newest: dict[str, datetime] = {}
        for f in facts:
            if f.status is not None and f.status_at is not None:
                newest[f.status] = max(newest.get(f.status, f.status_at), f.status_at)
        added = {
            name: sorted({value for f in facts for value in getattr(f, name)})
            for name in _ADDED_SETS
        }
        return cls(
            added={name: values for name, values in added.items() if values},
            status_times=newest,
            agency_code=next((f.agency_code for f in facts if f.agency_code), None),
            searchable=searchable,
            voided=next((_voided(f.voided) for f in facts if f.voided), None),
        )

    def as_update(self) -> MongoDocument:
        """Operators that commute with those of other workers (task holders added, each status's
        time raised) and the search fields, which only the consumer of the document's text sets."""
        update: MongoDocument = {}
        if self.added:
            update["$addToSet"] = {name: {"$each": v} for name, v in self.added.items()}
        if self.status_times:
            update["$max"] = {f"{STATUS_TIMES}.{s}": t for s, t in self.status_times.items()}
        if self.searchable or self.voided:
            update["$set"] = {**(self.searchable or {}), **self._void_fields()}
        if "agency_code" not in (self.searchable or {}):
            update["$setOnInsert"] = {"agency_code": self.agency_code}
        return update

    def as_document(self, doc_id: str) -> MongoDocument:
        """The document the update makes where there was none."""
        document: MongoDocument = {"_id": doc_id, "agency_code": self.agency_code}
        document.update(self.added)
        if self.status_times:
            document[STATUS_TIMES] = dict(self.status_times)
        document.update(self.searchable or {})
        document.update(self._void_fields())
        return document

    def _void_fields(self) -> dict[str, Any]:
        return {} if self.voided is None else {VOIDED: self.voided}


def _voided(voiding: Voiding) -> dict[str, Any]:
    return {"reason": voiding.reason, "at": voiding.voided_at, "by": voiding.voided_by}


def _object_document(facts: DocumentFacts, stored: StoredFile) -> MongoDocument:
    # The checksum recorded when the file was stored: what fixity checks compare against.
    return {
        "_id": stored.object_key,
        "sha256": stored.sha256,
        "size": stored.size,
        "name": stored.name,
        "media_type": stored.media_type,
        "role": stored.role,
        "file_id": stored.file_id,
        "document_id": facts.document_id,
        "agency_code": facts.agency_code,
    }


def _search_fields(
    groups: dict[str, list[Projected]], current: dict[str, MongoDocument]
) -> tuple[dict[str, dict[str, Any]], list[Reposted]]:
    """The search fields each document's text-bearing events change, merged over what is stored
    (with the folded text they make), and its postings before and after."""
    updates: dict[str, dict[str, Any]] = {}
    reposted: list[Reposted] = []
    for doc_id, group in groups.items():
        texts = [i for i in group if i.facts.descriptive is not None or i.body is not None]
        if not texts:
            continue
        stored = current.get(doc_id, {})
        merged: dict[str, Any] = dict(stored)
        changed: dict[str, Any] = {}
        for item in texts:
            fields = _search_record_fields(item.facts, item.body)
            merged.update(fields)
            changed.update(fields)
        if "subject" in merged:
            entry = index_entry(_searchable(merged))
            changed.update(search_text=entry.search_text, issuer_folded=entry.issuer_folded)
            before = _indexed(doc_id, stored) if "subject" in stored else None
            reposted.append(Reposted(before, _indexed(doc_id, merged)))
        updates[doc_id] = changed
    return updates, reposted


def _indexed(doc_id: str, merged: dict[str, Any]) -> IndexedFacts:
    return IndexedFacts(
        document_id=doc_id,
        agency_code=str(merged.get("agency_code")),
        received_at=_aware(merged["received_at"]),
        document=_searchable(merged),
        document_type_code=(merged.get("document_type") or {}).get("code"),
        urgency=merged.get("urgency"),
        issuer_code=(merged.get("issuer") or {}).get("agency_code"),
    )


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
            registered_by=descriptive.registered_by,
            readers=list(descriptive.readers),
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
