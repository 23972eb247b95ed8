"""Value types and business rules: what a well-formed event may and may not say."""

from __future__ import annotations

import json
import types
import typing
from datetime import UTC, datetime, timedelta, timezone

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError
from vanthu_contracts import (
    REGISTRY,
    DecisionRecorded,
    DeliveryStatusChanged,
    DocumentDigitized,
    DocumentReceived,
    PackageReceived,
    SendDocumentRequested,
    SendStatusRequested,
    decode,
)
from vanthu_contracts.envelope import check_agency_code_header
from vanthu_contracts.events import values
from vanthu_contracts.events.values import (
    Assignee,
    BusinessType,
    Confidentiality,
    FileRef,
    Recipient,
    StatusCode,
    Urgency,
)
from vanthu_contracts.samples import SAMPLES_DIR, GoldenSample, golden_sample, load_sample
from vanthu_contracts.schemas import payload_schema

GOOD_AGENCY_CODES = [
    "000.00.00.G22",
    "000.00.00.H49",
    "001.00.10.H47",
    "G09",
    "G09.01",
    "H49.3.12A",
    "G09." + "1" * 31,
]
# The VDXP test environment's codes (issue 13 item 9); which peer may use one is the exchange's.
TEST_ENVIRONMENT_AGENCY_CODES = ["vxp.saas.03", "vxp.saas.05", "vdxp", "test01.a"]
BAD_AGENCY_CODES = [
    "000.00.00.g22",
    "00.00.00.G22",
    "000.00.00.G2",
    "000.00.00.22G",
    "G9",
    "g09.01",
    " 000.00.00.G22",
    "G09..01",
    "G09.01.",
    "",
    "G09." + "1" * 32,
    "Vxp.saas.03",
    "VXP.SAAS.03",
    "vxp..03",
    "vxp.saas.03.",
    "123.45",
    "vxp.saas.03 ",
    "vxp.saas.đ3",
    "vxp." + "a" * 32,
]


def _sample_with(event_type: str, **changes: object) -> dict[str, object]:
    return {**golden_sample(event_type).value, **changes}


def _failing_fields(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in detail["loc"]) for detail in error.errors()}


@pytest.mark.parametrize("code", GOOD_AGENCY_CODES)
def test_agency_codes_of_both_official_styles_are_accepted(code: str):
    assert Recipient(name="Cơ quan", agency_code=code).agency_code == code


@pytest.mark.parametrize("code", BAD_AGENCY_CODES)
def test_malformed_agency_codes_are_refused_naming_the_field(code: str):
    with pytest.raises(ValidationError) as refused:
        Recipient(name="Cơ quan", agency_code=code)

    assert _failing_fields(refused.value) == {"agency_code"}


@pytest.mark.parametrize("code", TEST_ENVIRONMENT_AGENCY_CODES)
def test_lower_case_vdxp_test_environment_codes_are_agency_codes(code: str):
    assert Recipient(name="Đơn vị thử nghiệm", agency_code=code).agency_code == code
    assert check_agency_code_header(code) == code


@pytest.mark.parametrize(
    "code", GOOD_AGENCY_CODES + TEST_ENVIRONMENT_AGENCY_CODES + BAD_AGENCY_CODES
)
def test_the_published_schema_agrees_with_the_code_on_agency_codes(code: str):
    schema = payload_schema(DocumentReceived)["properties"]["agency_code"]
    accepted_by_schema = jsonschema.Draft202012Validator(schema).is_valid(code)

    assert accepted_by_schema == (code not in BAD_AGENCY_CODES)


def test_a_checksum_must_be_64_lowercase_hex_digits(received_sample: GoldenSample):
    file = {**received_sample.value["files"][0], "sha256": "F" * 64}

    with pytest.raises(ValidationError) as refused:
        DocumentReceived.model_validate({**received_sample.value, "files": [file]})

    assert _failing_fields(refused.value) == {"files.0.sha256"}


def test_a_naive_datetime_is_refused_when_building_an_event(received_sample: GoldenSample):
    with pytest.raises(ValidationError) as refused:
        DocumentReceived.model_validate(
            {**received_sample.value, "received_at": datetime(2026, 11, 21, 9, 15)}  # noqa: DTZ001
        )

    assert _failing_fields(refused.value) == {"received_at"}


