"""Search that ignores Vietnamese diacritics, built from what MongoDB and FerretDB v1 both do.

FerretDB v1 has no ``$text``, no collations and no ``$regexMatch`` in aggregations, but it does
run ``find`` with ``$regex`` on strings, ``$all``/``$in`` on arrays, ``$and``/``$or``, and indexes
arrays. So every searchable document stores, next to its record:

- ``search_terms``: the distinct folded words of its searchable fields (``quyet``, ``dinh``,
  ``15``, ``qd``, ``bnv``...) plus every word beginning up to ``MAX_PREFIX_LENGTH`` letters,
  marked with a trailing ``*`` (``q*``, ``qu*``, ``quy*``...) so a prefix query can use the same
  multikey index without mistaking the word ``quy`` for every word starting with it. Folded
  Vietnamese has only a few thousand distinct syllables, which keeps the array bounded;
  ``MAX_INDEXED_WORDS`` guards against pathological OCR (long number tables).
- ``search_text``: the folded words of each field joined by single spaces, fields in the fixed
  order of ``SEARCH_FIELDS`` separated by `` | ``: a quoted phrase is checked with an escaped
  ``$regex`` on it and can never match across two fields. Ranking reads the fields back from it.
- ``issuer_folded``: the folded issuer name, for the issuer-name filter.

A query is ``$all`` over the words and prefix markers (served by the index), plus one ``$regex``
per quoted phrase or per prefix longer than the markers go. Regexes use only ``(?:^| )``-style
anchors, which PCRE (MongoDB) and RE2 (FerretDB, Go) read the same way.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from vanthu_archive.domain import canonical_encoding as enc
from vanthu_contracts.events.values import Confidentiality, Urgency

# đ/Đ carry a stroke, not a combining mark, so NFD leaves them alone; ð/Ð (eth) appear in text
# converted from legacy Vietnamese encodings in their place.
_STROKED_D = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_WORD = re.compile(r"[^\W_]+")
_QUOTED = re.compile(r'"([^"]*)"')
_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
FIELD_SEPARATOR = " | "
MAX_PREFIX_LENGTH = 8
MAX_INDEXED_WORDS = 10_000
PREFIX_MARK = "*"
_T = TypeVar("_T")


def fold(text: str) -> str:
    """``"  Quyết   ĐỊNH "`` → ``"quyet dinh"``: what a person typing without accents means."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED_D))
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return " ".join(bare.lower().split())


def words(text: str) -> list[str]:
    """Folded words in order; punctuation splits words, so ``15/QĐ-BNV`` is ``15 qd bnv``."""
    return _WORD.findall(fold(text))


class SearchField(StrEnum):
    SUBJECT = "subject"
    NOTATION = "notation"
    DOCUMENT_TYPE = "document_type"
    ISSUER = "issuer"
    BODY = "body"


SEARCH_FIELDS: tuple[SearchField, ...] = tuple(SearchField)
FIELD_WEIGHTS: dict[SearchField, float] = {
    SearchField.SUBJECT: 4.0,
    SearchField.NOTATION: 3.0,
    SearchField.DOCUMENT_TYPE: 2.5,
    SearchField.ISSUER: 2.0,
    SearchField.BODY: 1.0,
}


@dataclass(frozen=True, slots=True)
class SearchableDocument:
    """The text of a document that search looks at; ``body`` is the OCR or extracted text."""

    subject: str = ""
    notation: str = ""
    document_type: str = ""
    issuer: str = ""
    body: str = ""

    def text_of(self, search_field: SearchField) -> str:
        return str(getattr(self, search_field.value))


@dataclass(frozen=True, slots=True)
class SearchIndexEntry:
    search_terms: tuple[str, ...]
    search_text: str
    issuer_folded: str

    def as_document_fields(self) -> dict[str, Any]:
        return {
            "search_terms": list(self.search_terms),
            "search_text": self.search_text,
            "issuer_folded": self.issuer_folded,
        }


def index_entry(document: SearchableDocument) -> SearchIndexEntry:
    field_words = [words(document.text_of(search_field)) for search_field in SEARCH_FIELDS]
    distinct = _distinct_in_order(word for each in field_words for word in each)
    # Fields come first in weight order, so a cap only ever drops words of the OCR body.
    indexed = distinct[:MAX_INDEXED_WORDS]
    markers = {marker for word in indexed for marker in _prefix_markers(word)}
    return SearchIndexEntry(
        search_terms=tuple(sorted(set(indexed) | markers)),
        search_text=FIELD_SEPARATOR.join(" ".join(each) for each in field_words),
        issuer_folded=" ".join(words(document.issuer)),
    )


