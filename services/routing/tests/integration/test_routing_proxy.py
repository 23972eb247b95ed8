"""A delegated secretary records the leader's paper decisions everywhere the leader decides:
re-direction and comments too; who decided and who typed it in shows in every view."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import httpx
from harness.pdfs import one_page_pdf
from harness.polling import eventually
from vanthu_contracts import DecisionRecorded, TaskAssigned
from vanthu_routing.domain.calendar import VIETNAM_TIME

from .test_routing_flow import direction, in_days, receive, wait_in_inbox


def slip_dated_today() -> str:
    return f"{datetime.now(VIETNAM_TIME).date().isoformat()}T00:00:00+07:00"


def a_scan() -> bytes:
    """A slip nobody else uploads, so its content-addressed object is this test's alone."""
    return one_page_pdf()


async def directed(http, org, publisher) -> str:
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    response = await http.post(
        f"/cases/{case_id}/direction", json=direction(org), headers=org.auth("director")
    )
    assert response.status_code == 200, response.text
    return case_id


def on_behalf(org, **fields) -> dict:
    return {"decided_by_user_id": org.ids["director"], "decided_at": slip_dated_today(), **fields}


async def test_a_secretary_redirects_on_the_leaders_behalf_and_every_view_shows_who_decided(
    http, org, publisher, published
):
    case_id = await directed(http, org, publisher)
    payload = on_behalf(
        org,
        text="Chuyển Phòng Tài chính chủ trì.",
        assignments=[{"unit_id": org.ids["finance"], "role": "lead", "due_date": in_days(20)}],
    )

    response = await http.post(
        f"/cases/{case_id}/redirection/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": ("phieu-chuyen.pdf", a_scan(), "application/pdf")},
        headers=org.auth("secretary"),
    )

    assert response.status_code == 200, response.text
    redirection = response.json()["decisions"][-1]
    assert redirection["kind"] == "redirection"
    assert redirection["on_behalf"] is True
    assert redirection["decided_by"]["user_id"] == org.ids["director"]
    assert redirection["recorded_by"]["user_id"] == org.ids["secretary"]
    assert redirection["evidence_file"]["name"] == "phieu-chuyen.pdf"
    assert response.json()["has_entries_on_behalf"] is True

    recorded = await eventually(
        lambda: published.matching(
            lambda d: (
                isinstance(d.event, DecisionRecorded)
                and d.event.case_id == case_id
                and d.event.kind.value == "redirection"
            )
        ),
        what="the re-direction on decision.recorded",
    )
    event = recorded[0].event
    assert (event.decided_by.user_id, event.recorded_by.user_id, event.on_behalf) == (
        org.ids["director"],
        org.ids["secretary"],
        True,
    )
    assert event.evidence_file.name == "phieu-chuyen.pdf"
    assigned = await eventually(
        lambda: published.matching(
            lambda d: (
                isinstance(d.event, TaskAssigned)
                and d.event.case_id == case_id
                and d.event.assignee.unit_id == org.ids["finance"]
                and d.event.role.value == "lead"
            )
        ),
        what="finance's new lead task",
    )
    assert assigned[0].event.assigned_by.user_id == org.ids["director"]

    finance_tasks = (await http.get("/tasks/mine", headers=org.auth("finance_head"))).json()
    shown = next(t for t in finance_tasks if t["case_id"] == case_id and t["role"] == "lead")
    assert shown["assigned_by_decision"]["on_behalf"] is True
    assert shown["assigned_by_decision"]["recorded_by"]["user_id"] == org.ids["secretary"]
    unit_tasks = (
        await http.get(f"/units/{org.ids['finance']}/tasks", headers=org.auth("director"))
    ).json()
    assert any(
        t["case_id"] == case_id and t["assigned_by_decision"]["on_behalf"] for t in unit_tasks
    )
    report = (await http.get("/reports/entries-on-behalf", headers=org.auth("director"))).json()
    [row] = [r for r in report if r["leader_user_id"] == org.ids["director"]]
    assert any(
        d["case_id"] == case_id
        and d["kind"] == "redirection"
        and d["recorded_by"]["user_id"] == org.ids["secretary"]
        for d in row["decisions"]
    )


async def test_a_secretary_records_the_leaders_written_comment_from_paper(http, org, publisher):
    case_id = await directed(http, org, publisher)

    response = await http.post(
        f"/cases/{case_id}/comments/on-behalf",
        data={"payload": json.dumps(on_behalf(org, text="Lưu ý hạn trả lời Bộ."))},
        files={"slip": ("but-phe.png", a_scan(), "image/png")},
        headers=org.auth("secretary"),
    )

    assert response.status_code == 200, response.text
    comment = response.json()["decisions"][-1]
    assert comment["kind"] == "comment"
    assert comment["text"] == "Lưu ý hạn trả lời Bộ."
    assert comment["on_behalf"] is True
    assert comment["decided_by"]["user_id"] == org.ids["director"]


async def test_the_leader_and_the_unit_head_comment_in_their_own_name(http, org, publisher):
    case_id = await directed(http, org, publisher)

    leader = await http.post(
        f"/cases/{case_id}/comments", json={"text": "Khẩn trương."}, headers=org.auth("director")
    )
    outsider = await http.post(
        f"/cases/{case_id}/comments", json={"text": "?"}, headers=org.auth("specialist")
    )

    assert leader.status_code == 200, leader.text
    assert leader.json()["decisions"][-1]["on_behalf"] is False
    # A specialist with no task on it does not see the document at all (ADR 0008).
    assert outsider.status_code == 404


