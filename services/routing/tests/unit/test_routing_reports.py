"""The overdue and processing-time reports read the indicators' tables (ADR 0052): the overdue
tasks of the figures, then only those cases by id; processing times from the tables' figures.
Nothing scans the agency's cases, and what a caller may not see stays masked (ADR 0006)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from vanthu_contracts.events.values import Confidentiality
from vanthu_routing.bootstrap import ROUTERS
from vanthu_routing.ports import DirectoryUser
from vanthu_runtime.api import create_app
from vanthu_runtime.auth import issue_dev_token

from .routing_api import AGENCY, AUTH, MONDAY, Api, routing_api
from .routing_fakes import FixedClock

DUE = (MONDAY + timedelta(days=2)).date().isoformat()
"""Wednesday 27 January 2027."""


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


async def post_ok(api: Api, path: str, who: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post(path, json=body, headers=api.auth(who))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _directed(api: Api, **document: object) -> tuple[str, str]:
    case_id = await api.received(**document)
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    return case_id, case["tasks"][0]["task_id"]


async def test_the_overdue_report_counts_working_days_late_per_unit_without_a_scan(api):
    case_id, task_id = await _directed(api, abstract="V/v báo cáo quý I")
    # The next Wednesday: five working days after the due date.
    api.handlers.clock = FixedClock(MONDAY + timedelta(days=9))

    response = await api.http.get("/reports/overdue", headers=api.auth("director"))

    assert response.status_code == 200, response.text
    [unit] = response.json()
    assert (unit["unit_id"], unit["overdue"]) == ("unit-plan", 1)
    [task] = unit["tasks"]
    assert (task["task_id"], task["case_id"], task["masked"]) == (task_id, case_id, False)
    assert task["subject"] == "V/v báo cáo quý I"
    assert (task["due_date"], task["overdue_working_days"]) == (DUE, 5)
    assert task["assigned_by_decision"]["decided_by"]["user_id"] == "director"
    assert api.cases.scans == 0


async def test_a_task_completed_after_the_figures_were_counted_is_not_reported_overdue(api):
    case_id, task_id = await _directed(api)
    api.handlers.clock = FixedClock(MONDAY + timedelta(days=9))
    await post_ok(
        api, f"/cases/{case_id}/tasks/{task_id}/completion", "plan-head", {"text": "Xong."}
    )

    response = await api.http.get("/reports/overdue", headers=api.auth("director"))

    assert response.json() == []


async def test_a_unit_head_reads_his_units_overdue_tasks_and_a_specialist_none(api):
    await _directed(api)
    api.handlers.clock = FixedClock(MONDAY + timedelta(days=9))

    head = await api.http.get("/reports/overdue", headers=api.auth("plan-head"))
    specialist = await api.http.get("/reports/overdue", headers=api.auth("em"))

    assert [u["unit_id"] for u in head.json()] == ["unit-plan"]
    assert specialist.status_code == 403


async def test_a_confidential_document_is_counted_overdue_but_masked_for_who_is_not_named(api):
    case_id = await api.received(
        confidentiality=Confidentiality.SECRET, readers=["director", "plan-head"]
    )
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    api.handlers.clock = FixedClock(MONDAY + timedelta(days=9))
    # An auditor lists the agency's documents but is not named on this one.
    api.handlers.directory.people[(AGENCY, "auditor")] = DirectoryUser(  # type: ignore[attr-defined]
        AGENCY, "auditor", "Kiểm tra viên", roles=("auditor",)
    )
    token = issue_dev_token(
        AUTH, user_id="auditor", agency_code=AGENCY, roles=["auditor"], full_name="Kiểm tra viên"
    )

    named = await api.http.get("/reports/overdue", headers=api.auth("director"))
    not_named = await api.http.get("/reports/overdue", headers={"Authorization": f"Bearer {token}"})

    assert named.json()[0]["tasks"][0]["case_id"] == case_id
    [row] = not_named.json()[0]["tasks"]
    assert row["masked"] is True
    assert (row["case_id"], row["task_id"], row["subject"]) == (None, None, None)
    assert row["overdue_working_days"] == 5
    assert case_id not in not_named.text


async def test_processing_times_come_from_the_tables_with_the_90th_percentile(api):
    for days in (1, 2, 9):
        case_id, task_id = await _directed(api)
        api.handlers.clock = FixedClock(MONDAY + timedelta(days=days))
        await post_ok(
            api, f"/cases/{case_id}/tasks/{task_id}/completion", "plan-head", {"text": "Xong."}
        )
        api.handlers.clock = FixedClock(MONDAY)

    response = await api.http.get("/reports/processing-time", headers=api.auth("director"))

    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "unit_id": "unit-plan",
            "completed": 3,
            "completed_late": 1,
            "median_working_days": 2,
            "p90_working_days": 7,
            "max_working_days": 7,
        }
    ]
    assert api.cases.scans == 0


async def test_the_leader_reads_the_indicators_with_processing_times_and_urgings(api):
    case_id, task_id = await _directed(api)
    await post_ok(
        api, f"/cases/{case_id}/tasks/{task_id}/urgings", "director", {"kind": "reprimand"}
    )
    await _directed(api)
    api.handlers.clock = FixedClock(MONDAY + timedelta(days=2))
    await post_ok(
        api, f"/cases/{case_id}/tasks/{task_id}/completion", "plan-head", {"text": "Xong."}
    )

    leader = (await api.http.get("/reports/indicators", headers=api.auth("director"))).json()
    specialist = await api.http.get("/reports/indicators", headers=api.auth("em"))

    month = MONDAY.date().isoformat()[:7]
    assert leader["now"]["units"]["unit-plan"] == {"open": 1, "due_soon": 1, "overdue": 0}
    assert leader["months"][month]["units"]["unit-plan"] == {
        "on_time": 1,
        "late": 0,
        "on_time_rate": 1.0,
    }
    assert leader["processing_all"]["unit-plan"] == {
        "completed": 1,
        "median": 2,
        "p90": 2,
        "late": 0,
        "max": 2,
    }
    assert leader["urgings"][month]["units"]["unit-plan"]["reprimand"] == 1
    assert specialist.status_code == 403


def test_the_reports_and_urgings_answer_typed_models_the_web_app_is_generated_from() -> None:
    app = create_app(service="routing", routers=ROUTERS, auth_settings=AUTH)
    document = app.openapi()
    for path, method, model in (
        ("/reports/overdue", "get", "OverdueUnit"),
        ("/reports/processing-time", "get", "ProcessingTimeUnit"),
        ("/reports/entries-on-behalf", "get", "EntriesOfLeader"),
        ("/reports/indicators", "get", "Indicators"),
        ("/cases/{case_id}/tasks/{task_id}/urgings", "post", "UrgingOut"),
    ):
        answer = document["paths"][path][method]["responses"]["200"]["content"]
        schema = answer["application/json"]["schema"]
        assert schema.get("items", schema) == {"$ref": f"#/components/schemas/{model}"}, path
    schemas = document["components"]["schemas"]
    assert set(schemas["OverdueTask"]["required"]) >= {"masked", "due_date", "overdue_working_days"}
    assert set(schemas["UrgingCounts"]["properties"]) == {
        "reminder",
        "reprimand",
        "disciplinary_review",
        "total",
    }
