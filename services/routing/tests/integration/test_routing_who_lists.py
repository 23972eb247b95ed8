"""Who lists and reads which documents in routing, over HTTP on the real servers (ADR 0008): the
leader and the secretary the agency's, a unit head his unit's work, a specialist what he was
given, an administrator none."""

from __future__ import annotations

from typing import Any

from harness.polling import eventually

from .test_routing_flow import in_days, receive, wait_in_inbox


async def directed(http: Any, org: Any, case_id: str, unit: str) -> dict[str, Any]:
    response = await http.post(
        f"/cases/{case_id}/direction",
        json={"assignments": [{"unit_id": org.ids[unit], "role": "lead", "due_date": in_days(9)}]},
        headers=org.auth("director"),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_role_reads_the_cases_of_its_own_work_and_an_administrator_none(
    http, org, publisher
):
    for_planning = await receive(publisher, org.agency)
    for_finance = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), for_planning)
    await wait_in_inbox(http, org.auth("director"), for_finance)
    planning = await directed(http, org, for_planning, "planning")
    await directed(http, org, for_finance, "finance")

    def read(who: str, case_id: str) -> Any:
        return http.get(f"/cases/{case_id}", headers=org.auth(who))

    for who in ("director", "secretary"):
        for case_id in (for_planning, for_finance):
            assert (await read(who, case_id)).status_code == 200, who
    assert (await read("planning_head", for_planning)).status_code == 200
    assert (await read("planning_head", for_finance)).status_code == 404
    assert (await read("finance_head", for_planning)).status_code == 404
    assert (await read("finance_head", for_finance)).status_code == 200
    # The planning specialist sees his unit's document once his head gives him the work.
    assert (await read("specialist", for_planning)).status_code == 404
    lead = planning["tasks"][0]["task_id"]
    handed = await http.post(
        f"/cases/{for_planning}/tasks/{lead}/reassignment",
        json={
            "assignments": [
                {"user_id": org.ids["specialist"], "role": "specialist", "due_date": in_days(5)}
            ]
        },
        headers=org.auth("planning_head"),
    )
    assert handed.status_code == 200, handed.text
    assert (await read("specialist", for_planning)).status_code == 200
    assert (await read("specialist", for_finance)).status_code == 404

    refused = await read("admin", for_planning)
    assert refused.status_code == 403
    assert "Quản trị viên" in refused.json()["detail"]["message_vi"]
    for path in (
        "/awaiting-rules",
        "/tasks/mine",
        "/reports/overdue",
        f"/units/{org.ids['planning']}/tasks",
    ):
        assert (await http.get(path, headers=org.auth("admin"))).status_code == 403, path


async def test_a_unit_heads_report_shows_only_his_units_tasks(http, org, publisher):
    for_planning = await receive(publisher, org.agency)
    for_finance = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), for_planning)
    await wait_in_inbox(http, org.auth("director"), for_finance)
    await directed(http, org, for_planning, "planning")
    await directed(http, org, for_finance, "finance")
    for case_id, head in ((for_planning, "planning_head"), (for_finance, "finance_head")):
        task = (await http.get(f"/cases/{case_id}", headers=org.auth(head))).json()["tasks"][0]
        done = await http.post(
            f"/cases/{case_id}/tasks/{task['task_id']}/completion",
            json={"text": "Đã xử lý xong."},
            headers=org.auth(head),
        )
        assert done.status_code == 200, done.text

    async def both_counted() -> list[Any] | None:
        # The report reads the indicators' tables (ADR 0052): once the worker counted both.
        shown = await http.get("/reports/processing-time", headers=org.auth("director"))
        rows: list[Any] = shown.json()
        return rows if len(rows) == 2 else None

    everyone = await eventually(both_counted, timeout=90, interval=0.5, what="both completions")
    mine = (await http.get("/reports/processing-time", headers=org.auth("planning_head"))).json()

    assert [r["unit_id"] for r in mine] == [org.ids["planning"]]
    assert sorted(r["unit_id"] for r in everyone) == sorted(
        [org.ids["planning"], org.ids["finance"]]
    )
