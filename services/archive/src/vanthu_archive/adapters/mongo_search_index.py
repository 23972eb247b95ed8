"""The inverted index of `domain.inverted_index` in MongoDB: postings in buckets, found by index.

Collections (ADR 0044, as superseded by issue 10):
- `archive_postings`: buckets `{a: agency, t: term, p: ["<weight>:<received>:<document>", ...]}`,
  one per term and agency for each batch that posted it (a batch writes all its buckets with one
  `insert_many`; nothing is ever updated), and now and then a term's small buckets merged into
  one. `_id` is `<agency>|<term>|<digest of p>`, so the same postings written again (a batch
  redelivered after a stop) are skipped. Read by the index (a, t): the buckets of a query's
  terms with one `$in`.
- `archive_index_words`: `{a, w}` per agency and word, read by the range of the index (a, w) that
  a word beginning covers.
- `archive_index_counts`: per agency, how many documents were posted (the N of idf), `$inc`
  once per batch.

The single-field indexes on `t` and `w` are there for the local FerretDB, which pushes a condition
down to SQL only on the first field of an index (ADR 0005); SQLite then uses the compound one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.mongo import MongoDocument, insert_new

from vanthu_archive.domain.inverted_index import (
    ALL,
    IndexedFacts,
    TermPostings,
    changed_postings,
    decode_posting,
)

POSTINGS = "archive_postings"
WORDS = "archive_index_words"
COUNTS = "archive_index_counts"
_LAST_CHARACTER = "\U0010ffff"
_REMEMBERED_WORDS = 200_000
_IDS_PER_DELETE = 10_000
BUCKET_CAP = 20_000
"""Postings in a merged bucket at most (about 0.7 MB); a full one is never merged again."""
MERGE_EVERY = 32
"""Buckets a process writes for one term before it merges the term's small buckets."""


@dataclass(frozen=True)
class Reposted:
    """A document whose searchable fields changed: as they were (None: never posted) and are."""

    before: IndexedFacts | None
    after: IndexedFacts


def bucket_documents(documents: Sequence[Reposted]) -> list[MongoDocument]:
    """The buckets a batch of changed documents posts: one per agency and term."""
    by_term: dict[tuple[str, str], list[str]] = {}
    for each in documents:
        agency = each.after.agency_code
        for term, posting in changed_postings(each.before, each.after).items():
            by_term.setdefault((agency, term), []).append(posting)
    return [bucket(agency, term, postings) for (agency, term), postings in by_term.items()]


def bucket(agency: str, term: str, postings: Iterable[str]) -> MongoDocument:
    """One bucket; its `_id` is derived from what it holds, so writing it twice writes it once."""
    held = sorted(set(postings))
    digest = hashlib.sha256("\n".join(held).encode()).hexdigest()[:20]
    return {"_id": f"{agency}|{term}|{digest}", "a": agency, "t": term, "p": held}


def merged_buckets(agency: str, term: str, small: Sequence[MongoDocument]) -> list[MongoDocument]:
    """The postings of a term's small buckets in as few buckets as ``BUCKET_CAP`` allows."""
    postings = sorted({posting for each in small for posting in each["p"]})
    return [
        bucket(agency, term, postings[start : start + BUCKET_CAP])
        for start in range(0, len(postings), BUCKET_CAP)
    ]


def word_id(agency: str, word: str) -> str:
    return f"{agency}|{word}"