def test_instants_given_in_vietnam_time_are_published_in_utc(received_sample: GoldenSample):
    hanoi = timezone(timedelta(hours=7))
    event = DocumentReceived.model_validate(
        {**received_sample.value, "received_at": datetime(2026, 11, 21, 9, 15, tzinfo=hanoi)}
    )

    assert json.loads(event.payload_json())["received_at"] == "2026-11-21T02:15:00.000Z"
    assert event.received_at == datetime(2026, 11, 21, 2, 15, tzinfo=UTC)


def test_dates_are_published_as_plain_iso_dates(received_sample: GoldenSample):
    event = DocumentReceived.model_validate(received_sample.value)

    assert json.loads(event.payload_json())["issued_date"] == "2026-11-20"


def test_the_trich_yeu_is_called_subject_on_the_wire(received_sample: GoldenSample):
    event = DocumentReceived.model_validate(received_sample.value)

    assert event.abstract == received_sample.value["subject"]
    assert json.loads(event.payload_json())["subject"] == event.abstract


def test_events_cannot_be_changed_after_the_fact(received_sample: GoldenSample):
    event = DocumentReceived.model_validate(received_sample.value)

    with pytest.raises(ValidationError):
        event.arrival_number = 99  # type: ignore[misc]


def test_status_codes_are_the_nine_of_the_exchange_with_vietnamese_labels():
    assert [code.value for code in StatusCode] == [
        "01", "02", "03", "04", "05", "06", "13", "15", "16",
    ]  # fmt: skip
    assert StatusCode("02").label == "Từ chối tiếp nhận"
    assert StatusCode("06").label == "Hoàn thành"
    assert [code for code in StatusCode if code.sent_by_sender] == [StatusCode.RECALL_REQUESTED]


def test_urgency_maps_to_the_edxml_priority():
    assert [(level.value, level.edxml_priority) for level in Urgency] == [
        ("normal", 0), ("urgent", 1), ("very_urgent", 2), ("flash", 3),
    ]  # fmt: skip
    assert Urgency.FLASH.label == "Hỏa tốc"


def test_only_non_secret_documents_may_be_exchanged():
    assert [level for level in Confidentiality if level.may_be_exchanged] == [
        Confidentiality.NORMAL
    ]
    assert Confidentiality.TOP_SECRET.label == "Tuyệt mật"


def test_business_types_map_to_the_edxml_codes():
    assert [(kind.value, kind.edxml_code) for kind in BusinessType] == [
        ("new", 0), ("revoke", 1), ("update", 2), ("replace", 3),
    ]  # fmt: skip


def test_a_document_from_the_exchange_must_say_which_package_it_came_in(
    received_sample: GoldenSample,
):
    value = {**received_sample.value, "channel": "exchange"}

    with pytest.raises(ValidationError, match="exchange is required"):
        DocumentReceived.model_validate(value)


def test_a_paper_document_has_no_exchange_origin(received_sample: GoldenSample):
    origin = {
        "package_id": "a9f3e2d1-4c5b-4a6d-8e7f-1b2c3d4e5f60",
        "sender_agency_code": "000.00.00.G09",
        "document_code": "000.00.00.G09,2026/11/20,15/QĐ-BNV",
    }
    with pytest.raises(ValidationError, match="exchange is required"):
        DocumentReceived.model_validate({**received_sample.value, "exchange": origin})


def test_readers_are_named_only_on_confidential_documents(received_sample: GoldenSample):
    assert DocumentReceived.model_validate(received_sample.value).readers == (
        "u-ld-0001",
        "u-cv-0042",
    )
    with pytest.raises(ValidationError, match="only on confidential"):
        DocumentReceived.model_validate({**received_sample.value, "confidentiality": "normal"})


def test_a_version_1_document_received_reads_as_version_2_with_no_readers():
    older = load_sample(SAMPLES_DIR / "older" / "vanthu.intake.document.received.v1.json")
    decoded = decode(older.kafka_headers, json.dumps(older.value).encode())

    assert decoded.event.event_type == "vanthu.intake.document.received.v2"
    assert decoded.event.readers == ()
    assert decoded.event.abstract == older.value["subject"]


