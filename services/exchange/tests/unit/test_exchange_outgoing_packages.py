"""What intake asks for becomes the package that travels, and what comes back is answered.

An update says which receivers it adds and removes, a replacement names the document it
replaces and who holds it, both in the QCVN 102 layout (shared/research/domain_vn.md §1.4)."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime

import pytest
from lxml import etree
from vanthu_contracts.events.exchange import SendDocumentRequested, SendStatusRequested
from vanthu_contracts.events.intake import OutgoingDocumentIssued
from vanthu_contracts.events.values import (
    BusinessType,
    Confidentiality,
    DocumentType,
    FileRef,
    FileRole,
    Person,
    Recipient,
    Signer,
    StaffInfo,
    StatusCode,
    SteeringType,
    Urgency,
)
from vanthu_exchange.connector_handlers import status_job_id
from vanthu_exchange.domain.document_types import (
    ND30_TYPES,
    steering_code,
    steering_type,
    type_code,
    type_name,
)
from vanthu_exchange.domain.edxml import (
    BusinessDocType,
    ReceiverChangeType,
    read_package,
    write_document_package,
)
from vanthu_exchange.domain.outgoing import (
    NotExchangeable,
    document_package,
    receiver_changes,
    status_package,
)
from vanthu_exchange.domain.receipt import answer_to_recall, backoff_seconds

MINISTRY, PROVINCE = "000.00.00.G09", "000.00.00.H41"
NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def issued(**changes) -> OutgoingDocumentIssued:
    values = {
        "document_id": "d-1",
        "agency_code": MINISTRY,
        "document_code": f"{MINISTRY},2026/11/20,15/BNV-VP",
        "code_number": "15",
        "code_notation": "BNV-VP",
        "issued_date": date(2026, 11, 20),
        "place": "Hà Nội",
        "document_type": DocumentType(name="Công văn"),
        "subject": "V/v liên thông văn bản",
        "signer": Signer(
            competence="KT. BỘ TRƯỞNG", position="Thứ trưởng", full_name="Nguyễn Văn A"
        ),
        "recipients": (Recipient(name="UBND tỉnh Nghệ An", agency_code=PROVINCE),),
        "urgency": Urgency.VERY_URGENT,
        "confidentiality": Confidentiality.NORMAL,
        "files": (
            FileRef(
                file_id="f",
                name="cv.pdf",
                media_type="application/pdf",
                size=1,
                sha256="0" * 64,
                object_key="k",
                role=FileRole.ORIGINAL,
            ),
        ),
        "issued_at": NOW,
        "registered_by": Person(user_id="u", full_name="Văn thư"),
    }
    values.update(changes)
    return OutgoingDocumentIssued(**values)


def request(
    business: BusinessType = BusinessType.NEW, target: str | None = None
) -> SendDocumentRequested:
    return SendDocumentRequested(
        request_id="r-1",
        document_id="d-1",
        agency_code=MINISTRY,
        business_type=business,
        target_document_code=target,
        recipients=(PROVINCE,),
        requested_by=Person(user_id="u", full_name="Trần Thị B"),
        requested_at=NOW,
    )


def test_an_issued_document_becomes_a_package_in_the_official_shape() -> None:
    package = document_package(
        issued(), request(), names={PROVINCE: "UBND tỉnh Nghệ An"}, sent_at=NOW
    )

    header = package.message_header
    assert header.document_code == f"{MINISTRY},2026/11/20,15/BNV-VP"
    assert str(header.code) == "15/BNV-VP"
    assert header.recipients[0].name == "UBND tỉnh Nghệ An"
    assert int(header.other_info.urgency) == 2
    assert package.trace_header_list.business.doc_type is BusinessDocType.NEW


def test_a_revocation_names_the_revoked_document() -> None:
    code = f"{MINISTRY},2026/11/20,15/BNV-VP"

    package = document_package(issued(), request(BusinessType.REVOKE, code), names={}, sent_at=NOW)

    business = package.trace_header_list.business
    assert business.doc_type is BusinessDocType.REVOKE
    assert business.document_code == code


def test_a_state_secret_is_never_packaged() -> None:
    with pytest.raises(NotExchangeable, match="state secrets"):
        document_package(
            issued(confidentiality=Confidentiality.SECRET), request(), names={}, sent_at=NOW
        )


def status(code: StatusCode, request_id: str | None = None) -> SendStatusRequested:
    return SendStatusRequested(
        request_id=request_id or str(uuid.uuid4()),
        document_id="in-1",
        agency_code=PROVINCE,
        to_agency_code=MINISTRY,
        in_response_to=f"{MINISTRY},2026/11/20,15/BNV-VP",
        status_code=code,
        description="Đã tiếp nhận",
        staff=StaffInfo(department="Văn phòng", name="Lê C"),
        requested_at=NOW,
    )


def test_a_status_answers_the_senders_document_by_its_code() -> None:
    package = status_package(status(StatusCode.ACCEPTED), names={}, sent_at=NOW)

    assert package.response_for.agency_code == MINISTRY
    assert package.response_for.code == "15/BNV-VP"
    assert package.response_for.promulgation_date == date(2026, 11, 20)
    assert package.status_code.value == "03"


def test_the_same_status_asked_twice_is_sent_once_but_progress_reports_may_repeat() -> None:
    assert status_job_id(status(StatusCode.ACCEPTED)) == status_job_id(status(StatusCode.ACCEPTED))
    assert status_job_id(status(StatusCode.PROCESSING)) != status_job_id(
        status(StatusCode.PROCESSING)
    )


def test_a_recall_is_accepted_only_for_a_copy_the_agency_holds() -> None:
    assert (
        answer_to_recall(copy_held=True, already_frozen=False).status_code
        is StatusCode.RECALL_ACCEPTED
    )
    refused = answer_to_recall(copy_held=False, already_frozen=False)
    assert refused.status_code is StatusCode.RECALL_REFUSED
    assert refused.description


def test_retries_wait_longer_each_time_up_to_a_ceiling() -> None:
    waits = [backoff_seconds(n, 0.5, 4.0) for n in range(1, 7)]

    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


EDXML = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
NS = {"edXML": EDXML}
EARLIER = f"{MINISTRY},2026/11/19,14/BNV-VP"
CAO_BANG, HAU_GIANG = "000.00.00.H14", "000.00.00.H30"

# A replacement as another vendor's library writes it (VNPT/Bkav element names, our namespace).
OFFICIAL_REPLACEMENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{EDXML}">
  <edXML:edXMLEnvelope xmlns:edXML="{EDXML}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From><edXML:OrganId>{MINISTRY}</edXML:OrganId></edXML:From>
        <edXML:To><edXML:OrganId>{PROVINCE}</edXML:OrganId></edXML:To>
        <edXML:DocumentId>{MINISTRY},2026/11/20,15/BNV-VP</edXML:DocumentId>
        <edXML:Code><edXML:CodeNumber>15</edXML:CodeNumber>
          <edXML:CodeNotation>BNV-VP</edXML:CodeNotation></edXML:Code>
        <edXML:PromulgationInfo><edXML:Place>Hà Nội</edXML:Place>
          <edXML:PromulgationDate>2026/11/20</edXML:PromulgationDate></edXML:PromulgationInfo>
        <edXML:Subject>V/v thay thế văn bản</edXML:Subject>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:Bussiness>
          <edXML:ReplacementInfoList>
            <edXML:ReplacementInfo>
              <edXML:OrganIdList>
                <edXML:OrganId>{PROVINCE}</edXML:OrganId>
                <edXML:OrganId>{CAO_BANG}</edXML:OrganId>
              </edXML:OrganIdList>
              <edXML:DocumentId>{EARLIER}</edXML:DocumentId>
            </edXML:ReplacementInfo>
          </edXML:ReplacementInfoList>
          <edXML:Paper>0</edXML:Paper>
          <edXML:BussinessDocType>3</edXML:BussinessDocType>
          <edXML:DocumentId>{EARLIER}</edXML:DocumentId>
        </edXML:Bussiness>
      </edXML:TraceHeaderList>
    </edXML:edXMLHeader>
  </edXML:edXMLEnvelope>
</edXML>
"""

