"""The archive's read models in MongoDB/FerretDB: document timelines and the search records.

Every read a request makes is an `_id` look-up, the only one FerretDB v1 serves from an index
(ADR 0044):
- `archive_timeline_slots`: a document's timeline, in slots `<document>|<n>` claimed by unique
  inserts, each holding the entries of one batch; `archive_timeline_heads` hints how many there are.
- `archive_timeline`: one entry per event, `_id` = event id: what makes a redelivery add nothing,
  and the auditor's "who did what" (a scan, fine for an occasional report).
- `archive_documents`: one search record per document; its words are posted in the inverted index
  of `mongo_search_index`.
No `$text`, no `$lookup`, no transactions.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.mongo import MongoDocument, insert_new
from vanthu_runtime.outbox import release_leases, take_leases

from vanthu_archive.adapters.mongo_batching import (
    find_by_ids,
    gather_bounded,
    write_in_slices,
)
from vanthu_archive.adapters.mongo_search_index import MongoSearchIndex, Posted
from vanthu_archive.domain.document_history import Actor, DocumentFacts, StoredFile, TimelineEntry
from vanthu_archive.domain.inverted_index import (
    CHUNK_SPAN,
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
    Searcher,
    SearchFilters,
    TextQuery,
    admits,
    index_entry,
    may_see,
)
from vanthu_archive.ports import Projected

TIMELINE = "archive_timeline"
TIMELINE_SLOTS = "archive_timeline_slots"
DOCUMENTS = "archive_documents"
OBJECTS = "archive_objects"
_SLOT_ATTEMPTS = 50
_SLOT_WINDOW = 8
_READ_AHEAD = 5
_REMEMBERED_SLOTS = 100_000
_DOCUMENT_LEASE = timedelta(seconds=30)
"""Longer than any merge of one batch; a dead worker's records wait this long for another."""
_MERGE_PATIENCE_S = 120.0


class DocumentsBusy(RuntimeError):
    """Another worker held the records longer than a lease can last: the batch is not done."""


@dataclass(frozen=True)
class SearchPage:
    total: int
    items: list[MongoDocument]
    scores: dict[str, float]
    total_is_exact: bool = True


def slot_id(document_id: str, slot: int) -> str:
    return f"{document_id}|{slot:06d}"