def test_a_decision_typed_in_by_a_secretary_must_keep_the_scanned_slip():
    value = _sample_with("vanthu.routing.decision.recorded.v1")
    del value["evidence_file"]

    with pytest.raises(ValidationError, match="evidence_file"):
        DecisionRecorded.model_validate(value)


def test_a_decision_cannot_hide_that_someone_else_recorded_it():
    value = _sample_with("vanthu.routing.decision.recorded.v1", on_behalf=False)

    with pytest.raises(ValidationError, match="on_behalf"):
        DecisionRecorded.model_validate(value)


def test_coordinating_units_need_a_lead_unit():
    value = _sample_with("vanthu.routing.decision.recorded.v1")
    value["assignments"] = [a for a in value["assignments"] if a["role"] != "lead"]

    with pytest.raises(ValidationError, match="lead unit"):
        DecisionRecorded.model_validate(value)


def test_a_rejection_sent_to_the_sender_must_give_the_reason():
    value = _sample_with("vanthu.exchange.send-status.requested.v1", status_code="02")
    del value["description"]

    with pytest.raises(ValidationError, match="reason"):
        SendStatusRequested.model_validate(value)


@pytest.mark.parametrize("business_type", ["revoke", "update", "replace"])
def test_revoking_updating_or_replacing_names_the_earlier_document(business_type: str):
    value = _sample_with("vanthu.exchange.send-document.requested.v1", business_type=business_type)

    with pytest.raises(ValidationError, match="target_document_code"):
        SendDocumentRequested.model_validate(value)


def test_a_new_document_names_no_earlier_document():
    value = _sample_with(
        "vanthu.exchange.package.received.v1",
        target_document_code="000.00.00.G09,2026/01/05,01/QĐ-BNV",
    )

    with pytest.raises(ValidationError, match="target_document_code"):
        PackageReceived.model_validate(value)


def test_a_failed_delivery_says_why():
    value = _sample_with("vanthu.exchange.delivery-status.changed.v1", transport="failed")

    with pytest.raises(ValidationError, match="reason"):
        DeliveryStatusChanged.model_validate(value)


def test_the_ocr_text_is_a_derivative_never_the_original():
    value = _sample_with("vanthu.intake.document.digitized.v1")
    value["derivative_file"] = {**value["derivative_file"], "role": "original"}

    with pytest.raises(ValidationError, match="ocr_derivative"):
        DocumentDigitized.model_validate(value)


def test_a_recipient_is_an_agency_or_a_unit_not_both():
    with pytest.raises(ValidationError, match="not both"):
        Recipient(name="Bộ Nội vụ", agency_code="000.00.00.G09", unit_id="unit-vx")


def test_an_assignee_names_a_unit_or_a_person():
    with pytest.raises(ValidationError, match="unit_id or a user_id"):
        Assignee()


def test_file_sizes_cannot_be_negative():
    with pytest.raises(ValidationError) as refused:
        FileRef(
            file_id="f-1",
            name="a.pdf",
            media_type="application/pdf",
            size=-1,
            sha256="0" * 64,
            object_key="documents/a.pdf",
            role="original",
        )

    assert _failing_fields(refused.value) == {"size"}


def _models_in_contracts() -> list[type[BaseModel]]:
    value_objects = [
        item
        for item in vars(values).values()
        if isinstance(item, type) and issubclass(item, BaseModel) and item is not values.ValueObject
    ]
    return [*REGISTRY, *value_objects]


def _admits_none(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _admits_none(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return type(None) in typing.get_args(annotation)
    return annotation is type(None)


@pytest.mark.parametrize("model", _models_in_contracts(), ids=lambda model: model.__name__)
def test_optional_fields_may_be_left_out_because_unset_ones_are_not_sent(model: type[BaseModel]):
    required_but_nullable = [
        name
        for name, field in model.model_fields.items()
        if field.is_required() and _admits_none(field.annotation)
    ]

    assert required_but_nullable == []
