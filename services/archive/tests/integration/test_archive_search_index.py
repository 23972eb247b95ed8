"""Timelines and the inverted index on the real Mongo-wire server: redelivery adds nothing,
concurrent writers lose nothing, a changed text is found by its new words only, pages and
filters list the right documents."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from archive_testkit import stored_event
from harness.samples import sample_event
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_archive.adapters import mongo_search_index
from vanthu_archive.adapters.mongo_read_models import MongoReadModels
from vanthu_archive.adapters.mongo_search_index import POSTINGS
from vanthu_archive.domain.hashchain import StoredRecord
from vanthu_archive.domain.textsearch import SearchFilters, parse_text_query
from vanthu_archive.handlers import project_records
from vanthu_contracts import Event
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.mongo import MongoDocument

AGENCY = "000.00.00.H41"
CLERK = Principal(user_id="u-any", agency_code=AGENCY, roles=frozenset({Role.CLERK}))
RECEIVED = "vanthu.intake.document.received.v1"
DECIDED = "vanthu.routing.decision.recorded.v1"
ASSIGNED = "vanthu.routing.task.assigned.v1"
DIGITIZED = "vanthu.intake.document.digitized.v1"


def record(event: Event, offset: int, partition: int = 0) -> StoredRecord:
    return stored_event(event, offset, partition=partition)


def registered(subject: str, **changes: Any) -> Event:
    sample = sample_event(RECEIVED)
    payload = {
        **sample.model_dump(mode="json", by_alias=True),
        "subject": subject,
        "document_id": f"doc-{uuid.uuid4().hex[:12]}",
        **changes,
    }
    return type(sample).model_validate(payload)


async def found_ids(models: MongoReadModels, text: str, **options: Any) -> list[str]:
    page = await models.search(
        CLERK,
        SearchFilters(),
        parse_text_query(text, last_word_is_prefix=options.pop("prefix", False)),
        page=1,
        page_size=options.pop("page_size", 50),
        candidates=2000,
    )
    return [str(item["_id"]) for item in page.items]


async def postings_written(db: AsyncDatabase[MongoDocument]) -> int:
    buckets = db[POSTINGS].find({}, limit=10_000)
    return sum([len(bucket["p"]) async for bucket in buckets])


async def test_a_redelivered_batch_adds_no_timeline_entry_and_no_posting(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    document = registered("Quyết định phê duyệt kế hoạch")
    document_id = document.document_id  # type: ignore[attr-defined]
    batch = [
        record(document, 0),
        record(sample_event(DECIDED, document_id=document_id), 1),
    ]
    await project_records(models, None, batch)
    posted = await postings_written(mongo_db)

    await project_records(models, None, batch)

    assert [e["kind"] for e in await models.timeline([document_id])] == ["decided", "registered"]
    assert await postings_written(mongo_db) == posted
    assert await found_ids(models, "phe duyet") == [document_id]


async def test_writers_of_different_partitions_at_once_lose_no_document(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    documents = [registered(f"Báo cáo tổng kết số {n}") for n in range(12)]

    async def consume(partition: int) -> None:
        # One consumer per partition takes its records one batch after another.
        for n, document in enumerate(documents):
            if n % 4 == partition:
                await project_records(models, None, [record(document, n, partition=partition)])

    await asyncio.gather(*(consume(partition) for partition in range(4)))

    assert sorted(await found_ids(models, "tong ket")) == sorted(
        d.document_id  # type: ignore[attr-defined]
        for d in documents
    )


async def test_events_of_one_document_written_at_once_all_reach_its_timeline(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    document = registered("Giấy mời họp")
    document_id = document.document_id  # type: ignore[attr-defined]
    events = [document] + [sample_event(ASSIGNED, document_id=document_id) for _ in range(5)]

    # Events of one document come on several topics, to consumers that do not wait for each other.
    await asyncio.gather(
        *(project_records(models, None, [record(e, n)]) for n, e in enumerate(events))
    )

    entries = await models.timeline([document_id])
    assert len(entries) == 6
    assert sorted(e["kind"] for e in entries) == ["assigned"] * 5 + ["registered"]


async def test_documents_with_the_same_words_are_paged_newest_first(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    documents = [
        registered("Tờ trình kinh phí", received_at=(start + timedelta(days=n)).isoformat())
        for n in range(7)
    ]
    await project_records(models, None, [record(d, n) for n, d in enumerate(documents)])

    first = await models.search(
        CLERK, SearchFilters(), parse_text_query("kinh phi"), page=1, page_size=3, candidates=2000
    )
    last = await models.search(
        CLERK, SearchFilters(), parse_text_query("kinh phi"), page=3, page_size=3, candidates=2000
    )

    newest = [d.document_id for d in reversed(documents)]  # type: ignore[attr-defined]
    assert [item["_id"] for item in first.items] == newest[:3]
    assert [item["_id"] for item in last.items] == newest[6:]
    assert last.total == 7


async def test_typing_the_start_of_a_word_finds_documents_with_that_word(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    wanted = registered("Kế hoạch phòng chống lụt bão")
    await project_records(models, None, [record(wanted, 0), record(registered("Công văn"), 1)])

    found = await found_ids(models, "phong chong lu", prefix=True)

    assert found == [wanted.document_id]  # type: ignore[attr-defined]


class Texts:
    """OCR texts by blob key, as the blob store would hold them."""

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}

    async def text(self, key: str) -> str | None:
        return self.by_key.get(key)


async def test_a_document_scanned_again_is_found_by_its_new_text(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    texts = Texts()
    document = registered("Công văn gửi các đơn vị")
    document_id = document.document_id  # type: ignore[attr-defined]
    texts.by_key = {"ocr/first.txt": "lũ lụt miền Trung", "ocr/second.txt": "hạn hán Tây Nguyên"}
    first = sample_event(DIGITIZED, document_id=document_id, text_ref="ocr/first.txt")
    second = sample_event(DIGITIZED, document_id=document_id, text_ref="ocr/second.txt")

    await project_records(models, texts, [record(document, 0), record(first, 1)])
    found_first = await found_ids(models, "mien trung")
    await project_records(models, texts, [record(second, 2)])

    assert found_first == [document_id]
    assert await found_ids(models, "tay nguyen") == [document_id]
    assert await found_ids(models, "cong van") == [document_id]


async def test_an_older_status_arriving_last_does_not_replace_the_newer_one(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    document = registered("Giấy mời họp giao ban")
    document_id = document.document_id  # type: ignore[attr-defined]
    received_at = datetime.fromisoformat(
        document.model_dump(mode="json")["received_at"]  # type: ignore[index]
    )
    assigned = sample_event(
        ASSIGNED, document_id=document_id, assigned_at=received_at + timedelta(hours=2)
    )

    # The task's topic was read first; the registration, two hours older, comes after.
    await project_records(models, None, [record(assigned, 0, partition=1)])
    await project_records(models, None, [record(document, 0)])

    stored = await models.document(document_id)
    assert stored is not None
    assert stored["status"] == "in_progress"
    assert stored["status_at"] == received_at + timedelta(hours=2)


async def test_an_empty_search_lists_what_the_clerk_may_see_newest_first(
    mongo_db: AsyncDatabase[MongoDocument],
) -> None:
    models = MongoReadModels(mongo_db)
    await models.ensure_indexes()
    start = datetime(2026, 9, 1, tzinfo=UTC)
    older, newer = (
        registered("Thông báo lịch trực", received_at=(start + timedelta(days=n)).isoformat())
        for n in (1, 2)
    )
    secret = registered(
        "Kế hoạch bảo vệ", confidentiality="confidential", received_at=start.isoformat()
    )
    elsewhere = registered("Công văn khác", agency_code="000.00.00.G22")
    await project_records(
        models, None, [record(e, n) for n, e in enumerate([older, secret, newer, elsewhere])]
    )

    page = await models.search(CLERK, SearchFilters(), None, page=1, page_size=10, candidates=2000)

    assert [item["_id"] for item in page.items] == [newer.document_id, older.document_id]  # type: ignore[attr-defined]
    assert (page.total, page.total_is_exact) == (2, True)


async def test_a_word_posted_by_many_batches_is_still_found_whole_once_merged(
    mongo_db: AsyncDatabase[MongoDocument], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mongo_search_index, "MERGE_EVERY", 3)
    models = MongoReadModels(mongo_db)
    documents = [registered(f"Báo cáo quý {n} về phòng cháy") for n in range(8)]
    batches = [[record(d, n)] for n, d in enumerate(documents)]

    # One batch per document, as a quiet day posts them; then the first one redelivered.
    for batch in [*batches, batches[0]]:
        await project_records(models, None, batch)

    assert sorted(await found_ids(models, "phong chay")) == sorted(
        d.document_id  # type: ignore[attr-defined]
        for d in documents
    )