async def _refused_and_nothing_stored(http, org, routing_bucket, case_id, reason: str) -> None:
    before = (await http.get(f"/cases/{case_id}", headers=org.auth("director"))).json()
    scan = a_scan()
    payload = on_behalf(
        org,
        assignments=[{"unit_id": org.ids["finance"], "role": "lead", "due_date": in_days(20)}],
    )

    response = await http.post(
        f"/cases/{case_id}/redirection/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": ("phieu.pdf", scan, "application/pdf")},
        headers=org.auth("secretary"),
    )
    comment = await http.post(
        f"/cases/{case_id}/comments/on-behalf",
        data={"payload": json.dumps(on_behalf(org, text="Ý kiến"))},
        files={"slip": ("phieu.pdf", scan, "application/pdf")},
        headers=org.auth("secretary"),
    )

    assert response.status_code == 403
    assert comment.status_code == 403
    assert reason in response.json()["detail"]["message"]
    after = (await http.get(f"/cases/{case_id}", headers=org.auth("director"))).json()
    assert after["decisions"] == before["decisions"]
    assert after["tasks"] == before["tasks"]
    client, bucket = routing_bucket
    key = f"routing/evidence/{hashlib.sha256(scan).hexdigest()}"
    assert not list(client.list_objects(bucket, prefix=key))


async def test_a_secretary_whose_delegation_was_revoked_is_refused_and_nothing_is_stored(
    http, org, publisher, routing_bucket
):
    case_id = await directed(http, org, publisher)
    revoked = await http.post(
        f"/directory/delegations/{org.ids['delegation']}/revocation", headers=org.auth("admin")
    )
    assert revoked.status_code == 200, revoked.text

    await _refused_and_nothing_stored(http, org, routing_bucket, case_id, "revoked")


async def test_a_secretary_whose_delegation_expired_is_refused_and_nothing_is_stored(
    http, org, publisher, routing_bucket
):
    case_id = await directed(http, org, publisher)
    await http.post(
        f"/directory/delegations/{org.ids['delegation']}/revocation", headers=org.auth("admin")
    )
    now = datetime.now(VIETNAM_TIME)
    expired = await http.post(
        "/directory/delegations",
        json={
            "leader_user_id": org.ids["director"],
            "secretary_user_id": org.ids["secretary"],
            "valid_from": (now - timedelta(days=30)).isoformat(),
            "valid_until": (now - timedelta(days=1)).isoformat(),
        },
        headers=org.auth("admin"),
    )
    assert expired.status_code == 201, expired.text

    await _refused_and_nothing_stored(http, org, routing_bucket, case_id, "expired")


async def test_a_secretary_sees_the_inbox_of_the_leaders_who_delegated_to_them_unasked(
    http, org, publisher
):
    case_id = await receive(publisher, org.agency)

    async def in_secretarys_inbox() -> list | None:
        response = await http.get("/inbox", headers=org.auth("secretary"))
        assert response.status_code == 200, response.text
        inbox = response.json()
        return inbox if any(c["case_id"] == case_id for c in inbox) else None

    inbox = await eventually(in_secretarys_inbox, what="the director's document for the secretary")
    without_delegation = await http.get("/inbox", headers=org.auth("stranger"))

    assert {c["leader"]["user_id"] for c in inbox} == {org.ids["director"]}
    assert without_delegation.status_code == 200
    assert without_delegation.json() == []


async def test_a_paper_decision_dated_before_the_document_arrived_is_refused_and_not_stored(
    http, org, publisher, routing_bucket
):
    arrived = datetime.now(VIETNAM_TIME) - timedelta(days=2)
    case_id = await receive(publisher, org.agency, received_at=arrived)
    await wait_in_inbox(http, org.auth("director"), case_id)
    payload = on_behalf(
        org,
        decided_at=(arrived - timedelta(days=1)).isoformat(),
        assignments=[{"unit_id": org.ids["planning"], "role": "lead", "due_date": in_days(20)}],
    )
    scan = a_scan()

    response = await http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": ("phieu.pdf", scan, "application/pdf")},
        headers=org.auth("secretary"),
    )

    assert response.status_code == 422, response.text
    assert "before the document arrived" in response.json()["detail"]["message"]
    case = (await http.get(f"/cases/{case_id}", headers=org.auth("director"))).json()
    assert case["status"] == "awaiting_direction"
    assert case["decisions"] == []
    client, bucket = routing_bucket
    key = f"routing/evidence/{hashlib.sha256(scan).hexdigest()}"
    assert not list(client.list_objects(bucket, prefix=key))


async def test_the_scanned_slip_opens_through_a_short_lived_link_only_for_those_who_see_it(
    http, org, publisher
):
    case_id = await receive(publisher, org.agency)
    await wait_in_inbox(http, org.auth("director"), case_id)
    slip = one_page_pdf()
    recorded = await http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={
            "payload": json.dumps(
                {
                    **direction(org),
                    "decided_by_user_id": org.ids["director"],
                    "decided_at": slip_dated_today(),
                }
            )
        },
        files={"slip": ("phieu.pdf", slip, "application/pdf")},
        headers=org.auth("secretary"),
    )
    assert recorded.status_code == 200, recorded.text
    file_id = recorded.json()["decisions"][0]["evidence_file"]["file_id"]
    path = f"/cases/{case_id}/files/{file_id}/link"

    given = await http.get(path, headers=org.auth("director"))
    # The planning specialist has no task on it yet: not his to see (ADR 0008).
    refused = await http.get(path, headers=org.auth("specialist"))

    assert given.status_code == 200, given.text
    async with httpx.AsyncClient(timeout=20) as blobs:
        downloaded = await blobs.get(given.json()["url"])
    assert downloaded.content == slip
    assert refused.status_code == 404
