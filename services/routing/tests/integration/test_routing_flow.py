"""A registered document reaches the leader, is directed (by the leader or, from paper, by the
secretary), and its units work on it; everything shows on the topics other services read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from harness.pdfs import one_page_pdf
from harness.polling import eventually
from vanthu_contracts import (
    DecisionRecorded,
    DocumentReceived,
    SendStatusRequested,
    TaskAssigned,
    TaskCompleted,
)
from vanthu_contracts.events.values import Channel, ExchangeOrigin, Urgency
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_runtime.kafka_producer import KafkaEventPublisher

from ..unit.routing_documents import received_document  # noqa: TID252

DOCUMENT_RECEIVED = DocumentReceived.event_type
SLIP = one_page_pdf()

# An exchanged document sent by the Ministry of Home Affairs, who is told our statuses.
FROM_THE_MINISTRY = ExchangeOrigin(
    package_id="a9f3e2d1-4c5b-4a6d-8e7f-1b2c3d4e5f60",
    sender_agency_code="000.00.00.G09",
    document_code="000.00.00.G09,2026/11/20,15/QĐ-BNV",
)


async def receive(publisher: KafkaEventPublisher, agency: str, **changes: Any) -> str:
    event = received_document(agency_code=agency, **changes)
    await publisher.publish(event)
    return case_id_for(agency, event.document_id)  # type: ignore[attr-defined]


async def wait_in_inbox(
    http: httpx.AsyncClient, headers: dict[str, str], case_id: str
) -> list[Any]:
    async def probe() -> list[Any] | None:
        inbox = (await http.get("/inbox", headers=headers)).json()
        return inbox if any(c["case_id"] == case_id for c in inbox) else None

    return await eventually(probe, what=f"case {case_id} in the inbox")


async def at_least(n: int, found: Any) -> list[Any] | None:
    items = await found
    return items if len(items) >= n else None


def in_days(n: int) -> str:
    return (datetime.now(VIETNAM_TIME).date() + timedelta(days=n)).isoformat()


def direction(org: Any, decision_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": "Giao Phòng Kế hoạch chủ trì, Phòng Tài chính phối hợp.",
        "assignments": [
            {"unit_id": org.ids["planning"], "role": "lead", "due_date": in_days(30)},
            {"unit_id": org.ids["finance"], "role": "coordinating", "due_date": in_days(30)},
        ],
    }
    if decision_id:
        body["decision_id"] = decision_id
    return body


async def test_a_received_document_waits_in_the_leaders_inbox_most_urgent_first(
    http, org, publisher
):
    normal = await receive(publisher, org.agency, urgency=Urgency.NORMAL)
    flash = await receive(publisher, org.agency, urgency=Urgency.FLASH)

    await wait_in_inbox(http, org.auth("director"), normal)
    inbox = await wait_in_inbox(http, org.auth("director"), flash)

    assert [c["case_id"] for c in inbox] == [flash, normal]
    assert all(c["status"] == "awaiting_direction" for c in inbox)


async def test_the_leaders_direction_is_recorded_once_and_each_unit_gets_its_task(
    http, org, publisher, published
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)

    first = await http.post(
        f"/cases/{case_id}/direction", json=direction(org, "d-once-1"), headers=org.auth("director")
    )
    again = await http.post(
        f"/cases/{case_id}/direction", json=direction(org, "d-once-1"), headers=org.auth("director")
    )

    assert first.status_code == 200, first.text
    assert again.status_code == 200
    assert first.json()["status"] == "directed"
    tasks = await eventually(
        lambda: at_least(
            2,
            published.matching(
                lambda d: isinstance(d.event, TaskAssigned) and d.event.case_id == case_id
            ),
        ),
        what="tasks assigned",
    )
    decisions = await published.matching(
        lambda d: isinstance(d.event, DecisionRecorded) and d.event.case_id == case_id
    )
    assert sorted(t.event.assignee.unit_id for t in tasks) == sorted(
        [org.ids["planning"], org.ids["finance"]]
    )
    assert len(decisions) == 1
    assert decisions[0].event.on_behalf is False
    assert decisions[0].event.decided_by.user_id == org.ids["director"]


async def test_directing_twice_with_a_new_decision_is_refused_with_a_conflict(http, org, publisher):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )

    second = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )

    assert second.status_code == 409
    assert "re-direction" in second.json()["detail"]["message"]


async def test_a_secretary_records_the_leaders_paper_decision_with_the_scanned_slip(
    http, org, publisher, published
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    payload = {
        **direction(org),
        "decided_by_user_id": org.ids["director"],
        "decided_at": f"{datetime.now(VIETNAM_TIME).date().isoformat()}T00:00:00+07:00",
    }

    response = await http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": ("phieu.pdf", SLIP, "application/pdf")},
        headers=org.auth("secretary"),
    )

    assert response.status_code == 200, response.text
    shown = response.json()["decisions"][0]
    assert shown["on_behalf"] is True
    assert shown["decided_by"]["user_id"] == org.ids["director"]
    assert shown["recorded_by"]["user_id"] == org.ids["secretary"]
    [recorded] = await eventually(
        lambda: published.matching(
            lambda d: isinstance(d.event, DecisionRecorded) and d.event.case_id == case_id
        ),
        what="the decision on the topic",
    )
    assert recorded.event.on_behalf is True
    assert recorded.event.recorded_by.user_id == org.ids["secretary"]
    assert recorded.event.evidence_file.name == "phieu.pdf"


async def test_a_secretary_without_the_leaders_delegation_cannot_record_for_them(
    http, org, publisher
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    payload = {
        **direction(org),
        "decided_by_user_id": org.ids["director"],
        "decided_at": f"{datetime.now(VIETNAM_TIME).date().isoformat()}T00:00:00+07:00",
    }

    response = await http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": ("phieu.pdf", SLIP, "application/pdf")},
        headers=org.auth("stranger"),
    )

    assert response.status_code == 403
    case = (await http.get(f"/cases/{case_id}", headers=org.auth("director"))).json()
    assert case["status"] == "awaiting_direction"
    assert case["decisions"] == []


async def test_a_proxy_entry_without_the_scan_is_refused_naming_the_slip(http, org, publisher):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    payload = {
        **direction(org),
        "decided_by_user_id": org.ids["director"],
        "decided_at": f"{datetime.now(VIETNAM_TIME).date().isoformat()}T00:00:00+07:00",
    }

    response = await http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": ("phieu.txt", b"not a scan", "text/plain")},
        headers=org.auth("secretary"),
    )

    assert response.status_code == 415
    assert "slip" in response.json()["detail"]


async def test_units_work_the_task_and_the_sending_agency_hears_assigned_processing_done(
    http, org, publisher, published
):
    case_id = await receive(
        publisher, org.agency, channel=Channel.EXCHANGE, exchange=FROM_THE_MINISTRY
    )
    await wait_in_inbox(http, org.auth("director"), case_id)
    directed = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    lead = next(t for t in directed.json()["tasks"] if t["role"] == "lead")

    reassigned = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/reassignment",
        json={
            "assignments": [
                {"user_id": org.ids["specialist"], "role": "specialist", "due_date": in_days(20)}
            ]
        },
        headers=org.auth("planning_head"),
    )
    assert reassigned.status_code == 200, reassigned.text
    child = next(t for t in reassigned.json()["tasks"] if t["parent_task_id"] == lead["task_id"])
    mine = (await http.get("/tasks/mine", headers=org.auth("specialist"))).json()
    assert [t["task_id"] for t in mine] == [child["task_id"]]

    progress = await http.post(
        f"/cases/{case_id}/tasks/{child['task_id']}/progress",
        json={"text": "Đã xin ý kiến các phòng", "percent_complete": 50},
        headers=org.auth("specialist"),
    )
    done = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/completion",
        json={"text": "Đã tham mưu văn bản trả lời"},
        headers=org.auth("planning_head"),
    )
    assert progress.status_code == 200, progress.text
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"

    statuses = await eventually(
        lambda: _statuses_for(published, case_id, 3), what="three statuses to the sender"
    )
    assert [s.event.status_code.value for s in statuses] == ["04", "05", "06"]
    assert statuses[0].event.to_agency_code == "000.00.00.G09"
    completed = await published.matching(
        lambda d: isinstance(d.event, TaskCompleted) and d.event.case_id == case_id
    )
    assert [c.event.task_id for c in completed] == [lead["task_id"]]


async def _statuses_for(published: Any, case_id: str, count: int) -> list[Any] | None:
    found = await published.matching(lambda d: isinstance(d.event, SendStatusRequested))
    mine = [s for s in found if case_id_for(s.event.agency_code, s.event.document_id) == case_id]
    return mine if len(mine) >= count else None


async def test_invalid_moves_on_a_task_get_a_conflict_or_name_the_missing_field(
    http, org, publisher
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    directed = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    coordinating = next(t for t in directed.json()["tasks"] if t["role"] == "coordinating")
    url = f"/cases/{case_id}/tasks/{coordinating['task_id']}"
    head = org.auth("finance_head")

    no_reason = await http.post(f"{url}/return", json={}, headers=head)
    completed = await http.post(f"{url}/completion", json={"text": "Đã góp ý"}, headers=head)
    completed_again = await http.post(f"{url}/completion", json={"text": "lần nữa"}, headers=head)
    returned_after = await http.post(f"{url}/return", json={"reason": "sai"}, headers=head)
    not_theirs = await http.post(
        f"{url}/progress", json={"text": "x"}, headers=org.auth("planning_head")
    )

    assert no_reason.status_code == 422
    assert "reason" in no_reason.text
    assert completed.status_code == 200
    assert completed_again.status_code == 409
    assert "already completed" in completed_again.json()["detail"]["message"]
    assert returned_after.status_code == 409
    assert not_theirs.status_code == 403


async def test_the_lead_unit_returning_the_task_sends_the_document_back_to_the_leader(
    http, org, publisher
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    directed = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    lead = next(t for t in directed.json()["tasks"] if t["role"] == "lead")

    returned = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/return",
        json={"reason": "Không thuộc chức năng của phòng"},
        headers=org.auth("planning_head"),
    )
    redirected = await http.post(
        f"/cases/{case_id}/redirection",
        json={
            "assignments": [
                {"unit_id": org.ids["finance"], "role": "lead", "due_date": in_days(30)}
            ]
        },
        headers=org.auth("director"),
    )

    assert returned.status_code == 200
    assert returned.json()["status"] == "awaiting_direction"
    assert redirected.status_code == 200, redirected.text
    assert redirected.json()["status"] == "directed"


async def test_callers_of_another_agency_or_without_the_role_are_refused(http, org, publisher):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)

    other_agency = await http.get(f"/cases/{case_id}", headers=org.auth("other_agency_director"))
    specialist_directs = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("specialist")
    )
    anonymous = await http.get("/inbox")

    # The same user id in another agency is nobody in that agency's directory.
    assert other_agency.status_code == 403
    assert "not in the organisation directory of 000.00.00.G22" in other_agency.text
    assert specialist_directs.status_code == 403
    assert anonymous.status_code == 401


async def test_the_coordinating_unit_sees_its_task_withdrawn_when_the_lead_unit_completes(
    http, org, publisher
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    directed = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    tasks = {t["role"]: t for t in directed.json()["tasks"]}

    done = await http.post(
        f"/cases/{case_id}/tasks/{tasks['lead']['task_id']}/completion",
        json={"text": "Đã tham mưu văn bản trả lời"},
        headers=org.auth("planning_head"),
    )
    assert done.status_code == 200, done.text
    finance = (await http.get("/tasks/mine", headers=org.auth("finance_head"))).json()
    [notice] = [t for t in finance if t["case_id"] == case_id]
    seen = await http.post(
        f"/cases/{case_id}/tasks/{notice['task_id']}/acknowledgement",
        headers=org.auth("finance_head"),
    )
    after = (await http.get("/tasks/mine", headers=org.auth("finance_head"))).json()

    assert notice["task_id"] == tasks["coordinating"]["task_id"]
    assert notice["status"] == "withdrawn"
    assert "lead unit completed" in notice["withdrawal"]["message"]
    assert seen.status_code == 200, seen.text
    assert [t for t in after if t["case_id"] == case_id] == []
