"""A confidential document goes to the people named on it, over HTTP on the real servers: not to
the leader the rules name, and its work not to a unit none of whose heads is named (ADR 0006)."""

from __future__ import annotations

from typing import Any

from harness.polling import eventually
from vanthu_contracts.events.values import Confidentiality

from .test_routing_flow import in_days, receive, wait_in_inbox


async def shown_to(http, org, who: str, case_id: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await http.get(f"/cases/{case_id}", headers=org.auth(who))
        return response.json() if response.status_code == 200 else None

    return await eventually(probe, what=f"case {case_id} shown to {who}")


async def test_a_confidential_document_named_only_for_a_specialist_is_not_in_the_leaders_inbox(
    http, org, publisher
):
    case_id = await receive(
        publisher,
        org.agency,
        confidentiality=Confidentiality.CONFIDENTIAL,
        readers=(org.ids["specialist"],),
    )

    case = await shown_to(http, org, "specialist", case_id)

    assert case["leader"]["user_id"] == org.ids["specialist"]
    inbox = await http.get("/inbox", headers=org.auth("director"))
    assert case_id not in inbox.text
    assert (await http.get(f"/cases/{case_id}", headers=org.auth("director"))).status_code == 404


async def test_a_secret_document_is_given_to_a_unit_only_when_one_of_its_heads_is_named(
    http, org, publisher
):
    case_id = await receive(
        publisher,
        org.agency,
        confidentiality=Confidentiality.SECRET,
        readers=(org.ids["director"], org.ids["planning_head"], org.ids["specialist"]),
    )
    await wait_in_inbox(http, org.auth("director"), case_id)
    lead = {"unit_id": org.ids["planning"], "role": "lead", "due_date": in_days(30)}
    finance = {"unit_id": org.ids["finance"], "role": "coordinating", "due_date": in_days(30)}
    specialist = {"user_id": org.ids["specialist"], "role": "coordinating", "due_date": in_days(20)}

    refused = await http.post(
        f"/cases/{case_id}/direction",
        json={"assignments": [lead, finance]},
        headers=org.auth("director"),
    )
    directed = await http.post(
        f"/cases/{case_id}/direction",
        json={"assignments": [lead, specialist]},
        headers=org.auth("director"),
    )

    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert f"No head of Phòng Tài chính ({org.ids['finance']}) is named" in detail["message"]
    assert "Tối mật" in detail["message_vi"]
    assert directed.status_code == 200, directed.text
    assert sorted(t["role"] for t in directed.json()["tasks"]) == ["coordinating", "lead"]
    mine = await http.get("/tasks/mine", headers=org.auth("finance_head"))
    assert case_id not in mine.text