class MongoSearchIndex:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._postings: AsyncCollection[MongoDocument] = db[POSTINGS]
        self._words: AsyncCollection[MongoDocument] = db[WORDS]
        self._counts: AsyncCollection[MongoDocument] = db[COUNTS]
        self._known_words: set[str] = set()
        self._unmerged: dict[tuple[str, str], int] = {}

    async def ensure_indexes(self) -> None:
        await self._postings.create_index([("a", 1), ("t", 1)], name="agency_term")
        await self._postings.create_index([("t", 1)], name="term")
        await self._words.create_index([("a", 1), ("w", 1)], name="agency_word")
        await self._words.create_index([("w", 1)], name="word")

    # --- writing ---

    async def post(self, documents: Sequence[Reposted]) -> int:
        """Post what changed in these documents; returns how many postings were written."""
        buckets = bucket_documents(documents)
        if not buckets:
            return 0
        await insert_new(self._postings, buckets)
        await self._note_words(buckets)
        await self._merge_small_buckets(buckets)
        first_posted: dict[str, int] = {}
        for each in documents:
            if each.before is None:
                agency = each.after.agency_code
                first_posted[agency] = first_posted.get(agency, 0) + 1
        if first_posted:
            await self._counts.bulk_write(
                [
                    UpdateOne({"_id": agency}, {"$inc": {"documents": n}}, upsert=True)
                    for agency, n in first_posted.items()
                ],
                ordered=False,
            )
        return sum(len(bucket["p"]) for bucket in buckets)

    async def _merge_small_buckets(self, written: Iterable[MongoDocument]) -> None:
        """Every ``MERGE_EVERY`` buckets this process wrote for a term, the term's buckets that
        are not full are read and written again as one (or a few): what a search reads stays a
        few documents per term, however many batches posted it.

        Safe beside other writers and readers without a lock: the merged bucket is written
        before the small ones are deleted, and only those that were read are deleted, so every
        posting is always in some bucket (for a moment in two, and readers keep one)."""
        due: dict[str, list[str]] = {}
        for each in written:
            key = (str(each["a"]), str(each["t"]))
            self._unmerged[key] = self._unmerged.get(key, 0) + 1
            if self._unmerged[key] >= MERGE_EVERY:
                del self._unmerged[key]
                due.setdefault(key[0], []).append(key[1])
        if len(self._unmerged) > _REMEMBERED_WORDS:
            self._unmerged.clear()
        fresh: list[MongoDocument] = []
        replaced: list[str] = []
        for agency, terms in due.items():
            small: dict[str, list[MongoDocument]] = {}
            cursor = self._postings.find({"a": agency, "t": {"$in": terms}})
            async for found in cursor:
                if len(found["p"]) < BUCKET_CAP:
                    small.setdefault(str(found["t"]), []).append(found)
            for term, buckets in small.items():
                if len(buckets) > 1:
                    fresh.extend(merged_buckets(agency, term, buckets))
                    replaced.extend(str(b["_id"]) for b in buckets)
        if not fresh:
            return
        await insert_new(self._postings, fresh)
        kept = {str(b["_id"]) for b in fresh}
        gone = [i for i in replaced if i not in kept]
        # The local FerretDB hands an `$in` to SQLite as one variable per value (at most 32,766).
        for start in range(0, len(gone), _IDS_PER_DELETE):
            await self._postings.delete_many(
                {"_id": {"$in": gone[start : start + _IDS_PER_DELETE]}}
            )

    async def _note_words(self, buckets: Iterable[MongoDocument]) -> None:
        """Add the words of these buckets to their agency's vocabulary (those this process added
        before are skipped: a hint only, the insert skips the others anyway)."""
        words = {
            word_id(b["a"], b["t"]): {"_id": word_id(b["a"], b["t"]), "a": b["a"], "w": b["t"]}
            for b in buckets
            if not str(b["t"]).startswith("~")
        }
        new = [word for key, word in words.items() if key not in self._known_words]
        if not new:
            return
        await insert_new(self._words, new)
        if len(self._known_words) > _REMEMBERED_WORDS:
            self._known_words.clear()
        self._known_words.update(word["_id"] for word in new)

    # --- reading ---

    async def lookup(self, agency: str, terms: Iterable[str]) -> dict[str, TermPostings]:
        """Every posting of these terms in this agency, by term (one posting per document)."""
        wanted = list(dict.fromkeys(terms))
        postings = {term: TermPostings() for term in wanted}
        if wanted:
            cursor = self._postings.find(
                {"a": agency, "t": {"$in": wanted}}, projection={"_id": 0, "t": 1, "p": 1}
            )
            async for bucket in cursor:
                postings[bucket["t"]].add(decode_posting(text) for text in bucket["p"])
        return postings

    async def all_postings(self, agency: str) -> TermPostings:
        """Every document of the agency (a search with no text and no indexed filter)."""
        return (await self.lookup(agency, [ALL]))[ALL]

    async def documents(self, agency: str) -> int:
        """How many documents of the agency were posted: the N of idf."""
        found = await self._counts.find_one({"_id": agency})
        return 0 if found is None else int(found.get("documents", 0))

    async def words_starting(self, agency: str, prefix: str) -> list[str]:
        cursor = self._words.find(
            {"a": agency, "w": {"$gte": prefix, "$lt": prefix + _LAST_CHARACTER}},
            projection={"_id": 0, "w": 1},
        )
        return [str(row["w"]) async for row in cursor]
