"""File plans and records files in MongoDB.

A records file is one document with a `revision` (its version, from 1); every change is one
compare-and-set on it through the runtime's `OutboxCollection`, and an event the change must
publish rides in the same write (relayed by the worker). Calendar days are stored as `YYYY-MM-DD`
strings: they are days, not instants.

Each revision is also kept in the file's `history`, pushed by the same write that makes it: the
file's fields then, and the documents it gained and lost (a list of ids per revision, not the
whole list again), with the time it was written; `as_of` folds them into the file as it stood
at a moment (ADR 0055).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts import KafkaRecord
from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxCollection

from vanthu_archive.domain.records_files import (
    Disposition,
    DispositionState,
    FilePlan,
    FilePlanEntry,
    RecordsFile,
    RecordsFileStatus,
    RetentionPeriod,
)
from vanthu_archive.ports import StaleRecordsFile

FILE_PLANS = "archive_file_plans"
RECORDS_FILES = "archive_records_files"
FIRST_REVISION = 1
HISTORY = "history"
_WITHOUT_HISTORY = {HISTORY: 0}
"""A file's reads leave its history out: it grows with every change."""


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def plan_to_document(plan: FilePlan) -> MongoDocument:
    return {
        "_id": f"{plan.agency_code}:{plan.year}",
        "agency_code": plan.agency_code,
        "year": plan.year,
        "entries": [
            {
                "code": e.code,
                "title": e.title,
                "retention_years": e.retention.years,
                "responsible_unit": e.responsible_unit,
                "construction_project": e.construction_project,
            }
            for e in plan.entries
        ],
    }


def plan_from_document(document: MongoDocument) -> FilePlan:
    return FilePlan(
        agency_code=document["agency_code"],
        year=int(document["year"]),
        entries=tuple(
            FilePlanEntry(
                code=e["code"],
                title=e["title"],
                retention=RetentionPeriod(e["retention_years"]),
                responsible_unit=e["responsible_unit"],
                construction_project=bool(e.get("construction_project", False)),
            )
            for e in document["entries"]
        ),
    )


def file_to_fields(records_file: RecordsFile) -> MongoDocument:
    return {
        "agency_code": records_file.agency_code,
        "year": records_file.year,
        "notation": records_file.notation,
        "title": records_file.title,
        "retention_years": records_file.retention.years,
        "responsible_unit": records_file.responsible_unit,
        "opened_on": _day(records_file.opened_on),
        "construction_project": records_file.construction_project,
        "status": records_file.status.value,
        "document_ids": list(records_file.document_ids),
        "closed_on": _day(records_file.closed_on),
        "handover_alerted_on": _day(records_file.handover_alerted_on),
        "handed_over_on": _day(records_file.handed_over_on),
        "handover_due_on": _day(records_file.handover_due_on),
        "dispositions": [_disposition_fields(d) for d in records_file.dispositions],
    }


def _disposition_fields(disposition: Disposition) -> dict[str, Any]:
    return {
        "proposed_by": disposition.proposed_by,
        "proposed_on": _day(disposition.proposed_on),
        "reason": disposition.reason,
        "state": disposition.state.value,
        "decided_by": disposition.decided_by,
        "decided_on": _day(disposition.decided_on),
        "decision_note": disposition.decision_note,
        "disposed_by": disposition.disposed_by,
        "disposed_on": _day(disposition.disposed_on),
    }


def file_from_document(document: MongoDocument) -> RecordsFile:
    opened_on = _parse_day(document["opened_on"])
    assert opened_on is not None
    return RecordsFile(
        file_id=document["_id"],
        agency_code=document["agency_code"],
        year=int(document["year"]),
        notation=document["notation"],
        title=document["title"],
        retention=RetentionPeriod(document["retention_years"]),
        responsible_unit=document["responsible_unit"],
        opened_on=opened_on,
        construction_project=bool(document.get("construction_project", False)),
        status=RecordsFileStatus(document["status"]),
        document_ids=list(document.get("document_ids", [])),
        closed_on=_parse_day(document.get("closed_on")),
        handover_alerted_on=_parse_day(document.get("handover_alerted_on")),
        handed_over_on=_parse_day(document.get("handed_over_on")),
        dispositions=[
            Disposition(
                proposed_by=d["proposed_by"],
                proposed_on=_parse_day(d["proposed_on"]) or date.min,
                reason=d["reason"],
                state=DispositionState(d["state"]),
                decided_by=d.get("decided_by"),
                decided_on=_parse_day(d.get("decided_on")),
                decision_note=d.get("decision_note"),
                disposed_by=d.get("disposed_by"),
                disposed_on=_parse_day(d.get("disposed_on")),
            )
            for d in document.get("dispositions", [])
        ],
    )


