"""What real peers write (issue 13): the SDK's samples, the VNPT and Bkav libraries, hubs.

Every package here is our own, written for the test to reproduce one shape; none is copied from
a third party. Each shape is read with the right fields, and what the builder writes from the
result reads back the same.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import date, datetime

import pytest
from vanthu_exchange.domain.edxml import (
    AttachmentSource,
    Business,
    BusinessDocType,
    DocumentPackage,
    MalformedAttachment,
    MalformedField,
    Organization,
    PackageRejected,
    Replacement,
    StatusCode,
    StatusPackage,
    TraceHeader,
    read_package,
    write_document_package,
    write_status_package,
)
from vanthu_exchange.domain.edxml.wire_format import VIETNAM

EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PDF = b"%PDF-1.7 cong van"
PDF_BASE64 = base64.b64encode(PDF).decode()


def read_text(text: str, sinks=None):
    return read_package(io.BytesIO(text.encode()), sinks.open if sinks else None)


def refusal(text: str) -> PackageRejected:
    with pytest.raises(PackageRejected) as caught:
        read_text(text)
    return caught.value


def written(package: DocumentPackage, attachments=()) -> str:
    sink = io.BytesIO()
    write_document_package(sink, package, list(attachments))
    return sink.getvalue().decode()


def rewritten(read) -> str:
    """What our builder writes from what it read, attachments as the read sinks got them."""
    return written(read.package)


def organization_xml(tag: str, code: str, name: str) -> str:
    return (
        f"<edXML:{tag}><edXML:OrganId>{code}</edXML:OrganId>"
        f"<edXML:OrganizationInCharge>{name}</edXML:OrganizationInCharge>"
        f"<edXML:OrganName>{name}</edXML:OrganName>"
        f"<edXML:OrganAdd>Số 3 Trường Thi, Vinh</edXML:OrganAdd>"
        f"<edXML:Email>vanthu@nghean.gov.vn</edXML:Email>"
        f"<edXML:Telephone>0238 3840418</edXML:Telephone>"
        f"<edXML:Fax>0238 3843049</edXML:Fax>"
        f"<edXML:Website>nghean.gov.vn</edXML:Website></edXML:{tag}>"
    )


def sdk_status(code: str = "03", description: str = "Đã tiếp nhận", **dates: str) -> str:
    """A status package as the SDK's samples and the libraries write it: in MessageHeader."""
    promulgated = dates.get("promulgated", "2025/02/28")
    timestamp = dates.get("timestamp", "2025/03/04 08:30:00")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{EDXML}">
  <edXML:edXMLEnvelope xmlns:edXML="{EDXML}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        {organization_xml("From", "000.00.00.H41", "UBND tỉnh Nghệ An")}
        {organization_xml("To", "000.00.00.G22", "Văn phòng Chính phủ")}
        <edXML:ResponseFor>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Code>1234/VPCP-KSTT</edXML:Code>
          <edXML:PromulgationDate>{promulgated}</edXML:PromulgationDate>
          <edXML:DocumentId>000.00.00.G22,2025/02/28,1234/VPCP-KSTT</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:StatusCode>{code}</edXML:StatusCode>
        <edXML:Description>{description}</edXML:Description>
        <edXML:Timestamp>{timestamp}</edXML:Timestamp>
        <edXML:StaffInfo>
          <edXML:Department>Văn phòng UBND tỉnh</edXML:Department>
          <edXML:Staff>Lê Thị D</edXML:Staff>
          <edXML:Mobile>0912000002</edXML:Mobile>
          <edXML:Email>d@nghean.gov.vn</edXML:Email>
        </edXML:StaffInfo>
      </edXML:MessageHeader>
    </edXML:edXMLHeader>
  </edXML:edXMLEnvelope>
