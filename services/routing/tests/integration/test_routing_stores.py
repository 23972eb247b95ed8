"""What the handlers rely on from the case repository and the directory, checked on the fake and
on the Mongo-wire adapters alike: a case written once per id, saved by one writer of two, found
only in its own agency, keeping who may see its document; two grants of one leader written at
once both kept."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from harness.samples import sample_event
from vanthu_contracts import DocumentReceived, encode
from vanthu_routing.adapters.mongo_case_repository import MongoCaseRepository
from vanthu_routing.adapters.mongo_directory import MongoDirectory
from vanthu_routing.domain.case import Case, Voiding
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.people import Actor, Person
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.ports import CaseNotFound, ConcurrentUpdate, DocumentSummary, StoredCase
from vanthu_runtime.auth import Principal

from ..unit.routing_fakes import FakeCaseRepository, FakeDirectory  # noqa: TID252 - one suite, both

AGENCY = "000.00.00.H41"
NOW = datetime(2027, 1, 25, 2, tzinfo=UTC)


@pytest.fixture(params=["fake", "mongo"])
async def cases(request, mongo_db):
    if request.param == "fake":
        return FakeCaseRepository()
    repository = MongoCaseRepository(mongo_db)
    await repository.ensure_indexes()
    return repository


@pytest.fixture(params=["fake", "mongo"])
async def directory(request, mongo_db):
    if request.param == "fake":
        return FakeDirectory()
    found = MongoDirectory(mongo_db)
    await found.ensure_indexes()
    return found


def a_case(agency: str = AGENCY) -> StoredCase:
    document_id = str(uuid.uuid4())
    case = Case.open(
        document_id=document_id,
        agency_code=agency,
        leader=Person("director", "Nguyễn Văn An"),
        opened_at=NOW,
    ).case
    summary = DocumentSummary("Về việc thử", "normal", "normal", NOW, 1)
    return StoredCase(case, summary)


def a_secret_case() -> StoredCase:
    stored = a_case()
    summary = replace(
        stored.document,
        confidentiality="secret",
        readers=("specialist", "deputy"),
        registered_by="clerk",
    )
    return replace(stored, document=summary)


def a_record():
    event = sample_event(DocumentReceived.event_type, agency_code=AGENCY)
    return encode(event, source="/vanthu/tests")


async def test_a_case_is_stored_once_per_id_and_found_only_in_its_agency(cases):
    stored = a_case()

    first = await cases.add(stored, ())
    again = await cases.add_many([stored, a_case()])

    assert first is True
    assert again[0] is False
    assert again[1] is True
    assert (await cases.get(AGENCY, stored.case.case_id)).case == stored.case
    with pytest.raises(CaseNotFound):
        await cases.get("000.00.00.H42", stored.case.case_id)


async def test_a_case_keeps_who_may_see_its_confidential_document(cases):
    stored = a_secret_case()

    await cases.add(stored, ())

    kept = (await cases.get(AGENCY, stored.case.case_id)).document
    assert (kept.confidentiality, kept.readers, kept.registered_by) == (
        "secret",
        ("specialist", "deputy"),
        "clerk",
    )


def with_readers(stored: StoredCase, level: str, *readers: str, clerk: str | None) -> StoredCase:
    summary = replace(stored.document, confidentiality=level, readers=readers, registered_by=clerk)
    return replace(stored, document=summary)


def directed(stored: StoredCase) -> StoredCase:
    entry = Entry(str(uuid.uuid4()), Actor(stored.case.leader), NOW, "Giao chủ trì")
    lead = Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, (NOW + timedelta(days=9)).date())
    return replace(stored, case=stored.case.direct(entry, [lead]).case)


def reader(user_id: str, agency: str = AGENCY) -> Principal:
    return Principal(user_id=user_id, agency_code=agency, roles=frozenset())


async def test_lists_hold_only_the_cases_their_reader_may_see(cases):
    def kinds() -> list[StoredCase]:
        return [
            with_readers(a_case(), "normal", clerk="clerk"),
            with_readers(a_case(), "secret", "deputy", clerk="clerk"),
            # Kept before routing knew readers: confidential, nobody named, no clerk.
            with_readers(a_case(), "confidential", clerk=None),
        ]

    presented, at_work = kinds(), [directed(s) for s in kinds()]
    await cases.add_many([*presented, *at_work])

    async def inbox(user_id: str, agency: str = AGENCY) -> list[bool]:
        found = await cases.awaiting_direction(agency, "director", seen_by=reader(user_id, agency))
        return [s.case.case_id in {f.case.case_id for f in found} for s in presented]

    async def unit_list(user_id: str) -> list[bool]:
        found = await cases.with_open_tasks_for(
            AGENCY, unit_ids=["unit-plan"], seen_by=reader(user_id)
        )
        return [s.case.case_id in {f.case.case_id for f in found} for s in at_work]

    assert await inbox("director") == [True, False, False]
    assert await inbox("deputy") == [True, True, False]
    assert await inbox("clerk") == [True, True, False]
    assert await inbox("deputy", "000.00.00.H42") == [False, False, False]
    assert await unit_list("director") == [True, False, False]
    assert await unit_list("deputy") == [True, True, False]


async def test_of_several_writers_saving_from_one_revision_exactly_one_wins(cases):
    stored = a_case()
    await cases.add(stored, ())
    before = await cases.get(AGENCY, stored.case.case_id)

    async def save(i: int) -> bool:
        leader = Person(f"leader-{i}", f"Lãnh đạo {i}")
        after = replace(before, case=replace(before.case, leader=leader))
        try:
            await cases.save(before, after, [a_record()])
        except ConcurrentUpdate:
            return False
        return True

    outcomes = await asyncio.gather(*(save(i) for i in range(8)))

    assert outcomes.count(True) == 1
    now = await cases.get(AGENCY, stored.case.case_id)
    assert now.revision == before.revision + 1
    winner = outcomes.index(True)
    assert now.case.leader == Person(f"leader-{winner}", f"Lãnh đạo {winner}")


async def test_two_grants_of_one_leader_written_at_once_are_both_kept(directory):
    grants = [
        Delegation(
            delegation_id=f"del-{uuid.uuid4().hex[:8]}",
            leader_user_id="director",
            secretary_user_id=f"secretary-{i}",
            valid_from=NOW - timedelta(days=1),
        )
        for i in range(2)
    ]
    record = encode(sample_event(DocumentReceived.event_type), source="/vanthu/tests")

    await asyncio.gather(*(directory.save_delegation(AGENCY, g, record) for g in grants))

    kept = await directory.delegations(AGENCY, "director")
    assert sorted(d.delegation_id for d in kept) == sorted(g.delegation_id for g in grants)
    assert [d.leader_user_id for d in await directory.delegations_to(AGENCY, "secretary-1")] == [
        "director"
    ]


async def test_a_void_kept_before_its_case_is_found_by_the_case_id_and_the_first_one_stays(cases):
    case_id = str(uuid.uuid4())
    first = Voiding("Đăng ký trùng", Person("clerk", "Đặng Thị Lan", "Văn thư"), NOW)
    later = Voiding("Lý do khác", Person("clerk-2", "Trần Thị Bình"), NOW + timedelta(hours=1))

    await cases.remember_void(AGENCY, case_id, first)
    await cases.remember_void(AGENCY, case_id, later)

    assert await cases.remembered_voids([case_id, str(uuid.uuid4())]) == {case_id: first}
