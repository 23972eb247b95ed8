from datetime import date

import pytest
from vanthu_intake.domain.document_types import DocumentType
from vanthu_intake.domain.notation import (
    NotationError,
    build_outgoing_notation,
    edxml_document_code,
    parse_notation,
    validate_code_notation,
    validate_code_number,
)


def test_a_decision_reads_as_number_type_and_issuer() -> None:
    notation = parse_notation("15/QĐ-BNV")
    assert notation.number == 15
    assert notation.type_abbreviation == "QĐ"
    assert notation.issuer_abbreviation == "BNV"
    assert notation.document_type is DocumentType.DECISION
    assert notation.code_notation == "QĐ-BNV"


def test_an_official_letter_reads_as_issuer_and_drafting_unit() -> None:
    notation = parse_notation("12/UBND-VX")
    assert notation.number == 12
    assert notation.type_abbreviation is None
    assert notation.issuer_abbreviation == "UBND"
    assert notation.unit_abbreviation == "VX"
    assert notation.document_type is DocumentType.OFFICIAL_LETTER


def test_the_government_office_sample_keeps_its_vietnamese_letters() -> None:
    notation = parse_notation("7816/VPCP-TTĐT")
    assert (notation.number, notation.issuer_abbreviation) == (7816, "VPCP")
    assert notation.unit_abbreviation == "TTĐT"
    assert str(notation) == "7816/VPCP-TTĐT"


def test_a_decree_from_the_government_reads_with_its_year() -> None:
    notation = parse_notation("30/2020/NĐ-CP")
    assert (notation.number, notation.year) == (30, 2020)
    assert (notation.type_abbreviation, notation.issuer_abbreviation) == ("NĐ", "CP")
    assert notation.document_type is None
    assert notation.code_notation == "2020/NĐ-CP"


def test_lowercase_letters_of_official_abbreviations_are_kept_as_written() -> None:
    notation = parse_notation("03/QyĐ-UBND")
    assert notation.document_type is DocumentType.REGULATION
    assert str(notation) == "03/QyĐ-UBND"


def test_the_leading_zero_is_kept_as_written_and_the_number_is_still_five() -> None:
    notation = parse_notation("05/QĐ-BNV")
    assert (notation.code_number, notation.number) == ("05", 5)


def test_stray_spaces_dashes_and_decomposed_accents_from_word_processors_are_tolerated() -> None:
    decomposed = "15 / QD\u0303 \u2013 BNV".replace("D\u0303", "Đ")
    assert str(parse_notation(decomposed)) == "15/QĐ-BNV"
    assert str(parse_notation("15/Q\u00d0-BNV")) == "15/QĐ-BNV"


def test_the_stated_type_settles_a_notation_that_looks_like_another_type() -> None:
    # Cục Thuế writes its công văn as CT-..., the same letters as a Chỉ thị.
    notation = parse_notation("123/CT-TTHT", DocumentType.OFFICIAL_LETTER)
    assert notation.document_type is DocumentType.OFFICIAL_LETTER
    assert (notation.issuer_abbreviation, notation.unit_abbreviation) == ("CT", "TTHT")


def test_a_notation_that_disagrees_with_the_stated_type_is_refused() -> None:
    with pytest.raises(NotationError, match="does not start with 'QĐ'"):
        parse_notation("15/TB-BNV", DocumentType.DECISION)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "empty"),
        ("QĐ-BNV", "no '/'"),
        ("15/", "notation is empty"),
        ("x5/QĐ-BNV", "must be written in digits"),
        ("0/QĐ-BNV", "start at 01"),
        ("123456789012/QĐ-BNV", "longer than 11 digits"),
        ("15/QĐ", "not the issuer"),
        ("15/QĐ--BNV", "empty part"),
        ("15/QĐ-BNV-", "empty part"),
        ("15/QĐ-B NV", "contains a space"),
        ("15/QĐ.BNV", "letters"),
        ("15/2-BNV", "must start with a letter"),
        ("15/QĐ-BNV/VP", "unexpected place"),
        ("15/" + "A" * 31, "longer than the 30 characters"),
        ("15-NQ/TW", "Party document"),
    ],
)
def test_malformed_notations_are_refused_with_a_reason(text: str, complaint: str) -> None:
    with pytest.raises(NotationError, match=complaint):
        parse_notation(text)


def test_a_notation_field_holding_the_number_too_says_where_the_number_goes() -> None:
    with pytest.raises(NotationError, match="write 'QĐ-BNV', not '15/QĐ-BNV'"):
        validate_code_notation("15/QĐ-BNV")


def test_the_number_field_accepts_digits_only() -> None:
    assert validate_code_number(" 05 ") == "05"
    with pytest.raises(NotationError):
        validate_code_number("05a")


def test_outgoing_numbers_below_ten_get_a_leading_zero() -> None:
    notation = build_outgoing_notation(5, DocumentType.DECISION, "BNV")
    assert str(notation) == "05/QĐ-BNV"
    assert str(build_outgoing_notation(15, DocumentType.DECISION, "BNV")) == "15/QĐ-BNV"


def test_an_outgoing_official_letter_carries_the_drafting_unit() -> None:
    notation = build_outgoing_notation(12, DocumentType.OFFICIAL_LETTER, "UBND", "VX")
    assert str(notation) == "12/UBND-VX"
    assert notation.unit_abbreviation == "VX"


def test_an_outgoing_official_letter_without_its_drafting_unit_is_refused() -> None:
    with pytest.raises(NotationError, match="drafting unit"):
        build_outgoing_notation(12, DocumentType.OFFICIAL_LETTER, "UBND")


def test_a_typed_outgoing_document_takes_no_unit_abbreviation() -> None:
    with pytest.raises(NotationError, match="no unit abbreviation"):
        build_outgoing_notation(3, DocumentType.NOTICE, "BNV", "VP")


@pytest.mark.parametrize("abbreviation", ["", "B NV", "UB-ND", "1BNV"])
def test_outgoing_agency_abbreviations_must_be_one_word_starting_with_a_letter(
    abbreviation: str,
) -> None:
    with pytest.raises(NotationError, match="agency abbreviation"):
        build_outgoing_notation(1, DocumentType.DECISION, abbreviation)


def test_number_zero_is_never_issued() -> None:
    with pytest.raises(NotationError, match="start at 01"):
        build_outgoing_notation(0, DocumentType.DECISION, "BNV")


def test_what_we_issue_reads_back_the_same() -> None:
    built = build_outgoing_notation(7, DocumentType.SUBMISSION, "SNV")
    assert parse_notation(str(built), DocumentType.SUBMISSION) == built


def test_the_edxml_document_code_matches_the_official_sample() -> None:
    notation = parse_notation("7816/VPCP-TTĐT")
    code = edxml_document_code("000.00.00.G22", date(2015, 9, 30), notation)
    assert code == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
