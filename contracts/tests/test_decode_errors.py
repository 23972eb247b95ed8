"""A record that breaks the contract is refused with a message saying exactly what is wrong."""

from __future__ import annotations

import json

import pytest
from vanthu_contracts import (
    ContractError,
    InvalidHeader,
    InvalidPayload,
    MalformedJson,
    MissingHeader,
    UnknownEventType,
    decode,
)
from vanthu_contracts.envelope import REQUIRED_HEADERS
from vanthu_contracts.samples import GoldenSample


def _without(sample: GoldenSample, header: str) -> list[tuple[str, bytes]]:
    return [(name, value) for name, value in sample.kafka_headers if name != header]


def _replacing(sample: GoldenSample, header: str, text: str) -> list[tuple[str, bytes]]:
    return [
        (name, text.encode() if name == header else value) for name, value in sample.kafka_headers
    ]


def _value_with(sample: GoldenSample, **changes: object) -> bytes:
    return json.dumps({**sample.value, **changes}, ensure_ascii=False).encode()


def test_a_record_without_ce_type_is_refused_naming_the_header(received_sample: GoldenSample):
    with pytest.raises(MissingHeader) as refused:
        decode(_without(received_sample, "ce_type"), received_sample.value_bytes)

    assert refused.value.header == "ce_type"
    assert "'ce_type'" in str(refused.value)


@pytest.mark.parametrize("header", REQUIRED_HEADERS)
def test_every_required_header_is_named_when_missing(received_sample: GoldenSample, header: str):
    with pytest.raises(MissingHeader, match=f"'{header}'"):
        decode(_without(received_sample, header), received_sample.value_bytes)


def test_a_header_without_a_value_counts_as_missing(received_sample: GoldenSample):
    headers = [
        (name, None if name == "ce_id" else value) for name, value in received_sample.kafka_headers
    ]

    with pytest.raises(MissingHeader, match="'ce_id'"):
        decode(headers, received_sample.value_bytes)


def test_header_names_are_read_case_insensitively(received_sample: GoldenSample):
    shouted = [(name.upper(), value) for name, value in received_sample.kafka_headers]

    decoded = decode(shouted, received_sample.value_bytes)

    assert decoded.envelope.type == received_sample.event_type


def test_an_unknown_event_type_is_refused_naming_the_type(received_sample: GoldenSample):
    headers = _replacing(received_sample, "ce_type", "vanthu.intake.document.teleported.v1")

    with pytest.raises(UnknownEventType, match=r"vanthu\.intake\.document\.teleported\.v1"):
        decode(headers, received_sample.value_bytes)


def test_a_newer_version_than_we_know_is_refused_as_unknown(received_sample: GoldenSample):
    headers = _replacing(received_sample, "ce_type", "vanthu.intake.document.received.v9")

    with pytest.raises(UnknownEventType, match=r"received\.v9"):
        decode(headers, received_sample.value_bytes)


def test_an_invalid_agency_code_is_refused_naming_the_field(received_sample: GoldenSample):
    value = _value_with(received_sample, agency_code="UBND-NGHE-AN")

    with pytest.raises(InvalidPayload) as refused:
        decode(received_sample.kafka_headers, value)

    assert refused.value.fields == ("agency_code",)
    assert "agency_code" in str(refused.value)
    assert "UBND-NGHE-AN" in str(refused.value)
    assert refused.value.event_type == "vanthu.intake.document.received.v2"


def test_a_nested_failing_field_is_named_by_its_path(received_sample: GoldenSample):
    issuer = {"name": "Bộ Nội vụ", "agency_code": "000.00.00.g09"}
    value = _value_with(received_sample, issuer=issuer)

    with pytest.raises(InvalidPayload) as refused:
        decode(received_sample.kafka_headers, value)

    assert refused.value.fields == ("issuer.agency_code",)


def test_every_failing_field_is_named_at_once(received_sample: GoldenSample):
    value = _value_with(received_sample, arrival_number=0, urgency="rất khẩn")

    with pytest.raises(InvalidPayload) as refused:
        decode(received_sample.kafka_headers, value)

    assert set(refused.value.fields) == {"arrival_number", "urgency"}


def test_a_naive_datetime_in_the_payload_is_refused(received_sample: GoldenSample):
    value = _value_with(received_sample, received_at="2026-11-21T09:15:30")

    with pytest.raises(InvalidPayload) as refused:
        decode(received_sample.kafka_headers, value)

    assert refused.value.fields == ("received_at",)
    assert "timezone" in str(refused.value)


