"""Who lists and reads which cases in routing (ADR 0008), with in-memory ports: the registry,
leaders, secretaries and auditors the whole agency; a unit head what his unit has a task on; a
specialist what he holds a task on or his unit got for information; an administrator nothing.
Confidentiality (ADR 0006) still comes first."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from vanthu_contracts.events.values import Confidentiality
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.errors import NotPermitted
from vanthu_routing.domain.routing_rules import Route, RoutingRules
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import CaseNotFound, DirectoryUser

from .routing_documents import received_document
from .routing_fakes import FakeCaseRepository, FakeDirectory, FakeEvidenceStore, FixedClock

AGENCY = "000.00.00.H41"
MONDAY = datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)
DUE = date(2027, 2, 4)

DIRECTOR = Caller("director", AGENCY, "Nguyễn Văn An", frozenset({"leader"}))
CLERK = Caller("clerk", AGENCY, "Đặng Thị Lan", frozenset({"clerk"}))
SECRETARY = Caller("secretary", AGENCY, "Trần Thị Bình", frozenset({"secretary"}))
AUDITOR = Caller("auditor", AGENCY, "Kiểm tra viên", frozenset({"auditor"}))
ADMIN = Caller("admin", AGENCY, "Quản trị", frozenset({"administrator"}))
PLAN_HEAD = Caller("plan-head", AGENCY, "Lê Văn Cường", frozenset({"unit_head"}), "unit-plan")
FIN_HEAD = Caller("fin-head", AGENCY, "Phạm Thị Dung", frozenset({"unit_head"}), "unit-fin")
PLAN_SPECIALIST = Caller("em", AGENCY, "Hoàng Văn Em", frozenset({"specialist"}), "unit-plan")
LEGAL_SPECIALIST = Caller("hai", AGENCY, "Vũ Văn Hải", frozenset({"specialist"}), "unit-legal")


@pytest.fixture
def cases() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
def handlers(cases: FakeCaseRepository) -> RoutingHandlers:
    directory = FakeDirectory()
    for user_id, roles in (("director", ("leader",)), ("plan-head", ("unit_head",))):
        directory.people[(AGENCY, user_id)] = DirectoryUser(AGENCY, user_id, user_id, roles=roles)
    directory.rules[AGENCY] = RoutingRules(default=Route("director", "unit-plan"))
    return RoutingHandlers(
        cases=cases, directory=directory, evidence=FakeEvidenceStore(), clock=FixedClock(MONDAY)
    )


async def received(handlers: RoutingHandlers, **changes: object) -> str:
    event = received_document(agency_code=AGENCY, **changes)
    await handlers.open_cases([event])  # type: ignore[list-item]
    return case_id_for(AGENCY, event.document_id)  # type: ignore[attr-defined]


async def directed_to_planning(handlers: RoutingHandlers, **changes: object) -> str:
    """Planning leads, Legal has a copy for information; Finance has nothing."""
    case_id = await received(handlers, **changes)
    assignments = [
        Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE),
        Assignment(Assignee.unit("unit-legal"), TaskRole.INFORMATION),
    ]
    entry = Entry(f"d-{case_id}", DIRECTOR.actor, MONDAY, "Giao P.KH chủ trì")
    await handlers.change_case(DIRECTOR, case_id, lambda c, _: c.direct(entry, assignments))
    return case_id


async def handed_to_specialist(handlers: RoutingHandlers, case_id: str) -> None:
    stored = await handlers.case_for(DIRECTOR, case_id)
    lead = next(t for t in stored.case.tasks if t.role is TaskRole.LEAD)
    entry = Entry(f"r-{case_id}", PLAN_HEAD.actor, MONDAY, "Giao đ/c Em")
    specialist = Assignment(Assignee.person("em"), TaskRole.SPECIALIST, DUE)
    await handlers.change_case(
        PLAN_HEAD, case_id, lambda c, _: c.reassign(entry, lead.task_id, [specialist])
    )


async def test_the_registry_leaders_secretaries_and_auditors_read_every_case_of_the_agency(
    handlers,
):
    case_id = await received(handlers)

    for caller in (CLERK, DIRECTOR, SECRETARY, AUDITOR):
        assert (await handlers.case_for(caller, case_id)).case.case_id == case_id


async def test_a_unit_head_reads_the_cases_his_unit_has_a_task_on_and_no_other(handlers):
    case_id = await directed_to_planning(handlers)

    assert (await handlers.case_for(PLAN_HEAD, case_id)).case.case_id == case_id
    with pytest.raises(CaseNotFound):
        await handlers.case_for(FIN_HEAD, case_id)


async def test_a_unit_head_does_not_read_a_document_before_any_task_reaches_his_unit(handlers):
    case_id = await received(handlers)

    with pytest.raises(CaseNotFound):
        await handlers.case_for(PLAN_HEAD, case_id)


async def test_a_specialist_reads_a_case_once_his_unit_head_gives_him_the_work(handlers):
    case_id = await directed_to_planning(handlers)
    with pytest.raises(CaseNotFound):
        await handlers.case_for(PLAN_SPECIALIST, case_id)

    await handed_to_specialist(handlers, case_id)

    assert (await handlers.case_for(PLAN_SPECIALIST, case_id)).case.case_id == case_id


async def test_a_specialist_reads_what_his_unit_received_for_information(handlers):
    case_id = await directed_to_planning(handlers)

    assert (await handlers.case_for(LEGAL_SPECIALIST, case_id)).case.case_id == case_id


async def test_an_administrator_is_refused_every_case_read_and_list(handlers):
    case_id = await received(handlers)

    for call in (
        lambda: handlers.case_for(ADMIN, case_id),
        lambda: handlers.waiting_for_rules(ADMIN),
        lambda: handlers.with_open_tasks(ADMIN, unit_ids=["unit-plan"]),
        lambda: handlers.reported_cases(ADMIN),
    ):
        with pytest.raises(NotPermitted):
            await call()


async def test_a_unit_heads_report_covers_only_the_cases_of_his_units_tasks(handlers):
    planning = await directed_to_planning(handlers)
    other = await received(handlers)

    covered = {s.case.case_id for s, _ in await handlers.reported_cases(PLAN_HEAD)}
    everything = {s.case.case_id for s, _ in await handlers.reported_cases(AUDITOR)}

    assert covered == {planning}
    assert everything == {planning, other}


async def test_a_unit_head_not_named_on_a_secret_document_does_not_read_it_though_his_unit_leads(
    handlers,
):
    case_id = await received(
        handlers, confidentiality=Confidentiality.SECRET, readers=("director",)
    )
    lead = Assignment(Assignee.person("director", unit_id="unit-plan"), TaskRole.LEAD, DUE)
    entry = Entry("d-secret", DIRECTOR.actor, MONDAY, "Tự chủ trì")
    await handlers.change_case(DIRECTOR, case_id, lambda c, _: c.direct(entry, [lead]))

    with pytest.raises(CaseNotFound):
        await handlers.case_for(PLAN_HEAD, case_id)
