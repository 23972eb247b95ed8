"""Writes by `_id` against insert_many, on the same Mongo-wire server in the same run.

    uv run python bench/mongo_writes.py [--documents 1000] [--rounds 200] [--batches 10]

Fills a scratch database (`make infra-up`; dropped afterwards) with documents of about 2 KB and
times, interleaved round by round, what the services' write paths do: find_one, update_one and
find_one_and_update by `_id`, update_many of 100 by `_id` `$in`, a bulk_write of 100 UpdateOne by
`_id`, a find of 100 by `$in`, the outbox relay's round for 100 aggregates (claim, find, `$pull`
the events, `$unset` the claim), each per document beside insert_many of 100 per document, the
bare limit of a write (ADR 0005).
`--uri` points it at another server (a private FerretDB on another port). Not part of `make test`.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from harness.servers import choose_servers  # noqa: E402
from pymongo import AsyncMongoClient, UpdateOne  # noqa: E402

BATCH = 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def document(key: str, n: int) -> dict[str, Any]:
    return {
        "_id": key,
        "agency": f"000.00.00.H{n % 50:02d}",
        "revision": 0,
        "status": "registered",
        "title": f"Công văn số {n} về việc triển khai kế hoạch năm 2026",
        "body": secrets.token_hex(850),  # ~1.7 KB, with the rest about 2 KB
        "outbox": [],
    }


async def run(uri: str | None, documents: int, rounds: int, batches: int) -> None:
    with ExitStack() as stack:
        if uri is None:
            servers = choose_servers(stack)
            uri, origin = servers.mongo_uri, servers.origin
        else:
            origin = uri
        database = f"bench_writes_{secrets.token_hex(4)}"
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            uri, retryWrites=False, tz_aware=True
        )
        coll = client[database]["aggregates"]
        scratch = client[database]["inserted"]
        ids = [f"agg-{n:08d}" for n in range(documents)]
        rng = random.Random(7)
        picks = [rng.choice(ids) for _ in range(rounds)]
        sets = [rng.sample(ids, BATCH) for _ in range(batches)]
        results: dict[str, tuple[list[float], int]] = {}  # kind -> latencies, documents per op
        try:
            await coll.insert_many([document(k, n) for n, k in enumerate(ids)])
            await scratch.insert_one({"_id": "warm"})
            inserted = 0

            async def insert_many(n: int) -> None:
                nonlocal inserted
                await scratch.insert_many(
                    [document(f"ins-{inserted + i:08d}", i) for i in range(BATCH)]
                )
                inserted += BATCH

            async def find_one(n: int) -> None:
                assert await coll.find_one({"_id": picks[n]}) is not None

            async def update_one(n: int) -> None:
                r = await coll.update_one(
                    {"_id": picks[n]}, {"$inc": {"revision": 1}, "$set": {"status": "assigned"}}
                )
                assert r.matched_count == 1

            async def find_one_and_update(n: int) -> None:
                doc = await coll.find_one_and_update(
                    {"_id": picks[n]}, {"$inc": {"revision": 1}, "$set": {"status": "done"}}
                )
                assert doc is not None

            async def update_many(n: int) -> None:
                r = await coll.update_many(
                    {"_id": {"$in": sets[n]}},
                    {"$inc": {"revision": 1}, "$set": {"claimed_by": f"relay-{n}"}},
                )
                assert r.matched_count == BATCH

            async def bulk_write(n: int) -> None:
                r = await coll.bulk_write(
                    [
                        UpdateOne({"_id": k}, {"$inc": {"revision": 1}, "$set": {"status": "x"}})
                        for k in sets[n]
                    ],
                    ordered=False,
                )
                assert r.matched_count == BATCH

            async def find_in(n: int) -> None:
                found = await coll.find({"_id": {"$in": sets[n]}}).to_list()
                assert len(found) == BATCH

            async def relay_round(n: int) -> None:
                # the outbox relay's commands for a batch: claim, read, remove the events, release
                # (each document gets an event with its claim, so every step writes)
                batch, event = sets[n], f"ev-{n}"
                claimed = await coll.update_many(
                    {"_id": {"$in": batch}},
                    {"$set": {"relay": f"relay-{n}"}, "$push": {"outbox": {"event_id": event}}},
                )
                found = await coll.find({"_id": {"$in": batch}, "relay": f"relay-{n}"}).to_list()
                await coll.update_many(
                    {"_id": {"$in": batch}}, {"$pull": {"outbox": {"event_id": {"$in": [event]}}}}
                )
                await coll.update_many({"_id": {"$in": batch}}, {"$unset": {"relay": ""}})
                assert claimed.matched_count == len(found) == BATCH

            kinds: list[tuple[str, int, int, Callable[[int], Awaitable[None]]]] = [
                (f"insert_many of {BATCH}", batches, BATCH, insert_many),
                ("find_one by _id", rounds, 1, find_one),
                ("update_one by _id", rounds, 1, update_one),
                ("find_one_and_update by _id", rounds, 1, find_one_and_update),
                (f"update_many _id $in {BATCH}", batches, BATCH, update_many),
                (f"bulk_write {BATCH} UpdateOne", batches, BATCH, bulk_write),
                (f"find _id $in {BATCH}", batches, BATCH, find_in),
                (f"relay round of {BATCH} (4 commands)", batches, BATCH, relay_round),
            ]
            await find_one(0)  # warm the connection
            # interleaved, round by round, so that every kind meets the same load of the machine
            for kind, *_ in kinds:
                results[kind] = ([], 0)
            for n in range(max(count for _, count, _, _ in kinds)):
                for kind, count, per_op, op in kinds:
                    if n < count:
                        started = time.perf_counter()
                        await op(n)
                        results[kind] = (
                            [*results[kind][0], time.perf_counter() - started],
                            per_op,
                        )
        finally:
            await client.drop_database(database)
            await client.close()

    print(f"documents: {documents:,} of ~2 KB ({origin} server)")
    print(f"{'operation':<32}{'n':>5}{'p50 ms':>10}{'p99 ms':>10}{'ms/doc':>9}")
    per_doc: dict[str, float] = {}
    for kind, (latencies, docs) in results.items():
        p50 = percentile(latencies, 0.5) * 1000
        per_doc[kind] = p50 / docs
        print(
            f"{kind:<32}{len(latencies):>5}{p50:>10.2f}"
            f"{percentile(latencies, 0.99) * 1000:>10.2f}{per_doc[kind]:>9.3f}"
        )
    ours = per_doc[f"update_many _id $in {BATCH}"]
    limit = per_doc[f"insert_many of {BATCH}"]
    print(f"bench: mongo_writes ours={ours:.3f}ms limit={limit:.3f}ms ratio={ours / limit:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", help="a Mongo-wire URI instead of the servers the tests use")
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.uri, args.documents, args.rounds, args.batches))


if __name__ == "__main__":
    main()
