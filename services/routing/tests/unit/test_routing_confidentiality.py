"""Confidential documents (Mật, Tối mật, Tuyệt mật) in routing, with in-memory ports: the case
keeps who may see it, reaches only its named readers, and is shown to nobody else (ADR 0006)."""

from __future__ import annotations

from datetime import datetime

import pytest
from harness.samples import sample_event
from vanthu_contracts import DocumentReceived
from vanthu_contracts.events.values import Channel, Confidentiality, Person
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.routing_rules import Route, RoutingRules
from vanthu_routing.handlers import RoutingHandlers
from vanthu_routing.ports import DirectoryUser

from .routing_fakes import FakeCaseRepository, FakeDirectory, FakeEvidenceStore, FixedClock

AGENCY = "000.00.00.H41"
MONDAY = datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)
CLERK = Person(user_id="clerk", full_name="Đặng Thị Lan", position="Văn thư")


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
    ):
        found.people[(AGENCY, user.user_id)] = user
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
