"""What an integrator subscribing to a topic sees, read with an independent client (kcat)."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from harness.samples import sample_event
from vanthu_contracts import encode
from vanthu_runtime.kafka_producer import KafkaEventPublisher

DOCUMENT_RECEIVED = "vanthu.intake.document.received.v2"


async def _kcat_read(bootstrap: str, topic: str, partition: int, offset: int) -> dict[str, object]:
    proc = await asyncio.create_subprocess_exec(
        "kcat",
        "-C",
        "-b",
        bootstrap,
        "-t",
        topic,
        "-p",
        str(partition),
        "-o",
        str(offset),
        "-c",
        "1",
        "-e",
        "-J",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    return json.loads(out.decode().splitlines()[0])


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat is installed by `make test`")
async def test_an_event_we_publish_is_read_by_kcat_with_cloudevents_headers_and_document_key(
    publisher: KafkaEventPublisher, platform_settings
) -> None:
    event = sample_event(DOCUMENT_RECEIVED)
    record = encode(event, source=publisher.source, correlation_id="corr-kcat-1")
    metadata = await publisher.publish_record(record)

    seen = await _kcat_read(
        platform_settings.kafka.bootstrap_servers, record.topic, metadata.partition, metadata.offset
    )

    headers = dict(zip(seen["headers"][::2], seen["headers"][1::2], strict=True))
    assert seen["key"] == event.document_id
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == DOCUMENT_RECEIVED
    assert headers["ce_id"] == record.event_id
    assert headers["ce_source"] == "/vanthu/tests"
    assert headers["ce_subject"] == event.document_id
    assert headers["ce_correlationid"] == "corr-kcat-1"
    assert headers["ce_agencycode"] == event.agency_code
    assert headers["content-type"] == "application/json"
    assert json.loads(seen["payload"])["subject"] == event.abstract
