"""`vanthu audit replay` and `vanthu audit report` against a real store."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from archive_testkit import stored_event
from harness.samples import sample_event
from harness.servers import ROOT, Servers
from vanthu_archive.bootstrap import Archive
from vanthu_archive.config import ArchiveSettings
from vanthu_archive.domain.hashchain import StoredRecord
from vanthu_archive.handlers import archive_records, project_records
from vanthu_contracts import Event, encode
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.platform import PlatformSettings

REGISTERED_AT = datetime(2026, 11, 21, 2, 15, 31, tzinfo=UTC)
ASSIGNED_AT = datetime(2026, 11, 21, 4, 2, 18, tzinfo=UTC)
COMPLETED_AT = datetime(2026, 11, 27, 9, 10, 6, tzinfo=UTC)


def on_topic(event: Event, offset: int, at: datetime) -> StoredRecord:
    return stored_event(event, offset, topic=f"audit.{event.topic}", at=at)


async def archive_story(archive: Archive, document_id: str) -> None:
    story = [
        (
            sample_event("vanthu.intake.document.received.v1", document_id=document_id),
            REGISTERED_AT,
        ),
        (sample_event("vanthu.routing.task.assigned.v1", document_id=document_id), ASSIGNED_AT),
        (sample_event("vanthu.routing.task.completed.v1", document_id=document_id), COMPLETED_AT),
    ]
    for offset, (event, at) in enumerate(story):
        records = [on_topic(event, offset, at)]
        await archive_records(archive.store, records)
        await project_records(archive.read_models, None, records)


async def test_replay_shows_the_document_as_it_stood_at_the_time_asked(
    archive: Archive,
    servers: Servers,
    platform_settings: PlatformSettings,
    archive_settings: ArchiveSettings,
) -> None:
    document_id = str(uuid.uuid4())
    await archive_story(archive, document_id)
    env = _env(servers, platform_settings, archive_settings, archive.db.name)

    before_completion = _vanthu(
        env, "audit", "replay", "--as-of", "2026-11-25T12:00:00+07:00", "--document", document_id
    )
    now = _vanthu(env, "audit", "replay", "--as-of", "2026-12-31T00:00", "--document", document_id)

    assert before_completion.returncode == 0, before_completion.stderr
    assert "status: in_progress" in before_completion.stdout
    assert "completed" not in before_completion.stdout
    assert "status: completed" in now.stdout
    assert "Hoàn thành nhiệm vụ" in now.stdout


async def test_report_lists_what_one_person_did_and_when(
    archive: Archive,
    servers: Servers,
    platform_settings: PlatformSettings,
    archive_settings: ArchiveSettings,
) -> None:
    document_id = str(uuid.uuid4())
    await archive_story(archive, document_id)
    env = _env(servers, platform_settings, archive_settings, archive.db.name)

    report = _vanthu(env, "audit", "report", "--user", "u-vx-0003")

    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert lines[0] == "actions of u-vx-0003: 1"
    assert document_id in lines[1]
    assert "completed_by" in lines[1]
    assert "2026-11-27T09:10:05" in lines[1]


def _env(
    servers: Servers, settings: PlatformSettings, archive_settings: ArchiveSettings, database: str
) -> dict[str, str]:
    return {
        **os.environ,
        **servers.env(),
        "VANTHU_MONGO_DATABASE": database,
        "VANTHU_S3_BUCKET": settings.s3.bucket,
        "VANTHU_ARCHIVE_CHECKPOINT_BUCKET": archive_settings.checkpoint_bucket,
    }


def _vanthu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vanthu_runtime.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_replay_from_kafka_reads_the_topics_back_by_timestamp_up_to_the_time_asked(
    archive: Archive,
    servers: Servers,
    platform_settings: PlatformSettings,
    archive_settings: ArchiveSettings,
    archive_topic: str,
    publisher: KafkaEventPublisher,
) -> None:
    document_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    story = [
        ("vanthu.intake.document.received.v1", now - timedelta(hours=3)),
        ("vanthu.routing.task.assigned.v1", now - timedelta(hours=2)),
        ("vanthu.routing.task.completed.v1", now - timedelta(hours=1)),
    ]
    for event_type, at in story:
        record = encode(sample_event(event_type, document_id=document_id), source="/vanthu/tests")
        await publisher.producer.send_and_wait(
            archive_topic,
            value=record.value,
            key=record.key,
            headers=list(record.headers),
            timestamp_ms=int(at.timestamp() * 1000),
        )
    env = _env(servers, platform_settings, archive_settings, archive.db.name)
    as_of = (now - timedelta(minutes=90)).isoformat()

    replayed = _vanthu(
        env, "audit", "replay", "--from-kafka", "--topic", archive_topic,
        "--as-of", as_of, "--document", document_id,
    )  # fmt: skip

    assert replayed.returncode == 0, replayed.stderr
    assert "read 2 records back from Kafka (2 partitions)" in replayed.stdout
    assert "status: in_progress" in replayed.stdout
    assert "completed" not in replayed.stdout
    assert await archive.store.count() == 0


async def test_the_operator_checks_every_agencys_stored_files_from_the_command_line(
    archive: Archive,
    servers: Servers,
    platform_settings: PlatformSettings,
    archive_settings: ArchiveSettings,
) -> None:
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), platform_settings.s3.bucket)
    await blobs.ensure_bucket()
    keys = []
    for offset, agency in enumerate(("000.00.00.H41", "000.00.00.G22")):
        content = f"%PDF-1.7 {uuid.uuid4()}".encode()
        event = sample_event("vanthu.intake.document.received.v1")
        payload = event.model_dump(mode="json", by_alias=True)
        key = f"documents/{uuid.uuid4()}/{hashlib.sha256(content).hexdigest()}.pdf"
        payload.update(
            document_id=str(uuid.uuid4()),
            agency_code=agency,
            files=[{**payload["files"][0], "object_key": key, "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest()}],
        )  # fmt: skip
        await blobs.put(key, b"damaged" if offset else content, "application/pdf")
        records = [on_topic(type(event).model_validate(payload), offset, REGISTERED_AT)]
        await archive_records(archive.store, records)
        await project_records(archive.read_models, None, records)
        keys.append(key)
    env = _env(servers, platform_settings, archive_settings, archive.db.name)

    checked = _vanthu(env, "audit", "fixity")

    assert checked.returncode == 1, checked.stderr
    assert f"DAMAGED\t{keys[1]}" in checked.stdout
    assert "NOT INTACT: 2 stored files checked, 1 damaged" in checked.stdout
