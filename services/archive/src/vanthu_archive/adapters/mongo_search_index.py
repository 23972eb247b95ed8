"""The inverted index of `domain.inverted_index` in MongoDB: one small document per posting.

Collections (ADR 0044, as superseded by issue 10):
- `archive_postings`: `{a: agency, t: term, d: document, w: weight, r: received (s)}`, and on the
  document's `~all` posting the filters it can answer (`ty` type code, `u` urgency, `i` issuer
  code); `_id` is `<agency>|<term>|<document>`, so writing a posting again replaces it. Read by
  the compound index (a, t, r, d): the postings of a query's terms with one `$in`, a filtered
  list newest first as a range of that index.
- `archive_index_words`: `{a, w}` per agency and word, read by the range of the index (a, w) that a
  word beginning covers.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import DESCENDING, DeleteMany, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.mongo import MongoDocument

from vanthu_archive.adapters.mongo_writes import insert_missing
from vanthu_archive.domain.inverted_index import (
    ALL,
    IndexedFacts,
    Posting,
    TermPostings,
    document_terms,
    received_seconds,
)

POSTINGS = "archive_postings"
WORDS = "archive_index_words"
_LAST_CHARACTER = "\U0010ffff"
_REMEMBERED_WORDS = 200_000
_POSTING_FIELDS = {"_id": 0, "t": 1, "d": 1, "w": 1, "r": 1}


@dataclass(frozen=True)
class Reposted:
    """A document whose searchable fields changed: as they were (None: never posted) and are."""

    before: IndexedFacts | None
    after: IndexedFacts


@dataclass(frozen=True)
class ListingFilters:
    """What the `~all` postings can answer for a search without text."""

    document_types: Sequence[str] = ()
    urgencies: Sequence[str] = ()
    issuer_code: str | None = None
    received_from: int | None = None
    received_to: int | None = None

    @property
    def narrows(self) -> bool:
        return bool(self.document_types or self.urgencies or self.issuer_code is not None)


def posting_id(agency: str, term: str, document_id: str) -> str:
    return f"{agency}|{term}|{document_id}"


def word_id(agency: str, word: str) -> str:
    return f"{agency}|{word}"


def posting_documents(facts: IndexedFacts) -> dict[str, MongoDocument]:
    """Every posting of a document, by `_id`."""
    received = received_seconds(facts.received_at)
    agency, document_id = facts.agency_code, facts.document_id
    postings: dict[str, MongoDocument] = {}
    for term, weight in document_terms(facts).items():
        key = posting_id(agency, term, document_id)
        posting: MongoDocument = {
            "_id": key,
            "a": agency,
            "t": term,
            "d": document_id,
            "w": weight,
            "r": received,
        }
        if term == ALL:
            filters = {
                "ty": facts.document_type_code,
                "u": facts.urgency,
                "i": facts.issuer_code,
            }
            posting.update({k: v for k, v in filters.items() if v is not None})
        postings[key] = posting
    return postings


class MongoSearchIndex:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._postings: AsyncCollection[MongoDocument] = db[POSTINGS]
        self._words: AsyncCollection[MongoDocument] = db[WORDS]
        self._known_words: set[str] = set()

    async def ensure_indexes(self) -> None:
        await self._postings.create_index(
            [("a", 1), ("t", 1), ("r", DESCENDING), ("d", DESCENDING)], name="agency_term_newest"
        )
        await self._words.create_index([("a", 1), ("w", 1)], name="agency_word")

    # --- writing ---

    async def post(self, documents: Sequence[Reposted]) -> int:
        """Write what changed in these documents' postings: new ones inserted, changed ones
        replaced, those of words no longer in the text removed; returns how many were written.
        A posting found already there (the record it was derived from was not written yet when a
        worker stopped) is replaced, so the index always ends as the record says."""
        fresh: list[MongoDocument] = []
        changed: list[MongoDocument] = []
        removed: list[str] = []
        for each in documents:
            before = {} if each.before is None else posting_documents(each.before)
            after = posting_documents(each.after)
            for key, posting in after.items():
                if key not in before:
                    fresh.append(posting)
                elif before[key] != posting:
                    changed.append(posting)
            removed.extend(key for key in before if key not in after)
        taken = await insert_missing(self._postings, fresh)
        changed.extend(fresh[index] for index in sorted(taken))
        operations: list[Any] = [ReplaceOne({"_id": p["_id"]}, p, upsert=True) for p in changed]
        if removed:
            operations.append(DeleteMany({"_id": {"$in": removed}}))
        if operations:
            await self._postings.bulk_write(operations, ordered=False)
        await self._note_words(fresh)
        return len(fresh) + len(changed)

    async def _note_words(self, postings: Iterable[MongoDocument]) -> None:
        """Add the words of these postings to the agency's vocabulary (the words this process
        wrote before are skipped: a hint, the insert skips the others anyway)."""
        words = {
            word_id(p["a"], p["t"]): {"_id": word_id(p["a"], p["t"]), "a": p["a"], "w": p["t"]}
            for p in postings
            if p["t"] != ALL
        }
        new = [word for key, word in words.items() if key not in self._known_words]
        if not new:
            return
        await insert_missing(self._words, new)
        if len(self._known_words) > _REMEMBERED_WORDS:
            self._known_words.clear()
        self._known_words.update(word["_id"] for word in new)

    # --- reading ---

    async def lookup(
        self, agency: str, terms: Iterable[str], filters: ListingFilters | None = None
    ) -> dict[str, TermPostings]:
        """Every posting of these terms in this agency, by term; with ``filters``, ``ALL`` holds
        the agency's documents that pass them."""
        wanted = list(dict.fromkeys(terms))
        postings = {term: TermPostings() for term in wanted}
        if wanted:
            cursor = self._postings.find(
                {"a": agency, "t": {"$in": wanted}}, projection=_POSTING_FIELDS
            )
            async for row in cursor:
                postings[row["t"]].add([_posting(row)])
        if filters is not None:
            passing = TermPostings()
            cursor = self._postings.find(
                _listing_query(agency, filters), projection=_POSTING_FIELDS
            )
            passing.add([_posting(row) async for row in cursor])
            postings[ALL] = passing
        return postings

    async def newest(self, agency: str, filters: ListingFilters) -> AsyncGenerator[list[str], None]:
        """The agency's documents that pass ``filters``, newest first, a window at a time (as
        long as the caller asks for more): a range of the index, never a sort of the postings."""
        cursor = self._postings.find(
            _listing_query(agency, filters),
            projection={"_id": 0, "d": 1},
            sort=[("r", DESCENDING), ("d", DESCENDING)],
        )
        try:
            size = 25
            while True:
                window = await cursor.to_list(size)
                if not window:
                    return
                yield [str(row["d"]) for row in window]
                size = min(size * 2, 1000)
        finally:
            await cursor.close()

    async def count(self, agency: str, filters: ListingFilters | None = None) -> int:
        """How many of the agency's documents are posted (and pass ``filters``)."""
        return await self._postings.count_documents(
            _listing_query(agency, filters or ListingFilters())
        )

    async def words_starting(self, agency: str, prefix: str) -> list[str]:
        cursor = self._words.find(
            {"a": agency, "w": {"$gte": prefix, "$lt": prefix + _LAST_CHARACTER}},
            projection={"_id": 0, "w": 1},
        )
        return [str(row["w"]) async for row in cursor]


def _listing_query(agency: str, filters: ListingFilters) -> MongoDocument:
    query: MongoDocument = {"a": agency, "t": ALL}
    if filters.document_types:
        query["ty"] = {"$in": list(filters.document_types)}
    if filters.urgencies:
        query["u"] = {"$in": list(filters.urgencies)}
    if filters.issuer_code is not None:
        query["i"] = filters.issuer_code
    received: dict[str, int] = {}
    if filters.received_from is not None:
        received["$gte"] = filters.received_from
    if filters.received_to is not None:
        received["$lt"] = filters.received_to
    if received:
        query["r"] = received
    return query


def _posting(row: MongoDocument) -> Posting:
    return Posting(str(row["d"]), int(row["w"]), int(row["r"]))