def test_an_unexpected_field_is_refused_naming_it(received_sample: GoldenSample):
    value = _value_with(received_sample, priority=1)

    with pytest.raises(InvalidPayload) as refused:
        decode(received_sample.kafka_headers, value)

    assert refused.value.fields == ("priority",)


def test_a_missing_field_is_named(received_sample: GoldenSample):
    value = dict(received_sample.value)
    del value["arrival_number"]

    with pytest.raises(InvalidPayload) as refused:
        decode(received_sample.kafka_headers, json.dumps(value).encode())

    assert refused.value.fields == ("arrival_number",)


def test_malformed_json_is_refused_with_its_position(received_sample: GoldenSample):
    with pytest.raises(MalformedJson, match="line 1 column"):
        decode(received_sample.kafka_headers, b'{"document_id": ')


@pytest.mark.parametrize("value", [None, b""], ids=["tombstone", "empty"])
def test_a_record_without_a_value_is_refused(received_sample: GoldenSample, value: bytes | None):
    with pytest.raises(MalformedJson, match="no value"):
        decode(received_sample.kafka_headers, value)


def test_a_json_array_is_not_a_payload(received_sample: GoldenSample):
    with pytest.raises(MalformedJson, match="list"):
        decode(received_sample.kafka_headers, b"[1, 2]")


def test_a_value_that_is_not_utf8_is_refused(received_sample: GoldenSample):
    with pytest.raises(MalformedJson, match="UTF-8"):
        decode(received_sample.kafka_headers, '{"subject": "Về việc"}'.encode("utf-16"))


def test_another_cloudevents_version_is_refused(received_sample: GoldenSample):
    with pytest.raises(InvalidHeader, match="ce_specversion"):
        decode(_replacing(received_sample, "ce_specversion", "0.3"), received_sample.value_bytes)


def test_an_event_time_without_offset_is_refused(received_sample: GoldenSample):
    headers = _replacing(received_sample, "ce_time", "2026-11-21T09:15:30")

    with pytest.raises(InvalidHeader, match="ce_time"):
        decode(headers, received_sample.value_bytes)


def test_an_event_time_that_is_not_a_timestamp_is_refused(received_sample: GoldenSample):
    headers = _replacing(received_sample, "ce_time", "hôm qua")

    with pytest.raises(InvalidHeader, match="ce_time"):
        decode(headers, received_sample.value_bytes)


def test_a_subject_header_about_another_document_is_refused(received_sample: GoldenSample):
    headers = _replacing(received_sample, "ce_subject", "another-document")

    with pytest.raises(InvalidHeader, match="ce_subject"):
        decode(headers, received_sample.value_bytes)


def test_structured_mode_is_refused_with_a_hint(received_sample: GoldenSample):
    headers = _replacing(received_sample, "content-type", "application/cloudevents+json")

    with pytest.raises(InvalidHeader, match="binary mode"):
        decode(headers, received_sample.value_bytes)


def test_a_json_content_type_with_a_charset_is_accepted(received_sample: GoldenSample):
    headers = _replacing(received_sample, "content-type", "application/json; charset=utf-8")

    assert decode(headers, received_sample.value_bytes).envelope.type == received_sample.event_type


def test_an_invalid_agency_code_header_is_refused(received_sample: GoldenSample):
    headers = _replacing(received_sample, "ce_agencycode", "nghe-an")

    with pytest.raises(InvalidHeader, match="ce_agencycode"):
        decode(headers, received_sample.value_bytes)


def test_a_header_sent_twice_is_refused(received_sample: GoldenSample):
    headers = [*received_sample.kafka_headers, ("ce_type", b"vanthu.intake.document.voided.v1")]

    with pytest.raises(InvalidHeader, match="more than once"):
        decode(headers, received_sample.value_bytes)


def test_other_headers_such_as_tracing_are_ignored(received_sample: GoldenSample):
    headers = [*received_sample.kafka_headers, ("traceparent", b"00-abc-def-01")]

    assert (
        decode(headers, received_sample.value_bytes).envelope.id == received_sample.headers["ce_id"]
    )


def test_every_refusal_is_a_contract_error_and_a_value_error(received_sample: GoldenSample):
    with pytest.raises(ContractError) as refused:
        decode(_without(received_sample, "ce_id"), received_sample.value_bytes)

    assert isinstance(refused.value, ValueError)
