"""The inverted index of `domain.inverted_index` in MongoDB/FerretDB: every read is an `_id` look-up.

Collections (ADR 0044):
- `archive_index_chunks`: a writer's postings of one term for one span of its offsets, by `_id`;
- `archive_index_directories`: per agency and writer, the chunks it opened and its document count;
- `archive_index_vocabulary`: per writer and first letter, the words it posted (for prefixes);
- `archive_index_writers`: the writers that ever posted (a handful of rows, read whole);
- `archive_index_posted`: per document, what was posted for it (so a redelivery posts nothing).

Only the consumer of a writer's topic-partition writes that writer's chunks, directories and
vocabulary, so their updates never race (FerretDB v1 applies concurrent updates of one document
non-atomically), and it writes without reading them first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_runtime.mongo import MongoDocument, insert_new

from vanthu_archive.adapters.mongo_batching import find_by_ids, write_in_slices
from vanthu_archive.domain.inverted_index import (
    ALL,
    CHUNK_SPAN,
    IndexedFacts,
    TermPostings,
    chunk_key,
    chunk_of,
    decode_posting,
    directory_key,
    document_postings,
    new_postings,
    posted_marks,
    vocabulary_key,
)

CHUNKS = "archive_index_chunks"
DIRECTORIES = "archive_index_directories"
VOCABULARY = "archive_index_vocabulary"
WRITERS = "archive_index_writers"
POSTED = "archive_index_posted"
_MAX_WRITERS = 10_000


@dataclass(frozen=True)
class Posted:
    """A document to post, and the offset (in the writer's partition) of the record with its text."""

    facts: IndexedFacts
    offset: int


@dataclass(frozen=True)
class TermLookup:
    postings: dict[str, TermPostings]
    total_documents: int
    """How many documents the agency's writers posted: the N of idf."""


@dataclass(frozen=True)
class _Directory:
    writer: str
    chunks: tuple[int, ...]
    documents: int


class MongoSearchIndex:
    def __init__(self, db: AsyncDatabase[MongoDocument], chunk_span: int = CHUNK_SPAN) -> None:
        self._span = chunk_span
        self._chunks: AsyncCollection[MongoDocument] = db[CHUNKS]
        self._directories: AsyncCollection[MongoDocument] = db[DIRECTORIES]
        self._vocabulary: AsyncCollection[MongoDocument] = db[VOCABULARY]
        self._writers: AsyncCollection[MongoDocument] = db[WRITERS]
        self._posted: AsyncCollection[MongoDocument] = db[POSTED]
        self._registered: set[str] = set()

    # --- writing (one writer per topic-partition) ---

    async def post(self, writer: str, documents: Sequence[Posted]) -> int:
        """Post these documents' terms as ``writer``; returns how many postings were written."""
        if not documents:
            return 0
        latest = {each.facts.document_id: each for each in documents}
        found = await find_by_ids(self._posted, list(latest))
        chunks: dict[str, list[str]] = {}
        opened: dict[str, set[int]] = {}
        counted: dict[str, int] = {}
        words: dict[str, set[str]] = {}
        marks: list[UpdateOne] = []
        first_marks: list[MongoDocument] = []
        for each, record in zip(latest.values(), found, strict=True):
            facts = each.facts
            already = (record or {}).get("posted", [])
            fresh = new_postings(document_postings(facts), already)
            if not fresh:
                continue
            chunk = chunk_of(each.offset, self._span)
            agency = facts.agency_code
            for term, posting in fresh.items():
                chunks.setdefault(chunk_key(agency, term, writer, chunk), []).append(posting)
                if not term.startswith("~"):
                    words.setdefault(vocabulary_key(agency, writer, term[0]), set()).add(term)
            opened.setdefault(agency, set()).add(chunk)
            if not already:
                counted[agency] = counted.get(agency, 0) + 1
            if record is None:
                first_marks.append({"_id": facts.document_id, "posted": posted_marks(fresh)})
            else:
                marks.append(
                    UpdateOne(
                        {"_id": facts.document_id},
                        {"$addToSet": {"posted": {"$each": posted_marks(fresh)}}},
                    )
                )
        if not chunks:
            return 0
        await self._register(writer)
        # Chunks before the directory: a reader never follows it to a chunk not written yet.
        # Created by inserts (a duplicate is skipped), then appended to without upsert: on
        # FerretDB v1 an upsert that creates a document scans the collection (ADR 0044).
        await insert_new(self._chunks, [{"_id": key, "p": []} for key in chunks])
        await write_in_slices(
            self._chunks,
            [
                UpdateOne({"_id": key}, {"$push": {"p": {"$each": postings}}})
                for key, postings in chunks.items()
            ],
        )
        await write_in_slices(
            self._directories,
            [
                UpdateOne(
                    {"_id": directory_key(agency, writer)},
                    {
                        "$addToSet": {"chunks": {"$each": sorted(numbers)}},
                        "$inc": {"documents": counted.get(agency, 0)},
                    },
                    upsert=True,
                )
                for agency, numbers in opened.items()
            ],
        )
        await write_in_slices(
            self._vocabulary,
            [
                UpdateOne({"_id": key}, {"$addToSet": {"w": {"$each": sorted(terms)}}}, upsert=True)
                for key, terms in words.items()
            ],
        )
        # Last: a crash before this posts again on redelivery, and readers drop the repeats.
        await insert_new(self._posted, first_marks)
        await write_in_slices(self._posted, marks)
        return sum(len(p) for p in chunks.values())

    async def _register(self, writer: str) -> None:
        if writer in self._registered:
            return
        with contextlib.suppress(DuplicateKeyError):
            await self._writers.insert_one({"_id": writer})
        self._registered.add(writer)

    # --- reading ---

    async def writers(self) -> list[str]:
        # A handful of rows (one per partition of the topics that carry document text).
        cursor = self._writers.find({}, limit=_MAX_WRITERS)
        return sorted([str(row["_id"]) async for row in cursor])

    async def _directories_of(self, agency: str) -> list[_Directory]:
        writers = await self.writers()
        found = await find_by_ids(self._directories, [directory_key(agency, w) for w in writers])
        return [
            _Directory(
                w, tuple(int(k) for k in row.get("chunks", [])), int(row.get("documents", 0))
            )
            for w, row in zip(writers, found, strict=True)
            if row is not None
        ]

    async def lookup(self, agency: str, terms: Iterable[str]) -> TermLookup:
        """Every posting of these terms in this agency, and the agency's document count."""
        wanted = list(dict.fromkeys(terms))
        directories = await self._directories_of(agency)
        keys = [
            (term, chunk_key(agency, term, d.writer, k))
            for term in wanted
            for d in directories
            for k in d.chunks
        ]
        chunks = await find_by_ids(self._chunks, [key for _, key in keys])
        postings = {term: TermPostings() for term in wanted}
        for (term, _), chunk in zip(keys, chunks, strict=True):
            if chunk is not None:
                postings[term].add(decode_posting(text) for text in chunk.get("p", []))
        return TermLookup(postings, sum(d.documents for d in directories))

    async def all_postings(self, agency: str) -> TermPostings:
        """Every document of the agency (a search with no text and no indexed filter)."""
        return (await self.lookup(agency, [ALL])).postings[ALL]

    async def vocabulary(self, agency: str, first: str) -> set[str]:
        writers = await self.writers()
        found = await find_by_ids(
            self._vocabulary, [vocabulary_key(agency, w, first) for w in writers]
        )
        return {word for row in found if row is not None for word in row.get("w", [])}
