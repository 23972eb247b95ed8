"""Fixity runs in MongoDB: what was checked, what was found, and the events to publish (outbox)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxCollection

from vanthu_archive.domain.fixity import FixityReport

FIXITY_RUNS = "archive_fixity_runs"


class MongoFixityRuns:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._runs = OutboxCollection(db[FIXITY_RUNS])

    async def record(
        self, check_id: str, report: FixityReport, events: tuple[KafkaRecord, ...]
    ) -> None:
        document: MongoDocument = {
            "_id": check_id,
            "checked_at": report.checked_at,
            "checked": report.checked,
            "findings": [
                {
                    "object_key": f.object_key,
                    "problem": f.problem.value,
                    "expected": f.expected,
                    "found": f.found,
                }
                for f in report.findings
            ],
        }
        await self._runs.insert(document, events)

    async def latest(self) -> MongoDocument | None:
        return await self._runs.raw.find_one({}, sort=[("checked_at", -1)])