</edXML>
"""


# -- item 1: status packages in MessageHeader -------------------------------------------------


@pytest.mark.parametrize("code", [c.value for c in StatusCode])
def test_a_status_in_message_header_as_the_sdk_writes_it_reads_every_field(code):
    read = read_text(sdk_status(code, description=f"Trạng thái {code}"))

    status = read.package
    assert isinstance(status, StatusPackage)
    assert status.status_code.value == code
    assert status.sender.agency_code == "000.00.00.H41"
    assert status.sender.name == "UBND tỉnh Nghệ An"
    assert status.recipient is not None
    assert status.recipient.agency_code == "000.00.00.G22"
    assert status.response_for.document_code == "000.00.00.G22,2025/02/28,1234/VPCP-KSTT"
    assert status.response_for.code == "1234/VPCP-KSTT"
    assert status.response_for.promulgation_date == date(2025, 2, 28)
    assert status.description == f"Trạng thái {code}"
    assert status.timestamp == datetime(2025, 3, 4, 8, 30, tzinfo=VIETNAM)
    assert status.staff is not None
    assert (status.staff.staff, status.staff.mobile, status.staff.email) == (
        "Lê Thị D",
        "0912000002",
        "d@nghean.gov.vn",
    )


def test_a_status_we_write_is_where_the_libraries_look_and_reads_back_the_same():
    status = read_text(sdk_status("05", "Đang xử lý")).package
    sink = io.BytesIO()

    write_status_package(sink, status)
    text = sink.getvalue().decode()

    assert "edXML:Status>" not in text
    assert re.search(r"<edXML:MessageHeader>\s*<edXML:From>", text)
    assert read_text(text).package == status


# -- item 2: hops without an OrganId ------------------------------------------------------------


@pytest.mark.parametrize(
    ("hop", "written_organ_id"),
    [
        ("<edXML:Timestamp>2025/03/03 09:20:00</edXML:Timestamp>", None),
        ("<edXML:OrganId/><edXML:Timestamp>2025/03/03 09:20:00</edXML:Timestamp>", None),
        (
            "<edXML:OrganId>null</edXML:OrganId><edXML:Timestamp>2025/03/03 09:20:00"
            "</edXML:Timestamp>",
            "null",
        ),
    ],
    ids=["timestamp-only", "empty-organ-id", "null"],
)
def test_a_hop_the_hub_added_without_an_agency_is_kept_as_it_came_and_marked_incomplete(
    hop, written_organ_id, make_document
):
    text = written(make_document()).replace(
        "</edXML:TraceHeader>",
        f"</edXML:TraceHeader><edXML:TraceHeader>{hop}</edXML:TraceHeader>",
        1,
    )

    read = read_text(text)

    first, added = read.package.trace_header_list.trace_headers
    assert not first.incomplete
    assert added.incomplete
    assert added.agency_code is None
    assert added.written_organ_id == written_organ_id
    assert added.timestamp == datetime(2025, 3, 3, 9, 20, tzinfo=VIETNAM)
    again = read_text(rewritten(read))
    assert again.package == read.package


def test_a_hop_we_write_without_an_agency_keeps_its_null_on_the_wire(make_document):
    package = make_document()
    hops = (
        *package.trace_header_list.trace_headers,
        TraceHeader(written_organ_id="null", timestamp=datetime(2025, 3, 3, 9, 20, tzinfo=VIETNAM)),
    )
    package = package.model_copy(
        update={
            "trace_header_list": package.trace_header_list.model_copy(
                update={"trace_headers": hops}
            )
        }
    )

    text = written(package)

    assert "<edXML:OrganId>null</edXML:OrganId>" in text
    assert read_text(text).package == package


def test_a_hop_whose_organ_id_breaks_the_line_is_still_refused(make_document):
    text = written(make_document()).replace(
        "<edXML:OrganId>000.00.00.G22</edXML:OrganId>\n          <edXML:Timestamp>",
        "<edXML:OrganId>000.00.00.G22\r\nX-Evil: 1</edXML:OrganId><edXML:Timestamp>",
    )

    rejection = refusal(text)

    assert isinstance(rejection, MalformedField)
    assert rejection.field == "TraceHeaderList/TraceHeader[1]/OrganId"


# -- item 7: day-first dates ------------------------------------------------------------------


def test_day_first_dates_and_times_as_the_bkav_library_writes_them_are_read(make_document):
    text = written(make_document())
    for ours, theirs in (
        ("2025/02/28", "28/02/2025"),
        ("2025/03/31", "31/03/2025"),
        ("2025/02/01", "01/02/2025"),
        ("2025/03/03 09:15:30", "03/03/2025 09:15:30"),
    ):
        assert ours in text
        text = text.replace(f">{ours}<", f">{theirs}<")
    assert "/2025<" in text

    read = read_text(text)

    assert read.package == make_document()
    # ... and we keep writing yyyy/MM/dd.
    again = rewritten(read)
    assert "<edXML:PromulgationDate>2025/02/28</edXML:PromulgationDate>" in again
    assert "<edXML:Timestamp>2025/03/03 09:15:30</edXML:Timestamp>" in again
    assert "28/02/2025" not in again


def test_a_day_first_status_reads_its_dates():
    status = read_text(
        sdk_status(promulgated="28/02/2025", timestamp="04/03/2025 08:30:00")
    ).package

    assert status.response_for.promulgation_date == date(2025, 2, 28)
    assert status.timestamp == datetime(2025, 3, 4, 8, 30, tzinfo=VIETNAM)


# -- item 8: cid: prefixes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_manifest", "on_attachment"),
    [("cid:209", "209"), ("209", "cid:209"), ("CID:209", "209"), ("209", "209")],
)
def test_content_ids_match_with_or_without_cid_on_either_side(
    in_manifest, on_attachment, make_document, make_attachment, sinks
):
    text = written(make_document(), [make_attachment("cid:209", PDF)])
    text = text.replace(
        "<edXML:ContentId>cid:209</edXML:ContentId>",
        f"<edXML:ContentId>{in_manifest}</edXML:ContentId>",
    ).replace("<ContentId>cid:209</ContentId>", f"<ContentId>{on_attachment}</ContentId>")

    read = read_text(text, sinks)

    (attachment,) = read.attachments
    assert attachment.content_id == on_attachment  # the sink's name for it
    assert attachment.name == "van-ban.pdf"
    assert sinks.content(on_attachment) == PDF


def test_two_attachments_that_differ_only_by_cid_are_the_same_id_twice(
    make_document, make_attachment
):
    text = written(
        make_document(), [make_attachment("cid:7", PDF), make_attachment("cid:8", PDF, "b.pdf")]
    )
    text = text.replace(">cid:8<", ">7<")

    rejection = refusal(text)

    assert isinstance(rejection, MalformedAttachment)
    assert "twice" in rejection.reason


# -- item 4: ContentType in the manifest and on the attachment ---------------------------------


def zipped_doc(make_document) -> str:
    """The libraries' shape: the original type in the manifest, application/zip carried."""
    source = AttachmentSource(
        content_id="cid:1",
        name="to-trinh.doc",
        content_type="application/msword",
        stream=io.BytesIO(PDF),
    )
    return written(make_document(), [source]).replace(
        "<ContentType>application/msword</ContentType>",
        "<ContentType>application/zip</ContentType>",
    )


