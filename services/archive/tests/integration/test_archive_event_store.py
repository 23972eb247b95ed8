"""The event store on real Kafka, Mongo-wire and MinIO: every record kept, chained, provable."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from harness.polling import eventually
from harness.samples import sample_event
from harness.servers import ROOT, Servers
from vanthu_archive.adapters.mongo_event_store import COLLECTION
from vanthu_archive.bootstrap import Archive
from vanthu_archive.config import ArchiveSettings
from vanthu_archive.domain.hashchain import TopicPartition, genesis_hash
from vanthu_archive.handlers import verify_archive
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.platform import PlatformSettings

RECEIVED = "vanthu.intake.document.received.v1"
DECIDED = "vanthu.routing.decision.recorded.v1"
ASSIGNED = "vanthu.routing.task.assigned.v1"


async def stored_count(archive: Archive) -> int:
    return await archive.db[COLLECTION].count_documents({})


async def publish_history(send_to: Any, topic: str, document_id: str) -> None:
    await send_to(topic, sample_event(RECEIVED, document_id=document_id))
    await send_to(topic, sample_event(DECIDED, document_id=document_id))
    await send_to(topic, sample_event(ASSIGNED, document_id=document_id))


async def test_every_record_is_archived_in_a_chain_even_one_that_is_no_contract_event(
    archive: Archive,
    archive_topic: str,
    loops: Any,
    send_to: Any,
    publisher: KafkaEventPublisher,
) -> None:
    await publish_history(send_to, archive_topic, "doc-chain-1")
    await publisher.producer.send_and_wait(
        archive_topic, value=b"\xff not an event", key=None, headers=[("x-odd", b"1")], partition=0
    )
    loops.start(archive_topic)

    await eventually(lambda: _has(archive, 4), what="four archived records")

    report = await verify_archive(archive.store, archive.checkpoints)
    assert report.intact
    assert report.records_checked == 4
    odd = await archive.db[COLLECTION].find_one({"offset": 3, "topic": archive_topic})
    assert odd is not None
    assert bytes(odd["value"]) == b"\xff not an event"
    first = await archive.store.record_at(TopicPartition(archive_topic, 0), 0)
    assert first is not None
    assert first.previous_hash == genesis_hash(archive_topic, 0)
    timeline = await eventually(
        lambda: _timeline_of(archive, "doc-chain-1", 3), what="the projected timeline"
    )
    assert [entry["kind"] for entry in timeline] == ["decided", "registered", "assigned"]


async def test_after_a_restart_the_chain_continues_from_the_stored_head_and_repeats_are_kept_once(
    archive: Archive, archive_topic: str, loops: Any, send_to: Any
) -> None:
    group = "test-archive-restart-" + archive_topic.rsplit(".", 1)[-1]
    await send_to(archive_topic, sample_event(RECEIVED), partition=1)
    await send_to(archive_topic, sample_event(RECEIVED), partition=1)
    first = loops.start(archive_topic, group)
    await eventually(lambda: _has(archive, 2), what="two archived records")
    await loops.stop(first)

    await send_to(archive_topic, sample_event(RECEIVED), partition=1)
    loops.start(archive_topic, group)
    # A second group reads the whole topic again: as after a lost offset commit.
    loops.start(archive_topic)
    await eventually(lambda: _has(archive, 3), what="the third record")

    position = TopicPartition(archive_topic, 1)
    second = await archive.store.record_at(position, 1)
    third = await archive.store.record_at(position, 2)
    assert second is not None
    assert third is not None
    assert third.previous_hash == second.hash
    assert (await verify_archive(archive.store, None)).intact
    assert await stored_count(archive) == 3


async def test_audit_verify_names_the_one_stored_event_that_was_altered(
    archive: Archive,
    archive_topic: str,
    loops: Any,
    send_to: Any,
    servers: Servers,
    platform_settings: PlatformSettings,
    archive_settings: ArchiveSettings,
) -> None:
    await publish_history(send_to, archive_topic, "doc-tampered")
    loops.start(archive_topic)
    await eventually(lambda: _has(archive, 3), what="three archived records")
    env = _cli_env(servers, platform_settings, archive_settings, archive.db.name)
    intact = _vanthu(env, "audit", "verify")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "INTACT: 3 records" in intact.stdout

    stored = await archive.db[COLLECTION].find_one({"topic": archive_topic, "offset": 1})
    assert stored is not None
    altered = bytes(stored["value"]).replace(b'"on_behalf":true', b'"on_behalf":false')
    assert altered != bytes(stored["value"])
    await archive.db[COLLECTION].update_one({"_id": stored["_id"]}, {"$set": {"value": altered}})

    broken = _vanthu(env, "audit", "verify")
    assert broken.returncode == 1
    assert f"FIRST BROKEN RECORD: {archive_topic}[0] offset 1: hash_mismatch" in broken.stdout


async def test_removing_a_stored_event_breaks_the_link_of_the_one_after_it(
    archive: Archive, archive_topic: str, loops: Any, send_to: Any
) -> None:
    await publish_history(send_to, archive_topic, "doc-removed")
    loops.start(archive_topic)
    await eventually(lambda: _has(archive, 3), what="three archived records")
    await archive.db[COLLECTION].delete_one({"topic": archive_topic, "offset": 1})

    report = await verify_archive(archive.store, None)

    assert report.first_break is not None
    assert (report.first_break.offset, report.first_break.kind.value) == (2, "link_mismatch")


async def _timeline_of(archive: Archive, document_id: str, size: int) -> list[dict[str, Any]]:
    entries = await archive.read_models.timeline([document_id])
    return entries if len(entries) >= size else []


async def _has(archive: Archive, count: int) -> bool:
    return await stored_count(archive) >= count


def _cli_env(
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
