"""An inverted index: per agency and folded term, the documents that contain it ("postings"),
each with the weight of the term in that document and the document's arrival time.

A search reads the postings of its terms (one indexed query), intersects, ranks by the weights (a
word in the subject outweighs one in the OCR text), then by recency, and only then reads the few
documents a page needs. Besides its words a document is posted under ``ALL``, which carries the
filters a posting can answer (type, urgency, issuer), so a search with filters but no text lists
documents from postings too, newest first.

Postings are derived from the document's searchable fields alone, so a redelivered event writes
the same postings again and a changed text (OCR arriving later) changes only what differs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vanthu_archive.domain.textsearch import (
    FIELD_WEIGHTS,
    MAX_INDEXED_WORDS,
    SEARCH_FIELDS,
    SearchableDocument,
    SearchField,
    words,
)

ALL = "~all"
MAX_PREFIX_EXPANSIONS = 64
_K1 = 1.2
_WEIGHT_SCALE = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- what a document posts -----------------------------------------------------------------------


def term_weights(document: SearchableDocument) -> dict[str, int]:
    """Each folded word's weight in the document: per field, a saturated term frequency times the
    field's weight (subject 4, ..., OCR text 1), summed, as an integer (hundredths)."""
    frequencies = {f: Counter(words(document.text_of(f))) for f in SEARCH_FIELDS}
    weights: dict[str, float] = {}
    for search_field in SEARCH_FIELDS:
        for word, count in frequencies[search_field].items():
            weights[word] = weights.get(word, 0.0) + _field_weight(search_field, count)
    # Fields come first in weight order, so a cap only ever drops words of the OCR body.
    ordered = sorted(weights.items(), key=lambda pair: -pair[1])[:MAX_INDEXED_WORDS]
    return {word: max(1, round(weight * _WEIGHT_SCALE)) for word, weight in ordered}


def _field_weight(search_field: SearchField, count: int) -> float:
    return FIELD_WEIGHTS[search_field] * count * (_K1 + 1) / (count + _K1)


@dataclass(frozen=True, slots=True)
class IndexedFacts:
    """What a document is found by: its words and the filters a posting can answer."""

    document_id: str
    agency_code: str
    received_at: datetime
    document: SearchableDocument
    document_type_code: str | None = None
    urgency: str | None = None
    issuer_code: str | None = None


def document_terms(facts: IndexedFacts) -> dict[str, int]:
    """term → weight for every term the document is posted under: its words, and ``ALL``."""
    return {**term_weights(facts.document), ALL: 0}


def received_seconds(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


@dataclass(frozen=True, slots=True)
class Posting:
    document_id: str
    weight: int
    received: int
    """Arrival time, seconds since the epoch: the tie-breaker and the received-range filter."""


# --- answering a query --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scored:
    document_id: str
    score: float
    received: int


@dataclass
class TermPostings:
    """Everything posted under one term (or the union of several), one posting per document."""

    by_document: dict[str, Posting] = field(default_factory=dict)

    def add(self, postings: Iterable[Posting]) -> None:
        for posting in postings:
            known = self.by_document.get(posting.document_id)
            if known is None or known.weight < posting.weight:
                self.by_document[posting.document_id] = posting

    def __len__(self) -> int:
        return len(self.by_document)


def union(parts: Iterable[TermPostings]) -> TermPostings:
    joined = TermPostings()
    for part in parts:
        joined.add(part.by_document.values())
    return joined


def idf(containing: int, total: int) -> float:
    return math.log(1 + (total - containing + 0.5) / (containing + 0.5))


def rank_postings(
    required: Sequence[TermPostings],
    scored_terms: Sequence[TermPostings],
    total_documents: int,
    *,
    received_from: int | None = None,
    received_to: int | None = None,
) -> list[Scored]:
    """Documents posted under every ``required`` term (and within the received range), best first:
    the sum over ``scored_terms`` of idf × weight, then the newest. Without scored terms (a search
    with filters only) the newest come first."""
    if not required:
        return []
    ordered = sorted(required, key=len)
    candidates = set(ordered[0].by_document)
    for other in ordered[1:]:
        candidates &= other.by_document.keys()
        if not candidates:
            return []
    first = ordered[0].by_document
    if received_from is not None:
        candidates = {d for d in candidates if first[d].received >= received_from}
    if received_to is not None:
        candidates = {d for d in candidates if first[d].received < received_to}
    total = max(total_documents, max((len(t) for t in required), default=0))
    weights = [(idf(len(term), total), term.by_document) for term in scored_terms]
    results = []
    for document_id in candidates:
        score = 0.0
        for term_idf, postings in weights:
            posting = postings.get(document_id)
            if posting is not None:
                score += term_idf * posting.weight / _WEIGHT_SCALE
        results.append(Scored(document_id, score, first[document_id].received))
    results.sort(key=lambda s: (-s.score, -s.received, s.document_id))
    return results


def expand_prefix(prefix: str, vocabulary: Iterable[str]) -> list[str]:
    """The indexed words a word beginning stands for (at most ``MAX_PREFIX_EXPANSIONS``)."""
    matching = sorted({word for word in vocabulary if word.startswith(prefix)})
    # Shortest first: "quy" → quy, quyen, quyet... before rarer long words.
    matching.sort(key=lambda word: (len(word), word))
    return matching[:MAX_PREFIX_EXPANSIONS]
