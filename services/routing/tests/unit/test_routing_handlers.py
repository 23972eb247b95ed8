"""The use cases with in-memory ports: what gets stored and what would be published."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from vanthu_contracts import DecisionRecorded, SendStatusRequested, TaskAssigned
from vanthu_contracts.events.routing import TaskEscalated, TaskReminded, UserChanged
from vanthu_contracts.events.values import Channel, ExchangeOrigin
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.routing_rules import Route, RoutingRules
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import DirectoryUser

from .routing_documents import received_document
from .routing_fakes import FakeCaseRepository, FakeDirectory, FakeEvidenceStore, FixedClock

AGENCY = "000.00.00.H41"
MONDAY = datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)

# An exchanged document sent by the Ministry of Home Affairs, who is told our statuses.
FROM_THE_MINISTRY = ExchangeOrigin(
    package_id="a9f3e2d1-4c5b-4a6d-8e7f-1b2c3d4e5f60",
    sender_agency_code="000.00.00.G09",
    document_code="000.00.00.G09,2026/11/20,15/QĐ-BNV",
)


@pytest.fixture
def cases() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
def directory() -> FakeDirectory:
    found = FakeDirectory()
    found.people[(AGENCY, "director")] = DirectoryUser(
        AGENCY, "director", "Nguyễn Văn An", roles=("leader",)
    )
    found.people[(AGENCY, "plan-head")] = DirectoryUser(
        AGENCY, "plan-head", "Lê Văn Cường", unit_id="unit-plan", roles=("unit_head",)
    )
    found.rules[AGENCY] = RoutingRules(default=Route("director", "unit-plan"))
    return found


@pytest.fixture
def handlers(cases, directory) -> RoutingHandlers:
    return RoutingHandlers(
        cases=cases, directory=directory, evidence=FakeEvidenceStore(), clock=FixedClock(MONDAY)
    )


DIRECTOR = Caller("director", AGENCY, "Nguyễn Văn An", frozenset({"leader"}))


async def opened(handlers: RoutingHandlers, **changes) -> str:
    event = received_document(agency_code=AGENCY, **changes)
    await handlers.open_case(event, event_id="e", correlation_id="c")  # type: ignore[arg-type]
    return case_id_for(AGENCY, event.document_id)  # type: ignore[attr-defined]


async def direct(
    handlers: RoutingHandlers, case_id: str, decision_id: str = "d-1", due=date(2027, 2, 4)
):
    entry = Entry(decision_id, DIRECTOR.actor, MONDAY, "Giao Phòng Kế hoạch chủ trì")
    lead = Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, due)
    return await handlers.change_case(DIRECTOR, case_id, lambda c, _: c.direct(entry, [lead]))


async def test_a_document_delivered_twice_opens_one_case_for_the_leader_the_rules_name(
    handlers, cases
):
    event = received_document(agency_code=AGENCY)

    first = await handlers.open_case(event, event_id="e1", correlation_id="c")  # type: ignore[arg-type]
    second = await handlers.open_case(event, event_id="e1", correlation_id="c")  # type: ignore[arg-type]

    assert (first, second) == (True, False)
    [stored] = cases.saved.values()
    assert stored.case.leader.full_name == "Nguyễn Văn An"


async def test_a_direction_publishes_the_decision_the_task_and_status_04_to_the_sender(
    handlers, cases
):
    case_id = await opened(handlers, channel=Channel.EXCHANGE, exchange=FROM_THE_MINISTRY)

    await direct(handlers, case_id)
    await direct(handlers, case_id)  # the same decision again: nothing new

    published = cases.published()
    assert [type(e) for e in published] == [DecisionRecorded, TaskAssigned, SendStatusRequested]
    assert published[2].status_code.value == "04"
    assert published[2].to_agency_code == "000.00.00.G09"


async def test_a_document_from_paper_sends_no_status_to_anyone(handlers, cases):
    case_id = await opened(handlers, channel=Channel.PAPER, exchange=None)

    await direct(handlers, case_id)

    assert not [e for e in cases.published() if isinstance(e, SendStatusRequested)]


async def test_deadline_notices_go_out_once_each_and_escalate_to_the_unit_head(handlers, cases):
    case_id = await opened(handlers, channel=Channel.PAPER, exchange=None)
    await direct(handlers, case_id)
    cases.outbox.clear()

    await handlers.send_deadline_notices(datetime(2027, 2, 3, 9, tzinfo=VIETNAM_TIME))
    await handlers.send_deadline_notices(datetime(2027, 2, 3, 16, tzinfo=VIETNAM_TIME))
    await handlers.send_deadline_notices(datetime(2027, 2, 12, 9, tzinfo=VIETNAM_TIME))

    reminder, escalation = cases.published()
    assert isinstance(reminder, TaskReminded)
    assert isinstance(escalation, TaskEscalated)
    assert escalation.notify_user_id == "plan-head"


async def test_every_directory_change_is_an_event(handlers, directory):
    admin = Caller("admin", AGENCY, "Quản trị", frozenset({"administrator"}))

    await handlers.save_user(
        admin, DirectoryUser(AGENCY, "new", "Người Mới", roles=("specialist",))
    )

    [record] = directory.outbox
    assert record.topic == "directory.changed"
    assert record.key == f"user:{AGENCY}:new".encode()
    assert (await directory.user(AGENCY, "new")) is not None
    assert UserChanged.event_type == dict(record.headers)["ce_type"].decode()
