"""Our records are CloudEvents any Kafka binding can read, and we read what the SDK writes.

Uses the official Python SDK (cloudevents 2.x, ``cloudevents.core.bindings.kafka``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from vanthu_contracts import REGISTRY, decode, encode
from vanthu_contracts.samples import GoldenSample


def _sdk_event_from(sample: GoldenSample) -> CloudEvent:
    event = REGISTRY.resolve(sample.event_type).model_validate(sample.value)
    record = encode(
        event,
        source=sample.headers["ce_source"],
        correlation_id=sample.headers["ce_correlationid"],
        causation_id="cause-42",
        event_id=sample.headers["ce_id"],
        time=datetime.fromisoformat(sample.headers["ce_time"]),
    )
    message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    return from_binary(message, JSONFormat())


def test_the_sdk_reads_our_record_with_the_same_attributes(any_sample: GoldenSample):
    sdk_event = _sdk_event_from(any_sample)

    assert sdk_event.get_specversion() == "1.0"
    assert sdk_event.get_id() == any_sample.headers["ce_id"]
    assert sdk_event.get_type() == any_sample.event_type
    assert sdk_event.get_source() == any_sample.headers["ce_source"]
    assert sdk_event.get_subject() == any_sample.headers["ce_subject"]
    assert sdk_event.get_time() == datetime.fromisoformat(any_sample.headers["ce_time"])
    assert sdk_event.get_datacontenttype() == "application/json"


def test_the_sdk_reads_our_extensions_and_key(any_sample: GoldenSample):
    sdk_event = _sdk_event_from(any_sample)

    assert sdk_event.get_extension("correlationid") == any_sample.headers["ce_correlationid"]
    assert sdk_event.get_extension("causationid") == "cause-42"
    assert sdk_event.get_extension("agencycode") == any_sample.headers["ce_agencycode"]
    assert sdk_event.get_extension("partitionkey") == any_sample.key


def test_the_sdk_reads_our_payload_as_the_same_data(any_sample: GoldenSample):
    assert _sdk_event_from(any_sample).get_data() == any_sample.value


def test_we_read_a_record_the_sdk_wrote(any_sample: GoldenSample):
    sent_at = datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=UTC)
    sdk_event = CloudEvent(
        attributes={
            "id": "a3c1e9f0-5b7d-4e2a-9c8b-6d4f2e1a0b93",
            "source": "/vanthu/intake",
            "type": any_sample.event_type,
            "subject": any_sample.headers["ce_subject"],
            "time": sent_at,
            "datacontenttype": "application/json",
            "correlationid": "corr-from-sdk",
            "agencycode": "000.00.00.H41",
            "partitionkey": any_sample.key,
        },
        data=any_sample.value,
    )
    message = to_binary(sdk_event, JSONFormat())

    decoded = decode(list(message.headers.items()), message.value)

    assert decoded.event == REGISTRY.resolve(any_sample.event_type).model_validate(any_sample.value)
    assert decoded.envelope.id == "a3c1e9f0-5b7d-4e2a-9c8b-6d4f2e1a0b93"
    assert decoded.envelope.time == sent_at
    assert decoded.envelope.correlationid == "corr-from-sdk"
    assert decoded.envelope.agencycode == "000.00.00.H41"
    assert message.key == any_sample.key


def test_the_sdk_escapes_vietnamese_text_and_we_still_read_it(received_sample: GoldenSample):
    sdk_event = CloudEvent(
        attributes={
            "source": "/vanthu/intake",
            "type": received_sample.event_type,
            "subject": received_sample.headers["ce_subject"],
            "datacontenttype": "application/json",
            "correlationid": "corr-from-sdk",
        },
        data=received_sample.value,
    )
    message = to_binary(sdk_event, JSONFormat())

    decoded = decode(list(message.headers.items()), message.value)

    assert b"\\u" in message.value
    assert decoded.event.issuer.name == "Bộ Nội vụ"  # type: ignore[attr-defined]
    assert json.loads(message.value) == received_sample.value
