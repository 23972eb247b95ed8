"""Signed checkpoints in an object-locked MinIO bucket: write once, and they pin the history."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from archive_testkit import stored_event
from harness.samples import sample_event
from minio.error import S3Error
from vanthu_archive.adapters.minio_checkpoint_store import (
    CHECKPOINT_PREFIX,
    CheckpointAlreadyWritten,
)
from vanthu_archive.adapters.mongo_event_store import COLLECTION
from vanthu_archive.bootstrap import Archive
from vanthu_archive.domain.hashchain import StoredRecord, TopicPartition, chain_hash
from vanthu_archive.handlers import archive_records, verify_archive

START = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def records_on(topic: str, count: int) -> list[StoredRecord]:
    return [
        stored_event(
            sample_event("vanthu.intake.document.received.v1"),
            offset,
            topic=topic,
            at=START + timedelta(minutes=offset),
            source="/vanthu/intake",
        )
        for offset in range(count)
    ]


async def test_a_signed_checkpoint_verifies_and_can_be_neither_overwritten_nor_deleted(
    archive: Archive,
) -> None:
    topic = f"t.{secrets.token_hex(3)}"
    await archive_records(archive.store, records_on(topic, 3))

    name = await archive.sign_checkpoint_now()

    assert archive.checkpoints.object_lock
    report = await verify_archive(archive.store, archive.checkpoints)
    assert report.intact
    assert report.checkpoints_checked == 1
    original = await archive.checkpoints.get(name)
    with pytest.raises(CheckpointAlreadyWritten):
        await archive.checkpoints.put_checkpoint(name, b'{"forged": true}')
    client = archive.checkpoints._client
    versions = list(
        client.list_objects(
            archive.checkpoints.bucket, prefix=CHECKPOINT_PREFIX + name, include_version=True
        )
    )
    assert len(versions) == 1
    with pytest.raises(S3Error):
        client.remove_object(
            archive.checkpoints.bucket,
            CHECKPOINT_PREFIX + name,
            version_id=versions[0].version_id,
        )
    assert await archive.checkpoints.get(name) == original


async def test_a_chain_rewritten_consistently_after_a_checkpoint_is_caught_by_the_checkpoint(
    archive: Archive,
) -> None:
    topic = f"t.{secrets.token_hex(3)}"
    await archive_records(archive.store, records_on(topic, 3))
    name = await archive.sign_checkpoint_now()

    # A careful forger changes record 1 and recomputes every hash after it.
    events = archive.db[COLLECTION]
    stored = [doc async for doc in events.find({"topic": topic}, sort=[("offset", 1)])]
    running = bytes(stored[0]["hash"])
    for doc in stored[1:]:
        if doc["offset"] == 1:
            doc["value"] = bytes(doc["value"]).replace("Bộ Nội vụ".encode(), b"Bo Noi vu")
        chained = await archive.store.record_at(TopicPartition(topic, 0), doc["offset"])
        assert chained is not None
        record = StoredRecord(
            topic=topic,
            partition=0,
            offset=doc["offset"],
            timestamp=chained.record.timestamp,
            key=chained.record.key,
            value=bytes(doc["value"]),
            headers=chained.record.headers,
            arrived_at=chained.record.arrived_at,
        )
        new_hash = chain_hash(running, record)
        await events.update_one(
            {"_id": doc["_id"]},
            {"$set": {"value": record.value, "previous_hash": running, "hash": new_hash}},
        )
        running = new_hash

    report = await verify_archive(archive.store, archive.checkpoints)

    assert report.first_break is None
    assert not report.intact
    assert any(
        f"checkpoint {name}: {topic}[0] offset 2" in problem and "rewritten" in problem
        for problem in report.checkpoint_problems
    )


async def test_a_forged_checkpoint_object_is_reported(archive: Archive) -> None:
    topic = f"t.{secrets.token_hex(3)}"
    await archive_records(archive.store, records_on(topic, 1))
    await archive.sign_checkpoint_now()
    await archive.checkpoints.put_checkpoint("forged.json", b'{"checkpoint": {}}')

    report = await verify_archive(archive.store, archive.checkpoints)

    assert any(
        problem.startswith("checkpoint forged.json") for problem in report.checkpoint_problems
    )