def test_a_content_type_that_differs_between_manifest_and_attachment_records_both(
    make_document,
):
    read = read_text(zipped_doc(make_document))

    (attachment,) = read.attachments
    assert attachment.manifest_content_type == "application/msword"
    assert attachment.attachment_content_type == "application/zip"
    assert attachment.content_type == "application/zip"  # what the bytes are
    assert read.manifest[0].content_type == "application/msword"


@pytest.mark.parametrize("missing_in", ["manifest", "attachment", "both"])
def test_a_missing_content_type_is_recorded_as_missing(missing_in, make_document, make_attachment):
    text = written(make_document(), [make_attachment("cid:1", PDF)])
    if missing_in in ("manifest", "both"):
        text = text.replace("<edXML:ContentType>application/pdf</edXML:ContentType>", "")
    if missing_in in ("attachment", "both"):
        text = text.replace("<ContentType>application/pdf</ContentType>", "")

    (attachment,) = read_text(text).attachments

    assert attachment.manifest_content_type == (
        None if missing_in in ("manifest", "both") else "application/pdf"
    )
    assert attachment.attachment_content_type == (
        None if missing_in in ("attachment", "both") else "application/pdf"
    )
    assert attachment.content_type == (
        "application/octet-stream" if missing_in == "both" else "application/pdf"
    )


def test_a_carried_content_type_that_is_not_a_media_type_is_still_refused(make_document):
    text = zipped_doc(make_document).replace(
        "<ContentType>application/zip</ContentType>",
        "<ContentType>application/zip\r\nX-Evil: 1</ContentType>",
    )

    rejection = refusal(text)

    assert isinstance(rejection, MalformedField)
    assert rejection.field == "AttachmentEncoded/Attachment[1]/ContentType"


