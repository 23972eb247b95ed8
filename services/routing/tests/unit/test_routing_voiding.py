"""The registry voids a document (DocumentVoided): its case closes as voided with the reason, its
open work is withdrawn with a notice to each assignee, and nobody decides anything on it any more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from harness.samples import sample_event
from vanthu_contracts import DocumentVoided
from vanthu_contracts.events.values import Person as ContractPerson
from vanthu_contracts.events.values import Register
from vanthu_routing.api.views import task_view
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import Case, CaseStatus, Voiding, case_id_for
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.errors import InvalidTransition
from vanthu_routing.domain.people import Actor, Person
from vanthu_routing.domain.routing_rules import Route, RoutingRules
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole, TaskStatus
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import DirectoryUser

from .routing_documents import received_document
from .routing_fakes import FakeCaseRepository, FakeDirectory, FakeEvidenceStore, FixedClock

Entries = Callable[..., Entry]
REASON = "Đăng ký trùng với văn bản có số đến 1234"


@pytest.fixture
def voiding(now: datetime) -> Voiding:
    return Voiding(REASON, Person("clerk", "Đặng Thị Lan", "Văn thư"), now + timedelta(hours=1))


# ---- the domain -------------------------------------------------------------------------------


def test_a_voided_case_is_closed_as_voided_with_the_reason(directed: Case, voiding: Voiding):
    voided = directed.void(voiding).case

    assert voided.status is CaseStatus.VOIDED
    assert voided.voiding == voiding


def test_voiding_withdraws_every_open_task_saying_the_document_was_voided(
    directed: Case, voiding: Voiding
):
    voided = directed.void(voiding).case

    assert {t.status for t in voided.tasks} == {TaskStatus.WITHDRAWN}
    assert all(t.awaits_acknowledgement for t in voided.tasks)
    assert {t.withdrawal_reason.value for t in voided.tasks if t.withdrawal_reason} == {
        "document_voided"
    }


def test_voiding_twice_changes_nothing_the_second_time(directed: Case, voiding: Voiding):
    voided = directed.void(voiding).case

    again = voided.void(voiding)

    assert again.events == ()
    assert again.case == voided


def test_a_voided_document_cannot_be_directed_and_the_refusal_gives_the_reason(
    presented: Case, director: Actor, entry: Entries, direction: list[Assignment], voiding
):
    voided = presented.void(voiding).case

    with pytest.raises(InvalidTransition) as refused:
        voided.direct(entry(director, "Giao P.KH"), direction)

    assert REASON in str(refused.value)
    assert "hủy đăng ký" in refused.value.message_vi


def test_nobody_works_on_or_comments_on_a_voided_document(
    directed: Case, director: Actor, planning_head: Actor, entry: Entries, voiding
):
    lead = next(t for t in directed.tasks if t.role is TaskRole.LEAD)
    voided = directed.void(voiding).case

    for change in (
        lambda: voided.complete_task(entry(planning_head, "Xong"), lead.task_id),
        lambda: voided.report_progress(entry(planning_head, "Đang làm"), lead.task_id),
        lambda: voided.comment(entry(director, "Lưu ý")),
        lambda: voided.redirect(
            entry(director, "Giao lại"),
            [Assignment(Assignee.unit("unit-finance"), TaskRole.LEAD, lead.due_date)],
        ),
    ):
        with pytest.raises(InvalidTransition):
            change()


def test_the_assignee_can_still_acknowledge_the_withdrawal_of_a_voided_documents_task(
    directed: Case, planning_head: Actor, entry: Entries, voiding: Voiding
):
    lead = next(t for t in directed.tasks if t.role is TaskRole.LEAD)
    voided = directed.void(voiding).case

    seen = voided.acknowledge_withdrawal(entry(planning_head), lead.task_id).case

    assert not seen.task(lead.task_id).awaits_acknowledgement


# ---- the handlers: a DocumentVoided from intake ---------------------------------------------

AGENCY = "000.00.00.H41"
MONDAY = datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)
DIRECTOR = Caller("director", AGENCY, "Nguyễn Văn An", frozenset({"leader"}))
PLAN_HEAD = Caller(
    "plan-head", AGENCY, "Lê Văn Cường", frozenset({"unit_head"}), unit_id="unit-plan"
)


@pytest.fixture
def cases() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
def handlers(cases: FakeCaseRepository) -> RoutingHandlers:
    directory = FakeDirectory()
    directory.people[(AGENCY, "director")] = DirectoryUser(
        AGENCY, "director", "Nguyễn Văn An", roles=("leader",)
    )
    directory.rules[AGENCY] = RoutingRules(default=Route("director", "unit-plan"))
    return RoutingHandlers(
        cases=cases, directory=directory, evidence=FakeEvidenceStore(), clock=FixedClock(MONDAY)
    )


def voided_event(document_id: str, **changes: object) -> DocumentVoided:
    event = sample_event(
        DocumentVoided.event_type,
        document_id=document_id,
        agency_code=AGENCY,
        reason=REASON,
        voided_by=ContractPerson(user_id="clerk", full_name="Đặng Thị Lan", position="Văn thư"),
        voided_at=MONDAY + timedelta(hours=2),
        **changes,
    )
    assert isinstance(event, DocumentVoided)
    return event


async def received(handlers: RoutingHandlers) -> str:
    event = received_document(agency_code=AGENCY)
    await handlers.open_cases([event])  # type: ignore[list-item]
    return event.document_id  # type: ignore[attr-defined,no-any-return]


async def test_a_voided_document_leaves_the_leaders_inbox(handlers):
    document_id = await received(handlers)
    assert len(await handlers.inbox(DIRECTOR)) == 1

    await handlers.void_cases([voided_event(document_id)])

    assert await handlers.inbox(DIRECTOR) == []
    case = await handlers.case_for(DIRECTOR, case_id_for(AGENCY, document_id))
    assert case.case.status is CaseStatus.VOIDED
    assert case.case.voiding is not None
    assert case.case.voiding.reason == REASON


async def test_the_unit_sees_its_task_withdrawn_with_the_reason_of_the_void(handlers):
    document_id = await received(handlers)
    case_id = case_id_for(AGENCY, document_id)
    lead = Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, MONDAY.date() + timedelta(9))
    entry = Entry("d-1", DIRECTOR.actor, MONDAY, "Giao P.KH")
    await handlers.change_case(DIRECTOR, case_id, lambda c, _: c.direct(entry, [lead]))

    await handlers.void_cases([voided_event(document_id)])

    [stored] = await handlers.with_open_tasks(PLAN_HEAD, unit_ids=["unit-plan"])
    [task] = stored.case.tasks
    shown = task_view(stored, task).model_dump(mode="json")
    assert shown["status"] == "withdrawn"
    assert REASON in shown["withdrawal"]["message"]
    assert REASON in shown["withdrawal"]["message_vi"]


async def test_a_void_that_arrives_before_its_document_is_kept_and_the_case_opens_voided(
    handlers, cases
):
    event = received_document(agency_code=AGENCY)

    await handlers.void_cases([voided_event(event.document_id)])  # type: ignore[attr-defined]
    await handlers.open_cases([event])  # type: ignore[list-item]

    stored = cases.saved[case_id_for(AGENCY, event.document_id)]  # type: ignore[attr-defined]
    assert stored.case.status is CaseStatus.VOIDED
    assert await handlers.inbox(DIRECTOR) == []


async def test_the_void_of_an_outgoing_number_touches_no_case(handlers, cases):
    document_id = await received(handlers)

    await handlers.void_cases([voided_event(document_id, register_type=Register.OUTGOING)])

    assert cases.saved[case_id_for(AGENCY, document_id)].case.status is not CaseStatus.VOIDED
    assert cases.voids == {}
