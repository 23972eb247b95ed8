"""The one rule of who may see a document, as each role meets it."""

from __future__ import annotations

import pytest
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.visibility import may_see

AGENCY = "000.00.00.G22"


def _person(user_id: str, role: Role, agency: str = AGENCY) -> Principal:
    return Principal(user_id=user_id, agency_code=agency, roles=frozenset({role}))


SECRET = {
    "agency_code": AGENCY,
    "confidentiality": "secret",
    "readers": ("u-named",),
    "registered_by": "u-clerk",
}


@pytest.mark.parametrize("role", list(Role))
def test_a_secret_document_is_hidden_from_every_role_not_named_on_it(role: Role) -> None:
    assert not may_see(_person("u-other", role), **SECRET)


@pytest.mark.parametrize("role", list(Role))
def test_a_named_reader_sees_it_whatever_the_role(role: Role) -> None:
    assert may_see(_person("u-named", role), **SECRET)


def test_the_clerk_who_registered_it_sees_it() -> None:
    assert may_see(_person("u-clerk", Role.CLERK), **SECRET)


def test_a_named_reader_of_another_agency_does_not_see_it() -> None:
    assert not may_see(_person("u-named", Role.LEADER, agency="000.00.00.H41"), **SECRET)


def test_a_normal_document_is_seen_by_its_agency_only() -> None:
    normal = {**SECRET, "confidentiality": "normal", "readers": ()}
    assert may_see(_person("u-other", Role.SPECIALIST), **normal)
    assert not may_see(_person("u-other", Role.SPECIALIST, agency="000.00.00.H41"), **normal)
