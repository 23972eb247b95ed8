import hashlib
import unicodedata
from datetime import date

from vanthu_intake.domain.duplicates import (
    content_key,
    content_key_of_chunks,
    metadata_key,
    metadata_key_of,
    normalize_code_notation,
)
from vanthu_intake.domain.metadata import IncomingDocumentMetadata, validation_context

ISSUED = date(2026, 3, 2)


def key(
    notation: str = "QĐ-BNV",
    number: str = "15",
    code: str | None = "000.00.00.G09",
    name: str = "Bộ Nội vụ",
    issued: date = ISSUED,
) -> str:
    return metadata_key(
        issuer_agency_code=code,
        issuer_name=name,
        code_number=number,
        code_notation=notation,
        issued_date=issued,
    )


def test_the_same_document_typed_differently_gives_the_same_key() -> None:
    assert key("QĐ-BNV") == key(" qđ - bnv ")
    assert key("QĐ-BNV") == key("QĐ\u2013BNV")
    assert key("QĐ-BNV", number="05") == key("QĐ-BNV", number="5")


def test_decomposed_accents_and_the_windows_1252_look_alike_match_the_real_letters() -> None:
    decomposed_name = unicodedata.normalize("NFD", "Bộ Nội vụ")
    assert key(code=None, name=decomposed_name) == key(code=None, name="Bộ Nội vụ")
    assert key("Q\u00d0-BNV") == key("QĐ-BNV")


def test_d_with_stroke_is_not_the_same_letter_as_d() -> None:
    assert key("ĐA-BNV") != key("DA-BNV")


def test_different_numbers_dates_or_issuers_give_different_keys() -> None:
    base = key()
    assert base != key(number="16")
    assert base != key(issued=date(2026, 3, 3))
    assert base != key(code="000.00.00.G22")


def test_without_an_agency_code_the_issuer_is_matched_by_name_ignoring_case_and_spacing() -> None:
    assert key(code=None, name="UBND  tỉnh Nghệ An") == key(code=None, name="ubnd tỉnh nghệ an")
    assert key(code=None, name="UBND tỉnh Nghệ An") != key(code=None, name="UBND tinh Nghe An")


def test_the_agency_code_wins_over_a_differently_spelt_issuer_name() -> None:
    assert key(name="Bộ Nội vụ") == key(name="BỘ NỘI VỤ - Văn phòng")


def test_keys_of_a_registered_document_come_from_its_metadata() -> None:
    metadata = IncomingDocumentMetadata.model_validate(
        {
            "channel": "paper",
            "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            "document_type": "QĐ",
            "code_number": "15",
            "code_notation": "QĐ-BNV",
            "issued_date": "2026-03-02",
            "subject": "Về việc X",
            "page_count": 1,
            "signer": {"position": "Bộ trưởng", "full_name": "A"},
        },
        context=validation_context(date(2026, 3, 10)),
    )
    assert metadata_key_of(metadata) == key()


def test_notation_normalisation_keeps_the_vietnamese_letters() -> None:
    assert normalize_code_notation("vpcp-ttđt") == "VPCP-TTĐT"


def test_the_content_key_is_the_sha256_of_the_bytes() -> None:
    data = b"%PDF-1.7 scan"
    assert content_key(data) == hashlib.sha256(data).hexdigest()


def test_a_file_read_in_pieces_has_the_same_content_key() -> None:
    data = bytes(range(256)) * 100
    pieces = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    assert content_key_of_chunks(pieces) == content_key(data)
    assert content_key(data) != content_key(data + b"\x00")
