"""How the consume loop backs off and what a dead letter carries, without a broker."""

from __future__ import annotations

from aiokafka import ConsumerRecord
from vanthu_runtime.kafka_consumer import Failure, RetryPolicy, dead_letter_headers


def test_retries_back_off_exponentially_up_to_a_ceiling() -> None:
    policy = RetryPolicy(max_attempts=6, initial_backoff_s=0.5, max_backoff_s=3.0)
    assert [policy.backoff(a) for a in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_a_dead_letter_keeps_the_original_headers_and_says_where_and_why_it_failed() -> None:
    message = ConsumerRecord(
        topic="document.received",
        partition=3,
        offset=41,
        timestamp=0,
        timestamp_type=0,
        key=b"doc-1",
        value=b"{}",
        checksum=None,
        serialized_key_size=5,
        serialized_value_size=2,
        headers=[("ce_id", b"e-1"), ("dlq_reason", b"an older failure")],
    )
    headers = dict(
        dead_letter_headers(message, "archive", Failure("bad agency code", "InvalidPayload", 1))
    )
    assert headers["ce_id"] == b"e-1"
    assert headers["dlq_reason"] == b"bad agency code"
    assert headers["dlq_source_topic"] == b"document.received"
    assert headers["dlq_source_partition"] == b"3"
    assert headers["dlq_source_offset"] == b"41"
    assert headers["dlq_consumer_group"] == b"archive"