def _prefix_markers(word: str) -> list[str]:
    return [
        word[:length] + PREFIX_MARK for length in range(1, min(len(word), MAX_PREFIX_LENGTH) + 1)
    ]


def _distinct_in_order(items: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(items))


# --- Queries -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextQuery:
    """What a person typed, folded: whole words, word beginnings and exact phrases, all required."""

    terms: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.prefixes or self.phrases)

    def mongo_clauses(self) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        required = self._required_terms()
        if required:
            clauses.append({"search_terms": {"$all": required}})
        clauses.extend({"search_text": {"$regex": pattern}} for pattern in self.text_patterns())
        return clauses

    def matches(self, entry: SearchIndexEntry) -> bool:
        """The same test as ``mongo_clauses``, in memory: for fakes and for re-checking."""
        terms = set(entry.search_terms)
        return all(term in terms for term in self._required_terms()) and all(
            re.search(pattern, entry.search_text) for pattern in self.text_patterns()
        )

    def _required_terms(self) -> list[str]:
        required = set(self.terms)
        required |= {word for phrase in self.phrases for word in phrase}
        required |= {prefix[:MAX_PREFIX_LENGTH] + PREFIX_MARK for prefix in self.prefixes}
        return sorted(required)

    def text_patterns(self) -> list[str]:
        """What the word index cannot tell: phrases and word beginnings longer than its markers."""
        patterns = [_phrase_pattern(phrase) for phrase in self.phrases]
        # Markers stop at MAX_PREFIX_LENGTH letters; the rest of a longer prefix is checked on
        # the text, after the index has narrowed the candidates.
        patterns.extend(
            _word_start_pattern(prefix)
            for prefix in self.prefixes
            if len(prefix) > MAX_PREFIX_LENGTH
        )
        return patterns


def parse_text_query(user_input: str, *, last_word_is_prefix: bool = False) -> TextQuery:
    """Read a search box: ``"quyết định" 15/QĐ bổ*`` is a phrase, two words and a word beginning.

    A word ending in ``*`` is a beginning; with ``last_word_is_prefix`` (search-as-you-type) the
    last unquoted word is too. An unmatched quote is ignored rather than refused.
    """
    normalised = user_input.translate(_QUOTE_MARKS)
    phrases: list[tuple[str, ...]] = []
    terms: list[str] = []
    for quoted in _QUOTED.findall(normalised):
        phrase = tuple(words(quoted))
        if len(phrase) > 1:
            phrases.append(phrase)
        else:
            terms.extend(phrase)
    prefixes: list[str] = []
    loose = _QUOTED.sub(" ", normalised).replace('"', " ").split()
    for position, raw in enumerate(loose):
        raw_words = words(raw)
        is_last = position == len(loose) - 1
        if raw_words and (raw.endswith(PREFIX_MARK) or (last_word_is_prefix and is_last)):
            terms.extend(raw_words[:-1])
            prefixes.append(raw_words[-1])
        else:
            terms.extend(raw_words)
    return TextQuery(
        terms=tuple(_distinct_in_order(terms)),
        prefixes=tuple(_distinct_in_order(prefixes)),
        phrases=tuple(_distinct_in_order(phrases)),
    )


def _phrase_pattern(phrase: Sequence[str]) -> str:
    return "(?:^| )" + " ".join(re.escape(word) for word in phrase) + "(?: |$)"


def _word_start_pattern(prefix: str) -> str:
    return "(?:^| )" + re.escape(prefix)


# --- Filters and permissions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """The narrowing a search screen offers; an empty set or ``None`` means "any".

    Dates are inclusive calendar days on the document's issued date; ``received_from`` and
    ``received_to`` are instants, from inclusive, to exclusive.
    """

    document_types: frozenset[str] = frozenset()
    issuer_code: str | None = None
    issuer_name: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    statuses: frozenset[str] = frozenset()
    urgencies: frozenset[Urgency] = frozenset()

    def __post_init__(self) -> None:
        for moment, what in (
            (self.received_from, "received_from"),
            (self.received_to, "received_to"),
        ):
            if moment is not None:
                enc.require_aware(moment, what)


def build_search_filter(
    agency_code: str,
    filters: SearchFilters,
    query: TextQuery | None = None,
    *,
    visible: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The MongoDB filter for one search of an agency; ``visible`` is the caller's condition of
    who may see what (`vanthu_archive.document_access.visible_condition`), without it a search
    finds only normal documents.

    The read model is expected to hold, per document: ``agency_code``, ``document_type.code``,
    ``issuer.agency_code``, ``issuer_folded``, ``issued_date`` as ``YYYY-MM-DD`` (strings of that
    form sort like dates and carry no time zone to drift), ``received_at`` (BSON date),
    ``status``, ``urgency``, ``confidentiality`` and the search fields.
    """
    clauses: list[dict[str, Any]] = [{"agency_code": agency_code}]
    clauses.extend(_filter_clauses(filters))
    clauses.append(visible or {"confidentiality": Confidentiality.NORMAL.value})
    if query is not None:
        clauses.extend(query.mongo_clauses())
    return {"$and": clauses}


