"""Suggested leader and lead unit from rules kept as data."""

from __future__ import annotations

import pytest
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.routing_rules import (
    DocumentFacts,
    Route,
    RoutingRule,
    RoutingRules,
    fold_vietnamese,
)

DEFAULT = Route("u-director", "unit-office")
LAND = Route("u-deputy-land", "unit-land")
FINANCE = Route("u-deputy-finance", "unit-finance")
MINISTRY = Route("u-director", "unit-planning")


def rules(*extra: RoutingRule) -> RoutingRules:
    return RoutingRules.of(DEFAULT, extra)


def test_keywords_match_without_diacritics_or_case() -> None:
    land = RoutingRule("land", 10, LAND, subject_keywords=("dat dai",))
    suggestion = rules(land).suggest(DocumentFacts("Về việc giao ĐẤT ĐAI cho hộ gia đình"))
    assert suggestion.route == LAND
    assert suggestion.rule_id == "land"


def test_keywords_written_with_diacritics_match_subjects_typed_without_them() -> None:
    land = RoutingRule("land", 10, LAND, subject_keywords=("Đất đai",))
    assert rules(land).suggest(DocumentFacts("ve viec thu hoi dat dai")).route == LAND


def test_a_keyword_matches_whole_words_only() -> None:
    short = RoutingRule("an", 10, LAND, subject_keywords=("an",))
    assert rules(short).suggest(DocumentFacts("Ban hành kế hoạch năm 2025")).is_default
    assert rules(short).suggest(DocumentFacts("Đề án an toàn giao thông")).route == LAND


def test_the_rule_with_the_lower_priority_number_wins_whatever_the_listing_order() -> None:
    broad = RoutingRule("broad", 50, FINANCE, subject_keywords=("ngan sach",))
    narrow = RoutingRule("narrow", 5, LAND, subject_keywords=("ngan sach dat",))
    subject = DocumentFacts("Phân bổ ngân sách đất đai năm 2025")
    assert rules(broad, narrow).suggest(subject).rule_id == "narrow"
    assert rules(narrow, broad).suggest(subject).rule_id == "narrow"


def test_all_given_criteria_must_match() -> None:
    decisions_on_budget = RoutingRule(
        "qd-budget",
        1,
        FINANCE,
        document_type_codes=frozenset({"QĐ"}),
        subject_keywords=("ngân sách",),
    )
    ruleset = rules(decisions_on_budget)
    assert ruleset.suggest(DocumentFacts("Giao dự toán ngân sách", "QĐ")).route == FINANCE
    assert ruleset.suggest(DocumentFacts("Giao dự toán ngân sách", "CV")).is_default
    assert ruleset.suggest(DocumentFacts("Giao chỉ tiêu biên chế", "QĐ")).is_default


def test_documents_from_a_given_issuer_go_to_their_route() -> None:
    ministry = RoutingRule("mpi", 20, MINISTRY, issuer_agency_codes=frozenset({"000.00.00.G12"}))
    ruleset = rules(ministry)
    from_ministry = DocumentFacts("Hướng dẫn lập kế hoạch", "CV", "000.00.00.G12")
    assert ruleset.suggest(from_ministry).route == MINISTRY
    assert ruleset.suggest(DocumentFacts("Hướng dẫn", "CV", "000.00.00.G22")).is_default
    assert ruleset.suggest(DocumentFacts("Hướng dẫn", "CV")).is_default


def test_when_no_rule_matches_the_default_route_is_suggested() -> None:
    suggestion = rules().suggest(DocumentFacts("Thư mời họp"))
    assert suggestion.route == DEFAULT
    assert suggestion.is_default


def test_a_rule_without_any_condition_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no condition"):
        RoutingRule("catch-all", 1, LAND)


def test_rule_ids_must_be_unique() -> None:
    one = RoutingRule("same", 1, LAND, subject_keywords=("dat",))
    two = RoutingRule("same", 2, FINANCE, subject_keywords=("tien",))
    with pytest.raises(InvalidInput, match="unique: same"):
        RoutingRules.of(DEFAULT, [one, two])


def test_folding_drops_marks_and_the_stroke_of_d_and_keeps_digits() -> None:
    assert fold_vietnamese("Quyết định số 15/QĐ-UBND") == "quyet dinh so 15 qd ubnd"
    assert fold_vietnamese("  Đường   Hồ Chí Minh ") == "duong ho chi minh"