OFFICIAL_UPDATE_INFO = f"""
          <edXML:BussinessDocumentInfo>
            <edXML:ReceiverList>
              <edXML:Receiver><edXML:OrganId>{HAU_GIANG}</edXML:OrganId>
                <edXML:ReceiverType>1</edXML:ReceiverType></edXML:Receiver>
              <edXML:Receiver><edXML:ReceiverType>0</edXML:ReceiverType>
                <edXML:OrganId>{CAO_BANG}</edXML:OrganId></edXML:Receiver>
            </edXML:ReceiverList>
            <edXML:DocumentReceiver>1</edXML:DocumentReceiver>
            <edXML:DocumentInfo>1</edXML:DocumentInfo>
          </edXML:BussinessDocumentInfo>"""


def built(business: BusinessType, recipients, earlier) -> etree._Element:
    target = None if business is BusinessType.NEW else EARLIER
    sending = request(business, target).model_copy(update={"recipients": tuple(recipients)})
    package = document_package(issued(), sending, names={}, sent_at=NOW, earlier_recipients=earlier)
    sink = io.BytesIO()
    write_document_package(sink, package, [])
    return etree.fromstring(sink.getvalue())


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.xpath(path, namespaces=NS)]


def test_an_update_lists_the_receivers_it_adds_and_removes_against_the_earlier_sending():
    changes = receiver_changes([PROVINCE, CAO_BANG], [PROVINCE, HAU_GIANG])

    assert [(c.agency_code, c.change) for c in changes] == [
        (HAU_GIANG, ReceiverChangeType.ADDED),
        (CAO_BANG, ReceiverChangeType.REMOVED),
    ]


