"""Every single-document write is atomic, whatever other clients write to the same document.

FerretDB v1.24.2 as released runs update, findAndModify and delete as a query and then a separate
write (FerretDB#3040), so concurrent writers of one document overwrite each other; the local
server is patched for it (ADR 0005).
"""

from __future__ import annotations

import asyncio
import secrets

from mongo_semantics.kit import ClientFactory, Document
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

CLIENTS = 8
ROUNDS = 25


async def _collections(db: AsyncDatabase[Document], clients: ClientFactory, name: str) -> list:
    return [(await clients())[db.name][name] for _ in range(CLIENTS)]


async def test_inc_from_8_concurrent_clients_loses_no_increment(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    name = f"inc_{secrets.token_hex(3)}"
    await db[name].insert_one({"_id": "counter", "n": 0, "m": 0})
    colls = await _collections(db, clients, name)

    async def bump(coll) -> None:
        for _ in range(ROUNDS):
            await coll.update_one({"_id": "counter"}, {"$inc": {"n": 1}})
            await coll.find_one_and_update({"_id": "counter"}, {"$inc": {"m": 1}})

    await asyncio.gather(*(bump(c) for c in colls))

    doc = await db[name].find_one({"_id": "counter"})
    assert doc is not None
    assert (doc["n"], doc["m"]) == (CLIENTS * ROUNDS, CLIENTS * ROUNDS)


async def test_compare_and_set_on_a_revision_has_exactly_one_winner_per_round(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    name = f"cas_{secrets.token_hex(3)}"
    await db[name].insert_one({"_id": "aggregate", "revision": 0, "owner": None, "history": []})
    colls = await _collections(db, clients, name)

    for revision in range(20):
        start = asyncio.Event()

        async def claim(i: int, coll, revision: int = revision, start=start) -> bool:
            await start.wait()
            won = await coll.find_one_and_update(
                {"_id": "aggregate", "revision": revision},
                {"$inc": {"revision": 1}, "$set": {"owner": i}, "$push": {"history": i}},
                return_document=ReturnDocument.AFTER,
            )
            return won is not None

        tasks = [asyncio.create_task(claim(i, c)) for i, c in enumerate(colls)]
        await asyncio.sleep(0)
        start.set()
        winners = [i for i, won in enumerate(await asyncio.gather(*tasks)) if won]
        assert len(winners) == 1, f"round {revision}: winners {winners}"

        doc = await db[name].find_one({"_id": "aggregate"})
        assert doc is not None
        assert doc["revision"] == revision + 1
        assert doc["owner"] == winners[0]
        assert len(doc["history"]) == revision + 1


async def test_racing_upserts_of_one_key_make_one_document_with_every_mark(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    name = f"upsert_{secrets.token_hex(3)}"
    colls = await _collections(db, clients, name)
    await db[name].insert_one({"_id": "other"})  # the collection exists; the keys do not

    for key in (f"key-{k}" for k in range(10)):

        async def mark(i: int, coll, key: str = key) -> None:
            await coll.update_one({"_id": key}, {"$addToSet": {"marks": i}}, upsert=True)

        results = await asyncio.gather(
            *(mark(i, c) for i, c in enumerate(colls)), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, f"{key}: {errors[:1]}"
        assert not any(isinstance(r, DuplicateKeyError) for r in results)

        docs = await db[name].find({"_id": key}).to_list()
        assert len(docs) == 1
        assert sorted(docs[0]["marks"]) == list(range(CLIENTS))


async def test_push_and_pull_beside_a_concurrent_set_of_the_same_document_lose_nothing(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    name = f"outbox_{secrets.token_hex(3)}"
    await db[name].insert_one(
        {
            "_id": "doc",
            "status": "new",
            "sets": 0,
            "outbox": [{"event_id": f"old-{n}"} for n in range(40)],
        }
    )
    pusher, puller, setter, other_setter = (await _collections(db, clients, name))[:4]

    async def push() -> None:
        for n in range(40):
            await pusher.update_one(
                {"_id": "doc"}, {"$push": {"outbox": {"event_id": f"new-{n}", "n": n}}}
            )

    async def pull() -> None:
        for batch in range(8):
            ids = [f"old-{n}" for n in range(batch * 5, batch * 5 + 5)]
            await puller.update_one(
                {"_id": "doc"}, {"$pull": {"outbox": {"event_id": {"$in": ids}}}}
            )

    async def set_status(coll, who: str) -> None:
        for n in range(20):
            await coll.update_one(
                {"_id": "doc"}, {"$set": {"status": f"{who}-{n}"}, "$inc": {"sets": 1}}
            )

    await asyncio.gather(push(), pull(), set_status(setter, "a"), set_status(other_setter, "b"))

    doc = await db[name].find_one({"_id": "doc"})
    assert doc is not None
    assert [e["event_id"] for e in doc["outbox"]] == [f"new-{n}" for n in range(40)]
    assert doc["sets"] == 40
    assert doc["status"] in {"a-19", "b-19"}


async def test_update_many_is_atomic_per_document_though_not_isolated_as_a_whole(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    """What we rely on from update_many: each matched document gets every update exactly once.

    Not relied on (MongoDB does not promise it either): that a reader sees all documents updated
    or none, or that two update_many calls apply in the same order to every document."""
    name = f"many_{secrets.token_hex(3)}"
    await db[name].insert_many([{"_id": n, "group": "g", "n": 0} for n in range(20)])
    colls = await _collections(db, clients, name)

    async def bump(coll) -> None:
        for _ in range(10):
            result = await coll.update_many({"group": "g"}, {"$inc": {"n": 1}})
            assert result.matched_count == 20

    await asyncio.gather(*(bump(c) for c in colls))

    counts = {doc["_id"]: doc["n"] async for doc in db[name].find({})}
    assert counts == {n: CLIENTS * 10 for n in range(20)}


async def test_delete_of_a_claimed_document_happens_once(
    db: AsyncDatabase[Document], clients: ClientFactory
) -> None:
    """find_one_and_delete as a queue pop: every item goes to exactly one client."""
    name = f"queue_{secrets.token_hex(3)}"
    await db[name].insert_many([{"_id": n, "queue": "q"} for n in range(80)])
    colls = await _collections(db, clients, name)

    async def pop_all(coll) -> list[int]:
        got = []
        while (doc := await coll.find_one_and_delete({"queue": "q"})) is not None:
            got.append(doc["_id"])
        return got

    popped = [n for got in await asyncio.gather(*(pop_all(c) for c in colls)) for n in got]
    assert sorted(popped) == list(range(80))
