"""What intake asks for becomes the package that travels, and what comes back is answered."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
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
    Urgency,
)
from vanthu_exchange.connector_handlers import status_job_id
from vanthu_exchange.domain.edxml import BusinessDocType
from vanthu_exchange.domain.outgoing import NotExchangeable, document_package, status_package
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
