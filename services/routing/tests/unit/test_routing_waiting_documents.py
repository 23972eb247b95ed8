"""A document of an agency this deployment serves always reaches someone: without routing rules it
waits, visible, and goes to the leader the rules name once an administrator saves them. A document
of an agency not served here is skipped, and counted."""

from __future__ import annotations

from datetime import datetime

import pytest
from prometheus_client import REGISTRY
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.errors import InvalidTransition
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import DirectoryUser

from .routing_documents import received_document
from .routing_fakes import FakeCaseRepository, FakeDirectory, FakeEvidenceStore, FixedClock

SERVED = "000.00.00.H41"
ELSEWHERE = "000.00.00.H42"
MONDAY = datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)
ADMIN = Caller("admin", SERVED, "Quản trị", frozenset({"administrator"}))
DIRECTOR = Caller("director", SERVED, "Nguyễn Văn An", frozenset({"leader"}))
RULES = {"default": {"leader_user_id": "director", "lead_unit_id": "unit-plan"}}


@pytest.fixture
def cases() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
def directory() -> FakeDirectory:
    found = FakeDirectory()
    found.people[(SERVED, "director")] = DirectoryUser(
        SERVED, "director", "Nguyễn Văn An", roles=("leader",)
    )
    return found


@pytest.fixture
def handlers(cases, directory) -> RoutingHandlers:
    return RoutingHandlers(
        cases=cases,
        directory=directory,
        evidence=FakeEvidenceStore(),
        clock=FixedClock(MONDAY),
        serves=lambda agency: agency == SERVED,
    )


async def received(handlers: RoutingHandlers, agency: str) -> str:
    event = received_document(agency_code=agency)
    await handlers.open_case(event, event_id="e", correlation_id="c")  # type: ignore[arg-type]
    return case_id_for(agency, event.document_id)  # type: ignore[attr-defined]


async def test_a_document_of_a_served_agency_without_rules_waits_where_its_clerks_see_it(
    handlers, cases
):
    case_id = await received(handlers, SERVED)

    waiting = await cases.awaiting_rules(SERVED)
    assert [c.case.case_id for c in waiting] == [case_id]
    assert waiting[0].case.status.value == "awaiting_rules"
    assert await handlers.inbox(DIRECTOR) == []


async def test_nobody_can_direct_a_document_that_waits_for_routing_rules(handlers):
    case_id = await received(handlers, SERVED)
    entry = Entry("d-1", DIRECTOR.actor, MONDAY, None)
    lead = Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, MONDAY.date())

    with pytest.raises(InvalidTransition, match="routing rules"):
        await handlers.change_case(DIRECTOR, case_id, lambda c, _: c.direct(entry, [lead]))


async def test_saving_the_rules_sends_the_waiting_documents_to_the_leader_they_name(
    handlers, cases
):
    first = await received(handlers, SERVED)
    second = await received(handlers, SERVED)

    routed = await handlers.save_routing_rules(ADMIN, RULES)

    assert routed == 2
    inbox = await handlers.inbox(DIRECTOR)
    assert sorted(c.case.case_id for c in inbox) == sorted([first, second])
    assert inbox[0].case.leader.full_name == "Nguyễn Văn An"
    assert await cases.awaiting_rules(SERVED) == []


async def test_a_document_arriving_after_the_rules_goes_straight_to_the_leader(handlers, cases):
    await handlers.save_routing_rules(ADMIN, RULES)

    case_id = await received(handlers, SERVED)

    [stored] = await handlers.inbox(DIRECTOR)
    assert stored.case.case_id == case_id


async def test_a_document_of_an_agency_not_served_here_is_skipped_and_counted(handlers, cases):
    def skipped() -> float:
        value = REGISTRY.get_sample_value(
            "vanthu_routing_documents_skipped_total", {"reason": "agency_not_served"}
        )
        return value or 0.0

    before = skipped()

    await received(handlers, ELSEWHERE)

    assert cases.saved == {}
    assert skipped() == before + 1
