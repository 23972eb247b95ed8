import json
from datetime import date
from typing import Any

from vanthu_intake.domain.document_types import DocumentType
from vanthu_intake.domain.legacy_import import FileRole, parse_legacy_export
from vanthu_intake.domain.metadata import Channel

TODAY = date(2026, 3, 10)


def record(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "legacy_id": "VB-2019-000123",
        "agency_code": "000.00.00.H41",
        "registered_at": "2019-03-05T08:15:00+07:00",
        "arrival_year": 2019,
        "arrival_number": 123,
        "registered_by": "vanthu01",
        "metadata": {
            "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
            "document_type": "Quyết định",
            "code_number": "05",
            "code_notation": "QĐ-BNV",
            "issued_date": "2019-03-01",
            "subject": "Về việc ban hành Quy chế công tác văn thư",
            "page_count": 3,
            "signer": {"position": "Bộ trưởng", "full_name": "Lê Vĩnh Tân"},
        },
        "files": [{"path": "files/2019/000123.pdf", "sha256": "AB" * 32}],
        "old_urls": ["https://qlvb.nghean.gov.vn/vanban/chitiet.aspx?id=123", "/vb/123"],
    }
    document.update(changes)
    return document


def line(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"


def test_a_well_formed_export_line_becomes_a_record_that_keeps_its_old_id_and_links() -> None:
    report = parse_legacy_export([line(record())], today=TODAY)
    assert report.ok
    [parsed] = report.records
    assert parsed.line == 1
    assert parsed.record.legacy_id == "VB-2019-000123"
    assert parsed.record.old_urls[1] == "/vb/123"
    assert parsed.record.metadata.document_type is DocumentType.DECISION
    assert parsed.record.files[0].role is FileRole.ORIGINAL
    assert parsed.record.files[0].sha256 == "ab" * 32


def test_migrated_documents_are_marked_as_such_unless_the_export_says_otherwise() -> None:
    [parsed] = parse_legacy_export([line(record())], today=TODAY).records
    assert parsed.record.metadata.channel is Channel.MIGRATION
    paper = record()
    paper["metadata"] = {**paper["metadata"], "channel": "paper"}
    [parsed] = parse_legacy_export([line(paper)], today=TODAY).records
    assert parsed.record.metadata.channel is Channel.PAPER


def test_bad_lines_are_reported_by_line_number_and_good_ones_still_parsed() -> None:
    lines = [
        line(record()),
        "\n",
        "{not json\n",
        "[1, 2]\n",
        line(record(legacy_id="VB-2", arrival_number=124)),
    ]
    report = parse_legacy_export(lines, today=TODAY)
    assert [parsed.line for parsed in report.records] == [1, 5]
    assert [str(problem) for problem in report.problems] == [
        "line 3: not valid JSON: Expecting property name enclosed in double quotes (column 2)",
        "line 4: expected a JSON object, found list",
    ]
    assert not report.ok


def test_a_line_with_bad_fields_names_each_field() -> None:
    bad = record(arrival_number=0)
    bad["metadata"] = {**bad["metadata"], "subject": ""}
    [problem] = parse_legacy_export([line(bad)], today=TODAY).problems
    assert problem.line == 1
    assert problem.message == (
        "arrival_number: Input should be greater than or equal to 1; "
        "metadata.subject: must not be empty"
    )


def test_a_registration_time_without_an_offset_is_refused() -> None:
    [problem] = parse_legacy_export(
        [line(record(registered_at="2019-03-05T08:15:00"))], today=TODAY
    ).problems
    assert problem.message.startswith("registered_at: ")


def test_the_arrival_year_must_be_the_vietnamese_year_of_registration() -> None:
    # 17:30 UTC on 31 December is already New Year's Day in Vietnam.
    late = record(registered_at="2018-12-31T17:30:00Z", arrival_year=2018)
    late["metadata"] = {**late["metadata"], "issued_date": "2018-12-28"}
    [problem] = parse_legacy_export([line(late)], today=TODAY).problems
    assert problem.message == (
        "arrival_year: is 2018 but the document was registered in 2019 (Vietnam time)"
    )


def test_a_document_cannot_be_registered_before_it_was_issued() -> None:
    early = record(registered_at="2019-02-28T09:00:00+07:00")
    [problem] = parse_legacy_export([line(early)], today=TODAY).problems
    assert problem.message == (
        "metadata: issued_date 2019-03-01 is after the registration date 2019-02-28"
    )


def test_a_legacy_id_used_twice_is_reported_on_the_second_line() -> None:
    lines = [line(record()), line(record(arrival_number=200))]
    [problem] = parse_legacy_export(lines, today=TODAY).problems
    assert str(problem) == "line 2: legacy_id: 'VB-2019-000123' was already used on line 1"


def test_an_arrival_number_used_twice_in_one_register_is_reported() -> None:
    lines = [line(record()), line(record(legacy_id="VB-other"))]
    [problem] = parse_legacy_export(lines, today=TODAY).problems
    assert problem.line == 2
    assert problem.message.startswith("arrival_number: ('000.00.00.H41', 2019, 123)")


def test_the_same_arrival_number_in_another_year_is_fine() -> None:
    next_year = record(
        legacy_id="VB-2020-000123", registered_at="2020-03-05T08:15:00+07:00", arrival_year=2020
    )
    assert parse_legacy_export([line(record()), line(next_year)], today=TODAY).ok


def test_file_paths_that_leave_the_export_folder_are_refused() -> None:
    for path in ["../secrets.pdf", "/etc/passwd", "C:/scan.pdf", "files\\a.pdf", "a//b.pdf"]:
        bad = record(files=[{"path": path}])
        [problem] = parse_legacy_export([line(bad)], today=TODAY).problems
        assert problem.message.startswith("files.0.path: "), path


def test_old_links_must_be_web_addresses_or_site_paths() -> None:
    bad = record(old_urls=["javascript:alert(1)"])
    [problem] = parse_legacy_export([line(bad)], today=TODAY).problems
    assert problem.message == (
        "old_urls.0: 'javascript:alert(1)' must be an http(s) URL or a path starting with '/'"
    )


def test_a_byte_order_mark_at_the_start_of_the_export_is_ignored() -> None:
    assert parse_legacy_export(["\ufeff" + line(record())], today=TODAY).ok


def test_an_unknown_key_in_a_line_is_reported_as_a_probable_misspelling() -> None:
    [problem] = parse_legacy_export([line(record(arival_number=5))], today=TODAY).problems
    assert problem.message == "arival_number: is not a known field (check the spelling)"
