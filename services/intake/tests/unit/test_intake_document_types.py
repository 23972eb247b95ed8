import pytest
from vanthu_intake.domain.document_types import (
    DocumentType,
    UnknownDocumentType,
    document_type_for_abbreviation,
    parse_document_type,
)


def test_there_are_the_29_types_of_nd_30_in_the_order_of_article_7() -> None:
    names = [document_type.vietnamese_name for document_type in DocumentType]
    assert len(names) == 29
    assert names[:3] == ["Nghị quyết", "Quyết định", "Chỉ thị"]
    assert names[-1] == "Thư công"


@pytest.mark.parametrize(
    ("document_type", "abbreviation"),
    [
        (DocumentType.DECISION, "QĐ"),
        (DocumentType.REGULATION, "QyĐ"),
        (DocumentType.PROGRAM, "CTr"),
        (DocumentType.SUBMISSION, "TTr"),
        (DocumentType.MEMORANDUM_OF_UNDERSTANDING, "BGN"),
        (DocumentType.AGREEMENT, "BTT"),
        (DocumentType.AUTHORIZATION, "GUQ"),
        (DocumentType.LEAVE_PERMIT, "GNP"),
        (DocumentType.SCHEME, "ĐA"),
        (DocumentType.PROJECT, "DA"),
    ],
)
def test_abbreviations_are_those_of_appendix_iii(
    document_type: DocumentType, abbreviation: str
) -> None:
    assert document_type.abbreviation == abbreviation


def test_official_letters_and_formal_letters_have_no_abbreviation() -> None:
    without = [t for t in DocumentType if t.abbreviation is None]
    assert without == [DocumentType.OFFICIAL_LETTER, DocumentType.FORMAL_LETTER]


def test_no_two_types_share_an_abbreviation_even_ignoring_case() -> None:
    abbreviations = [t.abbreviation.upper() for t in DocumentType if t.abbreviation]
    assert len(set(abbreviations)) == 27


def test_d_with_stroke_tells_a_scheme_from_a_project() -> None:
    assert document_type_for_abbreviation("ĐA") is DocumentType.SCHEME
    assert document_type_for_abbreviation("DA") is DocumentType.PROJECT


@pytest.mark.parametrize(
    "text",
    ["decision", "DECISION", "QĐ", "qđ", "Quyết định", "quyet dinh", "Quyết định (cá biệt)"],
)
def test_a_type_is_understood_by_code_abbreviation_or_vietnamese_name(text: str) -> None:
    assert parse_document_type(text) is DocumentType.DECISION


def test_both_placements_of_the_tone_mark_name_the_same_type() -> None:
    assert parse_document_type("Giấy ủy quyền") is DocumentType.AUTHORIZATION
    assert parse_document_type("Giấy uỷ quyền") is DocumentType.AUTHORIZATION
    assert parse_document_type("Bản thoả thuận") is DocumentType.AGREEMENT


def test_a_mistyped_case_of_an_abbreviation_still_finds_its_type() -> None:
    assert parse_document_type("QYĐ") is DocumentType.REGULATION


def test_cv_is_refused_with_a_hint_that_cong_van_has_no_abbreviation() -> None:
    with pytest.raises(UnknownDocumentType, match="Công văn has no abbreviation"):
        parse_document_type("CV")


def test_an_unknown_type_says_how_to_write_one() -> None:
    with pytest.raises(UnknownDocumentType, match="English code such as 'decision'"):
        parse_document_type("Thông tư")
