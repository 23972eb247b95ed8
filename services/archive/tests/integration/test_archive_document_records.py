"""Two archive workers merging into the same document records at once lose nothing: the search
fields of the registration and every person the tasks name all end up on each record."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from archive_testkit import stored_event
from harness.samples import sample_event
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_archive.adapters.mongo_read_models import MongoReadModels
from vanthu_archive.domain.textsearch import SearchFilters, parse_text_query
from vanthu_archive.handlers import project_records
from vanthu_contracts import Event
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.mongo import MongoDocument

RECEIVED = "vanthu.intake.document.received.v1"
ASSIGNED = "vanthu.routing.task.assigned.v1"


def with_changes(event: Event, **changes: Any) -> Event:
    payload = {**event.model_dump(mode="json", by_alias=True), **changes}
    return type(event).model_validate(payload)


async def test_workers_merging_into_the_same_document_records_at_once_lose_nothing(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    # Five workers of one group (separate processes in production, separate read models here):
    # one holds the partition of document.received, four hold one partition of task.assigned
    # each. Each takes its records one batch after another, as a consumer does; all at once.
    registrations = [
        with_changes(
            sample_event(RECEIVED),
            document_id=f"doc-{uuid.uuid4().hex[:10]}",
            subject=f"Kế hoạch chuyển đổi số năm {n}",
        )
        for n in range(8)
    ]
    agency = registrations[0].agency_code  # type: ignore[attr-defined]
    partitions: list[list[Event]] = [[] for _ in range(4)]
    assignee_ids: dict[str, set[str]] = {}
    for registration in registrations:
        document_id = registration.document_id  # type: ignore[attr-defined]
        for k in range(4):
            assignment = sample_event(ASSIGNED, document_id=document_id, agency_code=agency)
            user_id = f"u-{k}-{document_id}"
            assignee = {**assignment.assignee.model_dump(mode="json"), "user_id": user_id}  # type: ignore[attr-defined]
            partitions[k].append(with_changes(assignment, assignee=assignee))
            assignee_ids.setdefault(document_id, set()).add(user_id)

    async def consume(events: list[Event], partition: int) -> None:
        worker = MongoReadModels(mongo_db)
        for offset, event in enumerate(events):
            await project_records(worker, None, [stored_event(event, offset, partition=partition)])

    await asyncio.gather(
        consume(registrations, 0),
        *(consume(events, partition) for partition, events in enumerate(partitions)),
    )

    reader = MongoReadModels(mongo_db)
    for n, registration in enumerate(registrations):
        document_id = registration.document_id  # type: ignore[attr-defined]
        stored = await reader.document(document_id)
        assert stored is not None
        assert stored["subject"] == f"Kế hoạch chuyển đổi số năm {n}"
        assert assignee_ids[document_id] <= set(stored["task_user_ids"]), document_id
    page = await reader.search(
        Principal(user_id="u-any", agency_code=agency, roles=frozenset({Role.CLERK})),
        SearchFilters(),
        parse_text_query("chuyen doi so"),
        page=1,
        page_size=50,
        candidates=2000,
    )
    assert {item["_id"] for item in page.items} == {
        r.document_id  # type: ignore[attr-defined]
        for r in registrations
    }
