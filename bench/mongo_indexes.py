"""Finds by indexed fields against a find by `_id`, on the same Mongo-wire server in the same run.

    uv run python bench/mongo_indexes.py [--documents 100000] [--queries 50]

Fills a scratch database (`make infra-up`; dropped afterwards) with documents of about 2 KB
(insert_many), indexed as the services index theirs, and times each kind of find: by `_id`, by an
indexed string with a unique index, `$in` of five values, a date range sorted and limited, and
`_id` with a second condition. On the local FerretDB each indexed find should come within a few
times a find by `_id` (ADR 0005); unpatched, every one but `_id` alone read the whole collection.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness.servers import choose_servers  # noqa: E402
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient  # noqa: E402

AGENCIES = [f"000.00.00.H{n:02d}" for n in range(10, 60)]
START = datetime(2026, 1, 1, tzinfo=UTC)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def document(n: int, rng: random.Random) -> dict[str, Any]:
    return {
        "_id": f"doc-{n:08d}",
        "code": f"CV-{n:08d}",
        "agency": AGENCIES[n % len(AGENCIES)],
        "received_at": START + timedelta(minutes=n),
        "status": rng.choice(["registered", "assigned", "done"]),
        "title": f"Công văn số {n} về việc triển khai kế hoạch năm 2026",
        "body": secrets.token_hex(850),  # ~1.7 KB, with the rest about 2 KB
    }


async def load(coll: Any, documents: int, batch: int) -> None:
    rng = random.Random(20261201)
    await coll.create_index("code", unique=True)
    await coll.create_index([("agency", ASCENDING), ("received_at", DESCENDING)])
    await coll.create_index("received_at")
    for start in range(0, documents, batch):
        await coll.insert_many(
            [document(n, rng) for n in range(start, min(documents, start + batch))], ordered=False
        )
        if start and start % (batch * 20) == 0:
            print(f"  loaded {start:,}", flush=True)


async def timed(queries: int, find: Callable[[int], Awaitable[int]]) -> tuple[list[float], int]:
    latencies: list[float] = []
    found = 0
    for n in range(queries):
        started = time.perf_counter()
        found += await find(n)
        latencies.append(time.perf_counter() - started)
    return latencies, found


async def run(documents: int, queries: int, batch: int) -> None:
    with ExitStack() as stack:
        servers = choose_servers(stack)
        database = f"bench_indexes_{secrets.token_hex(4)}"
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            servers.mongo_uri, retryWrites=False, tz_aware=True
        )
        coll = client[database]["documents"]
        rng = random.Random(7)
        picks = [rng.randrange(documents) for _ in range(queries * 5)]
        results: dict[str, tuple[list[float], int]] = {}
        try:
            started = time.perf_counter()
            await load(coll, documents, batch)
            load_s = time.perf_counter() - started

            async def by_id(n: int) -> int:
                return int(await coll.find_one({"_id": f"doc-{picks[n]:08d}"}) is not None)

            async def by_code(n: int) -> int:
                return int(await coll.find_one({"code": f"CV-{picks[n]:08d}"}) is not None)

            async def by_in(n: int) -> int:
                codes = [f"CV-{p:08d}" for p in picks[n * 5 : n * 5 + 5]]
                return len(await coll.find({"code": {"$in": codes}}).to_list())

            async def by_range(n: int) -> int:
                since = START + timedelta(minutes=picks[n] % max(1, documents - 20))
                cursor = coll.find({"received_at": {"$gte": since}}).sort("received_at", 1)
                return len(await cursor.limit(10).to_list())

            async def by_id_and_agency(n: int) -> int:
                query = {"_id": f"doc-{picks[n]:08d}", "agency": AGENCIES[picks[n] % len(AGENCIES)]}
                return int(await coll.find_one(query) is not None)

            kinds: dict[str, Callable[[int], Awaitable[int]]] = {
                "find_one by _id": by_id,
                "find_one by indexed code": by_code,
                "find code $in 5 codes": by_in,
                "received_at >= t, sort, limit 10": by_range,
                "find_one {_id, agency}": by_id_and_agency,
            }
            await by_id(0)  # warm the connection
            for kind, find in kinds.items():
                results[kind] = await timed(queries, find)
                print(
                    f"  {kind}: p50 {percentile(results[kind][0], 0.5) * 1000:.1f} ms", flush=True
                )
        finally:
            await client.drop_database(database)
            await client.close()

    print(
        f"documents: {documents:,} of ~2 KB ({servers.origin} server), loaded in {load_s:.0f} s; "
        f"{queries} finds of each kind"
    )
    print(f"{'find':<36}{'p50 ms':>10}{'p99 ms':>10}{'found':>8}")
    for kind, (latencies, found) in results.items():
        print(
            f"{kind:<36}{percentile(latencies, 0.5) * 1000:>10.2f}"
            f"{percentile(latencies, 0.99) * 1000:>10.2f}{found:>8}"
        )
    limit = percentile(results["find_one by _id"][0], 0.5) * 1000
    ours = max(
        percentile(lat, 0.5) for kind, (lat, _) in results.items() if kind != "find_one by _id"
    )
    ours *= 1000
    print(f"bench: mongo_indexes ours={ours:.2f}ms limit={limit:.2f}ms ratio={ours / limit:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.documents, args.queries, args.batch))


if __name__ == "__main__":
    main()
