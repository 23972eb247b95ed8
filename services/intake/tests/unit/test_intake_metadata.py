from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from vanthu_intake.domain.document_types import DocumentType
from vanthu_intake.domain.markings import Confidentiality, Urgency
from vanthu_intake.domain.metadata import (
    Channel,
    IncomingDocumentMetadata,
    OutgoingDocumentMetadata,
    describe_errors,
    validation_context,
)

TODAY = date(2026, 3, 10)


def incoming(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "channel": "paper",
        "issuer": {"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"},
        "document_type": "decision",
        "code_number": "15",
        "code_notation": "QĐ-BNV",
        "issued_date": "2026-03-02",
        "subject": "Về việc ban hành Quy chế công tác văn thư",
        "page_count": 4,
        "signer": {
            "competence": "KT. BỘ TRƯỞNG",
            "position": "Thứ trưởng",
            "full_name": "Trần Văn B",
        },
    }
    document.update(changes)
    return document


def register(document: dict[str, Any]) -> IncomingDocumentMetadata:
    return IncomingDocumentMetadata.model_validate(document, context=validation_context(TODAY))


def problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        register(document)
    return describe_errors(caught.value)


def test_a_complete_incoming_document_is_accepted_with_sensible_defaults() -> None:
    metadata = register(incoming())
    assert metadata.document_type is DocumentType.DECISION
    assert metadata.urgency is Urgency.NORMAL
    assert metadata.confidentiality is Confidentiality.NORMAL
    assert metadata.language == "vi"
    assert str(metadata.notation) == "15/QĐ-BNV"


def test_the_subject_pasted_with_line_breaks_is_kept_on_one_line() -> None:
    metadata = register(incoming(subject="  Về việc ban hành\n  Quy chế   công tác văn thư "))
    assert metadata.subject == "Về việc ban hành Quy chế công tác văn thư"


def test_a_missing_subject_is_reported_by_its_field_name() -> None:
    document = incoming()
    del document["subject"]
    assert problems(document) == ["subject: is required"]


def test_a_blank_subject_is_reported_as_empty() -> None:
    assert problems(incoming(subject="   ")) == ["subject: must not be empty"]


def test_a_blank_number_is_reported_as_empty_rather_than_as_not_digits() -> None:
    assert problems(incoming(code_number=" ")) == ["code_number: must not be empty"]


def test_a_subject_longer_than_nd_30_allows_is_refused() -> None:
    assert problems(incoming(subject="x" * 501)) == [
        "subject: is 501 characters long; at most 500 are allowed"
    ]


def test_a_document_dated_tomorrow_in_vietnam_is_refused() -> None:
    assert problems(incoming(issued_date="2026-03-11")) == [
        "issued_date: 2026-03-11 is in the future (today is 2026-03-10 in Vietnam)"
    ]


def test_a_document_dated_today_is_accepted() -> None:
    assert register(incoming(issued_date="2026-03-10")).issued_date == TODAY


def test_a_deadline_before_the_issue_date_is_refused() -> None:
    assert problems(incoming(due_date="2026-03-01")) == [
        "due_date: 2026-03-01 is before the issue date 2026-03-02"
    ]


@pytest.mark.parametrize("page_count", [0, 1000])
def test_the_page_count_is_between_one_and_999(page_count: int) -> None:
    [problem] = problems(incoming(page_count=page_count))
    assert problem.startswith("page_count: ")


def test_a_signer_without_a_name_is_reported_by_the_nested_field() -> None:
    signer = {"position": "Thứ trưởng", "full_name": ""}
    assert problems(incoming(signer=signer)) == ["signer.full_name: must not be empty"]


def test_a_blank_competence_means_the_signer_signed_in_their_own_name() -> None:
    signer = {"competence": " ", "position": "Bộ trưởng", "full_name": "Trần Văn B"}
    assert register(incoming(signer=signer)).signer.competence is None


def test_a_confidential_document_must_name_who_may_read_it() -> None:
    assert problems(incoming(confidentiality="confidential")) == [
        "allowed_user_ids: a Mật document must name the people allowed to see it"
    ]


def test_a_confidential_document_with_its_readers_is_accepted() -> None:
    metadata = register(incoming(confidentiality="Tối mật", allowed_user_ids=["u-1", "u-2"]))
    assert metadata.confidentiality is Confidentiality.SECRET
    assert metadata.allowed_user_ids == ("u-1", "u-2")


def test_a_reader_list_on_an_ordinary_document_is_refused_as_a_likely_mistake() -> None:
    [problem] = problems(incoming(allowed_user_ids=["u-1"]))
    assert problem.startswith("allowed_user_ids: only confidential documents")


def test_a_state_secret_cannot_arrive_over_the_exchange() -> None:
    document = incoming(channel="exchange", confidentiality="top_secret", allowed_user_ids=["u"])
    assert problems(document) == [
        "confidentiality: a Tuyệt mật document cannot be received over the exchange; "
        "state secrets travel on paper"
    ]


