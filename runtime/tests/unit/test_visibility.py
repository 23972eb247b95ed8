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


# ADR 0008: who lists which documents.
from vanthu_runtime.auth import Role as _Role  # noqa: E402
from vanthu_runtime.visibility import (  # noqa: E402
    lists_agency_wide,
    may_see_through_tasks,
    task_scoped,
)


def _p(*roles: _Role, user: str = "u1", unit: str | None = "U1") -> Principal:
    return Principal(user_id=user, agency_code="A", roles=frozenset(roles), unit_id=unit)


def test_the_registry_leaders_secretaries_and_auditors_list_the_whole_agency() -> None:
    for role in (_Role.CLERK, _Role.LEADER, _Role.SECRETARY, _Role.AUDITOR):
        assert lists_agency_wide(_p(role))
        assert not task_scoped(_p(role))
    assert not lists_agency_wide(_p(_Role.ADMINISTRATOR))
    assert not task_scoped(_p(_Role.ADMINISTRATOR))


def test_a_unit_head_sees_what_his_unit_has_a_task_on_a_specialist_only_his_own() -> None:
    head = _p(_Role.UNIT_HEAD, user="head", unit="U1")
    spec = _p(_Role.SPECIALIST, user="spec", unit="U1")
    assert task_scoped(head)
    assert task_scoped(spec)
    assert may_see_through_tasks(head, task_unit_ids=["U1"])
    assert not may_see_through_tasks(spec, task_unit_ids=["U1"])
    assert may_see_through_tasks(spec, task_user_ids=["spec"])
    assert may_see_through_tasks(spec, information_unit_ids=["U1"])
    assert not may_see_through_tasks(head, task_unit_ids=["U2"], task_user_ids=["other"])