def test_an_update_package_carries_its_receiver_list_in_the_official_layout():
    root = built(BusinessType.UPDATE, [PROVINCE, HAU_GIANG], [PROVINCE, CAO_BANG])

    business = "/*/edXML:edXMLEnvelope/edXML:edXMLHeader/edXML:TraceHeaderList/edXML:Bussiness"
    info = f"{business}/edXML:BussinessDocumentInfo"
    assert texts(root, f"{business}/edXML:BussinessDocType") == ["2"]
    assert texts(root, f"{business}/edXML:DocumentId") == [EARLIER]
    assert texts(root, f"{info}/edXML:DocumentInfo") == ["1"]
    assert texts(root, f"{info}/edXML:DocumentReceiver") == ["1"]
    receivers = root.xpath(f"{info}/edXML:ReceiverList/edXML:Receiver", namespaces=NS)
    assert [
        (texts(r, "edXML:ReceiverType")[0], texts(r, "edXML:OrganId")[0]) for r in receivers
    ] == [("1", HAU_GIANG), ("0", CAO_BANG)]
    assert all(e.prefix == "edXML" for e in root.xpath(f"{info}//*", namespaces=NS))


def test_an_update_to_the_same_receivers_says_the_receivers_did_not_change():
    root = built(BusinessType.UPDATE, [PROVINCE], [PROVINCE])

    info = "//edXML:Bussiness/edXML:BussinessDocumentInfo"
    assert texts(root, f"{info}/edXML:DocumentReceiver") == ["0"]
    assert root.xpath(f"{info}/edXML:ReceiverList", namespaces=NS) == []


def test_a_replacement_package_names_the_replaced_document_and_the_agencies_holding_it():
    root = built(BusinessType.REPLACE, [PROVINCE], [PROVINCE, CAO_BANG])

    item = "//edXML:Bussiness/edXML:ReplacementInfoList/edXML:ReplacementInfo"
    assert texts(root, "//edXML:Bussiness/edXML:BussinessDocType") == ["3"]
    assert texts(root, f"{item}/edXML:DocumentId") == [EARLIER]
    assert texts(root, f"{item}/edXML:OrganIdList/edXML:OrganId") == [PROVINCE, CAO_BANG]
    assert root.xpath("//edXML:BussinessDocumentInfo", namespaces=NS) == []


def test_a_replacement_of_a_document_sent_before_the_system_names_this_sendings_recipients():
    root = built(BusinessType.REPLACE, [PROVINCE, HAU_GIANG], None)

    organs = "//edXML:ReplacementInfo/edXML:OrganIdList/edXML:OrganId"
    assert texts(root, organs) == [PROVINCE, HAU_GIANG]


