"""Packages from other implementations read even when they differ from ours in harmless ways."""

from __future__ import annotations

import io
import random
import re

import pytest
from lxml import etree
from vanthu_exchange.domain.edxml import (
    Business,
    BusinessDocType,
    DocumentPackage,
    StatusCode,
    StatusPackage,
    read_package,
    write_document_package,
    write_status_package,
)

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def written(package, attachments=()) -> str:
    sink = io.BytesIO()
    write_document_package(sink, package, list(attachments))
    return sink.getvalue().decode()


def read_text(text: str, sinks=None):
    return read_package(io.BytesIO(text.encode()), sinks.open if sinks else None)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_message_header_children_may_come_in_any_order(seed, make_document):
    package = make_document()
    root = etree.fromstring(written(package).encode())
    header = root.find(f".//{{{EDXML}}}MessageHeader")
    children = list(header)
    random.Random(seed).shuffle(children)
    for child in children:
        header.remove(child)
        header.append(child)

    read = read_package(io.BytesIO(etree.tostring(root)))

    expected = package.message_header
    got = read.package.message_header
    assert got.model_dump(exclude={"recipients"}) == expected.model_dump(exclude={"recipients"})
    assert sorted(got.recipients, key=str) == sorted(expected.recipients, key=str)


def test_business_spelled_with_one_s_reads_like_the_standard_spelling(make_document):
    package = make_document(
        business=Business(doc_type=BusinessDocType.REVOKE, document_code="X,2025/01/01,1/QĐ-UBND")
    )
    text = written(package).replace("Bussiness", "Business")

    read = read_text(text)

    assert "Bussiness" not in text
    assert read.package.trace_header_list.business.doc_type is BusinessDocType.REVOKE
    assert read.package.trace_header_list.business.document_code == "X,2025/01/01,1/QĐ-UBND"


def test_attachments_inside_the_envelope_as_in_the_older_sample_are_read(
    make_document, make_attachment, sinks
):
    text = written(make_document(), [make_attachment("cid:36b8", b"%PDF old layout")])
    attachments = text[text.index("  <AttachmentEncoded>") : text.rindex("</edXML>")]
    prefixed = re.sub(
        r"<(/?)(AttachmentEncoded|Attachment|ContentId|AttachmentName|Description|ContentType)>",
        r"<\1edXML:\2>",
        attachments,
    )
    old_layout = text.replace(attachments, "").replace(
        "  </edXML:edXMLEnvelope>", f"{prefixed}  </edXML:edXMLEnvelope>"
    )

    read = read_text(old_layout, sinks)

    assert "<edXML:AttachmentEncoded>" in old_layout
    assert old_layout.index("<edXML:AttachmentEncoded>") < old_layout.index(
        "</edXML:edXMLEnvelope>"
    )
    assert sinks.content("cid:36b8") == b"%PDF old layout"
    assert read.evidence.attachments_inside_envelope


def test_status_fields_inside_edxml_status_as_older_peers_write_them_are_still_read(make_status):
    status = make_status(StatusCode.IN_PROGRESS)
    sink = io.BytesIO()
    write_status_package(sink, status)
    text = sink.getvalue().decode().replace("edXML:MessageHeader>", "edXML:Status>")

    read = read_text(text)

    assert "<edXML:Status>" in text
    assert "MessageHeader" not in text
    assert isinstance(read.package, StatusPackage)
    assert read.package == status


def test_comments_empty_answers_and_missing_optional_blocks_are_ignored(make_document):
    text = written(make_document(response_for=()))
    text = text.replace(
        "<edXML:SteeringType>",
        "<!-- trả lời văn bản -->\n<edXML:ResponseFor><edXML:OrganId></edXML:OrganId>"
        "<edXML:Code></edXML:Code></edXML:ResponseFor>\n<edXML:SteeringType>",
    )
    text = re.sub(r"<edXML:TraceHeaderList>.*</edXML:TraceHeaderList>", "", text, flags=re.S)

    read = read_text(text)

    assert isinstance(read.package, DocumentPackage)
    assert read.package.message_header.response_for == ()
    assert read.package.trace_header_list.trace_headers == ()
