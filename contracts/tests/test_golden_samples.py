"""Released golden samples always decode, one exists per event version, and we write them back."""

from __future__ import annotations

from datetime import datetime

from vanthu_contracts import REGISTRY, decode, encode
from vanthu_contracts.samples import GoldenSample, golden_samples


def test_there_is_a_golden_sample_for_every_registered_event_type():
    sampled = sorted(sample.event_type for sample in golden_samples())

    assert sampled == REGISTRY.event_types()


def test_every_sample_is_named_after_its_event_type(any_sample: GoldenSample):
    assert any_sample.path.name == f"{any_sample.event_type}.json"


def test_every_golden_sample_decodes_to_its_event_type(any_sample: GoldenSample):
    decoded = decode(any_sample.kafka_headers, any_sample.value_bytes)

    assert decoded.envelope.type == any_sample.event_type
    assert type(decoded.event) is REGISTRY.resolve(REGISTRY.latest_type(any_sample.event_type))
    assert decoded.event.subject() == any_sample.key


def test_re_encoding_a_decoded_sample_gives_back_its_headers_key_and_value(
    any_sample: GoldenSample,
):
    decoded = decode(any_sample.kafka_headers, any_sample.value_bytes)
    envelope = decoded.envelope

    record = encode(
        decoded.event,
        source=envelope.source,
        correlation_id=envelope.correlationid,
        causation_id=envelope.causationid,
        agency_code=envelope.agencycode,
        event_id=envelope.id,
        time=envelope.time,
    )

    assert {name: value.decode() for name, value in record.headers} == any_sample.headers
    assert record.key == any_sample.key_bytes
    assert record.value == any_sample.value_bytes


def test_sample_times_are_utc_with_milliseconds(any_sample: GoldenSample):
    written = any_sample.headers["ce_time"]

    assert written.endswith("Z")
    assert len(written) == len("2026-11-21T10:00:00.123Z")
    assert datetime.fromisoformat(written).utcoffset().total_seconds() == 0
