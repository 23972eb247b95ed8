"""Search at scale: index build time and query latency p50/p99 on the archive's search records.

    uv run python bench/archive_search.py [--documents 100000] [--queries 200]

Fills a fresh Mongo-wire database (`make infra-up`) with synthetic Vietnamese documents shaped as
the archive's projection writes them (search_terms, search_text, filters, permissions), creates
the indexes, then runs typed queries (with and without diacritics, prefixes, phrases, filters)
through the same adapter the API uses, as a clerk of one agency. `--documents 1000000` for the
1M run. Not part of `make test`.
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
from vanthu_archive.domain.textsearch import (  # noqa: E402
    SearchableDocument,
    Searcher,
    SearchFilters,
    index_entry,
    parse_text_query,
)
from vanthu_contracts.events.values import Urgency  # noqa: E402
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
QUERIES = [
    "quyet dinh",
    "Quyết định điều động",
    "ngan sach",
    "chuyen doi so",
    '"cai cach hanh chinh"',
    "lut bao",
    "tuyển dụng",
    "van thu luu tru",
    "dau tu*",
    "hoi nghi tong ket",
    "so y te",
    "khen thuong",
    "đất đai",
    "bi mat",
]


def synthetic(n: int, rng: random.Random) -> dict[str, Any]:
    code, type_name = rng.choice(TYPES)
    topic = rng.choice(TOPICS)
    subject = f"{type_name} {topic} " + " ".join(rng.sample(FILLER, 6))
    issuer = rng.choice(ISSUERS)
    notation = f"{rng.randint(1, 999)}/{code}-{rng.choice(['BNV', 'UBND', 'STC', 'VPCP'])}"
    body = " ".join(rng.choices(FILLER + topic.split(), k=rng.randint(20, 80)))
    entry = index_entry(SearchableDocument(subject, notation, type_name, issuer, body))
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
        "allowed_user_ids": [f"u-{n % 50}"],
        **entry.as_document_fields(),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(documents: int, queries: int, batch: int) -> None:
    with ExitStack() as stack:
        servers = choose_servers(stack)
        database = f"bench_search_{secrets.token_hex(4)}"
        settings = MongoSettings(uri=servers.mongo_uri, database=database)
        client = create_mongo_client(settings)
        db = client[database]
        models = MongoReadModels(db)
        rng = random.Random(20261121)
        try:
            started = time.perf_counter()
            for first in range(0, documents, batch):
                chunk = [synthetic(n, rng) for n in range(first, min(documents, first + batch))]
                await db[DOCUMENTS].insert_many(chunk, ordered=False)
                print(f"  loaded {first + len(chunk)}", flush=True)
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            await models.ensure_indexes()
            index_s = time.perf_counter() - started
            print(f"  indexes in {index_s:.1f} s", flush=True)

            latencies: list[float] = []
            hits: list[int] = []
            for n in range(queries):
                text = QUERIES[n % len(QUERIES)]
                filters = SearchFilters()
                if n % 4 == 1:
                    filters = SearchFilters(urgencies=frozenset({Urgency.URGENT, Urgency.FLASH}))
                if n % 4 == 2:
                    filters = SearchFilters(
                        issued_from=date(2024, 6, 1), issued_to=date(2025, 6, 1)
                    )
                searcher = Searcher(f"u-{n % 50}", AGENCIES[n % len(AGENCIES)])
                started = time.perf_counter()
                page = await models.search(
                    searcher, filters, parse_text_query(text), page=1, page_size=20, candidates=2000
                )
                latencies.append(time.perf_counter() - started)
                if n % 10 == 0:
                    print(f"  query {n}: {latencies[-1] * 1000:.0f} ms", flush=True)
                hits.append(page.total)
        finally:
            await client.drop_database(database)
            await client.close()

    print(f"documents: {documents} ({servers.origin} servers, {len(AGENCIES)} agencies)")
    print(
        f"load      {load_s:8.1f} s  ({documents / load_s:,.0f} documents/s, search fields "
        "computed in Python)"
    )
    print(f"indexes   {index_s:8.1f} s")
    print(
        f"queries   {queries}: p50 {percentile(latencies, 0.5) * 1000:8.1f} ms   "
        f"p99 {percentile(latencies, 0.99) * 1000:8.1f} ms   "
        f"mean matches {statistics.mean(hits):,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.documents, args.queries, args.batch))


if __name__ == "__main__":
    main()