@pytest.mark.parametrize(
    ("written", "urgency"),
    [("flash", Urgency.FLASH), ("Hỏa tốc", Urgency.FLASH), ("thuong khan", Urgency.VERY_URGENT)],
)
def test_urgency_is_understood_in_english_or_as_the_stamp_reads(
    written: str, urgency: Urgency
) -> None:
    assert register(incoming(urgency=written)).urgency is urgency


def test_an_unknown_urgency_lists_the_choices() -> None:
    [problem] = problems(incoming(urgency="asap"))
    assert "normal (Thường)" in problem
    assert problem.startswith("urgency: unknown urgency 'asap'")


def test_an_issuer_code_of_the_wrong_shape_is_reported_on_the_issuer() -> None:
    [problem] = problems(incoming(issuer={"name": "Bộ Nội vụ", "agency_code": "BNV"}))
    assert problem.startswith("issuer.agency_code: 'BNV' is not an agency identifier code")


def test_an_issuer_without_a_code_is_accepted_by_name() -> None:
    metadata = register(incoming(issuer={"name": "Công ty ABC"}))
    assert metadata.issuer.agency_code is None


def test_a_notation_written_with_its_number_says_where_the_number_belongs() -> None:
    [problem] = problems(incoming(code_notation="15/QĐ-BNV"))
    assert problem.startswith("code_notation: '15/QĐ-BNV' starts with a number")


def test_recipients_together_may_not_exceed_the_to_places_length() -> None:
    [problem] = problems(incoming(recipients=["x" * 600, "y" * 600]))
    assert problem.startswith("recipients: the recipients take 1202 characters")


def test_a_misspelt_field_is_reported_rather_than_ignored() -> None:
    assert problems(incoming(subjet="typo")) == [
        "subjet: is not a known field (check the spelling)"
    ]


def test_every_problem_of_a_document_is_reported_at_once() -> None:
    reported = problems(incoming(subject="", page_count=0, language="Vietnamese"))
    assert [line.split(":")[0] for line in reported] == ["subject", "page_count", "language"]


def test_a_recorded_document_cannot_be_changed_afterwards() -> None:
    metadata = register(incoming())
    with pytest.raises(ValidationError):
        metadata.subject = "changed"  # type: ignore[misc]


def test_the_channel_says_how_the_document_arrived() -> None:
    assert register(incoming(channel="migration")).channel is Channel.MIGRATION
    [problem] = problems(incoming(channel="fax"))
    assert problem.startswith("channel: ")


def outgoing(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "document_type": "Công văn",
        "subject": "Về việc báo cáo tình hình số hóa văn bản",
        "signer": {"position": "Chủ tịch", "full_name": "Lê Thị C"},
        "recipients": [
            {"agency_code": "000.00.00.G22", "name": "Văn phòng Chính phủ"},
            {"unit_id": "unit-vx", "name": "Phòng Văn xã"},
        ],
        "drafting_unit_abbreviation": "VX",
        "reply_to": ["doc-1"],
    }
    document.update(changes)
    return document


def outgoing_problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        OutgoingDocumentMetadata.model_validate(document)
    return describe_errors(caught.value)


def test_an_outgoing_letter_gets_its_notation_from_the_register_number() -> None:
    metadata = OutgoingDocumentMetadata.model_validate(outgoing())
    assert str(metadata.notation(12, "UBND")) == "12/UBND-VX"


def test_an_outgoing_decision_ignores_the_drafting_unit_in_its_notation() -> None:
    metadata = OutgoingDocumentMetadata.model_validate(outgoing(document_type="QĐ"))
    assert str(metadata.notation(5, "UBND")) == "05/QĐ-UBND"


def test_an_outgoing_letter_without_its_drafting_unit_is_refused() -> None:
    assert outgoing_problems(outgoing(drafting_unit_abbreviation=None)) == [
        "drafting_unit_abbreviation: a Công văn is numbered <agency>-<drafting unit> "
        "(e.g. 12/UBND-VX): give the drafting unit's abbreviation"
    ]


def test_an_outgoing_document_needs_a_recipient() -> None:
    assert outgoing_problems(outgoing(recipients=[])) == [
        "recipients: an outgoing document needs at least one recipient"
    ]


def test_a_recipient_is_either_a_unit_or_an_agency_never_both() -> None:
    both = {"unit_id": "u", "agency_code": "000.00.00.G22", "name": "?"}
    [problem] = outgoing_problems(outgoing(recipients=[both]))
    assert problem.startswith("recipients.0: give either unit_id")


def test_the_same_agency_listed_twice_is_refused() -> None:
    vpcp = {"agency_code": "000.00.00.G22", "name": "Văn phòng Chính phủ"}
    assert outgoing_problems(outgoing(recipients=[vpcp, vpcp])) == [
        "recipients: the same recipient is listed twice: 000.00.00.G22"
    ]


def test_a_confidential_outgoing_document_must_name_its_readers() -> None:
    [problem] = outgoing_problems(outgoing(confidentiality="secret"))
    assert problem.startswith("allowed_user_ids: a Tối mật document")