def _filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = []
    if filters.document_types:
        clauses.append({"document_type.code": {"$in": sorted(filters.document_types)}})
    if filters.issuer_code is not None:
        clauses.append({"issuer.agency_code": filters.issuer_code})
    if filters.issuer_name is not None and words(filters.issuer_name):
        pattern = _phrase_pattern(words(filters.issuer_name))
        clauses.append({"issuer_folded": {"$regex": pattern}})
    clauses.extend(_range_clauses("issued_date", filters.issued_from, filters.issued_to))
    received = _instant_range(filters.received_from, filters.received_to)
    if received:
        clauses.append({"received_at": received})
    if filters.statuses:
        clauses.append({"status": {"$in": sorted(filters.statuses)}})
    if filters.urgencies:
        clauses.append({"urgency": {"$in": sorted(urgency.value for urgency in filters.urgencies)}})
    return clauses


def _range_clauses(name: str, start: date | None, end: date | None) -> list[dict[str, Any]]:
    bounds: dict[str, str] = {}
    if start is not None:
        bounds["$gte"] = start.isoformat()
    if end is not None:
        bounds["$lte"] = end.isoformat()
    return [{name: bounds}] if bounds else []


def _instant_range(start: datetime | None, end: datetime | None) -> dict[str, datetime]:
    bounds: dict[str, datetime] = {}
    if start is not None:
        bounds["$gte"] = start
    if end is not None:
        bounds["$lt"] = end
    return bounds


# --- Ranking -------------------------------------------------------------------------------------

_K1 = 1.2
# Length matters in OCR text (a word once in 30 pages says little), hardly in a one-line subject.
_LENGTH_NORMALISATION = {search_field: 0.25 for search_field in SEARCH_FIELDS} | {
    SearchField.BODY: 0.75
}
_PHRASE_BONUS = 1.5


@dataclass(frozen=True, slots=True)
class Candidate:
    """A document the database returned for a query, with the stored ``search_text``."""

    document_id: str
    search_text: str


@dataclass(frozen=True, slots=True)
class RankedDocument:
    document_id: str
    score: float
    matched_fields: tuple[SearchField, ...] = field(default=())


def rank(query: TextQuery, candidates: Sequence[Candidate]) -> list[RankedDocument]:
    """Order candidates best first: BM25 per field, weighted, plus a bonus for adjacent words.

    A word in the subject counts more than in the notation, the type, the issuer, then the OCR
    text (``FIELD_WEIGHTS``). Equal scores keep the order the candidates came in, so an adapter
    that fetches newest first shows newest first among equals.
    """
    fields_per_candidate = [_fields_of(candidate.search_text) for candidate in candidates]
    average_lengths = _average_lengths(fields_per_candidate)
    wanted = _wanted_words(query)
    document_frequency = {
        word: sum(1 for fields in fields_per_candidate if _occurs(word, _all_words(fields)))
        for word in wanted
    }
    ranked = [
        _score(
            candidate, fields, query, wanted, average_lengths, document_frequency, len(candidates)
        )
        for candidate, fields in zip(candidates, fields_per_candidate, strict=True)
    ]
    return sorted(ranked, key=lambda result: -result.score)


@dataclass(frozen=True, slots=True)
class _Wanted:
    text: str
    is_prefix: bool


def _wanted_words(query: TextQuery) -> list[_Wanted]:
    phrase_words = [word for phrase in query.phrases for word in phrase]
    whole = _distinct_in_order([*query.terms, *phrase_words])
    return [_Wanted(word, False) for word in whole] + [_Wanted(p, True) for p in query.prefixes]


def _fields_of(search_text: str) -> dict[SearchField, list[str]]:
    segments = search_text.split(FIELD_SEPARATOR)
    if len(segments) != len(SEARCH_FIELDS):
        # Text written by an older layout: rank it as body text rather than guess its fields.
        return {SearchField.BODY: search_text.replace("|", " ").split()}
    return {name: segment.split() for name, segment in zip(SEARCH_FIELDS, segments, strict=True)}