class MongoRecordsFiles:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._plans: AsyncCollection[MongoDocument] = db[FILE_PLANS]
        self._files = OutboxCollection(db[RECORDS_FILES])

    async def ensure_indexes(self) -> None:
        files = self._files.raw
        await files.create_index([("agency_code", 1), ("status", 1)], name="agency_status")
        await files.create_index(
            [("agency_code", 1), ("year", 1), ("notation", 1)],
            unique=True,
            name="agency_year_notation_unique",
        )
        await self._files.ensure_indexes()

    async def save_plan(self, plan: FilePlan) -> None:
        document = plan_to_document(plan)
        await self._plans.replace_one({"_id": document["_id"]}, document, upsert=True)

    async def plan(self, agency_code: str, year: int) -> FilePlan | None:
        found = await self._plans.find_one({"_id": f"{agency_code}:{year}"})
        return None if found is None else plan_from_document(found)

    async def add(self, records_file: RecordsFile) -> None:
        # Refused for a taken id and for a notation the agency already used that year.
        added = await self._files.insert(
            {
                "_id": records_file.file_id,
                "revision": FIRST_REVISION,
                **file_to_fields(records_file),
                HISTORY: [revision_entry(FIRST_REVISION, records_file, ())],
            }
        )
        if not added:
            raise AlreadyExists(
                RECORDS_FILES, {"year": records_file.year, "notation": records_file.notation}
            )

    async def get(self, file_id: str) -> tuple[RecordsFile, int] | None:
        found = await self._files.raw.find_one({"_id": file_id}, projection=_WITHOUT_HISTORY)
        if found is None:
            return None
        return file_from_document(found), int(found["revision"])

    async def update(
        self,
        records_file: RecordsFile,
        version: int,
        events: tuple[KafkaRecord, ...] = (),
        *,
        before_ids: Sequence[str] = (),
    ) -> None:
        """Write the file if it is still at ``version`` (one compare-and-set, with its events
        and its revision in the history); `StaleRecordsFile` when another change came first.
        ``before_ids``: its documents at ``version``, for what the revision added and removed."""
        entry = revision_entry(version + 1, records_file, before_ids)
        written = await self._files.update(
            records_file.file_id,
            {"$set": file_to_fields(records_file), "$push": {HISTORY: entry}},
            events,
            revision=version,
        )
        if written is None:
            raise StaleRecordsFile(records_file.file_id)

    async def as_of(
        self, file_id: str, moment: datetime
    ) -> tuple[RecordsFile, int, datetime] | None:
        """The file as it stood at ``moment``: its newest revision written by then (with its
        number and time), or None when it had none (opened later, or before history was kept)."""
        found = await self._files.raw.find_one({"_id": file_id}, projection={HISTORY: 1})
        if found is None:
            return None
        fields: MongoDocument | None = None
        ids: list[str] = []
        revision, at = 0, moment
        for entry in found.get(HISTORY, []):
            written = _aware(entry["at"])
            if written > moment:
                break
            removed = set(entry.get("removed", []))
            ids = [d for d in ids if d not in removed] + list(entry.get("added", []))
            fields, revision, at = entry["fields"], int(entry["revision"]), written
        if fields is None:
            return None
        return file_from_document({"_id": file_id, **fields, "document_ids": ids}), revision, at

    async def of_agency(
        self, agency_code: str, statuses: list[str] | None = None
    ) -> list[RecordsFile]:
        query: MongoDocument = {"agency_code": agency_code}
        if statuses:
            query["status"] = {"$in": statuses}
        cursor = self._files.raw.find(query, projection=_WITHOUT_HISTORY, sort=[("_id", 1)])
        return [file_from_document(d) async for d in cursor]

    async def closed_files(self) -> list[tuple[RecordsFile, int]]:
        cursor = self._files.raw.find(
            {"status": RecordsFileStatus.CLOSED.value}, projection=_WITHOUT_HISTORY
        )
        return [(file_from_document(d), int(d["revision"])) async for d in cursor]


def revision_entry(
    revision: int, records_file: RecordsFile, before_ids: Sequence[str]
) -> MongoDocument:
    """One revision of the file for its history: its fields, and its documents as changes."""
    fields = file_to_fields(records_file)
    ids: list[str] = fields.pop("document_ids")
    before, now = set(before_ids), set(ids)
    return {
        "revision": revision,
        "at": datetime.now(UTC),
        "fields": fields,
        "added": [d for d in ids if d not in before],
        "removed": [d for d in before_ids if d not in now],
    }


def _aware(moment: datetime) -> datetime:
    # PyMongo may hand back naive UTC datetimes.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
