"""A records file whose writer died between claiming a version and writing it is not blocked for
ever: after a while the next writer takes the claim over; a fresh claim still turns others away."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_archive.adapters.mongo_records_files import VERSION_CLAIMS, MongoRecordsFiles
from vanthu_archive.domain.records_files import RecordsFile, RetentionPeriod
from vanthu_archive.handlers import change_records_file
from vanthu_archive.ports import StaleRecordsFile
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument


def a_file() -> RecordsFile:
    return RecordsFile(
        file_id=f"hs-{uuid.uuid4().hex[:10]}",
        agency_code="000.00.00.H41",
        year=2026,
        notation=f"HS-{uuid.uuid4().hex[:6]}",
        title="Hồ sơ tuyển dụng viên chức năm 2026",
        retention=RetentionPeriod(10),
        responsible_unit="Phòng Tổ chức cán bộ",
        opened_on=date(2026, 1, 5),
    )


def adding(document_id: str) -> Callable[[RecordsFile], tuple[KafkaRecord, ...]]:
    def change(records_file: RecordsFile) -> tuple[KafkaRecord, ...]:
        records_file.add_document(document_id)
        return ()

    return change


async def test_a_claim_left_by_a_dead_writer_is_taken_over_after_a_while(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    files = MongoRecordsFiles(mongo_db, stale_claim_after=timedelta(seconds=30))
    records_file = a_file()
    await files.add(records_file)
    # The writer claimed version 2 ten minutes ago and died before writing it.
    await mongo_db[VERSION_CLAIMS].insert_one(
        {"_id": f"{records_file.file_id}:2", "at": datetime.now(UTC) - timedelta(minutes=10)}
    )

    changed = await change_records_file(files, records_file.file_id, adding("doc-1"))

    stored = await files.get(records_file.file_id)
    assert stored is not None
    assert stored[0].document_ids == ["doc-1"] == changed.document_ids
    assert stored[1] == 2


async def test_a_fresh_claim_of_a_live_writer_is_not_taken_over(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    files = MongoRecordsFiles(mongo_db, stale_claim_after=timedelta(seconds=30))
    records_file = a_file()
    await files.add(records_file)
    await mongo_db[VERSION_CLAIMS].insert_one(
        {"_id": f"{records_file.file_id}:2", "at": datetime.now(UTC)}
    )

    with pytest.raises(StaleRecordsFile):
        await change_records_file(files, records_file.file_id, adding("doc-1"))

    stored = await files.get(records_file.file_id)
    assert stored is not None
    assert stored[0].document_ids == []