def _average_lengths(per_candidate: list[dict[SearchField, list[str]]]) -> dict[SearchField, float]:
    # Averaged over candidates that have the field at all: an absent notation is not a short one.
    averages = {}
    for search_field in SEARCH_FIELDS:
        lengths = [len(fields.get(search_field, [])) for fields in per_candidate]
        present = [length for length in lengths if length]
        averages[search_field] = (sum(present) / len(present)) if present else 0.0
    return averages


def _all_words(fields: dict[SearchField, list[str]]) -> list[str]:
    return [word for field_words in fields.values() for word in field_words]


def _occurs(wanted: _Wanted, field_words: list[str]) -> bool:
    return _frequency(wanted, field_words) > 0


def _frequency(wanted: _Wanted, field_words: list[str]) -> int:
    if wanted.is_prefix:
        return sum(1 for word in field_words if word.startswith(wanted.text))
    return sum(1 for word in field_words if word == wanted.text)


def _score(
    candidate: Candidate,
    fields: dict[SearchField, list[str]],
    query: TextQuery,
    wanted: list[_Wanted],
    average_lengths: dict[SearchField, float],
    document_frequency: dict[_Wanted, int],
    total: int,
) -> RankedDocument:
    score = 0.0
    matched: list[SearchField] = []
    for search_field, field_words in fields.items():
        average = average_lengths[search_field]
        relative_length = len(field_words) / average if average else 1.0
        field_score = sum(
            _idf(document_frequency[word], total)
            * _saturated(
                _frequency(word, field_words),
                relative_length,
                _LENGTH_NORMALISATION[search_field],
            )
            for word in wanted
        )
        field_score += _PHRASE_BONUS * sum(
            1 for phrase in _phrases_to_reward(query) if _contains_run(field_words, phrase)
        )
        if field_score > 0:
            matched.append(search_field)
            score += FIELD_WEIGHTS[search_field] * field_score
    return RankedDocument(candidate.document_id, score, tuple(matched))


def _idf(containing: int, total: int) -> float:
    return math.log(1 + (total - containing + 0.5) / (containing + 0.5))


def _saturated(frequency: int, relative_length: float, normalisation: float) -> float:
    if frequency == 0:
        return 0.0
    norm = 1 - normalisation + normalisation * relative_length
    return frequency * (_K1 + 1) / (frequency + _K1 * norm)


def _phrases_to_reward(query: TextQuery) -> list[tuple[str, ...]]:
    # Typing "quyet dinh" without quotes still means the words together more often than not.
    implicit = [query.terms] if len(query.terms) > 1 else []
    return [*query.phrases, *implicit]


def _contains_run(field_words: list[str], phrase: tuple[str, ...]) -> bool:
    width = len(phrase)
    return any(
        tuple(field_words[i : i + width]) == phrase for i in range(len(field_words) - width + 1)
    )


# --- Checking a candidate read by id -------------------------------------------------------------


def admits(filters: SearchFilters, query: TextQuery | None, record: dict[str, Any]) -> bool:
    """The same test as ``build_search_filter``, on one record read by its id: what the inverted
    index could not answer (statuses, issued dates, issuer name, phrases, long word beginnings)
    and, again, the filters it did answer. Who may see the record is the caller's check
    (`vanthu_archive.document_access`), not the search's."""
    document_type = (record.get("document_type") or {}).get("code")
    if filters.document_types and document_type not in filters.document_types:
        return False
    issuer = record.get("issuer") or {}
    if filters.issuer_code is not None and issuer.get("agency_code") != filters.issuer_code:
        return False
    if filters.issuer_name is not None and words(filters.issuer_name):
        pattern = _phrase_pattern(words(filters.issuer_name))
        if not re.search(pattern, record.get("issuer_folded", "")):
            return False
    issued = record.get("issued_date")
    if filters.issued_from is not None and not (
        issued and issued >= filters.issued_from.isoformat()
    ):
        return False
    if filters.issued_to is not None and not (issued and issued <= filters.issued_to.isoformat()):
        return False
    if filters.statuses and record.get("status") not in filters.statuses:
        return False
    if filters.urgencies and record.get("urgency") not in {u.value for u in filters.urgencies}:
        return False
    if query is not None:
        text = record.get("search_text", "")
        return all(re.search(pattern, text) for pattern in query.text_patterns())
    return True