def test_a_new_document_carries_neither_block():
    root = built(BusinessType.NEW, [PROVINCE], None).getroottree()

    assert root.xpath("//edXML:BussinessDocumentInfo", namespaces=NS) == []
    assert root.xpath("//edXML:ReplacementInfoList", namespaces=NS) == []


def test_a_replacement_written_by_another_vendor_reads_in_any_element_order():
    read = read_package(io.BytesIO(OFFICIAL_REPLACEMENT.encode()))

    business = read.package.trace_header_list.business
    assert business.doc_type is BusinessDocType.REPLACE
    assert business.document_code == EARLIER
    assert [(r.document_code, r.agency_codes) for r in business.replacements] == [
        (EARLIER, (PROVINCE, CAO_BANG))
    ]


def test_an_update_written_by_another_vendor_reads_its_receiver_changes():
    text = OFFICIAL_REPLACEMENT.replace(
        "<edXML:BussinessDocType>3</edXML:BussinessDocType>",
        "<edXML:BussinessDocType>2</edXML:BussinessDocType>" + OFFICIAL_UPDATE_INFO,
    )

    business = read_package(io.BytesIO(text.encode())).package.trace_header_list.business

    assert business.doc_type is BusinessDocType.UPDATE
    info = business.document_info
    assert (info.document_info, info.document_receiver) == ("1", "1")
    assert [(c.change, c.agency_code) for c in info.receiver_changes] == [
        (ReceiverChangeType.ADDED, HAU_GIANG),
        (ReceiverChangeType.REMOVED, CAO_BANG),
    ]


def test_an_update_and_a_replacement_read_back_exactly_as_built():
    for business, earlier in ((BusinessType.UPDATE, [CAO_BANG]), (BusinessType.REPLACE, None)):
        sending = request(business, EARLIER)
        package = document_package(
            issued(), sending, names={}, sent_at=NOW, earlier_recipients=earlier
        )
        sink = io.BytesIO()
        write_document_package(sink, package, [])

        read = read_package(io.BytesIO(sink.getvalue()))

        assert read.package.trace_header_list.business == package.trace_header_list.business


# -- issue 13 items 6 and 13: what the builder writes, as the SDK's samples do (ADR 0050) ------


def written_xml(package) -> etree._Element:
    sink = io.BytesIO()
    write_document_package(sink, package, [])
    return etree.fromstring(sink.getvalue())


EDXML = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}


def test_a_revoke_carries_the_originals_id_as_its_own_and_invents_no_business_document_id():
    original = f"{MINISTRY},2026/11/02,09/BNV-VP"

    package = document_package(
        issued(), request(BusinessType.REVOKE, original), names={}, sent_at=NOW
    )
    tree = written_xml(package)

    assert tree.xpath("//e:MessageHeader/e:DocumentId/text()", namespaces=EDXML) == [original]
    assert tree.xpath("//e:Bussiness/e:DocumentId", namespaces=EDXML) == []
    read = read_package(io.BytesIO(etree.tostring(tree))).package
    assert read.trace_header_list.business.doc_type is BusinessDocType.REVOKE
    assert read.trace_header_list.business.document_code == original


@pytest.mark.parametrize(
    "business", [BusinessType.NEW, BusinessType.REVOKE, BusinessType.UPDATE, BusinessType.REPLACE]
)
def test_a_package_without_a_reason_from_the_clerk_writes_no_template_reason(business):
    target = None if business is BusinessType.NEW else f"{MINISTRY},2026/11/02,09/BNV-VP"

    tree = written_xml(document_package(issued(), request(business, target), names={}, sent_at=NOW))

    assert tree.xpath("//e:BussinessDocReason", namespaces=EDXML) == []


def test_the_reason_the_clerk_gave_is_the_reason_written():
    asked = request(BusinessType.REVOKE, f"{MINISTRY},2026/11/02,09/BNV-VP").model_copy(
        update={"reason": "Ban hành nhầm đối tượng"}
    )

    tree = written_xml(document_package(issued(), asked, names={}, sent_at=NOW))

    assert tree.xpath("//e:BussinessDocReason/text()", namespaces=EDXML) == [
        "Ban hành nhầm đối tượng"
    ]


