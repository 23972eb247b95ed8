"""A document of an agency that has no routing rules yet is not lost: its clerks see it waiting,
and it reaches the leader the rules name once an administrator saves them."""

from __future__ import annotations

import uuid

from harness.polling import eventually

from .test_routing_flow import receive, wait_in_inbox


async def test_a_document_received_before_the_rules_waits_and_reaches_the_leader_they_name(
    routing, http, agency, publisher
):
    tag = uuid.uuid4().hex[:6]
    clerk, director = f"clerk-{tag}", f"director-{tag}"
    admin = {"Authorization": f"Bearer {routing.token(f'admin-{tag}', agency, 'administrator')}"}
    as_clerk = {"Authorization": f"Bearer {routing.token(clerk, agency, 'clerk')}"}
    as_director = {"Authorization": f"Bearer {routing.token(director, agency, 'leader')}"}
    imported = await http.post(
        "/directory/import",
        content=f"kind,id,name,roles\nuser,{clerk},Đặng Thị Lan,clerk\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text

    case_id = await receive(publisher, agency)

    async def waiting() -> list | None:
        response = await http.get("/awaiting-rules", headers=as_clerk)
        assert response.status_code == 200, response.text
        found = [c for c in response.json() if c["case_id"] == case_id]
        return found or None

    [shown] = await eventually(waiting, what="the document among those waiting for rules")
    assert shown["status"] == "awaiting_rules"
    assert shown["leader"] is None

    imported = await http.post(
        "/directory/import",
        content=f"kind,id,name,roles\nuser,{director},Nguyễn Văn An,leader\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    rules = await http.put(
        "/directory/routing-rules",
        json={"default": {"leader_user_id": director, "lead_unit_id": f"unit-{tag}"}},
        headers=admin,
    )

    assert rules.status_code == 200, rules.text
    assert rules.json()["waiting_documents_routed"] == 1
    [case] = [c for c in await wait_in_inbox(http, as_director, case_id) if c["case_id"] == case_id]
    assert case["leader"]["full_name"] == "Nguyễn Văn An"
    assert (await http.get("/awaiting-rules", headers=as_clerk)).json() == []
