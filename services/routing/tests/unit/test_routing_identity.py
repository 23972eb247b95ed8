"""Who the caller is comes from routing's directory, not from what the token claims."""

from __future__ import annotations

from datetime import datetime

import pytest
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.errors import NotPermitted
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import DirectoryUser

from .routing_fakes import FakeCaseRepository, FakeDirectory, FakeEvidenceStore, FixedClock

AGENCY = "000.00.00.H41"


@pytest.fixture
def handlers() -> RoutingHandlers:
    directory = FakeDirectory()
    for user in (
        DirectoryUser(AGENCY, "director", "Nguyễn Văn An", "Giám đốc Sở", roles=("leader",)),
        DirectoryUser(
            AGENCY, "plan-head", "Lê Văn Cường", unit_id="unit-plan", roles=("unit_head",)
        ),
        DirectoryUser(AGENCY, "retired", "Đỗ Văn Cũ", roles=("leader",), active=False),
    ):
        directory.people[(AGENCY, user.user_id)] = user
    return RoutingHandlers(
        cases=FakeCaseRepository(),
        directory=directory,
        evidence=FakeEvidenceStore(),
        clock=FixedClock(datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)),
    )


def claiming(user_id: str, *roles: str, unit_id: str | None = None) -> Caller:
    return Caller(user_id, AGENCY, f"token name of {user_id}", frozenset(roles), unit_id)


async def test_a_token_claiming_leader_for_a_user_the_directory_lists_otherwise_is_refused(
    handlers,
):
    with pytest.raises(NotPermitted) as refused:
        await handlers.identify(claiming("plan-head", "leader"), frozenset({"leader"}))

    assert "does not list plan-head as leader" in refused.value.message
    assert "unit_head" in refused.value.message


async def test_a_user_unknown_to_the_directory_is_refused_whatever_the_token_says(handlers):
    with pytest.raises(NotPermitted) as refused:
        await handlers.identify(claiming("nobody", "leader"), frozenset({"leader"}))

    assert "not in the organisation directory of 000.00.00.H41" in refused.value.message


async def test_a_deactivated_leader_is_refused(handlers):
    with pytest.raises(NotPermitted) as refused:
        await handlers.identify(claiming("retired", "leader"), frozenset({"leader"}))

    assert "deactivated" in refused.value.message


async def test_the_unit_a_head_heads_comes_from_the_directory_not_the_token(handlers):
    caller = await handlers.identify(
        claiming("plan-head", "unit_head", unit_id="unit-finance"), frozenset({"unit_head"})
    )

    assert caller.unit_id == "unit-plan"
    assert caller.actor.heads("unit-plan")
    assert not caller.actor.heads("unit-finance")
    assert caller.full_name == "Lê Văn Cường"


async def test_roles_are_what_the_token_claims_and_the_directory_grants(handlers):
    caller = await handlers.identify(
        claiming("director", "leader", "auditor"), frozenset({"leader", "auditor"})
    )

    assert caller.roles == {"leader"}
    assert caller.person.position == "Giám đốc Sở"


async def test_an_administrator_of_the_identity_provider_needs_no_directory_entry(handlers):
    caller = await handlers.identify(
        claiming("first-admin", "administrator", "leader"), frozenset({"administrator"})
    )

    assert caller.roles == {"administrator"}
