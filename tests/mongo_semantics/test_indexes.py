"""A find by an indexed field is answered from the index, and the answer is the same as without it.

FerretDB v1.24.2's SQLite backend pushes only a filter of `_id` alone down to SQL and decodes every
document of the collection for anything else; the local server is patched to use its indexes
(ADR 0005). Pushing a filter down must never change which documents match, whatever the BSON types
stored, so every query here is also asked of a field without an index, which the server answers by
reading every document.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import Int64, ObjectId
from mongo_semantics.kit import Document
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

DAY = datetime(2026, 11, 21, tzinfo=UTC)
OID = ObjectId("6542a1b2c3d4e5f601234567")


async def _plan(coll: AsyncCollection[Document], query: Document, sort: list | None = None) -> Any:
    cursor = coll.find(query)
    if sort:
        cursor = cursor.sort(sort).limit(5)
    return await cursor.explain()


def _uses_index(plan: Document, index: str, is_ferretdb: bool) -> bool:
    if is_ferretdb:
        # the patched FerretDB reports what it pushed down to SQLite and SQLite's own plan
        lines = plan["queryPlanner"].get("Plan", [])
        return bool(plan.get("filterPushdown")) and any(
            f"_{index} " in line or line.endswith(f"_{index}") for line in lines
        )
    winning = str(plan["queryPlanner"]["winningPlan"])
    return ("IXSCAN" in winning and index in winning) or "IDHACK" in winning or "EXPRESS" in winning


def _sorted_by_index(plan: Document, is_ferretdb: bool) -> bool:
    if is_ferretdb:
        return bool(plan.get("sortPushdown"))
    return "'SORT'" not in str(plan["queryPlanner"]["winningPlan"])


@pytest.fixture(scope="module")
async def agencies(db: AsyncDatabase[Document]) -> AsyncCollection[Document]:
    coll = db["agencies"]
    await coll.create_index("agency")
    await coll.create_index([("unit", ASCENDING), ("due", ASCENDING)])
    await coll.create_index("due")
    await coll.insert_many(
        [
            {
                "_id": f"doc-{n:05}",
                "agency": f"A{n % 50:02}",
                "unit": f"U{n % 7}",
                "due": DAY + timedelta(hours=n),
                "number": n,
                "body": "x" * 200,
            }
            for n in range(3000)
        ]
    )
    return coll


async def test_a_find_by_an_indexed_field_uses_the_index(
    agencies: AsyncCollection[Document], is_ferretdb: bool
) -> None:
    cases = [
        ({"agency": "A07"}, "agency_1"),
        ({"agency": {"$in": ["A07", "A08"]}}, "agency_1"),
        ({"due": {"$gte": DAY + timedelta(days=3), "$lt": DAY + timedelta(days=4)}}, "due_1"),
        ({"unit": "U3", "agency": {"$exists": True}}, "unit_1_due_1"),
    ]
    for query, index in cases:
        plan = await _plan(agencies, query)
        assert _uses_index(plan, index, is_ferretdb), f"{query}: {plan.get('queryPlanner')}"


async def test_a_find_by_id_with_other_conditions_uses_the_id_index(
    agencies: AsyncCollection[Document], is_ferretdb: bool
) -> None:
    plan = await _plan(agencies, {"_id": "doc-00042", "agency": "A42"})
    assert _uses_index(plan, "_id_", is_ferretdb), plan.get("queryPlanner")
    assert await agencies.find_one({"_id": "doc-00042", "agency": "A42"}) is not None
    assert await agencies.find_one({"_id": "doc-00042", "agency": "A43"}) is None


async def test_in_reads_return_every_match_by_id_and_by_an_indexed_field(
    agencies: AsyncCollection[Document], is_ferretdb: bool
) -> None:
    ids = [f"doc-{n:05}" for n in (3, 99, 1500, 2999)] + ["doc-99999"]
    got = [d["_id"] async for d in agencies.find({"_id": {"$in": ids}})]
    assert sorted(got) == ids[:4]
    assert _uses_index(await _plan(agencies, {"_id": {"$in": ids}}), "_id_", is_ferretdb)

    got = [
        d["number"] async for d in agencies.find({"agency": {"$in": ["A01", "A49"]}, "unit": "U0"})
    ]
    expected = [n for n in range(3000) if n % 50 in (1, 49) and n % 7 == 0]
    assert sorted(got) == expected


async def test_sort_and_limit_on_an_indexed_field_give_the_first_documents_in_order(
    agencies: AsyncCollection[Document], is_ferretdb: bool
) -> None:
    since = DAY + timedelta(hours=1000)
    query = {"due": {"$gte": since}}
    first = [d["number"] async for d in agencies.find(query).sort("due", ASCENDING).limit(5)]
    assert first == [1000, 1001, 1002, 1003, 1004]
    last = [d["number"] async for d in agencies.find(query).sort("due", DESCENDING).limit(3)]
    assert last == [2999, 2998, 2997]
    plan = await _plan(agencies, query, [("due", ASCENDING)])
    assert _uses_index(plan, "due_1", is_ferretdb)
    assert _sorted_by_index(plan, is_ferretdb), plan

    # the first key of a compound index, sorted by its second
    by_unit = [
        d["number"]
        async for d in agencies.find({"unit": "U2", "due": {"$lt": DAY + timedelta(hours=40)}})
        .sort("due", DESCENDING)
        .limit(4)
    ]
    assert by_unit == [37, 30, 23, 16]


# Values of every type our documents hold, and the traps of comparing across BSON types: numbers
# of three types compare equal, an array matches by any element, a string is not a number, a date
# is not its milliseconds, true is not 1. (No nested arrays: FerretDB v1 refuses to store them.)
VALUES: list[Any] = [
    5,
    5.0,
    Int64(5),
    "5",
    [5, 6],
    [],
    ["abc", 1],
    {"a": 5},
    True,
    1,
    False,
    0,
    None,
    -1.5,
    7.25,
    Int64(2**40),
    "",
    "ab",
    "abc",
    "abd",
    "[abc",
    "Ünïcode",
    DAY,
    DAY + timedelta(days=1),
    int(DAY.timestamp() * 1000),
    OID,
    str(OID),
    ObjectId("6542a1b2c3d4e5f601234568"),
]

QUERIES: list[Any] = [
    5,
    5.0,
    "5",
    6,
    1,
    True,
    False,
    0,
    "abc",
    "",
    DAY,
    OID,
    str(OID),
    {"$eq": 5},
    {"$in": [5, "abc"]},
    {"$in": [True, DAY, OID]},
    {"$in": [0, 1]},
    {"$gt": 5},
    {"$gte": 5},
    {"$lt": 5},
    {"$lte": 0},
    {"$gt": -2, "$lt": 6},
    {"$gt": "ab"},
    {"$lt": "abc"},
    {"$gte": "", "$lt": "b"},
    {"$gt": DAY},
    {"$lte": DAY + timedelta(days=1)},
    {"$gt": OID},
    {"$gte": Int64(2**40)},
    {"$gt": 1.5, "$lte": 7.25},
]


@pytest.fixture(scope="module")
async def mixed(db: AsyncDatabase[Document]) -> AsyncCollection[Document]:
    coll = db["mixed"]
    await coll.create_index("v")
    docs: list[Document] = [{"_id": i, "v": v, "w": v, "tag": "t"} for i, v in enumerate(VALUES)]
    docs.append({"_id": len(VALUES), "tag": "t"})  # neither field
    await coll.insert_many(docs)
    return coll


@pytest.mark.parametrize("query", QUERIES, ids=repr)
async def test_an_indexed_field_matches_the_same_documents_of_every_type_as_an_unindexed_one(
    mixed: AsyncCollection[Document], query: Any
) -> None:
    by_index = sorted([d["_id"] async for d in mixed.find({"v": query})])
    by_scan = sorted([d["_id"] async for d in mixed.find({"w": query})])
    assert by_index == by_scan
    with_other = sorted([d["_id"] async for d in mixed.find({"v": query, "tag": "t"})])
    assert with_other == by_scan


async def test_equality_on_an_indexed_field_follows_mongodb_type_rules(
    mixed: AsyncCollection[Document],
) -> None:
    def values(ids: list[int]) -> list[Any]:
        return [VALUES[i] for i in sorted(ids)]

    five = [d["_id"] async for d in mixed.find({"v": 5})]
    assert values(five) == [5, 5.0, Int64(5), [5, 6]]
    one = [d["_id"] async for d in mixed.find({"v": 1})]
    assert values(one) == [["abc", 1], 1]
    true = [d["_id"] async for d in mixed.find({"v": True})]
    assert values(true) == [True]
    day = [d["_id"] async for d in mixed.find({"v": DAY})]
    assert values(day) == [DAY]


# No two of these compare equal, so there is one right order, and a sort is only right if it
# follows MongoDB's order of types: null, numbers, strings, objects, arrays (by their least or
# greatest element), ObjectIds, booleans, dates.
SORT_VALUES: list[Any] = [
    5,
    5.5,
    Int64(2**40),
    -1.5,
    7.25,
    0,
    "",
    "ab",
    "abc",
    "[abc",
    "Ünïcode",
    {"a": 5},
    DAY,
    DAY + timedelta(days=1),
    OID,
    ObjectId("6542a1b2c3d4e5f601234568"),
    True,
    False,
]


@pytest.fixture(scope="module", params=["scalars", "with arrays"])
async def sortable(
    db: AsyncDatabase[Document], request: pytest.FixtureRequest
) -> AsyncCollection[Document]:
    coll = db[f"sortable_{len(request.param)}"]
    await coll.create_index("v")
    values = SORT_VALUES + ([[3, 100], ["zz", 2.5]] if request.param == "with arrays" else [])
    docs: list[Document] = [{"_id": i, "v": v, "w": v} for i, v in enumerate(values)]
    docs.append({"_id": len(values)})  # neither field: sorts as null
    await coll.insert_many(docs)
    return coll


@pytest.mark.parametrize("direction", [ASCENDING, DESCENDING])
@pytest.mark.parametrize(
    "query",
    [
        {"$gte": -100},
        {"$gt": ""},
        {"$lte": DAY + timedelta(days=9)},
        {"$gt": OID},
        {"$in": [0, 5, "ab", 2.5]},
        None,
    ],
    ids=repr,
)
async def test_sort_with_limit_on_an_indexed_field_orders_as_mongodb_does(
    sortable: AsyncCollection[Document], query: Any, direction: int
) -> None:
    by_index = [
        d.get("w")
        async for d in sortable.find({} if query is None else {"v": query})
        .sort("v", direction)
        .limit(4)
    ]
    by_scan = [
        d.get("w")
        async for d in sortable.find({} if query is None else {"w": query})
        .sort("w", direction)
        .limit(4)
    ]
    assert by_index == by_scan