def _aware(moment: datetime) -> datetime:
    # PyMongo returns naive UTC datetimes unless the client asks for aware ones.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class MongoReadModels:
    def __init__(
        self, db: AsyncDatabase[MongoDocument], index_chunk_span: int = CHUNK_SPAN
    ) -> None:
        self._db = db
        self._owner = f"archive-{uuid.uuid4().hex[:12]}"
        self._timeline: AsyncCollection[MongoDocument] = db[TIMELINE]
        self._slots: AsyncCollection[MongoDocument] = db[TIMELINE_SLOTS]
        self._last_slot: dict[str, int] = {}
        self._documents: AsyncCollection[MongoDocument] = db[DOCUMENTS]
        self._objects: AsyncCollection[MongoDocument] = db[OBJECTS]
        self.index = MongoSearchIndex(db, index_chunk_span)

    async def ensure_indexes(self) -> None:
        # Used on MongoDB; FerretDB v1 keeps them but serves only `_id` equality from an index,
        # which is all the hot paths ask for (ADR 0044).
        await self._timeline.create_index(
            [("actor_ids", ASCENDING), ("occurred_at", ASCENDING)], name="actor_time"
        )

    # --- writes (projection) ---

    async def add_timeline_entry(self, entry: TimelineEntry, position: dict[str, Any]) -> None:
        await self._add_timeline_entries([(entry, position)])

    async def apply(self, items: Sequence[Projected]) -> None:
        """Write a batch of projected events in a few round trips, in their order.

        Per document: one upsert that adds people and related ids, then the search fields merged
        over what is stored (and their postings), then the newest status if it is newer than the
        stored one (topics are read in no common order). Timeline slots need no lease; the
        document records are read, merged and written under per-document leases.
        """
        if not items:
            return
        await self._add_timeline_entries(
            [(i.entry, i.position) for i in items], first_time=all(i.first_time for i in items)
        )
        groups: dict[str, list[Projected]] = {}
        for item in items:
            groups.setdefault(item.facts.document_id, []).append(item)
        await self._merge_under_leases(groups)

    async def _merge_under_leases(self, groups: dict[str, list[Projected]]) -> None:
        """Merge into the document records what these events say, holding each record's lease.

        A document's events come on several topics, so with several archive workers two of them
        may merge into one record at once; the merge reads, then writes, and on FerretDB v1 even a
        single update is a read-modify-write that can lose a concurrent one (ADR 0002 addendum).
        A lease per document (a unique insert, `take_leases`) makes one worker merge at a time.
        This worker merges what it could lease, releases, and asks again for the rest, so two
        workers never wait for each other while holding; a dead worker's lease expires."""
        waiting = dict(groups)
        deadline = time.monotonic() + _MERGE_PATIENCE_S
        pause = 0.02
        while waiting:
            held = await take_leases(
                self._db, DOCUMENTS, list(waiting), self._owner, _DOCUMENT_LEASE
            )
            if not held:
                if time.monotonic() > deadline:
                    raise DocumentsBusy(f"records held by another worker: {sorted(waiting)[:5]}")
                await asyncio.sleep(pause * (1 + random.random()))  # noqa: S311 (jitter)
                pause = min(pause * 2, 1.0)
                continue
            try:
                await self._merge({doc_id: waiting.pop(doc_id) for doc_id in held})
            finally:
                await release_leases(self._db, DOCUMENTS, held, self._owner)

    async def _merge(self, groups: dict[str, list[Projected]]) -> None:
        await self._upsert_people(groups)
        objects = {
            stored.object_key: _object_document(item.facts, stored)
            for group in groups.values()
            for item in group
            for stored in item.facts.files
        }
        if objects:
            await self._insert_new(self._objects, list(objects.values()))
        stored = await find_by_ids(self._documents, list(groups))
        current = {doc_id: found or {} for doc_id, found in zip(groups, stored, strict=True)}
        searchable, to_index = _search_fields(groups, current)
        # One update per document: its search fields and its newest status together.
        changes: dict[str, dict[str, Any]] = {}
        for doc_id, fields in [*searchable, *_newest_statuses(groups, current)]:
            changes.setdefault(doc_id, {}).update(fields)
        await write_in_slices(
            self._documents,
            [UpdateOne({"_id": doc_id}, {"$set": fields}) for doc_id, fields in changes.items()],
        )
        for writer, documents in to_index.items():
            await self.index.post(writer, documents)

    async def _add_timeline_entries(
        self, entries: Sequence[tuple[TimelineEntry, dict[str, Any]]], *, first_time: bool = False
    ) -> None:
        """Each new entry into its document's timeline slots, then its marker (`_id` = event id).

        The marker comes last: an event whose marker exists is in a slot already, so a redelivered
        batch adds nothing; a crash in between adds it to a second slot, and readers keep one.
        Records stored for the first time (``first_time``) cannot have been projected: no check.
        """
        fresh = list(entries)
        if not first_time:
            known = await find_by_ids(self._timeline, [e.event_id for e, _ in entries], {"_id": 1})
            fresh = [pair for pair, found in zip(entries, known, strict=True) if found is None]
        if not fresh:
            return
        per_document: dict[str, list[MongoDocument]] = {}
        for entry, position in fresh:
            per_document.setdefault(entry.document_id, []).append(
                timeline_document(entry, position)
            )
        await self._claim_slots(per_document)
        await self._insert_new(
            self._timeline, [timeline_document(entry, position) for entry, position in fresh]
        )

    async def _claim_slots(self, per_document: dict[str, list[MongoDocument]]) -> None:
        """Store each document's entries in its next free slot `<document>|<n>`, claimed by a
        unique insert: writers of one document (its events come on several topics) never share a
        slot. The last slot this process wrote is only a guess; a taken slot sends it further."""
        pending = {doc_id: self._last_slot.get(doc_id, 0) + 1 for doc_id in per_document}
        for _ in range(_SLOT_ATTEMPTS):
            order = list(pending)
            taken = await self._insert_new(
                self._slots,
                [
                    {"_id": slot_id(doc_id, pending[doc_id]), "entries": per_document[doc_id]}
                    for doc_id in order
                ],
            )
            clashed = {order[index] for index in taken}
            for doc_id in order:
                if doc_id not in clashed:
                    self._remember_slot(doc_id, pending.pop(doc_id))
            if not pending:
                return
            counts = await gather_bounded(*(self._slot_count(doc_id) for doc_id in pending))
            for doc_id, count in zip(list(pending), counts, strict=True):
                pending[doc_id] = max(count, pending[doc_id]) + 1
        raise RuntimeError(f"no free timeline slot after {_SLOT_ATTEMPTS} attempts: {pending}")

    def _remember_slot(self, document_id: str, slot: int) -> None:
        if len(self._last_slot) >= _REMEMBERED_SLOTS:
            self._last_slot.clear()
        self._last_slot[document_id] = slot

    async def _upsert_people(self, groups: dict[str, list[Projected]]) -> None:
        # Created first, by inserts that ignore the ones already there, then updated: no upsert,
        # so two consumers creating one document at once (its events come on several topics)
        # cannot clash.
        changes = [_people_update(group) for group in groups.values()]
        await self._insert_new(
            self._documents,
            [{"_id": doc_id, "agency_code": agency} for doc_id, agency, _ in changes],
        )
        await write_in_slices(
            self._documents,
            [UpdateOne({"_id": doc_id}, update) for doc_id, _, update in changes if update],
        )

    @staticmethod
    async def _insert_new(
        collection: AsyncCollection[MongoDocument], documents: list[MongoDocument]
    ) -> set[int]:
        return await insert_new(collection, documents)

    # --- reads ---

    async def stored_objects(self, document_id: str | None = None) -> list[MongoDocument]:
        query: MongoDocument = {} if document_id is None else {"document_id": document_id}
        return [item async for item in self._objects.find(query, sort=[("_id", ASCENDING)])]

    async def document(self, document_id: str) -> MongoDocument | None:
        return await self._documents.find_one({"_id": document_id})

    async def timeline(self, subjects: Sequence[str]) -> list[MongoDocument]:
        """The entries of these documents, oldest first: a handful of `_id` look-ups each."""
        per_subject = await gather_bounded(*(self._entries_of(s) for s in subjects))
        unique = {entry["_id"]: entry for entries in per_subject for entry in entries}
        return sorted(unique.values(), key=lambda e: (_aware(e["occurred_at"]), e["_id"]))

    async def _entries_of(self, document_id: str) -> list[MongoDocument]:
        return [entry for slot in await self._slots_of(document_id) for entry in slot["entries"]]

    async def _slot_count(self, document_id: str) -> int:
        return len(await self._slots_of(document_id, projection={"_id": 1}))

    async def _slots_of(
        self, document_id: str, projection: dict[str, int] | None = None
    ) -> list[MongoDocument]:
        # Slots are claimed in order from 1, so the first missing one ends the timeline; they
        # are read a window at a time.
        found: list[MongoDocument] = []
        while True:
            start = len(found) + 1
            window = await find_by_ids(
                self._slots,
                [slot_id(document_id, n) for n in range(start, start + _SLOT_WINDOW)],
                projection,
            )
            for slot in window:
                if slot is None:
                    return found
                found.append(slot)

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
        found = await self._documents.find_one({"_id": document_id})
        if found is None or not may_see(searcher, found):
            return None
        return found

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
        """Postings narrow and rank; then documents are read by id, best first, only until the
        page is full (ADR 0044). ``candidates`` bounds how many are read for one request."""
        ranked, scored = await self._ranked(searcher.agency_code, filters, query)
        start = (page - 1) * page_size
        wanted = start + page_size
        projection = dict(_LISTED) | {"allowed_user_ids": 1, "issuer_folded": 1}
        if query is not None and query.text_patterns():
            projection["search_text"] = 1
        passing: list[MongoDocument] = []
        checked = 0
        while checked < len(ranked) and len(passing) < wanted and checked < candidates:
            # As many as the page still needs and a few more (some may be hidden or filtered).
            step = min(wanted - len(passing) + _READ_AHEAD, candidates - checked)
            window = ranked[checked : checked + step]
            records = await find_by_ids(
                self._documents, [r.document_id for r in window], projection
            )
            checked += len(window)
            passing.extend(
                record
                for record in records
                if record is not None and admits(searcher, filters, query, record)
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

    async def _ranked(
        self, agency: str, filters: SearchFilters, query: TextQuery | None
    ) -> tuple[list[Scored], bool]:
        groups: list[list[str]] = []
        scored_groups: list[list[str]] = []
        if query is not None and not query.is_empty:
            plain = list(dict.fromkeys([*query.terms, *(w for p in query.phrases for w in p)]))
            groups.extend([word] for word in plain)
            scored_groups.extend([word] for word in plain)
            for prefix in query.prefixes:
                expanded = expand_prefix(prefix, await self.index.vocabulary(agency, prefix[0]))
                if not expanded:
                    return [], True
                groups.append(expanded)
                scored_groups.append(expanded)
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
        found = await self.index.lookup(agency, [t for group in groups for t in group])
        required = [union(found.postings[t] for t in group) for group in groups]
        scored = [union(found.postings[t] for t in group) for group in scored_groups]
        return rank_postings(required, scored, found.total_documents, **bounds), bool(scored)


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


def _people_update(group: list[Projected]) -> tuple[str, str | None, dict[str, Any]]:
    facts = [item.facts for item in group]
    people = sorted({person for f in facts for person in f.people})
    related = sorted({other for f in facts for other in f.related_ids})
    agency = next((f.agency_code for f in facts if f.agency_code is not None), None)
    added: dict[str, Any] = {}
    if people:
        added["allowed_user_ids"] = {"$each": people}
    if related:
        added["related_ids"] = {"$each": related}
    return facts[0].document_id, agency, ({"$addToSet": added} if added else {})


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
) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, list[Posted]]]:
    """The merged search fields of each document whose text changed, and what to post for it,
    per writer (the topic-partition that carried the text: its consumer alone posts it)."""
    updates = []
    to_index: dict[str, list[Posted]] = {}
    for doc_id, group in groups.items():
        texts = [i for i in group if i.facts.descriptive is not None or i.body is not None]
        if not texts:
            continue
        merged: dict[str, Any] = dict(current[doc_id])
        changed: dict[str, Any] = {}
        for item in texts:
            fields = _search_record_fields(item.facts, item.body)
            merged.update(fields)
            changed.update(fields)
        if "subject" in merged:
            entry = index_entry(_searchable(merged))
            changed.update(search_text=entry.search_text, issuer_folded=entry.issuer_folded)
            position = texts[-1].position
            writer = f"{position['topic']}:{position['partition']}"
            to_index.setdefault(writer, []).append(
                Posted(_indexed(doc_id, merged), int(position["offset"]))
            )
        updates.append((doc_id, changed))
    return updates, to_index


def _indexed(doc_id: str, merged: dict[str, Any]) -> IndexedFacts:
    return IndexedFacts(
        document_id=doc_id,
        agency_code=str(merged.get("agency_code")),
        received_at=_aware(merged["received_at"]),
        document=_searchable(merged),
        document_type_code=(merged.get("document_type") or {}).get("code"),
        urgency=merged.get("urgency"),
        issuer_code=(merged.get("issuer") or {}).get("agency_code"),
        direction=merged.get("direction"),
    )


def _newest_statuses(
    groups: dict[str, list[Projected]], current: dict[str, MongoDocument]
) -> list[tuple[str, dict[str, Any]]]:
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
            updates.append((doc_id, {"status": status, "status_at": status_at}))
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