@pytest.mark.parametrize(
    ("document_type", "code"),
    [
        (DocumentType(name="Công văn"), "18"),
        (DocumentType(code="QĐ", name="Quyết định"), "2"),
        (DocumentType(code="QĐ", name="Quyết định (cá biệt)"), "2"),
        (DocumentType(code="TB", name="thông báo"), "7"),
        (DocumentType(code="BTT", name="Bản thoả thuận"), "21"),
        (DocumentType(code="GUQ", name="Giấy uỷ quyền"), "22"),
        (DocumentType(code="KH", name="Kế hoạch thực hiện"), "10"),
        (DocumentType(name="Thư công"), "29"),
        (DocumentType(name="Luật"), "0"),
    ],
)
def test_the_package_says_the_documents_type_by_its_nd30_code(document_type, code):
    package = document_package(
        issued(document_type=document_type), request(), names={}, sent_at=NOW
    )

    tree = written_xml(package)

    assert tree.xpath("//e:DocumentType/e:Type/text()", namespaces=EDXML) == [code]
    assert tree.xpath("//e:DocumentType/e:TypeName/text()", namespaces=EDXML) == [
        document_type.name
    ]


def test_every_nd30_type_code_names_its_type_back():
    assert len(ND30_TYPES) == 29
    for name, abbreviation in ND30_TYPES:
        assert type_name(type_code(name, abbreviation)) == name
    assert type_name("0") is None
    assert type_name("30") is None
    assert type_name("١") is None


# -- issue 13 item 13: the document's content, steering, sphere and typist travel (ADR 0053) --

DESCRIBED = {
    "content": "Đề nghị các tỉnh báo cáo tình hình tiếp nhận văn bản điện tử\ntrước ngày 30/11.",
    "steering_type": SteeringType.STEERING,
    "sphere_of_promulgation": "Liên thông văn bản quốc gia",
    "typer_notation": "NVA",
}


def test_the_package_says_what_the_issued_document_says_of_its_content_steering_sphere_and_typist():
    package = document_package(issued(**DESCRIBED), request(), names={}, sent_at=NOW)

    tree = written_xml(package)

    def text(path: str) -> list[str]:
        return tree.xpath(f"//e:MessageHeader/{path}/text()", namespaces=EDXML)

    assert text("e:Content") == [DESCRIBED["content"]]
    assert text("e:SteeringType") == ["2"]
    assert text("e:OtherInfo/e:SphereOfPromulgation") == ["Liên thông văn bản quốc gia"]
    assert text("e:OtherInfo/e:TyperNotation") == ["NVA"]


def test_a_document_that_says_none_of_them_writes_none_and_invents_nothing():
    package = document_package(issued(), request(), names={}, sent_at=NOW)

    tree = written_xml(package)

    for path in ("e:Content", "e:SteeringType", "e:OtherInfo/e:SphereOfPromulgation"):
        assert tree.xpath(f"//e:MessageHeader/{path}", namespaces=EDXML) == []
    assert tree.xpath("//e:OtherInfo/e:TyperNotation", namespaces=EDXML) == []


@pytest.mark.parametrize("steering", [*SteeringType, None])
def test_content_steering_sphere_and_typist_read_back_as_the_document_said(steering):
    document = issued(**{**DESCRIBED, "steering_type": steering})
    package = document_package(document, request(), names={}, sent_at=NOW)
    sink = io.BytesIO()
    write_document_package(sink, package, [])

    header = read_package(io.BytesIO(sink.getvalue())).package.message_header

    assert header.content == document.content
    assert steering_type(header.steering_type) is steering
    assert header.other_info.sphere_of_promulgation == document.sphere_of_promulgation
    assert header.other_info.typer_notation == document.typer_notation


def test_steering_codes_outside_the_list_read_as_not_said():
    assert [steering_type(code) for code in (1, 2, 3)] == list(SteeringType)
    assert steering_type(0) is None  # what the SDK's samples write
    assert steering_type(9) is None
    assert steering_code(None) is None
