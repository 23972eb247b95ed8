"""An inverted index: per agency and folded term, the documents that contain it ("postings"),
each with the weight of the term in that document and the document's arrival time.

Postings are kept in buckets (many postings to one stored document, ``"<weight>:<received>:<id>"``
each), since what a search costs is mostly the number of stored documents it reads. A search reads
the buckets of its terms, intersects, ranks by the weights (a word in the subject outweighs one in
the OCR text), then by recency, and only then reads the few documents a page needs. Besides words,
a document is posted under filter terms (``~t:<type>``, ``~u:<urgency>``, ``~i:<issuer>``) and
``~all``, so a search with no text is an intersection too.

Postings are derived from the document's searchable fields alone: what a change posts is what
differs from what the stored fields posted (nothing for a redelivered event; a text that arrives
later posts its new words and the words whose weight it raised). Postings are never removed, so a
document may be posted twice under a term: readers keep one per document, the highest weight.
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


def type_term(code: str) -> str:
    return f"~t:{code}"


def urgency_term(urgency: str) -> str:
    return f"~u:{urgency}"


def issuer_term(agency_code: str) -> str:
    return f"~i:{agency_code}"


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


def document_postings(facts: IndexedFacts) -> dict[str, str]:
    """term → encoded posting for every term the document is posted under."""
    received = received_seconds(facts.received_at)
    weights: dict[str, int] = dict(term_weights(facts.document))
    filters = [ALL]
    if facts.document_type_code:
        filters.append(type_term(facts.document_type_code))
    if facts.urgency:
        filters.append(urgency_term(facts.urgency))
    if facts.issuer_code:
        filters.append(issuer_term(facts.issuer_code))
    weights.update(dict.fromkeys(filters, 0))
    return {
        term: encode_posting(Posting(facts.document_id, weight, received))
        for term, weight in weights.items()
    }


def changed_postings(before: IndexedFacts | None, after: IndexedFacts) -> dict[str, str]:
    """What a change of a document's searchable fields posts: the postings of ``after`` that
    ``before`` did not post as they are (all of them for a document never posted)."""
    posted = {} if before is None else document_postings(before)
    return {t: p for t, p in document_postings(after).items() if posted.get(t) != p}


def received_seconds(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


@dataclass(frozen=True, slots=True)
class Posting:
    document_id: str
    weight: int
    received: int
    """Arrival time, seconds since the epoch: the tie-breaker and the received-range filter."""


def encode_posting(posting: Posting) -> str:
    # Document id last, so an id with a colon in it still reads back whole.
    return f"{posting.weight}:{posting.received}:{posting.document_id}"


def decode_posting(text: str) -> Posting:
    weight, received, document_id = text.split(":", 2)
    return Posting(document_id, int(weight), int(received))


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
