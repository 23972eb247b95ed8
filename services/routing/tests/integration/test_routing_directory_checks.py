"""What a caller may do is decided by routing's own directory, not by the token's claims: roles,
the unit a head heads, and the tasks a specialist was given."""

from __future__ import annotations

from .test_routing_flow import direction, in_days, receive, wait_in_inbox


async def directed_case(http, org, publisher) -> tuple[str, dict, dict]:
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    response = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    assert response.status_code == 200, response.text
    tasks = response.json()["tasks"]
    lead = next(t for t in tasks if t["role"] == "lead")
    coordinating = next(t for t in tasks if t["role"] == "coordinating")
    return case_id, lead, coordinating


async def test_a_token_claiming_leader_for_someone_the_directory_does_not_list_as_leader_is_refused(
    routing, http, org, publisher
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    # A valid token, but the directory knows this user as the planning unit's head.
    forged = {
        "Authorization": "Bearer "
        + routing.token(org.ids["planning_head"], org.agency, "leader", "unit_head")
    }

    inbox = await http.get("/inbox", headers=forged)
    directs = await http.post(f"/cases/{case_id}/direction", json=direction(org), headers=forged)

    assert inbox.status_code == 403
    assert directs.status_code == 403
    message = directs.json()["detail"]["message"]
    assert f"does not list {org.ids['planning_head']} as leader" in message
    case = (await http.get(f"/cases/{case_id}", headers=org.auth("director"))).json()
    assert case["status"] == "awaiting_direction"
    assert case["decisions"] == []


async def test_a_unit_head_reassigns_only_tasks_of_the_unit_the_directory_says_they_head(
    routing, http, org, publisher
):
    case_id, lead, _ = await directed_case(http, org, publisher)
    # Finance's head presents a token claiming the planning unit: the directory says finance.
    claims_planning = {
        "Authorization": "Bearer "
        + routing.token(
            org.ids["finance_head"], org.agency, "unit_head", unit_id=org.ids["planning"]
        )
    }
    body = {
        "assignments": [
            {"user_id": org.ids["specialist"], "role": "specialist", "due_date": in_days(10)}
        ]
    }

    refused = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/reassignment",
        json=body,
        headers=claims_planning,
    )
    accepted = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/reassignment",
        json=body,
        headers=org.auth("planning_head"),
    )

    assert refused.status_code == 403
    assert "Only the head of" in refused.json()["detail"]["message"]
    assert accepted.status_code == 200, accepted.text


async def test_a_specialist_acts_only_on_the_tasks_given_to_them(routing, http, org, publisher):
    colleague = f"{org.ids['specialist']}-2"
    saved = await http.put(
        f"/directory/users/{colleague}",
        json={"full_name": "Đỗ Thị Giang", "unit_id": org.ids["planning"], "roles": ["specialist"]},
        headers=org.auth("admin"),
    )
    assert saved.status_code == 200, saved.text
    case_id, lead, _ = await directed_case(http, org, publisher)
    reassigned = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/reassignment",
        json={
            "assignments": [
                {"user_id": org.ids["specialist"], "role": "specialist", "due_date": in_days(10)},
                # A task of her own, so that she sees the document (ADR 0008).
                {"user_id": colleague, "role": "specialist", "due_date": in_days(10)},
            ]
        },
        headers=org.auth("planning_head"),
    )
    child = next(
        t
        for t in reassigned.json()["tasks"]
        if t["parent_task_id"] == lead["task_id"] and t["assignee"]["user_id"] != colleague
    )
    colleague_auth = {
        "Authorization": "Bearer "
        + routing.token(colleague, org.agency, "specialist", unit_id=org.ids["planning"])
    }

    refused = await http.post(
        f"/cases/{case_id}/tasks/{child['task_id']}/completion",
        json={"text": "Xong"},
        headers=colleague_auth,
    )
    done = await http.post(
        f"/cases/{case_id}/tasks/{child['task_id']}/completion",
        json={"text": "Đã dự thảo văn bản trả lời"},
        headers=org.auth("specialist"),
    )

    assert refused.status_code == 403
    assert f"Only {org.ids['specialist']}" in refused.json()["detail"]["message"]
    assert done.status_code == 200, done.text
    statuses = {t["task_id"]: t["status"] for t in done.json()["tasks"]}
    assert statuses[child["task_id"]] == "completed"
