"""Rules, kept as data, that suggest which leader a document goes to and which unit leads it.

A rule matches on any of: the document type code (QĐ, CV, ...), the issuer's agency code, and
keywords of the subject. Within one criterion any listed value matches; across criteria all
given ones must match; an empty criterion matches everything. The first matching rule in
priority order (1 before 2) wins; when none matches, the default route applies. The result is a
suggestion for the clerk presenting the document, never a decision.

Keywords compare without Vietnamese diacritics and case, on whole words: "dat dai" finds
"ĐẤT ĐAI", but "an" does not find "ban". Folding merges words that differ only by their marks
("bão" and "bảo"); rules are written with that in mind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from vanthu_routing.domain.errors import InvalidInput

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Đ/đ is a letter of its own, not D with a mark, so decomposition leaves it alone.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "D"})


def fold_vietnamese(text: str) -> str:
    """Lower-case words without diacritics, separated by single spaces."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare.casefold()).strip()


@dataclass(frozen=True)
class Route:
    leader_user_id: str
    lead_unit_id: str


@dataclass(frozen=True)
class DocumentFacts:
    """What the rules look at, taken from the registered document."""

    subject: str
    document_type_code: str | None = None
    issuer_agency_code: str | None = None


@dataclass(frozen=True)
class RoutingRule:
    rule_id: str
    priority: int
    route: Route
    document_type_codes: frozenset[str] = field(default_factory=frozenset)
    issuer_agency_codes: frozenset[str] = field(default_factory=frozenset)
    subject_keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (self.document_type_codes or self.issuer_agency_codes or self.subject_keywords):
            raise InvalidInput(
                f"Rule {self.rule_id} has no condition; use the default route instead.",
                f"Quy tắc {self.rule_id} không có điều kiện; hãy dùng tuyến mặc định.",
            )
        if any(not fold_vietnamese(k) for k in self.subject_keywords):
            raise InvalidInput(
                f"Rule {self.rule_id} has an empty keyword.",
                f"Quy tắc {self.rule_id} có từ khóa rỗng.",
            )

    def matches(self, document: DocumentFacts) -> bool:
        return (
            self._type_matches(document.document_type_code)
            and self._issuer_matches(document.issuer_agency_code)
            and self._subject_matches(document.subject)
        )

    def _type_matches(self, code: str | None) -> bool:
        if not self.document_type_codes:
            return True
        wanted = {c.casefold() for c in self.document_type_codes}
        return code is not None and code.casefold() in wanted

    def _issuer_matches(self, agency_code: str | None) -> bool:
        if not self.issuer_agency_codes:
            return True
        return agency_code is not None and agency_code.upper() in {
            c.upper() for c in self.issuer_agency_codes
        }

    def _subject_matches(self, subject: str) -> bool:
        if not self.subject_keywords:
            return True
        padded = f" {fold_vietnamese(subject)} "
        return any(f" {fold_vietnamese(k)} " in padded for k in self.subject_keywords)


@dataclass(frozen=True)
class RoutingSuggestion:
    route: Route
    rule_id: str | None
    """The rule that matched, or None when the default route applied."""

    @property
    def is_default(self) -> bool:
        return self.rule_id is None


@dataclass(frozen=True)
class RoutingRules:
    default: Route
    rules: tuple[RoutingRule, ...] = ()

    @classmethod
    def of(cls, default: Route, rules: Iterable[RoutingRule]) -> RoutingRules:
        ordered = tuple(sorted(rules, key=lambda r: (r.priority, r.rule_id)))
        ids = [r.rule_id for r in ordered]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise InvalidInput(
                f"Rule ids must be unique: {', '.join(duplicates)}.",
                f"Mã quy tắc bị trùng: {', '.join(duplicates)}.",
            )
        return cls(default=default, rules=ordered)

    def suggest(self, document: DocumentFacts) -> RoutingSuggestion:
        # Sorted again so a directly built instance obeys priority as well.
        for rule in sorted(self.rules, key=lambda r: (r.priority, r.rule_id)):
            if rule.matches(document):
                return RoutingSuggestion(rule.route, rule.rule_id)
        return RoutingSuggestion(self.default, None)
