"""Several people changing one records file at the same moment: every change is kept, each one
written on the version it was made on."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_archive.adapters.mongo_records_files import MongoRecordsFiles
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


async def test_documents_added_to_one_file_at_the_same_moment_are_all_in_it(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    records_file = a_file()
    await MongoRecordsFiles(mongo_db).add(records_file)
    added = [f"doc-{n}" for n in range(4)]

    # Four clerks, each with a connection of their own (API processes), at once.
    await asyncio.gather(
        *(
            change_records_file(MongoRecordsFiles(mongo_db), records_file.file_id, adding(d))
            for d in added
        )
    )

    stored = await MongoRecordsFiles(mongo_db).get(records_file.file_id)
    assert stored is not None
    assert sorted(stored[0].document_ids) == added
    assert stored[1] == 1 + len(added)


async def test_a_change_made_on_an_old_version_is_refused(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    files = MongoRecordsFiles(mongo_db)
    records_file = a_file()
    await files.add(records_file)
    read = await files.get(records_file.file_id)
    assert read is not None
    first, version = read
    await change_records_file(files, records_file.file_id, adding("doc-1"))

    first.add_document("doc-2")
    with pytest.raises(StaleRecordsFile):
        await files.update(first, version)

    stored = await files.get(records_file.file_id)
    assert stored is not None
    assert stored[0].document_ids == ["doc-1"]