# -- item 11: optional-by-practice blocks may be empty -----------------------------------------


EMPTY_BLOCKS = {
    "SignerInfo": (
        r"<edXML:SignerInfo>.*?</edXML:SignerInfo>",
        "<edXML:SignerInfo><edXML:Competence/><edXML:Position></edXML:Position>"
        "<edXML:FullName/></edXML:SignerInfo>",
    ),
    "DocumentType": (
        r"<edXML:DocumentType>.*?</edXML:DocumentType>",
        "<edXML:DocumentType><edXML:Type/><edXML:TypeName/></edXML:DocumentType>",
    ),
    "OtherInfo": (r"<edXML:OtherInfo>.*?</edXML:OtherInfo>", "<edXML:OtherInfo/>"),
    "ResponseFor": (
        r"<edXML:ResponseFor>.*?</edXML:ResponseFor>",
        "<edXML:ResponseFor><edXML:OrganId/></edXML:ResponseFor>",
    ),
    "StaffInfo": (
        r"<edXML:StaffInfo>.*?</edXML:StaffInfo>",
        "<edXML:StaffInfo>\n  <edXML:Staff> </edXML:Staff></edXML:StaffInfo>",
    ),
}


@pytest.mark.parametrize("block", list(EMPTY_BLOCKS))
def test_an_optional_block_written_empty_reads_as_absent(block, make_document):
    pattern, empty = EMPTY_BLOCKS[block]
    text, count = re.subn(pattern, empty, written(make_document()), count=1, flags=re.S)
    assert count == 1

    package = read_text(text).package

    header = package.message_header
    absent = {
        "SignerInfo": header.signer is None,
        "DocumentType": header.document_type is None,
        "OtherInfo": header.other_info == type(header.other_info)(),
        "ResponseFor": header.response_for == (),
        "StaffInfo": package.trace_header_list.business.staff is None,
    }
    assert absent[block]


def test_an_empty_status_staff_block_reads_as_absent():
    text = re.sub(
        r"<edXML:StaffInfo>.*?</edXML:StaffInfo>",
        "<edXML:StaffInfo><edXML:Department/></edXML:StaffInfo>",
        sdk_status(),
        flags=re.S,
    )

    assert read_text(text).package.staff is None


def test_a_half_filled_signer_without_a_name_is_still_refused(make_document):
    text = re.sub(
        r"<edXML:FullName>[^<]*</edXML:FullName>", "<edXML:FullName/>", written(make_document())
    )

    rejection = refusal(text)

    assert rejection.reason == "MessageHeader/SignerInfo/FullName is missing"


# -- item 10: attachments where we do not look --------------------------------------------------


def attachments_moved(text: str, opening: str, closing: str) -> str:
    start, end = text.index("  <AttachmentEncoded>"), text.index("</AttachmentEncoded>")
    block = text[start : end + len("</AttachmentEncoded>")]
    inner = block[len("  <AttachmentEncoded>") : -len("</AttachmentEncoded>")]
    return text.replace(block, f"  {opening}{inner}{closing}")


@pytest.mark.parametrize(
    ("opening", "closing", "named"),
    [
        ("<edXMLAttachments>", "</edXMLAttachments>", "edXML/edXMLAttachments"),
        ('<AttachmentEncoded xmlns="">', "</AttachmentEncoded>", "edXML/AttachmentEncoded"),
        (
            '<AttachmentEncoded><Files xmlns="urn:x">',
            "</Files></AttachmentEncoded>",
            "AttachmentEncoded holds Files",
        ),
    ],
    ids=["edXMLAttachments", "no-namespace", "foreign-child"],
)
def test_attachments_in_a_container_we_do_not_know_refuse_the_package_instead_of_vanishing(
    opening, closing, named, make_document, make_attachment, sinks
):
    text = attachments_moved(
        written(make_document(), [make_attachment("cid:1", PDF)]), opening, closing
    )
    # Without the manifest the package would otherwise read as one without attachments.
    text = re.sub(r"<edXML:Reference>.*?</edXML:Reference>", "", text, flags=re.S)

    rejection = refusal(text)

    assert isinstance(rejection, MalformedAttachment)
    assert named in rejection.reason
    assert "cannot be read" in rejection.reason


