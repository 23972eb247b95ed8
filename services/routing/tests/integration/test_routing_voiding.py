"""A document the registry voids (DocumentVoided on document.received) leaves the leader's inbox
and the units' open work over the real worker and API, and nothing more is decided on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from harness.polling import eventually
from harness.samples import sample_event
from vanthu_contracts import DocumentVoided
from vanthu_contracts.events.values import Person
from vanthu_routing.domain.case import case_id_for

from ..unit.routing_documents import received_document  # noqa: TID252
from .test_routing_flow import direction, wait_in_inbox

REASON = "Đăng ký nhầm: văn bản gửi cơ quan khác"


def voided(agency: str, document_id: str) -> DocumentVoided:
    event = sample_event(
        DocumentVoided.event_type,
        document_id=document_id,
        agency_code=agency,
        reason=REASON,
        voided_by=Person(user_id="clerk-1", full_name="Đặng Thị Lan", position="Văn thư"),
        voided_at=datetime.now(UTC),
    )
    assert isinstance(event, DocumentVoided)
    return event


async def case_of(http: Any, org: Any, case_id: str) -> dict[str, Any]:
    response = await http.get(f"/cases/{case_id}", headers=org.auth("director"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_voided_document_leaves_the_inbox_and_its_units_see_the_withdrawal(
    http, org, publisher
):
    document = received_document(agency_code=org.agency)
    case_id = case_id_for(org.agency, document.document_id)  # type: ignore[attr-defined]
    await publisher.publish(document)
    await wait_in_inbox(http, org.auth("director"), case_id)
    directed = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    assert directed.status_code == 200, directed.text

    await publisher.publish(voided(org.agency, document.document_id))  # type: ignore[attr-defined]

    async def closed() -> dict[str, Any] | None:
        case = await case_of(http, org, case_id)
        return case if case["status"] == "voided" else None

    case = await eventually(closed, what="the case closed as voided")
    assert case["voiding"]["reason"] == REASON
    mine = (await http.get("/tasks/mine", headers=org.auth("planning_head"))).json()
    [task] = [t for t in mine if t["case_id"] == case_id]
    assert task["status"] == "withdrawn"
    assert REASON in task["withdrawal"]["message_vi"]
    again = await http.post(
        f"/cases/{case_id}/redirection", json=direction(org), headers=org.auth("director")
    )
    assert again.status_code == 409
    assert REASON in again.json()["detail"]["message"]


async def test_a_void_published_before_its_document_opens_the_case_voided(http, org, publisher):
    document = received_document(agency_code=org.agency)
    case_id = case_id_for(org.agency, document.document_id)  # type: ignore[attr-defined]

    await publisher.publish(voided(org.agency, document.document_id))  # type: ignore[attr-defined]
    await publisher.publish(document)

    async def opened() -> dict[str, Any] | None:
        response = await http.get(f"/cases/{case_id}", headers=org.auth("director"))
        return response.json() if response.status_code == 200 else None

    case = await eventually(opened, what="the case opened")
    assert case["status"] == "voided"
    inbox = (await http.get("/inbox", headers=org.auth("director"))).json()
    assert case_id not in [c["case_id"] for c in inbox]
    refused = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    assert refused.status_code == 409
