"""Diacritics-insensitive search, checked by running the filters it builds over stored documents.

``mongo_match`` below evaluates the small part of the MongoDB query language the filters use
(``$and``, ``$or``, ``$all``, ``$in``, ``$regex``, ranges, equality with array membership), so
these tests see what a person would see from the database, without a server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from vanthu_archive.document_access import visible_condition
from vanthu_archive.domain.textsearch import (
    MAX_INDEXED_WORDS,
    Candidate,
    SearchableDocument,
    SearchField,
    SearchFilters,
    TextQuery,
    build_search_filter,
    fold,
    index_entry,
    parse_text_query,
    rank,
    words,
)
from vanthu_contracts.events.values import Urgency
from vanthu_runtime.auth import Principal, Role

AGENCY = "000.00.00.G22"
CLERK = Principal(user_id="u-clerk", agency_code=AGENCY, roles=frozenset({Role.CLERK}))


def _lookup(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _condition_holds(value: Any, condition: Any) -> bool:
    if not isinstance(condition, dict):
        return value == condition or (isinstance(value, list) and condition in value)
    checks: dict[str, Callable[[Any], bool]] = {
        "$all": lambda wanted: isinstance(value, list) and all(item in value for item in wanted),
        "$in": lambda wanted: (
            any(item in wanted for item in value) if isinstance(value, list) else value in wanted
        ),
        "$regex": lambda pattern: isinstance(value, str) and re.search(pattern, value) is not None,
        "$gte": lambda bound: value is not None and value >= bound,
        "$lte": lambda bound: value is not None and value <= bound,
        "$lt": lambda bound: value is not None and value < bound,
    }
    return all(checks[operator](operand) for operator, operand in condition.items())


def mongo_match(document: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, condition in query.items():
        if key == "$and":
            if not all(mongo_match(document, part) for part in condition):
                return False
        elif key == "$or":
            if not any(mongo_match(document, part) for part in condition):
                return False
        elif not _condition_holds(_lookup(document, key), condition):
            return False
    return True


def stored(document_id: str, text: SearchableDocument, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "_id": document_id,
        "agency_code": AGENCY,
        "confidentiality": "normal",
        "status": "registered",
        "urgency": "normal",
        "issued_date": "2025-03-01",
        "received_at": datetime(2025, 3, 2, 9, tzinfo=UTC),
        "document_type": {"code": "QĐ", "name": text.document_type},
        "issuer": {"name": text.issuer, "agency_code": None},
    }
    record.update(fields)
    record.update(index_entry(text).as_document_fields())
    return record


DECISION = SearchableDocument(
    subject="Quyết định về việc bổ nhiệm cán bộ",
    notation="15/QĐ-BNV",
    document_type="Quyết định",
    issuer="Bộ Nội vụ",
    body="Căn cứ Nghị định 30/2020/NĐ-CP về công tác văn thư",
)
REPORT = SearchableDocument(
    subject="Báo cáo tình hình thực hiện nhiệm vụ",
    notation="42/BC-UBND",
    document_type="Báo cáo",
    issuer="Ủy ban nhân dân tỉnh Đồng Nai",
    body="Định hướng quyết tâm hoàn thành kế hoạch",
)
INVITATION = SearchableDocument(
    subject="Giấy mời họp về chuyển đổi số",
    notation="07/GM-STTTT",
    document_type="Giấy mời",
    issuer="Sở Thông tin và Truyền thông",
    body="Kính mời đại diện lãnh đạo dự họp",
)


def corpus() -> list[dict[str, Any]]:
    return [
        stored("decision", DECISION),
        stored("report", REPORT, document_type={"code": "BC", "name": "Báo cáo"}),
        stored("invitation", INVITATION, document_type={"code": "GM", "name": "Giấy mời"}),
    ]


def search(
    text: str,
    *,
    searcher: Principal = CLERK,
    filters: SearchFilters | None = None,
    documents: list[dict[str, Any]] | None = None,
    last_word_is_prefix: bool = False,
) -> set[str]:
    query = parse_text_query(text, last_word_is_prefix=last_word_is_prefix)
    mongo_filter = build_search_filter(
        searcher.agency_code, filters or SearchFilters(), query, visible=visible_condition(searcher)
    )
    return {doc["_id"] for doc in (documents or corpus()) if mongo_match(doc, mongo_filter)}


def test_folding_removes_vietnamese_marks_strokes_case_and_extra_spaces() -> None:
    assert fold("  Quyết   ĐỊNH\tsố ") == "quyet dinh so"
    assert fold("Đồng Nai, đường Nguyễn Huệ") == "dong nai, duong nguyen hue"
    assert fold("Ủy ban nhân dân") == "uy ban nhan dan"
    assert fold("Quye\u0302\u0301t") == fold("Quyết")
    assert words("Số: 15/QĐ-BNV") == ["so", "15", "qd", "bnv"]


def test_typing_without_accents_finds_the_accented_document() -> None:
    assert search("bo nhiem can bo") == {"decision"}
    assert search("BỔ NHIỆM") == {"decision"}
    # Both words appear in the report too, far apart: unquoted words need not be side by side.
    assert search("quyet dinh") == {"decision", "report"}


def test_d_and_d_with_stroke_find_each_other() -> None:
    assert search("đồng nai") == {"report"}
    assert search("dong nai") == {"report"}
    assert search("nghi đinh") == {"decision"}


def test_every_typed_word_must_be_present() -> None:
    assert search("quyet dinh chuyen doi") == set()
    assert search("tinh hinh") == {"report"}


def test_a_quoted_phrase_needs_the_words_side_by_side() -> None:
    # The report has "định" and "quyết" but never "quyết định" in a row.
    assert search("dinh quyet") == {"decision", "report"}
    assert search('"quyet dinh"') == {"decision"}
    assert search("“quyết định”") == {"decision"}


def test_a_phrase_never_spans_two_fields() -> None:
    # The decision's subject ends with "cán bộ" and its notation starts with "15".
    assert search('"can bo 15"') == set()
    assert search('"can bo"') == {"decision"}


def test_the_notation_is_found_as_printed() -> None:
    assert search("15/QĐ-BNV") == {"decision"}
    assert search('"42/BC-UBND"') == {"report"}


def test_a_word_beginning_finds_every_word_that_starts_so() -> None:
    assert search("quy*") == {"decision", "report"}
    assert search("quy") == set()
    assert search("chuy", last_word_is_prefix=True) == {"invitation"}


def test_a_beginning_longer_than_the_indexed_markers_is_still_exact() -> None:
    documents = [
        stored("long", SearchableDocument(subject="Administrative reform")),
        stored("near", SearchableDocument(subject="Administer the budget")),
    ]

    assert search("administrat*", documents=documents) == {"long"}
    assert search("administ*", documents=documents) == {"long", "near"}


def test_regex_characters_typed_by_a_user_match_nothing_special() -> None:
    assert search(".*") == {"decision", "report", "invitation"}
    assert search('"(quyet) [dinh]"') == {"decision"}
    # Punctuation only separates words: these are the words "quyet" and "cong".
    assert search("quyet.*cong") == {"decision"}


def test_an_empty_search_box_lists_every_visible_document() -> None:
    assert parse_text_query('  "" * ').is_empty
    assert search("") == {"decision", "report", "invitation"}


def test_confidential_documents_appear_only_to_the_people_named_on_them() -> None:
    documents = [
        *corpus(),
        stored(
            "secret",
            SearchableDocument(subject="Quyết định mật về nhân sự"),
            confidentiality="secret",
            readers=["u-leader", "u-secretary"],
            registered_by="u-clerk-2",
        ),
    ]
    leader = Principal(user_id="u-leader", agency_code=AGENCY, roles=frozenset({Role.LEADER}))
    registering_clerk = Principal(
        user_id="u-clerk-2", agency_code=AGENCY, roles=frozenset({Role.CLERK})
    )

    assert search('"quyet dinh"', searcher=leader, documents=documents) == {"decision", "secret"}
    assert search('"quyet dinh"', searcher=CLERK, documents=documents) == {"decision"}
    assert "secret" in search('"quyet dinh"', searcher=registering_clerk, documents=documents)


def test_a_document_with_no_confidentiality_marking_stays_hidden() -> None:
    unmarked = stored("unmarked", SearchableDocument(subject="Quyết định"))
    del unmarked["confidentiality"]

    assert search("quyet dinh", documents=[unmarked]) == set()


def test_documents_of_another_agency_are_never_returned() -> None:
    elsewhere = stored("elsewhere", DECISION, agency_code="000.00.00.H49")

    assert search("bo nhiem", documents=[*corpus(), elsewhere]) == {"decision"}


def test_filters_narrow_by_type_issuer_dates_status_and_urgency() -> None:
    documents = [
        stored(
            "decision", DECISION, issuer={"name": DECISION.issuer, "agency_code": "000.00.00.G22"}
        ),
        stored(
            "report",
            REPORT,
            document_type={"code": "BC", "name": "Báo cáo"},
            issued_date="2025-04-15",
            received_at=datetime(2025, 4, 16, 2, tzinfo=UTC),
            status="done",
            urgency="flash",
        ),
        stored("invitation", INVITATION, document_type={"code": "GM", "name": "Giấy mời"}),
    ]

    def only(filters: SearchFilters) -> set[str]:
        return search("", filters=filters, documents=documents)

    assert only(SearchFilters(document_types=frozenset({"BC", "GM"}))) == {"report", "invitation"}
    assert only(SearchFilters(issuer_code="000.00.00.G22")) == {"decision"}
    assert only(SearchFilters(issuer_name="uy ban nhan dan")) == {"report"}
    assert only(SearchFilters(issuer_name="Sở Thông tin")) == {"invitation"}
    assert only(SearchFilters(issued_from=date(2025, 4, 15))) == {"report"}
    assert only(SearchFilters(issued_to=date(2025, 3, 1))) == {"decision", "invitation"}
    assert only(SearchFilters(received_from=datetime(2025, 4, 16, 2, tzinfo=UTC))) == {"report"}
    assert only(SearchFilters(received_to=datetime(2025, 4, 16, 2, tzinfo=UTC))) == {
        "decision",
        "invitation",
    }
    assert only(SearchFilters(statuses=frozenset({"done"}))) == {"report"}
    assert only(SearchFilters(urgencies=frozenset({Urgency.FLASH, Urgency.URGENT}))) == {"report"}


def test_received_time_filters_refuse_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="time zone"):
        SearchFilters(received_from=datetime(2025, 1, 1))  # noqa: DTZ001


def test_the_in_memory_check_agrees_with_the_database_filter() -> None:
    entries = {
        name: index_entry(doc) for name, doc in [("d", DECISION), ("r", REPORT), ("i", INVITATION)]
    }
    for text in [
        "quyet dinh",
        '"quyet dinh"',
        "quy*",
        "dinh quyet",
        "chuyen*",
        "15/QĐ",
        '"can bo 15"',
    ]:
        query = parse_text_query(text)
        clauses = {"$and": query.mongo_clauses()} if not query.is_empty else {}
        for entry in entries.values():
            assert query.matches(entry) == mongo_match(entry.as_document_fields(), clauses), text


def test_a_match_in_the_subject_ranks_above_a_match_in_the_ocr_text() -> None:
    in_body = SearchableDocument(
        subject="Công văn về tài chính", body="chuyển đổi số trong ngân hàng"
    )
    in_subject = SearchableDocument(subject="Kế hoạch chuyển đổi số năm 2025")
    candidates = [
        Candidate("body", index_entry(in_body).search_text),
        Candidate("subject", index_entry(in_subject).search_text),
    ]

    ranked = rank(parse_text_query("chuyen doi so"), candidates)

    assert [result.document_id for result in ranked] == ["subject", "body"]
    assert ranked[0].matched_fields == (SearchField.SUBJECT,)
    assert ranked[1].matched_fields == (SearchField.BODY,)


def test_words_side_by_side_rank_above_the_same_words_apart() -> None:
    apart = SearchableDocument(subject="Định hướng và quyết tâm")
    together = SearchableDocument(subject="Quyết định và định hướng")
    candidates = [
        Candidate("apart", index_entry(apart).search_text),
        Candidate("together", index_entry(together).search_text),
    ]

    ranked = rank(parse_text_query("quyet dinh"), candidates)

    assert ranked[0].document_id == "together"
    assert ranked[0].score > ranked[1].score


def test_the_notation_outranks_the_issuer_and_ties_keep_the_order_they_came_in() -> None:
    by_notation = SearchableDocument(notation="05/UBND-VX")
    by_issuer = SearchableDocument(issuer="UBND tỉnh")
    first_tie = SearchableDocument(issuer="UBND huyện")

    ranked = rank(
        parse_text_query("ubnd"),
        [
            Candidate("issuer-1", index_entry(first_tie).search_text),
            Candidate("issuer-2", index_entry(by_issuer).search_text),
            Candidate("notation", index_entry(by_notation).search_text),
        ],
    )

    assert [result.document_id for result in ranked] == ["notation", "issuer-1", "issuer-2"]


def test_ranking_an_empty_query_keeps_the_database_order() -> None:
    candidates = [Candidate(name, index_entry(DECISION).search_text) for name in ("c", "a", "b")]

    assert [result.document_id for result in rank(TextQuery(), candidates)] == ["c", "a", "b"]


def test_a_huge_ocr_text_never_pushes_out_the_subject_words() -> None:
    flood = " ".join(f"x{number}" for number in range(MAX_INDEXED_WORDS + 500))
    entry = index_entry(SearchableDocument(subject="Quyết định khen thưởng", body=flood))

    assert {"quyet", "dinh", "khen", "thuong", "quy*"} <= set(entry.search_terms)
    assert "x0" in entry.search_terms
    assert f"x{MAX_INDEXED_WORDS + 499}" not in entry.search_terms
