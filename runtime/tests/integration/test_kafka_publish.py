"""What an integrator subscribing to a topic sees, read with an independent client (kcat)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest
from harness.samples import sample_event
from pydantic import SecretStr
from vanthu_contracts import encode
from vanthu_runtime.kafka_clients import kcat_options
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.settings import KafkaSettings

DOCUMENT_RECEIVED = "vanthu.intake.document.received.v2"


def _kcat_login(kafka: KafkaSettings) -> KafkaSettings:
    """Debian's kcat (librdkafka 2.0) cannot do SCRAM with Kafka 4: where the local servers give it
    a PLAIN login of its own (`infra.sh env`), it signs in with that one."""
    user = os.environ.get("VANTHU_KAFKA_TOOLS_USERNAME")
    if not (kafka.signs_in and user):
        return kafka
    return kafka.model_copy(
        update={
            "sasl_mechanism": "PLAIN",
            "username": user,
            "password": SecretStr(os.environ["VANTHU_KAFKA_TOOLS_PASSWORD"]),
        }
    )


async def _kcat_read(
    kafka: KafkaSettings, topic: str, partition: int, offset: int
) -> dict[str, object]:
    proc = await asyncio.create_subprocess_exec(
        "kcat",
        "-C",
        *kcat_options(_kcat_login(kafka)),
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
        platform_settings.kafka, record.topic, metadata.partition, metadata.offset
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
