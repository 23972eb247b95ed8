"""Confidential documents (Mật, Tối mật, Tuyệt mật) in routing, with in-memory ports: the case
keeps who may see it, reaches only its named readers, and is shown to nobody else (ADR 0006)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from harness.samples import sample_event
from vanthu_contracts import DocumentReceived, TaskAssigned
from vanthu_contracts.events.routing import TaskEscalated
from vanthu_contracts.events.values import Channel, Confidentiality, Person
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.routing_rules import Route, RoutingRules
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import CaseNotFound, DirectoryUnit, DirectoryUser
from vanthu_runtime.auth import Principal

from .routing_fakes import FakeCaseRepository, FakeDirectory, FakeEvidenceStore, FixedClock

AGENCY = "000.00.00.H41"
MONDAY = datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)
CLERK = Person(user_id="clerk", full_name="Đặng Thị Lan", position="Văn thư")
# The clerk who registered the documents may see them all: what the leaders' queues hold, whole.
SEES_EVERYTHING = Principal(user_id="clerk", agency_code=AGENCY, roles=frozenset())


@pytest.fixture
def cases() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
def directory() -> FakeDirectory:
    found = FakeDirectory()
    for user in (
        DirectoryUser(AGENCY, "director", "Nguyễn Văn An", roles=("leader",)),
        DirectoryUser(AGENCY, "deputy", "Phạm Văn Bình", roles=("leader",)),
        DirectoryUser(AGENCY, "clerk", "Đặng Thị Lan", roles=("clerk",)),
        DirectoryUser(
            AGENCY, "plan-head", "Lê Văn Cường", unit_id="unit-plan", roles=("unit_head",)
        ),
        DirectoryUser(
            AGENCY, "specialist", "Hoàng Văn Em", unit_id="unit-plan", roles=("specialist",)
        ),
        DirectoryUser(
            AGENCY, "fin-head", "Phạm Thị Dung", unit_id="unit-fin", roles=("unit_head",)
        ),
        DirectoryUser(
            AGENCY, "fin-specialist", "Đỗ Thị Giang", unit_id="unit-fin", roles=("specialist",)
        ),
    ):
        found.people[(AGENCY, user.user_id)] = user
    found.divisions[(AGENCY, "unit-fin")] = DirectoryUnit(AGENCY, "unit-fin", "Phòng Tài chính")
    found.rules[AGENCY] = RoutingRules(default=Route("director", "unit-plan"))
    return found


@pytest.fixture
def handlers(cases, directory) -> RoutingHandlers:
    return RoutingHandlers(
        cases=cases, directory=directory, evidence=FakeEvidenceStore(), clock=FixedClock(MONDAY)
    )


async def received(
    handlers: RoutingHandlers,
    confidentiality: Confidentiality = Confidentiality.SECRET,
    readers: tuple[str, ...] = ("specialist", "deputy"),
) -> str:
    event = sample_event(
        DocumentReceived.event_type,
        agency_code=AGENCY,
        channel=Channel.PAPER,
        exchange=None,
        confidentiality=confidentiality,
        readers=readers,
        registered_by=CLERK,
    )
    await handlers.open_case(event, event_id="e", correlation_id="c")  # type: ignore[arg-type]
    return case_id_for(AGENCY, event.document_id)  # type: ignore[attr-defined]


async def test_a_case_keeps_its_documents_secrecy_level_readers_and_registering_clerk(
    handlers, cases
):
    case_id = await received(handlers)

    summary = cases.saved[case_id].document
    assert summary.confidentiality == "secret"
    assert summary.readers == ("specialist", "deputy")
    assert summary.registered_by == "clerk"


async def test_a_normal_case_names_no_readers_but_keeps_its_clerk(handlers, cases):
    case_id = await received(handlers, Confidentiality.NORMAL, readers=())

    summary = cases.saved[case_id].document
    assert (summary.confidentiality, summary.readers, summary.registered_by) == (
        "normal",
        (),
        "clerk",
    )


# ---- routing a confidential document ---------------------------------------------------------


async def test_a_secret_document_goes_to_its_first_named_leader_not_to_the_rules_leader(
    handlers, cases
):
    case_id = await received(handlers, readers=("specialist", "deputy"))

    stored = cases.saved[case_id]
    assert stored.case.leader.user_id == "deputy"
    assert stored.case.leader.full_name == "Phạm Văn Bình"
    assert await cases.awaiting_direction(AGENCY, "director", seen_by=SEES_EVERYTHING) == []


async def test_a_confidential_document_named_only_for_a_specialist_reaches_no_leaders_inbox(
    handlers, cases
):
    case_id = await received(handlers, Confidentiality.CONFIDENTIAL, readers=("specialist",))

    assert cases.saved[case_id].case.leader.user_id == "specialist"
    assert (
        await cases.awaiting_direction(AGENCY, "director", "deputy", seen_by=SEES_EVERYTHING) == []
    )


async def test_a_confidential_document_goes_to_its_named_leader_even_before_the_agency_has_rules(
    handlers, cases, directory
):
    directory.rules.clear()

    case_id = await received(handlers, readers=("deputy",))

    stored = cases.saved[case_id]
    assert (stored.case.status.value, stored.case.leader.user_id) == (
        "awaiting_direction",
        "deputy",
    )


async def test_a_confidential_document_naming_nobody_is_presented_to_no_one(handlers, cases):
    case_id = await received(handlers, readers=())

    stored = cases.saved[case_id]
    assert (stored.case.status.value, stored.case.leader) == ("awaiting_readers", None)
    assert (
        await cases.awaiting_direction(AGENCY, "director", "deputy", seen_by=SEES_EVERYTHING) == []
    )


async def test_saving_rules_sends_a_waiting_confidential_document_to_its_named_leader_only(
    handlers, cases, directory
):
    rules = directory.rules.pop(AGENCY)
    waiting = await received(handlers, Confidentiality.NORMAL, readers=())
    stored = cases.saved[waiting]
    # A case kept before routing knew readers: confidential, waiting for rules.
    cases.saved[waiting] = replace(
        stored, document=replace(stored.document, confidentiality="secret", readers=("deputy",))
    )
    directory.rules[AGENCY] = rules

    await handlers.route_waiting_cases(AGENCY)

    assert cases.saved[waiting].case.leader.user_id == "deputy"


# ---- work on a confidential case goes to its named readers -----------------------------------

DEPUTY = Caller("deputy", AGENCY, "Phạm Văn Bình", frozenset({"leader"}))
PLAN_HEAD = Caller("plan-head", AGENCY, "Lê Văn Cường", frozenset({"unit_head"}), "unit-plan")
NAMED = ("deputy", "plan-head", "specialist")
DUE = date(2027, 2, 4)


async def direct(handlers: RoutingHandlers, case_id: str, *assignments: Assignment):
    entry = Entry(str(uuid.uuid4()), DEPUTY.actor, MONDAY, "Giao xử lý")
    return await handlers.change_case(DEPUTY, case_id, lambda c, _: c.direct(entry, assignments))


async def test_a_unit_whose_head_is_named_is_given_the_secret_document(handlers, cases):
    case_id = await received(handlers, readers=NAMED)

    after = await direct(
        handlers, case_id, Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE)
    )

    assert [t.assignee.unit_id for t in after.case.tasks] == ["unit-plan"]
    assert any(isinstance(e, TaskAssigned) for e in cases.published())


async def test_a_unit_none_of_whose_heads_is_named_is_refused_by_name_and_nothing_changes(
    handlers, cases
):
    case_id = await received(handlers, readers=NAMED)
    lines = (
        Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE),
        Assignment(Assignee.unit("unit-fin"), TaskRole.INFORMATION),
    )

    with pytest.raises(InvalidInput) as refused:
        await direct(handlers, case_id, *lines)

    assert "No head of Phòng Tài chính (unit-fin) is named" in refused.value.message
    assert "Tối mật" in refused.value.message_vi
    assert "Phòng Tài chính (unit-fin)" in refused.value.message_vi
    assert cases.saved[case_id].case.tasks == ()
    assert cases.outbox == []


async def test_a_person_who_is_not_named_is_refused_as_an_assignee_even_inside_a_named_unit(
    handlers, cases
):
    case_id = await received(handlers, readers=NAMED)
    lines = (
        Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE),
        Assignment(Assignee.person("fin-specialist", "unit-fin"), TaskRole.COORDINATING, DUE),
    )

    with pytest.raises(InvalidInput, match=r"Đỗ Thị Giang \(fin-specialist\) is not named"):
        await direct(handlers, case_id, *lines)


async def test_a_named_specialist_of_a_unit_whose_head_is_not_named_is_given_it_by_name(
    handlers, cases
):
    case_id = await received(handlers, readers=("deputy", "fin-specialist"))
    lead = Assignment(Assignee.person("fin-specialist", "unit-fin"), TaskRole.LEAD, DUE)

    after = await direct(handlers, case_id, lead)

    assert [t.assignee.user_id for t in after.case.tasks] == ["fin-specialist"]


async def test_the_named_unit_head_cannot_reassign_the_secret_work_to_a_specialist_not_named(
    handlers, cases, directory
):
    directory.people[(AGENCY, "other")] = DirectoryUser(
        AGENCY, "other", "Vũ Văn Hải", unit_id="unit-plan", roles=("specialist",)
    )
    case_id = await received(handlers, readers=NAMED)
    directed = await direct(
        handlers, case_id, Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE)
    )
    [lead] = directed.case.tasks
    entry = Entry(str(uuid.uuid4()), PLAN_HEAD.actor, MONDAY, "Giao chuyên viên")

    def reassign(to: str):
        line = Assignment(Assignee.person(to), TaskRole.SPECIALIST, DUE)
        return lambda c, _: c.reassign(
            replace(entry, decision_id=str(uuid.uuid4())), lead.task_id, [line]
        )

    with pytest.raises(InvalidInput, match=r"Vũ Văn Hải \(other\) is not named"):
        await handlers.change_case(PLAN_HEAD, case_id, reassign("other"))
    after = await handlers.change_case(PLAN_HEAD, case_id, reassign("specialist"))

    assert [t.assignee.user_id for t in after.case.children_of(lead.task_id)] == ["specialist"]


async def test_an_overdue_secret_task_escalates_only_to_a_unit_head_named_on_it(
    handlers, cases, directory
):
    directory.people[(AGENCY, "plan-deputy-head")] = DirectoryUser(
        AGENCY, "plan-deputy-head", "Ngô Văn Khoa", unit_id="unit-plan", roles=("unit_head",)
    )
    # The heads of a unit come sorted by id: the one not named would be told first.
    directory.people[(AGENCY, "a-head")] = DirectoryUser(
        AGENCY, "a-head", "An Văn Bảo", unit_id="unit-plan", roles=("unit_head",)
    )
    case_id = await received(handlers, readers=NAMED)
    await direct(handlers, case_id, Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE))
    cases.outbox.clear()

    await handlers.send_deadline_notices(datetime(2027, 2, 12, 9, tzinfo=VIETNAM_TIME))

    [escalation] = [e for e in cases.published() if isinstance(e, TaskEscalated)]
    assert escalation.notify_user_id == "plan-head"


# ---- who sees a confidential case ------------------------------------------------------------

DIRECTOR = Caller("director", AGENCY, "Nguyễn Văn An", frozenset({"leader"}))
CLERK_CALLER = Caller("clerk", AGENCY, "Đặng Thị Lan", frozenset({"clerk"}))
SPECIALIST = Caller("specialist", AGENCY, "Hoàng Văn Em", frozenset({"specialist"}), "unit-plan")
SECRETARY = Caller("secretary", AGENCY, "Trần Thị Bình", frozenset({"secretary"}))
AUDITOR = Caller("auditor", AGENCY, "Kiểm tra viên", frozenset({"auditor"}))


def elsewhere(caller: Caller) -> Caller:
    return replace(caller, agency_code="000.00.00.H42")


async def test_a_secret_case_is_shown_to_its_named_readers_and_its_clerk_and_to_nobody_else(
    handlers,
):
    case_id = await received(handlers, readers=NAMED)
    lead = Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE)
    entry = Entry("d-1", DEPUTY.actor, MONDAY, "Giao P.KH")
    await handlers.change_case(DEPUTY, case_id, lambda c, _: c.direct(entry, [lead]))
    task_id = (await handlers.case_for(DEPUTY, case_id)).case.tasks[0].task_id
    to_specialist = Assignment(Assignee.person("specialist"), TaskRole.SPECIALIST, DUE)
    handed = Entry("d-2", PLAN_HEAD.actor, MONDAY, "Giao đ/c Em")
    await handlers.change_case(
        PLAN_HEAD, case_id, lambda c, _: c.reassign(handed, task_id, [to_specialist])
    )

    # The named unit head and specialist see it once the work reached them (ADR 0008).
    for allowed in (DEPUTY, PLAN_HEAD, SPECIALIST, CLERK_CALLER):
        assert (await handlers.case_for(allowed, case_id)).case.case_id == case_id
    for refused in (DIRECTOR, AUDITOR, SECRETARY, elsewhere(DEPUTY)):
        with pytest.raises(CaseNotFound):
            await handlers.case_for(refused, case_id)


async def test_someone_not_named_cannot_change_a_secret_case_and_is_told_it_does_not_exist(
    handlers, cases
):
    case_id = await received(handlers, readers=NAMED)
    entry = Entry("d-1", DIRECTOR.actor, MONDAY, "Ý kiến")

    with pytest.raises(CaseNotFound):
        await handlers.change_case(DIRECTOR, case_id, lambda c, _: c.comment(entry))

    assert cases.outbox == []


async def test_a_secretary_sees_a_delegating_leaders_secret_document_only_when_named_on_it(
    handlers, directory
):
    directory.people[(AGENCY, "secretary")] = DirectoryUser(
        AGENCY, "secretary", "Trần Thị Bình", roles=("secretary",)
    )
    directory.grants[(AGENCY, "del-1")] = Delegation(
        "del-1", "deputy", "secretary", MONDAY - timedelta(days=7)
    )
    hidden = await received(handlers, readers=NAMED)
    shown = await received(handlers, readers=(*NAMED, "secretary"))

    inbox = await handlers.inbox(SECRETARY)

    assert [c.case.case_id for c in inbox] == [shown]
    assert hidden in {c.case.case_id for c in await handlers.inbox(DEPUTY)}


async def test_task_lists_hold_a_secret_case_only_for_its_named_readers(handlers, directory):
    directory.people[(AGENCY, "plan-head-2")] = DirectoryUser(
        AGENCY, "plan-head-2", "Ngô Văn Khoa", unit_id="unit-plan", roles=("unit_head",)
    )
    other_head = Caller(
        "plan-head-2", AGENCY, "Ngô Văn Khoa", frozenset({"unit_head"}), "unit-plan"
    )
    case_id = await received(handlers, readers=NAMED)
    await direct(handlers, case_id, Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, DUE))

    named = await handlers.with_open_tasks(PLAN_HEAD, unit_ids=["unit-plan"])
    not_named = await handlers.with_open_tasks(other_head, unit_ids=["unit-plan"])

    assert [c.case.case_id for c in named] == [case_id]
    assert not_named == []


async def test_a_report_counts_a_secret_case_for_everyone_but_opens_it_only_for_its_readers(
    handlers,
):
    case_id = await received(handlers, readers=NAMED)
    await received(handlers, Confidentiality.NORMAL, readers=())

    for caller, sees in ((DEPUTY, True), (DIRECTOR, False), (AUDITOR, False)):
        reported = await handlers.reported_cases(caller)
        assert len(reported) == 2
        assert dict((s.case.case_id, v) for s, v in reported)[case_id] is sees
