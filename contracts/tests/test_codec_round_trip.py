"""Events become Kafka records in CloudEvents binary mode and come back unchanged."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from vanthu_contracts import REGISTRY, PackageReceived, decode, decode_record, encode
from vanthu_contracts.samples import GoldenSample, golden_sample

HANOI = timezone(timedelta(hours=7))


def _headers(record) -> dict[str, str]:
    return {name: value.decode("utf-8") for name, value in record.headers}


def test_every_event_type_comes_back_equal_after_encode_and_decode(any_sample: GoldenSample):
    event = REGISTRY.resolve(any_sample.event_type).model_validate(any_sample.value)
    record = encode(
        event,
        source="/vanthu/intake",
        correlation_id="corr-1",
        causation_id="cause-1",
        time=datetime(2026, 11, 21, 10, 0, 0, 123000, tzinfo=UTC),
    )

    decoded = decode(record.headers, record.value)

    assert decoded.event == event
    assert type(decoded.event) is type(event)
    assert decoded.envelope.id == record.event_id
    assert decoded.envelope.type == event.event_type
    assert decoded.envelope.subject == event.subject()
    assert decoded.envelope.correlationid == "corr-1"
    assert decoded.envelope.causationid == "cause-1"
    assert decoded.envelope.time == datetime(2026, 11, 21, 10, 0, 0, 123000, tzinfo=UTC)


def test_a_record_carries_the_cloudevents_attributes_as_ce_headers(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    record = encode(event, source="/vanthu/intake", event_id="id-1", correlation_id="corr-9")

    headers = _headers(record)
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == "id-1"
    assert headers["ce_source"] == "/vanthu/intake"
    assert headers["ce_type"] == "vanthu.intake.document.received.v2"
    assert headers["ce_subject"] == event.document_id
    assert headers["content-type"] == "application/json"
    assert headers["ce_correlationid"] == "corr-9"
    assert headers["ce_agencycode"] == "000.00.00.H41"
    assert "ce_causationid" not in headers
    assert record.topic == "document.received"


def test_the_key_is_the_document_id_so_a_document_stays_in_one_partition(
    received_sample: GoldenSample,
):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    record = encode(event, source="/vanthu/intake")

    assert record.key == event.document_id.encode("utf-8")


def test_the_value_is_the_payload_alone_as_compact_utf8_json(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    record = encode(event, source="/vanthu/intake")

    assert json.loads(record.value) == received_sample.value
    assert record.value == json.dumps(
        received_sample.value, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    assert "Bộ Nội vụ".encode() in record.value
    assert b"specversion" not in record.value


def test_an_inbound_package_is_keyed_by_its_package_id_before_any_document_exists():
    sample = golden_sample("vanthu.exchange.package.received.v1")
    event = PackageReceived.model_validate(sample.value)

    record = encode(event, source="/vanthu/exchange")

    assert record.key == event.package_id.encode("utf-8")
    assert _headers(record)["ce_subject"] == event.package_id


def test_a_new_story_starts_with_the_event_id_as_correlation_id(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    record = encode(event, source="/vanthu/intake")

    headers = _headers(record)
    assert headers["ce_correlationid"] == headers["ce_id"]
    assert uuid.UUID(headers["ce_id"]).version == 4


def test_every_encoded_event_gets_its_own_id(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    first = encode(event, source="/vanthu/intake")
    second = encode(event, source="/vanthu/intake")

    assert first.event_id != second.event_id


def test_an_explicit_agency_code_wins_over_the_events_own(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    record = encode(event, source="/vanthu/intake", agency_code="G09.01")

    assert _headers(record)["ce_agencycode"] == "G09.01"


def test_event_time_travels_in_utc_with_milliseconds(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    record = encode(
        event, source="/vanthu/intake", time=datetime(2026, 11, 21, 17, 0, 0, 123000, tzinfo=HANOI)
    )

    assert _headers(record)["ce_time"] == "2026-11-21T10:00:00.123Z"


def test_microseconds_of_event_time_are_not_lost(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)
    moment = datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC)

    record = encode(event, source="/vanthu/intake", time=moment)

    assert _headers(record)["ce_time"] == "2026-11-21T10:00:00.123456Z"
    assert decode_record(record).envelope.time == moment


def test_encoding_refuses_a_naive_event_time(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    with pytest.raises(ValueError, match="timezone-aware"):
        encode(event, source="/vanthu/intake", time=datetime(2026, 11, 21, 10, 0))  # noqa: DTZ001


def test_encoding_refuses_a_source_outside_vanthu(received_sample: GoldenSample):
    event = REGISTRY.resolve(received_sample.event_type).model_validate(received_sample.value)

    with pytest.raises(ValueError, match="/vanthu/<service>"):
        encode(event, source="intake")
