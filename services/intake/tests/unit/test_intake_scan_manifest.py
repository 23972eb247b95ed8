from datetime import date

import pytest
from vanthu_intake.domain.legacy_import import (
    ManifestEncodingError,
    decode_scan_manifest,
    parse_scan_manifest,
)
from vanthu_intake.domain.markings import Urgency
from vanthu_intake.domain.metadata import Channel

TODAY = date(2026, 3, 10)
HEADER = (
    "file,issuer_name,issuer_agency_code,document_type,code_number,code_notation,issued_date,"
    "subject,page_count,signer_position,signer_full_name,urgency,recipients\n"
)
ROW = (
    "scans/001.pdf,Bộ Nội vụ,000.00.00.G09,QĐ,05,QĐ-BNV,02/03/2026,"
    '"Về việc ban hành Quy chế, công tác văn thư",3,Bộ trưởng,Lê Vĩnh Tân,Hỏa tốc,'
    '"Văn phòng; Phòng Nội vụ"\n'
)


def test_a_row_registers_its_scan_as_a_paper_document() -> None:
    report = parse_scan_manifest(HEADER + ROW, folder_files=["scans/001.pdf"], today=TODAY)
    assert report.ok
    [row] = report.rows
    assert row.row == 2
    assert row.entry.file == "scans/001.pdf"
    metadata = row.entry.metadata
    assert metadata.channel is Channel.PAPER
    assert metadata.issued_date == date(2026, 3, 2)
    assert metadata.urgency is Urgency.FLASH
    assert metadata.recipients == ("Văn phòng", "Phòng Nội vụ")
    assert metadata.subject == "Về việc ban hành Quy chế, công tác văn thư"


def test_a_semicolon_separated_manifest_from_excel_in_vietnamese_is_read_too() -> None:
    text = "file;issuer_name;document_type;code_number;code_notation;issued_date;subject;" + (
        "page_count;signer_position;signer_full_name\n"
        "a.pdf;UBND tỉnh Nghệ An;Công văn;12;UBND-VX;2026-03-01;Về việc X;1;Chủ tịch;A\n"
    )
    report = parse_scan_manifest(text, today=TODAY)
    assert report.ok, report.problems
    assert report.rows[0].entry.metadata.code_notation == "UBND-VX"


def test_bad_rows_are_reported_by_spreadsheet_row_with_column_names() -> None:
    bad = ROW.replace("QĐ-BNV", "QĐ--BNV").replace(",3,", ",0,")
    report = parse_scan_manifest(HEADER + ROW.replace("001", "002") + bad, today=TODAY)
    assert [row.row for row in report.rows] == [2]
    [problem] = report.problems
    assert problem.row == 3
    assert problem.message == (
        "code_notation: 'QĐ--BNV' has an empty part between or around its '-'; "
        "page_count: Input should be greater than or equal to 1"
    )


def test_a_missing_required_cell_names_its_column() -> None:
    row = ROW.replace("Lê Vĩnh Tân", "")
    [problem] = parse_scan_manifest(HEADER + row, today=TODAY).problems
    assert str(problem) == "row 2: signer_full_name: is required"


def test_a_scan_missing_from_the_folder_is_reported() -> None:
    [problem] = parse_scan_manifest(HEADER + ROW, folder_files=["other.pdf"], today=TODAY).problems
    assert str(problem) == "row 2: file: 'scans/001.pdf' is not in the folder"


def test_a_scan_listed_twice_is_reported_on_the_second_row() -> None:
    [problem] = parse_scan_manifest(HEADER + ROW + ROW, today=TODAY).problems
    assert str(problem) == "row 3: file: 'scans/001.pdf' was already used on row 2"


def test_empty_rows_left_by_spreadsheets_are_skipped() -> None:
    report = parse_scan_manifest(HEADER + ",,,,,,,,,,,,\n" + ROW, today=TODAY)
    assert report.ok
    assert [row.row for row in report.rows] == [3]


def test_an_unknown_column_rejects_the_whole_manifest() -> None:
    report = parse_scan_manifest(HEADER.replace("subject", "subjet") + ROW, today=TODAY)
    assert report.rows == ()
    [problem] = report.problems
    assert problem.row == 1
    assert problem.message.startswith("unknown columns ['subjet']")


def test_a_manifest_without_a_required_column_is_rejected() -> None:
    header = HEADER.replace("page_count,", "")
    [problem] = parse_scan_manifest(header, today=TODAY).problems
    assert str(problem) == "row 1: required columns are missing: ['page_count']"


def test_an_empty_manifest_is_rejected() -> None:
    [problem] = parse_scan_manifest("", today=TODAY).problems
    assert problem.message.startswith("the manifest is empty")


def test_a_row_with_more_cells_than_columns_is_reported() -> None:
    [problem] = parse_scan_manifest(HEADER + ROW.rstrip("\n") + ",extra\n", today=TODAY).problems
    assert problem.message == "has 14 cells but the header names 13 columns"


def test_a_scan_path_outside_the_folder_is_refused() -> None:
    [problem] = parse_scan_manifest(HEADER + ROW.replace("scans/", "../"), today=TODAY).problems
    assert problem.message.startswith("file: '../001.pdf' must not contain")


def test_a_manifest_saved_as_utf8_with_bom_by_excel_is_decoded() -> None:
    text = decode_scan_manifest(b"\xef\xbb\xbf" + (HEADER + ROW).encode())
    assert parse_scan_manifest(text, today=TODAY).ok


def test_a_manifest_in_a_legacy_windows_encoding_is_refused_with_advice() -> None:
    with pytest.raises(ManifestEncodingError, match="CSV UTF-8"):
        decode_scan_manifest("file,Đơn\n".encode("cp1258"))


def test_names_in_the_folder_listing_match_whatever_unicode_form_they_use() -> None:
    import unicodedata

    row = ROW.replace("scans/001.pdf", "Quyết định.pdf")
    listing = [unicodedata.normalize("NFD", "Quyết định.pdf")]
    assert parse_scan_manifest(HEADER + row, folder_files=listing, today=TODAY).ok
