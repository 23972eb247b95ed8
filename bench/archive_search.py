"""Search at scale on the inverted index: query latency p50/p99 per kind of query, beside a raw
`_id` look-up on the same server in the same run.

    uv run python bench/archive_search.py [--documents 100000] [--queries 30]

Fills a fresh Mongo-wire database (`make infra-up`) with synthetic Vietnamese documents: their
search records by bulk inserts, their postings through the index's own write path (a batch of
`--batch` documents at a time, as the worker posts a consumed batch); then runs each kind of
query (words without accents, with accents, a phrase, a word beginning, words with a filter, a
filter alone, the newest list) through the adapter the API uses, as a clerk of one agency. Ends
with `bench: archive_search p50_ms=… p99_ms=… target_ms=100` over every search it ran. Not part
of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness.servers import choose_servers  # noqa: E402
from vanthu_archive.adapters.mongo_read_models import DOCUMENTS, MongoReadModels  # noqa: E402
from vanthu_archive.adapters.mongo_search_index import POSTINGS, Reposted  # noqa: E402
from vanthu_archive.domain.inverted_index import IndexedFacts  # noqa: E402
from vanthu_archive.domain.textsearch import (  # noqa: E402
    SearchableDocument,
    SearchFilters,
    index_entry,
    parse_text_query,
)
from vanthu_contracts.events.values import Urgency  # noqa: E402
from vanthu_runtime.auth import Principal, Role  # noqa: E402
from vanthu_runtime.mongo import create_mongo_client  # noqa: E402
from vanthu_runtime.settings import MongoSettings  # noqa: E402

AGENCIES = [f"000.00.00.H{n:02d}" for n in range(10, 30)]
TYPES = [
    ("QĐ", "Quyết định"),
    ("CV", "Công văn"),
    ("TB", "Thông báo"),
    ("KH", "Kế hoạch"),
    ("BC", "Báo cáo"),
    ("TTr", "Tờ trình"),
    ("GM", "Giấy mời"),
]
ISSUERS = [
    "Bộ Nội vụ",
    "Văn phòng Chính phủ",
    "Sở Tài chính",
    "Sở Giáo dục và Đào tạo",
    "UBND huyện Đức Thọ",
    "Sở Y tế",
    "Bộ Tài chính",
    "Sở Nông nghiệp và Phát triển nông thôn",
]
TOPICS = [
    "ban hành quy chế công tác văn thư lưu trữ",
    "điều động cán bộ",
    "phân bổ ngân sách",
    "phòng chống lụt bão",
    "tuyển dụng viên chức",
    "kiểm tra việc thực hiện",
    "tổ chức hội nghị tổng kết",
    "cải cách hành chính",
    "chuyển đổi số",
    "đầu tư công",
    "bảo vệ bí mật nhà nước",
    "thi đua khen thưởng",
    "quản lý đất đai",
    "y tế dự phòng",
]
FILLER = [
    "về",
    "việc",
    "đề",
    "nghị",
    "thực",
    "hiện",
    "theo",
    "quy",
    "định",
    "của",
    "pháp",
    "luật",
    "năm",
    "nay",
    "các",
    "đơn",
    "vị",
    "có",
    "liên",
    "quan",
    "triển",
    "khai",
    "khẩn",
    "trương",
    "báo",
    "cáo",
    "kết",
    "quả",
    "trước",
    "ngày",
]
KINDS: list[tuple[str, list[str], SearchFilters]] = [
    (
        "words, no accents",
        ["quyet dinh", "ngan sach", "chuyen doi so", "khen thuong"],
        SearchFilters(),
    ),
    ("words, with accents", ["Quyết định điều động", "tuyển dụng", "đất đai"], SearchFilters()),
    ("phrase", ['"cai cach hanh chinh"', '"phong chong lut bao"'], SearchFilters()),
    ("word beginning", ["dau tu*", "hoi ngh*", "chuyen*"], SearchFilters()),
    (
        "words + urgency",
        ["bi mat", "y te du phong"],
        SearchFilters(urgencies=frozenset({Urgency.URGENT, Urgency.FLASH})),
    ),
    ("type filter only", [""], SearchFilters(document_types=frozenset({"QĐ"}))),
    ("newest, no filter", [""], SearchFilters()),
]


def synthetic(n: int, rng: random.Random) -> dict[str, Any]:
    code, type_name = rng.choice(TYPES)
    topic = rng.choice(TOPICS)
    subject = f"{type_name} {topic} " + " ".join(rng.sample(FILLER, 6))
    issuer = rng.choice(ISSUERS)
    notation = f"{rng.randint(1, 999)}/{code}-{rng.choice(['BNV', 'UBND', 'STC', 'VPCP'])}"
    body = " ".join(rng.choices(FILLER + topic.split(), k=rng.randint(20, 80)))
    searchable = SearchableDocument(subject, notation, type_name, issuer, body)
    entry = index_entry(searchable)
    received = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n * 3)
    confidential = rng.random() < 0.05
    return {
        "_id": f"doc-{n:08d}",
        "agency_code": AGENCIES[n % len(AGENCIES)],
        "subject": subject,
        "notation": notation,
        "document_type": {"code": code, "name": type_name},
        "issuer": {"name": issuer, "agency_code": None},
        "issued_date": (date(2024, 1, 1) + timedelta(days=n % 900)).isoformat(),
        "received_at": received,
        "status": rng.choice(["registered", "in_progress", "completed"]),
        "urgency": rng.choice([u.value for u in Urgency]),
        "confidentiality": "confidential" if confidential else "normal",
        "readers": [f"u-{n % 50}"],
        "search_text": entry.search_text,
        "issuer_folded": entry.issuer_folded,
        "_searchable": searchable,
    }


def indexed(record: dict[str, Any]) -> IndexedFacts:
    """What the worker would post for this document."""
    return IndexedFacts(
        document_id=record["_id"],
        agency_code=record["agency_code"],
        received_at=record["received_at"],
        document=record.pop("_searchable"),
        document_type_code=record["document_type"]["code"],
        urgency=record["urgency"],
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def load(
    db: Any, models: MongoReadModels, documents: int, batch: int, rng: random.Random
) -> int:
    posted = 0
    for first in range(0, documents, batch):
        records = [synthetic(n, rng) for n in range(first, min(documents, first + batch))]
        facts = [indexed(record) for record in records]
        await db[DOCUMENTS].insert_many(records, ordered=False)
        posted += await models.index.post([Reposted(None, f) for f in facts])
        print(f"  loaded {first + len(records)} documents", flush=True)
    buckets = await db[POSTINGS].count_documents({})
    print(f"  {posted:,} postings in {buckets:,} buckets", flush=True)
    return posted


async def run(documents: int, queries: int, batch: int) -> None:
    with ExitStack() as stack:
        servers = choose_servers(stack)
        database = f"bench_search_{secrets.token_hex(4)}"
        settings = MongoSettings(uri=servers.mongo_uri, database=database)
        client = create_mongo_client(settings)
        db = client[database]
        models = MongoReadModels(db)
        await models.ensure_indexes()
        rng = random.Random(20261121)
        results: dict[str, tuple[list[float], list[int]]] = {}
        try:
            started = time.perf_counter()
            postings = await load(db, models, documents, batch, rng)
            load_s = time.perf_counter() - started
            raw: list[float] = []
            for _ in range(queries):
                started = time.perf_counter()
                await db[DOCUMENTS].find_one({"_id": f"doc-{rng.randrange(documents):08d}"})
                raw.append(time.perf_counter() - started)
            results["raw pymongo find_one by _id"] = (raw, [1] * queries)
            for kind, texts, filters in KINDS:
                latencies: list[float] = []
                hits: list[int] = []
                for n in range(queries):
                    text = texts[n % len(texts)]
                    query = parse_text_query(text) if text else None
                    searcher = Principal(
                        user_id=f"u-{n % 50}",
                        agency_code=AGENCIES[n % len(AGENCIES)],
                        roles=frozenset({Role.CLERK}),
                    )
                    started = time.perf_counter()
                    page = await models.search(
                        searcher, filters, query, page=1, page_size=20, candidates=2000
                    )
                    latencies.append(time.perf_counter() - started)
                    hits.append(page.total)
                results[kind] = (latencies, hits)
                print(f"  {kind}: p50 {percentile(latencies, 0.5) * 1000:.0f} ms", flush=True)
            raw_after: list[float] = []
            for _ in range(queries):
                started = time.perf_counter()
                await db[DOCUMENTS].find_one({"_id": f"doc-{rng.randrange(documents):08d}"})
                raw_after.append(time.perf_counter() - started)
            results["raw pymongo find_one by _id (again)"] = (raw_after, [1] * queries)
        finally:
            await client.drop_database(database)
            await client.close()

    per_agency = documents // len(AGENCIES)
    print(
        f"documents: {documents} in {len(AGENCIES)} agencies (~{per_agency} each), "
        f"{postings:,} postings ({servers.origin} servers); loaded in {load_s:.0f} s"
    )
    print(f"{'query kind':<38}{'p50 ms':>10}{'p99 ms':>10}{'mean total':>12}")
    for kind, (latencies, hits) in results.items():
        print(
            f"{kind:<38}{percentile(latencies, 0.5) * 1000:>10.1f}"
            f"{percentile(latencies, 0.99) * 1000:>10.1f}{statistics.mean(hits):>12,.0f}"
        )
    searches = [t for kind, (ts, _) in results.items() if not kind.startswith("raw") for t in ts]
    print(f"every search: p95 {percentile(searches, 0.95) * 1000:.1f} ms")
    print(
        f"bench: archive_search p50_ms={percentile(searches, 0.5) * 1000:.1f} "
        f"p99_ms={percentile(searches, 0.99) * 1000:.1f} target_ms=100"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--batch", type=int, default=700)
    args = parser.parse_args()
    asyncio.run(run(args.documents, args.queries, args.batch))


if __name__ == "__main__":
    main()
