"""A package written by the builder reads back as the same package."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, date, datetime

import pytest
from vanthu_exchange.domain.edxml import (
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    DocumentPackage,
    ReceiverChange,
    ReceiverChangeType,
    Replacement,
    StaffInfo,
    StatusCode,
    StatusPackage,
    compose_document_code,
    format_timestamp,
    parse_timestamp,
    read_package,
    split_document_code,
    write_document_package,
    write_status_package,
)

ORIGINAL = compose_document_code("000.00.00.G22", date(2025, 1, 10), "12", "VPCP-KSTT")

BUSINESS_KINDS = {
    BusinessDocType.NEW: Business(document_code=None, reason="Văn bản điện tử mới"),
    BusinessDocType.REVOKE: Business(
        doc_type=BusinessDocType.REVOKE,
        document_code=ORIGINAL,
        reason="Thu hồi do sai sót trích yếu",
        staff=StaffInfo(department="Văn thư", staff="Trần Thị B", email="b@vpcp.gov.vn"),
    ),
    BusinessDocType.UPDATE: Business(
        doc_type=BusinessDocType.UPDATE,
        document_code=ORIGINAL,
        reason="Cập nhật nơi nhận",
        paper_copy_sent=True,
        document_info=BusinessDocumentInfo(
            document_info="1",
            document_receiver="1",
            receiver_changes=(
                ReceiverChange(change=ReceiverChangeType.ADDED, agency_code="000.00.00.H30"),
                ReceiverChange(change=ReceiverChangeType.REMOVED, agency_code="000.00.00.H14"),
            ),
        ),
    ),
    BusinessDocType.REPLACE: Business(
        doc_type=BusinessDocType.REPLACE,
        document_code=ORIGINAL,
        reason="Thay thế văn bản đã gửi",
        replacements=(
            Replacement(document_code=ORIGINAL, agency_codes=("000.00.00.H41", "000.00.00.H14")),
        ),
    ),
}


def written_document(package: DocumentPackage, attachments: list) -> bytes:
    sink = io.BytesIO()
    write_document_package(sink, package, attachments)
    return sink.getvalue()


@pytest.mark.parametrize("kind", list(BusinessDocType), ids=lambda kind: kind.name.lower())
def test_every_kind_of_document_package_reads_back_unchanged(
    kind, make_document, make_attachment, sinks
):
    package = make_document(business=BUSINESS_KINDS[kind])
    first, second = os.urandom(5000), b"%PDF-1.7 phu luc"
    data = written_document(
        package,
        [
            make_attachment("cid:1", first, "van-ban.pdf"),
            make_attachment("cid:2", second, "phu-luc.pdf"),
        ],
    )

    read = read_package(io.BytesIO(data), sinks.open)

    expected_business = package.trace_header_list.business
    if expected_business.document_code is None:
        # A new document names itself in Bussiness/DocumentId.
        expected_business = expected_business.model_copy(
            update={"document_code": package.message_header.document_code}
        )
    assert read.package.message_header == package.message_header
    assert read.package.trace_header_list.trace_headers == package.trace_header_list.trace_headers
    assert read.package.trace_header_list.business == expected_business
    assert sinks.content("cid:1") == first
    assert sinks.content("cid:2") == second
    assert [(a.name, a.size) for a in read.attachments] == [
        ("van-ban.pdf", len(first)),
        ("phu-luc.pdf", len(second)),
    ]


def test_attachment_descriptors_report_the_sha256_of_the_decoded_bytes(
    make_document, make_attachment
):
    content = os.urandom(70_001)  # not a multiple of 3: the last base64 group is padded
    data = written_document(make_document(), [make_attachment("cid:x", content)])

    read = read_package(io.BytesIO(data))

    assert read.attachments[0].sha256 == hashlib.sha256(content).hexdigest()
    assert read.attachments[0].size == len(content)


def test_builder_reports_what_it_wrote_for_each_attachment(make_document, make_attachment):
    content = os.urandom(1000)
    written = write_document_package(
        io.BytesIO(), make_document(), [make_attachment("cid:x", content)]
    )
    read = read_package(
        io.BytesIO(written_document(make_document(), [make_attachment("cid:x", content)]))
    )

    assert written == read.attachments


def test_a_document_without_attachments_reads_back_with_none(make_document):
    read = read_package(io.BytesIO(written_document(make_document(), [])))

    assert read.attachments == ()
    assert read.manifest == ()


@pytest.mark.parametrize("code", list(StatusCode), ids=lambda code: code.value)
def test_every_status_code_reads_back_unchanged(code, make_status):
    status = make_status(code)
    sink = io.BytesIO()
    write_status_package(sink, status)

    read = read_package(io.BytesIO(sink.getvalue()))

    assert isinstance(read.package, StatusPackage)
    assert read.package == status
    assert f"<edXML:StatusCode>{code.value}</edXML:StatusCode>" in sink.getvalue().decode()


def test_a_rejection_status_must_say_why(make_status):
    with pytest.raises(ValueError, match="reason"):
        make_status(StatusCode.REJECTED, description=None)


def test_timestamps_are_written_in_vietnam_time_and_read_back_as_the_same_instant():
    instant = datetime(2024, 12, 31, 17, 30, 5, tzinfo=UTC)

    written = format_timestamp(instant)

    assert written == "2025/01/01 00:30:05"
    assert parse_timestamp(written) == instant


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="aware"):
        format_timestamp(datetime(2025, 1, 1, 8, 0))  # noqa: DTZ001 - the point of the test


def test_official_document_ids_split_into_agency_date_and_number():
    parts = split_document_code("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")

    assert parts is not None
    assert (parts.agency_code, parts.promulgation_date, parts.number_and_notation) == (
        "000.00.00.G22",
        date(2015, 9, 30),
        "7816/VPCP-TTĐT",
    )
    assert compose_document_code(
        parts.agency_code, parts.promulgation_date, "7816", "VPCP-TTĐT"
    ) == ("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")
    assert split_document_code("9fbfbad2-f1f8-4256-a2eb-50fb1061cddb") is None


def _reversed_blocks(data: bytes, blocks: tuple[str, ...]) -> bytes:
    from lxml import etree

    root = etree.fromstring(data)
    namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
    for block in blocks:
        for element in root.iter(f"{{{namespace}}}{block}"):
            children = list(element)
            for child in children:
                element.remove(child)
            for child in reversed(children):
                element.append(child)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("kind", list(BusinessDocType), ids=lambda kind: kind.name.lower())
def test_a_document_package_reads_the_same_whatever_order_its_blocks_children_come_in(
    kind, make_document, make_attachment, sinks
):
    # Our own earlier order (OrganId first, StaffInfo last) and the samples' read alike.
    package = make_document(business=BUSINESS_KINDS[kind])
    data = written_document(package, [make_attachment("cid:1", b"%PDF-1.7 van ban")])
    shuffled = _reversed_blocks(
        data, ("Bussiness", "ResponseFor", "From", "To", "Receiver", "StaffInfo")
    )
    assert shuffled != data

    as_written = read_package(io.BytesIO(data))
    reordered = read_package(io.BytesIO(shuffled), sinks.open)

    assert reordered.package == as_written.package
    assert sinks.content("cid:1") == b"%PDF-1.7 van ban"


def test_a_status_package_reads_the_same_whatever_order_its_blocks_children_come_in(make_status):
    status = make_status(StatusCode.ACCEPTED)
    sink = io.BytesIO()
    write_status_package(sink, status)
    shuffled = _reversed_blocks(sink.getvalue(), ("From", "To", "ResponseFor", "StaffInfo"))

    read = read_package(io.BytesIO(shuffled))

    assert read.package == status
