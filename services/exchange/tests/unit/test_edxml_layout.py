"""Packages look exactly like the hub's official sample, prefixes and placement included."""

from __future__ import annotations

import base64
import io
import re

from lxml import etree
from vanthu_exchange.domain.edxml import (
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    ReceiverChange,
    ReceiverChangeType,
    StatusCode,
    write_document_package,
    write_status_package,
)

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
ZIP = b"PK\x03\x04 zip bytes"
ZIP_BASE64 = base64.b64encode(ZIP).decode()
OFFICIAL_HEADER_ORDER = [
    "From", "To", "To", "DocumentId", "Code", "PromulgationInfo", "DocumentType", "Subject",
    "Content", "SignerInfo", "DueDate", "OtherInfo", "ResponseFor", "SteeringType", "ToPlaces",
]  # fmt: skip


def written(make_document, make_attachment, agency_keys=None) -> str:
    package = make_document()
    sink = io.BytesIO()
    signer = agency_keys.signer(package.message_header.sender.agency_code) if agency_keys else None
    write_document_package(
        sink,
        package,
        [make_attachment("cid:209", ZIP, "1896_QD-TTg.zip")],
        signer=signer,
    )
    return sink.getvalue().decode("utf-8")


def tree(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"))


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def test_root_and_envelope_declare_the_namespace_the_way_the_sample_does(
    make_document, make_attachment
):
    text = written(make_document, make_attachment)

    assert text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<edXML xmlns="{EDXML}">\n'
        f'  <edXML:edXMLEnvelope xmlns:edXML="{EDXML}">\n'
        "    <edXML:edXMLHeader>\n"
        "      <edXML:MessageHeader>\n"
        "        <edXML:From>\n"
    )
    assert text.rstrip().endswith("</AttachmentEncoded>\n</edXML>")


def test_every_element_in_the_envelope_carries_the_edxml_prefix(make_document, make_attachment):
    envelope_text = written(make_document, make_attachment).split("<AttachmentEncoded>")[0]
    tags = re.findall(r"<(/?)([A-Za-z:]+)", envelope_text)

    unprefixed = {name for _, name in tags if not name.startswith("edXML:")}

    assert unprefixed == {"edXML"}  # only the root
    assert envelope_text.count('xmlns="') == 1  # the root's default namespace


