"""The inverted index's rules, without a server: what a document posts and how postings rank."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vanthu_archive.domain.inverted_index import (
    ALL,
    IndexedFacts,
    Posting,
    TermPostings,
    changed_postings,
    decode_posting,
    document_postings,
    encode_posting,
    expand_prefix,
    rank_postings,
    received_seconds,
    term_weights,
    type_term,
)
from vanthu_archive.domain.textsearch import SearchableDocument

AGENCY = "000.00.00.G22"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def facts(document_id: str, subject: str, body: str = "", **changes: object) -> IndexedFacts:
    fields: dict[str, object] = {
        "document_id": document_id,
        "agency_code": AGENCY,
        "received_at": NOW,
        "document": SearchableDocument(subject=subject, body=body),
        "document_type_code": "QĐ",
        "urgency": "normal",
    }
    fields.update(changes)
    return IndexedFacts(**fields)  # type: ignore[arg-type]


def postings_of(*documents: IndexedFacts) -> dict[str, TermPostings]:
    by_term: dict[str, TermPostings] = {}
    for document in documents:
        for term, text in document_postings(document).items():
            by_term.setdefault(term, TermPostings()).add([decode_posting(text)])
    return by_term


def test_a_document_is_posted_under_its_folded_words_and_its_filters() -> None:
    posted = document_postings(facts("d1", "Quyết định về Đảng ủy"))

    assert {"quyet", "dinh", "ve", "dang", "uy", ALL, type_term("QĐ"), "~u:normal"} <= set(posted)


def test_a_word_in_the_subject_weighs_more_than_the_same_word_in_the_ocr_text() -> None:
    weights = term_weights(SearchableDocument(subject="ngân sách", body="lũ lụt ngân sách"))

    assert weights["ngan"] > weights["lu"]


def test_a_posting_reads_back_as_written_even_with_a_colon_in_the_id() -> None:
    posting = Posting("pkg:01:abc", 812, 1_763_700_000)

    assert decode_posting(encode_posting(posting)) == posting


def test_a_redelivered_document_posts_nothing_and_a_later_text_its_news() -> None:
    registered = facts("d1", "Kế hoạch tuyển dụng")
    digitized = facts("d1", "Kế hoạch tuyển dụng", body="viên chức")

    again = changed_postings(registered, registered)
    with_body = changed_postings(registered, digitized)

    assert changed_postings(None, registered) == document_postings(registered)
    assert again == {}
    assert set(with_body) == {"vien", "chuc"}


def test_only_documents_with_every_word_are_found_and_the_subject_match_comes_first() -> None:
    in_subject = facts("subject", "Báo cáo ngân sách", received_at=NOW - timedelta(days=3))
    in_body = facts("body", "Báo cáo tháng", body="ngân sách xã")
    unrelated = facts("other", "Giấy mời họp")
    index = postings_of(in_subject, in_body, unrelated)
    wanted = [index["ngan"], index["sach"]]

    ranked = rank_postings(wanted, wanted, 3)

    assert [r.document_id for r in ranked] == ["subject", "body"]


def test_equal_scores_show_the_newest_first_and_the_received_range_narrows() -> None:
    older = facts("older", "Thông báo", received_at=NOW - timedelta(days=2))
    newer = facts("newer", "Thông báo", received_at=NOW)
    index = postings_of(older, newer)
    wanted = [index["thong"]]

    ranked = rank_postings(wanted, wanted, 2)
    recent = rank_postings(wanted, [], 2, received_from=received_seconds(NOW - timedelta(days=1)))

    assert [r.document_id for r in ranked] == ["newer", "older"]
    assert [r.document_id for r in recent] == ["newer"]


def test_a_document_posted_twice_counts_once_with_its_best_weight() -> None:
    term = TermPostings()
    term.add([Posting("d1", 100, 1), Posting("d1", 300, 1), Posting("d2", 50, 1)])

    assert len(term) == 2
    assert term.by_document["d1"].weight == 300


def test_a_word_beginning_stands_for_the_shortest_words_first() -> None:
    assert expand_prefix("quy", {"quyet", "quy", "quyen", "qua", "dinh"}) == [
        "quy",
        "quyen",
        "quyet",
    ]
