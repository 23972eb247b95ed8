"""File plans and records files in MongoDB/FerretDB.

A records file is one document with a `version`; every change is a compare-and-set on it, and an
event the change must publish rides in the same write (`outbox`, relayed by the worker).
Calendar days are stored as `YYYY-MM-DD` strings: they are days, not instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord
from vanthu_runtime.errors import AlreadyExists
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import holding_lease, outbox_entry, outbox_write

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
VERSION_CLAIMS = "archive_records_file_claims"
_TAKEOVERS = 10
_TAKEOVER_MARK = ">"


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
    def __init__(
        self,
        db: AsyncDatabase[MongoDocument],
        stale_claim_after: timedelta = timedelta(seconds=60),
    ) -> None:
        self._stale_claim_after = stale_claim_after
        self._plans: AsyncCollection[MongoDocument] = db[FILE_PLANS]
        self._files: AsyncCollection[MongoDocument] = db[RECORDS_FILES]
        self._claims: AsyncCollection[MongoDocument] = db[VERSION_CLAIMS]

    async def ensure_indexes(self) -> None:
        await self._files.create_index([("agency_code", 1), ("status", 1)], name="agency_status")
        await self._files.create_index(
            [("agency_code", 1), ("year", 1), ("notation", 1)],
            unique=True,
            name="agency_year_notation_unique",
        )

    async def save_plan(self, plan: FilePlan) -> None:
        document = plan_to_document(plan)
        await self._plans.replace_one({"_id": document["_id"]}, document, upsert=True)

    async def plan(self, agency_code: str, year: int) -> FilePlan | None:
        found = await self._plans.find_one({"_id": f"{agency_code}:{year}"})
        return None if found is None else plan_from_document(found)

    async def add(self, records_file: RecordsFile) -> None:
        try:
            await self._files.insert_one(
                {"_id": records_file.file_id, "version": 1, **file_to_fields(records_file)}
            )
        except DuplicateKeyError as exc:
            raise AlreadyExists(
                RECORDS_FILES,
                {"year": records_file.year, "notation": records_file.notation},
            ) from exc

    async def get(self, file_id: str) -> tuple[RecordsFile, int] | None:
        found = await self._files.find_one({"_id": file_id})
        if found is None:
            return None
        return file_from_document(found), int(found["version"])

    async def update(
        self, records_file: RecordsFile, version: int, events: tuple[KafkaRecord, ...] = ()
    ) -> None:
        # FerretDB v1 applies a conditional update without holding the document, so two writers
        # could both match `version` (ADR 0021). A unique insert has exactly one winner: whoever
        # claims the next version writes it.
        await self._claim(records_file.file_id, version + 1)
        change: MongoDocument = {"$set": {**file_to_fields(records_file), "version": version + 1}}
        if events:
            change["$push"] = {"outbox": {"$each": [outbox_entry(e) for e in events]}}
        # And the document's lease: the relay may be removing published entries from it now,
        # and FerretDB v1 loses one of two concurrent updates of a document (ADR 0004).
        db, file_id = self._files.database, records_file.file_id
        async with (
            holding_lease(db, RECORDS_FILES, file_id),
            outbox_write(db, RECORDS_FILES, file_id),
        ):
            result = await self._files.update_one({"_id": file_id, "version": version}, change)
        if result.matched_count == 0:
            raise StaleRecordsFile(records_file.file_id)

    async def _claim(self, file_id: str, version: int) -> None:
        """Claim the right to write ``version``; a claim older than ``stale_claim_after`` whose
        version never got written was left by a writer that died, and is taken over — by one
        taker only, since the take-over is itself a unique insert (ADR 0045)."""
        claim_id = f"{file_id}:{version}"
        for _ in range(_TAKEOVERS):
            try:
                await self._claims.insert_one({"_id": claim_id, "at": datetime.now(UTC)})
            except DuplicateKeyError as exc:
                held = await self._claims.find_one({"_id": claim_id})
                if held is None or not self._abandoned(held):
                    raise StaleRecordsFile(file_id) from exc
                current = await self._files.find_one({"_id": file_id}, projection={"version": 1})
                if current is None or int(current["version"]) >= version:
                    raise StaleRecordsFile(file_id) from exc
                claim_id += _TAKEOVER_MARK
                continue
            return
        raise StaleRecordsFile(file_id)

    def _abandoned(self, claim: MongoDocument) -> bool:
        at: datetime = claim["at"]
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return datetime.now(UTC) - at > self._stale_claim_after

    async def of_agency(
        self, agency_code: str, statuses: list[str] | None = None
    ) -> list[RecordsFile]:
        query: MongoDocument = {"agency_code": agency_code}
        if statuses:
            query["status"] = {"$in": statuses}
        return [file_from_document(d) async for d in self._files.find(query, sort=[("_id", 1)])]

    async def closed_files(self) -> list[tuple[RecordsFile, int]]:
        cursor = self._files.find({"status": RecordsFileStatus.CLOSED.value})
        return [(file_from_document(d), int(d["version"])) async for d in cursor]