def test_message_header_children_follow_the_official_sample_order(make_document, make_attachment):
    root = tree(written(make_document, make_attachment))

    header = root.find(f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLHeader/{{{EDXML}}}MessageHeader")

    assert [local(child) for child in header] == OFFICIAL_HEADER_ORDER


def test_attachments_sit_outside_the_envelope_unprefixed_with_prefixed_base64(
    make_document, make_attachment
):
    text = written(make_document, make_attachment)
    root = tree(text)

    assert [local(child) for child in root] == ["edXMLEnvelope", "AttachmentEncoded"]
    assert (
        "\n  </edXML:edXMLEnvelope>\n"
        "  <AttachmentEncoded>\n"
        "    <Attachment>\n"
        "      <ContentId>cid:209</ContentId>\n"
        "      <AttachmentName>1896_QD-TTg.zip</AttachmentName>\n"
        "      <Description>1896_QD-TTg.zip</Description>\n"
        "      <ContentType>application/pdf</ContentType>\n"
        f'      <edXML:ContentTransferEncoded xmlns:edXML="{EDXML}">{ZIP_BASE64}'
        "</edXML:ContentTransferEncoded>\n"
        "    </Attachment>\n"
        "  </AttachmentEncoded>\n"
    ) in text


def test_the_manifest_lists_each_attachment_like_the_sample(make_document, make_attachment):
    root = tree(written(make_document, make_attachment))

    manifest = root.find(f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLBody/{{{EDXML}}}edXMLManifest")
    reference = manifest[0]

    assert manifest.get("version") == "1.0"
    assert [(local(c), c.text) for c in reference] == [
        ("ContentId", "cid:209"),
        ("ContentType", "application/pdf"),
        ("Description", "1896_QD-TTg.zip"),
        ("AttachmentName", "1896_QD-TTg.zip"),
    ]


def test_dates_and_document_id_use_the_slash_formats(make_document, make_attachment):
    text = written(make_document, make_attachment)

    assert "<edXML:PromulgationDate>2025/02/28</edXML:PromulgationDate>" in text
    assert "<edXML:DueDate>2025/03/31</edXML:DueDate>" in text
    assert "<edXML:DocumentId>000.00.00.G22,2025/02/28,1234/VPCP-KSTT</edXML:DocumentId>" in text
    # 02:15:30 UTC is 09:15:30 in Hà Nội.
    assert "<edXML:Timestamp>2025/03/03 09:15:30</edXML:Timestamp>" in text


def test_the_business_block_keeps_the_standards_double_s_spelling(make_document, make_attachment):
    text = written(make_document, make_attachment)

    assert "<edXML:Bussiness>" in text
    assert "<edXML:BussinessDocType>0</edXML:BussinessDocType>" in text
    assert "Business" not in text


def test_the_signature_follows_the_trace_header_list_in_the_dsig_namespace(
    make_document, make_attachment, agency_keys
):
    text = written(make_document, make_attachment, agency_keys)
    header = tree(text).find(f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLHeader")

    assert [etree.QName(child).text for child in header] == [
        f"{{{EDXML}}}MessageHeader",
        f"{{{EDXML}}}TraceHeaderList",
        f"{{{DSIG}}}Signature",
    ]
    assert f'      <Signature xmlns="{DSIG}">\n        <SignedInfo>' in text


def test_a_status_package_carries_its_fields_in_message_header_as_the_sdk_samples(make_status):
    sink = io.BytesIO()
    write_status_package(sink, make_status(StatusCode.IN_PROGRESS))
    root = tree(sink.getvalue().decode())

    header = root.find(f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLHeader")
    status = header.find(f"{{{EDXML}}}MessageHeader")

    # The VNPT and Bkav libraries look only in MessageHeader (issue 13 item 1).
    assert [local(child) for child in header] == ["MessageHeader"]
    assert [local(child) for child in status] == [
        "From", "To", "ResponseFor", "StatusCode", "Description", "Timestamp", "StaffInfo",
    ]  # fmt: skip
    assert [local(child) for child in root] == ["edXMLEnvelope"]


def test_blocks_inside_the_header_follow_the_samples_order_that_peers_read_by_position(
    make_document, make_attachment
):
    # Issue 13 item 12: Bussiness with StaffInfo first, ResponseFor with PromulgationDate first.
    root = tree(written(make_document, make_attachment))
    header = root.find(f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLHeader")
    business = header.find(f"{{{EDXML}}}TraceHeaderList/{{{EDXML}}}Bussiness")
    response_for = header.find(f"{{{EDXML}}}MessageHeader/{{{EDXML}}}ResponseFor")
    sender = header.find(f"{{{EDXML}}}MessageHeader/{{{EDXML}}}From")

    assert [local(c) for c in business] == [
        "StaffInfo", "DocumentId", "BussinessDocType", "BussinessDocReason", "Paper",
    ]  # fmt: skip
    assert [local(c) for c in business.find(f"{{{EDXML}}}StaffInfo")] == [
        "Department", "Staff", "Mobile",
    ]  # fmt: skip
    assert [local(c) for c in response_for] == [
        "PromulgationDate", "OrganId", "Code", "DocumentId",
    ]  # fmt: skip
    assert [local(c) for c in sender] == [
        "OrganId", "OrganizationInCharge", "OrganName", "OrganAdd", "Email", "Telephone", "Fax",
        "Website",
    ]  # fmt: skip


def test_an_update_names_each_receiver_change_with_its_receiver_type_first(
    make_document, make_attachment
):
    package = make_document(
        business=Business(
            doc_type=BusinessDocType.UPDATE,
            document_code="000.00.00.G22,2025/01/10,12/VPCP-KSTT",
            document_info=BusinessDocumentInfo(
                document_info="1",
                document_receiver="1",
                receiver_changes=(
                    ReceiverChange(change=ReceiverChangeType.ADDED, agency_code="000.00.00.H30"),
                ),
            ),
        )
    )
    sink = io.BytesIO()
    write_document_package(sink, package, [make_attachment("cid:1", ZIP, "a.pdf")])

    receiver = tree(sink.getvalue().decode()).find(
        f".//{{{EDXML}}}BussinessDocumentInfo/{{{EDXML}}}ReceiverList/{{{EDXML}}}Receiver"
    )

    assert [(local(c), c.text) for c in receiver] == [
        ("ReceiverType", "1"),
        ("OrganId", "000.00.00.H30"),
    ]


def test_a_status_package_writes_its_sender_with_the_organization_in_charge_first(make_status):
    sink = io.BytesIO()
    write_status_package(sink, make_status(StatusCode.ARRIVED))
    status = tree(sink.getvalue().decode()).find(
        f"{{{EDXML}}}edXMLEnvelope/{{{EDXML}}}edXMLHeader/{{{EDXML}}}MessageHeader"
    )

    assert [local(c) for c in status.find(f"{{{EDXML}}}From")] == [
        "OrganizationInCharge", "OrganId", "OrganName", "OrganAdd", "Email", "Telephone", "Fax",
        "Website",
    ]  # fmt: skip
    assert [local(c) for c in status.find(f"{{{EDXML}}}ResponseFor")] == [
        "PromulgationDate", "OrganId", "Code", "DocumentId",
    ]  # fmt: skip
