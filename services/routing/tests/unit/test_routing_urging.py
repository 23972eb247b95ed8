"""Urging (đôn đốc, issue 15 item 2): a leader or unit head urges a task with a kind, a number
per task and a note; the person or unit is told, it stays in the task's history and the
indicators count it. Other roles are refused, a kind the agency does not know too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from vanthu_contracts.events.routing import TaskUrged, UrgingKind
from vanthu_routing.domain.calendar import WorkingCalendar
from vanthu_routing.streams.indicators import apply, combine, summarise

from .routing_api import MONDAY, Api, routing_api

DUE = (MONDAY + timedelta(days=10)).date().isoformat()


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


async def post_ok(api: Api, path: str, who: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post(path, json=body, headers=api.auth(who))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def _directed(api: Api) -> tuple[str, str]:
    """A document directed to the planning office: its case and the unit's task."""
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    return case_id, case["tasks"][0]["task_id"]


async def _given_to_em(api: Api, case_id: str, unit_task: str) -> str:
    to_em = {"user_id": "em", "role": "specialist", "due_date": DUE}
    case = await post_ok(
        api,
        f"/cases/{case_id}/tasks/{unit_task}/reassignment",
        "plan-head",
        {"assignments": [to_em]},
    )
    return next(t["task_id"] for t in case["tasks"] if t["role"] == "specialist")


def _urged(api: Api) -> list[TaskUrged]:
    return [e for e in api.cases.published() if isinstance(e, TaskUrged)]


async def test_the_leader_urges_a_unit_s_task_and_its_head_is_told_with_the_kind_and_number(api):
    case_id, unit_task = await _directed(api)
    path = f"/cases/{case_id}/tasks/{unit_task}/urgings"

    first = await post_ok(
        api, path, "director", {"kind": "reminder", "note": "Đề nghị khẩn trương báo cáo."}
    )
    second = await post_ok(api, path, "director", {"kind": "reprimand"})

    assert (first["kind_label"], first["sequence"]) == ("Nhắc nhở", 1)
    assert (second["kind_label"], second["sequence"]) == ("Phê bình", 2)
    assert first["urged_by"]["user_id"] == "director"
    assert first["note"] == "Đề nghị khẩn trương báo cáo."
    # Told on task.assigned: the planning office's head, for the unit's task.
    told = _urged(api)
    assert [(e.kind, e.sequence) for e in told] == [
        (UrgingKind.REMINDER, 1),
        (UrgingKind.REPRIMAND, 2),
    ]
    assert told[0].notify_user_ids == ("plan-head",)
    assert told[0].assignee.unit_id == "unit-plan"
    # The head finds it on the task in his list; the case's history keeps both.
    mine = await api.http.get("/tasks/mine", headers=api.auth("plan-head"))
    [task] = [t for t in mine.json() if t["task_id"] == unit_task]
    assert [(u["kind"], u["sequence"]) for u in task["urgings"]] == [
        ("reminder", 1),
        ("reprimand", 2),
    ]
    case = await api.http.get(f"/cases/{case_id}", headers=api.auth("director"))
    assert [u["kind_label"] for u in case.json()["urgings"]] == ["Nhắc nhở", "Phê bình"]


async def test_the_unit_head_urges_his_specialist_who_is_told(api):
    case_id, unit_task = await _directed(api)
    sub_task = await _given_to_em(api, case_id, unit_task)

    urging = await post_ok(
        api,
        f"/cases/{case_id}/tasks/{sub_task}/urgings",
        "plan-head",
        {"kind": "disciplinary_review", "note": "Chậm hai lần."},
    )

    assert (urging["kind_label"], urging["sequence"]) == ("Kiểm điểm", 1)
    assert _urged(api)[-1].notify_user_ids == ("em",)
    mine = await api.http.get("/tasks/mine", headers=api.auth("em"))
    [task] = [t for t in mine.json() if t["task_id"] == sub_task]
    assert task["urgings"][0]["note"] == "Chậm hai lần."


async def test_the_same_urging_sent_twice_is_one_urging(api):
    case_id, unit_task = await _directed(api)
    body = {"urging_id": "ur-1", "kind": "reminder"}
    path = f"/cases/{case_id}/tasks/{unit_task}/urgings"

    await post_ok(api, path, "director", body)
    again = await post_ok(api, path, "director", body)

    assert again["sequence"] == 1
    assert len(_urged(api)) == 1


async def test_a_specialist_or_secretary_may_not_urge_and_a_unit_head_not_his_own_unit_s_task(api):
    case_id, unit_task = await _directed(api)
    path = f"/cases/{case_id}/tasks/{unit_task}/urgings"
    before = len(api.cases.outbox)

    for who in ("em", "secretary", "admin", "plan-head"):
        response = await api.http.post(path, json={"kind": "reminder"}, headers=api.auth(who))
        assert response.status_code == 403, (who, response.text)

    assert len(api.cases.outbox) == before


async def test_a_kind_the_agency_does_not_know_is_refused_naming_the_field(api):
    case_id, unit_task = await _directed(api)
    before = len(api.cases.outbox)

    response = await api.http.post(
        f"/cases/{case_id}/tasks/{unit_task}/urgings",
        json={"kind": "scolding"},
        headers=api.auth("director"),
    )

    assert response.status_code == 422
    assert "kind" in response.text
    assert len(api.cases.outbox) == before


async def test_a_completed_task_is_not_urged(api):
    case_id, unit_task = await _directed(api)
    await post_ok(
        api, f"/cases/{case_id}/tasks/{unit_task}/completion", "plan-head", {"text": "Xong."}
    )

    response = await api.http.post(
        f"/cases/{case_id}/tasks/{unit_task}/urgings",
        json={"kind": "reminder"},
        headers=api.auth("director"),
    )

    assert response.status_code == 409
    assert "đôn đốc" in response.json()["detail"]["message_vi"]


async def test_the_indicators_count_the_urgings_per_unit_and_person_by_kind(api):
    case_id, unit_task = await _directed(api)
    sub_task = await _given_to_em(api, case_id, unit_task)
    await post_ok(
        api, f"/cases/{case_id}/tasks/{unit_task}/urgings", "director", {"kind": "reminder"}
    )
    await post_ok(
        api, f"/cases/{case_id}/tasks/{sub_task}/urgings", "director", {"kind": "reprimand"}
    )
    await post_ok(
        api, f"/cases/{case_id}/tasks/{sub_task}/urgings", "plan-head", {"kind": "reprimand"}
    )

    facts: dict[str, Any] = {}
    for event in api.cases.published():
        apply(facts, event, 0)
    figures = combine(
        {"agency": agency, **f}
        for agency, f in summarise(facts.values(), MONDAY.date(), WorkingCalendar()).items()
    )

    month = figures["urgings"][MONDAY.date().isoformat()[:7]]
    assert month["units"]["unit-plan"] == {
        "reminder": 1,
        "reprimand": 2,
        "disciplinary_review": 0,
        "total": 3,
    }
    assert month["people"]["em"] == {
        "reminder": 0,
        "reprimand": 2,
        "disciplinary_review": 0,
        "total": 2,
    }