def test_a_package_that_really_has_no_attachments_still_reads(make_document):
    read = read_text(written(make_document()))

    assert read.attachments == ()


# -- item 6: revoke, update and replace name their target as the SDK's samples -----------------


def without_business_document_id(text: str) -> str:
    return re.sub(r"(?<=<edXML:Bussiness>)\s*<edXML:DocumentId>[^<]*</edXML:DocumentId>", "", text)


ORIGINAL_ID = "000.00.00.G22,2025/01/10,12/VPCP-KSTT"


@pytest.mark.parametrize("kind", ["revoke", "update"])
def test_a_revoke_or_update_naming_its_target_in_message_header_reads_that_target(
    kind, make_document
):
    doc_type = BusinessDocType.REVOKE if kind == "revoke" else BusinessDocType.UPDATE
    package = make_document(
        document_code=ORIGINAL_ID, business=Business(doc_type=doc_type, document_code=ORIGINAL_ID)
    )
    text = without_business_document_id(written(package))
    assert "<edXML:Bussiness>\n" in text
    assert ORIGINAL_ID in text

    read = read_text(text)

    business = read.package.trace_header_list.business
    assert business.doc_type is doc_type
    assert business.document_code == ORIGINAL_ID
    assert business.document_code_in_business is False
    again = rewritten(read)
    assert re.search(r"<edXML:Bussiness>\s*<edXML:BussinessDocType>", again)  # none invented
    assert read_text(again).package == read.package


def test_a_replace_naming_the_old_document_in_replacement_info_reads_that_target(make_document):
    package = make_document(
        business=Business(
            doc_type=BusinessDocType.REPLACE,
            document_code=ORIGINAL_ID,
            replacements=(Replacement(document_code=ORIGINAL_ID, agency_codes=("000.00.00.H41",)),),
        )
    )
    text = without_business_document_id(written(package))

    read = read_text(text)

    business = read.package.trace_header_list.business
    assert business.document_code == ORIGINAL_ID
    assert business.document_code_in_business is False
    assert read_text(rewritten(read)).package == read.package


# -- item 9: the VDXP test environment's lower-case agency codes -------------------------------

TEST_PEER, TEST_US = "vxp.saas.03", "vxp.saas.05"


def vdxp_test_package(make_document) -> str:
    document = make_document()
    header = document.message_header.model_copy(
        update={
            "sender": Organization(agency_code=TEST_PEER, name="Đơn vị thử nghiệm 03"),
            "recipients": (Organization(agency_code=TEST_US),),
        }
    )
    trace = document.trace_header_list.model_copy(
        update={
            "trace_headers": (TraceHeader(agency_code=TEST_PEER, timestamp=datetime.now(VIETNAM)),)
        }
    )
    return written(
        document.model_copy(update={"message_header": header, "trace_header_list": trace})
    )


def test_lower_case_test_environment_codes_are_refused_from_a_peer_not_configured_for_it(
    make_document,
):
    text = vdxp_test_package(make_document)

    with pytest.raises(MalformedField) as refused:
        read_text(text)

    assert refused.value.field == "MessageHeader/From/OrganId"
    assert "test-environment peer" in refused.value.reason


def test_lower_case_codes_are_read_as_written_where_the_peer_is_a_test_environment_peer(
    make_document,
):
    text = vdxp_test_package(make_document)

    read = read_package(
        io.BytesIO(text.encode()), test_environment_peer={TEST_PEER, TEST_US}.__contains__
    )

    header = read.package.message_header
    assert header.sender.agency_code == TEST_PEER
    assert [r.agency_code for r in header.recipients] == [TEST_US]
    (hop,) = read.package.trace_header_list.trace_headers
    assert hop.agency_code == TEST_PEER
    assert not hop.incomplete
    assert rewritten(read) == text


def test_a_test_peer_does_not_make_every_lower_case_code_acceptable(make_document):
    text = vdxp_test_package(make_document)

    with pytest.raises(MalformedField) as refused:
        read_package(io.BytesIO(text.encode()), test_environment_peer={TEST_PEER}.__contains__)

    assert refused.value.field.startswith("MessageHeader/To")
