"""Bad input to routing's API is refused with 422 naming the field, and changes nothing (issue 16,
item 7): an assignment naming neither a unit nor a person, dates outside the years the working-day
calendar knows (0001-01-01, 9999-12-31), integers beyond 64 bits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from harness.pdfs import one_page_pdf

from .routing_api import MONDAY, Api, routing_api

DUE = (MONDAY + timedelta(days=10)).date().isoformat()
SLIP = ("phieu.pdf", one_page_pdf(), "application/pdf")
BEYOND_64_BITS = 2**64 + 1


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


def fields_of(response: Any) -> list[list[Any]]:
    return [e["loc"] for e in response.json()["detail"]]


async def unchanged(api: Api, case_id: str) -> None:
    stored = await api.cases.get("000.00.00.H41", case_id)
    assert stored.case.decisions == ()
    assert stored.case.tasks == ()
    assert api.cases.outbox == []


async def test_an_assignment_naming_neither_a_unit_nor_a_person_is_refused_naming_it(api):
    case_id = await api.received()

    response = await api.http.post(
        f"/cases/{case_id}/direction",
        json={"assignments": [{"role": "lead", "due_date": DUE}]},
        headers=api.auth("director"),
    )

    assert response.status_code == 422, response.text
    assert fields_of(response) == [["body", "assignments", 0]]
    assert "unit_id" in response.json()["detail"][0]["msg"]
    await unchanged(api, case_id)


async def test_a_paper_assignment_naming_neither_a_unit_nor_a_person_stores_no_slip(api):
    case_id = await api.received()
    payload = {
        "decided_by_user_id": "director",
        "decided_at": "2027-01-24T08:00:00+07:00",
        "assignments": [{"role": "lead", "due_date": DUE}],
    }

    response = await api.http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": SLIP},
        headers=api.auth("secretary"),
    )

    assert response.status_code == 422, response.text
    assert fields_of(response) == [["body", "payload", "assignments", 0]]
    assert api.evidence.kept == []
    await unchanged(api, case_id)


@pytest.mark.parametrize("due_date", ["0001-01-01", "9999-12-31"])
async def test_a_deadline_outside_the_calendars_years_is_refused_naming_it(api, due_date):
    case_id = await api.received()

    response = await api.http.post(
        f"/cases/{case_id}/direction",
        json={"assignments": [{"unit_id": "unit-plan", "role": "lead", "due_date": due_date}]},
        headers=api.auth("director"),
    )

    assert response.status_code == 422, response.text
    assert fields_of(response) == [["body", "assignments", 0, "due_date"]]
    await unchanged(api, case_id)


@pytest.mark.parametrize("decided_at", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-07:00"])
async def test_a_paper_slip_dated_at_the_ends_of_time_is_refused_naming_the_date(api, decided_at):
    case_id = await api.received()
    payload = {
        "decided_by_user_id": "director",
        "decided_at": decided_at,
        "assignments": [{"unit_id": "unit-plan", "role": "lead", "due_date": DUE}],
    }

    response = await api.http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": SLIP},
        headers=api.auth("secretary"),
    )

    assert response.status_code == 422, response.text
    assert fields_of(response) == [["body", "payload", "decided_at"]]
    assert api.evidence.kept == []
    await unchanged(api, case_id)


@pytest.mark.parametrize(
    "valid",
    [
        {"valid_from": "0001-01-01T00:00:00+07:00"},
        {"valid_from": "2027-01-01T00:00:00+07:00", "valid_until": "9999-12-31T23:59:59-07:00"},
    ],
)
async def test_a_delegation_at_the_ends_of_time_is_refused_naming_the_date(api, valid):
    response = await api.http.post(
        "/directory/delegations",
        json={"leader_user_id": "director", "secretary_user_id": "secretary", **valid},
        headers=api.auth("admin"),
    )

    assert response.status_code == 422, response.text
    [field] = [k for k in valid if k != "valid_from" or len(valid) == 1]
    assert fields_of(response) == [["body", field]]


async def test_a_rule_priority_beyond_64_bits_is_refused_naming_it(api):
    rules = {
        "default": {"leader_user_id": "director", "lead_unit_id": "unit-plan"},
        "rules": [
            {
                "rule_id": "r-1",
                "priority": BEYOND_64_BITS,
                "route": {"leader_user_id": "director", "lead_unit_id": "unit-plan"},
            }
        ],
    }

    response = await api.http.put("/directory/routing-rules", json=rules, headers=api.auth("admin"))

    assert response.status_code == 422, response.text
    assert fields_of(response) == [["body", "rules", 0, "priority"]]
