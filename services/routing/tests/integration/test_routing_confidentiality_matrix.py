"""Who sees a Tối mật document in routing: every endpoint that can return it, every role, named on
it and not (ADR 0006, issue 16), over HTTP on the real servers.

25 endpoints × 7 roles × named/not named = 350 checks: 9 reads (the case; the leader's inbox and
the secretary's, with and without naming the leader; my tasks and the unit's; the documents
waiting for rules; the overdue, processing-time and paper-entry reports) and the 16 changes, each
of which answers with the case. The document is for one specialist and one leader (named in that
order: it must reach the leader), and names one person of every other role beside them, so each
role has someone named and someone not; the clerk "named" is the one who registered it. The
people not named include the leader the agency's rules send documents to, a secretary holding the
named leader's delegation, a head and a specialist of the unit that does the work.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from harness.polling import eventually
from vanthu_contracts.events.values import Channel, Confidentiality, Issuer, Person
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for

from ..unit.routing_documents import received_document  # noqa: TID252
from .test_routing_flow import SLIP

ROLES = ("clerk", "leader", "secretary", "unit_head", "specialist", "auditor", "administrator")
# Named in this order: the specialist first, so the leader it goes to is the first *leader*.
NAMED_ORDER = ("specialist", "leader", "unit_head", "secretary", "auditor", "administrator")
PDF = ("phieu.pdf", SLIP, "application/pdf")
DRAFT = ("du-thao.pdf", SLIP, "application/pdf")


@dataclass(frozen=True)
class Who:
    role: str
    named: bool
    user_id: str
    headers: dict[str, str]

    def __str__(self) -> str:
        return f"{self.role} {'named' if self.named else 'not named'}"


@dataclass(frozen=True)
class Read:
    """A read endpoint, and who finds the document's content in what it answers."""

    name: str
    path: str
    sees: frozenset[str]
    """`"<role> named"` / `"<role> not named"` of those who find it there."""
    masked_for: frozenset[str] = frozenset()
    """Those who find a masked row of it (counted, nothing that identifies or describes it)."""


def day(offset: int) -> str:
    return (datetime.now(VIETNAM_TIME).date() + timedelta(days=offset)).isoformat()


async def test_a_top_secret_document_is_seen_only_by_its_named_readers_on_every_endpoint(
    routing, http, agency, publisher
):
    tag = uuid.uuid4().hex[:6]
    unit = f"unit-planning-{tag}"
    setup = {"Authorization": f"Bearer {routing.token(f'setup-{tag}', agency, 'administrator')}"}
    people = {
        (role, named): f"{role.replace('_', '-')}-{'named' if named else 'other'}-{tag}"
        for role in ROLES
        for named in (True, False)
    }
    units = {"unit_head": unit, "specialist": unit}
    everyone = [
        Who(
            role,
            named,
            user_id,
            {
                "Authorization": "Bearer "
                + routing.token(user_id, agency, role, unit_id=units.get(role))
            },
        )
        for (role, named), user_id in people.items()
    ]
    rows = [
        "kind,id,name,parent_unit_id,unit_id,position,email,roles",
        f"unit,{unit},Phòng Kế hoạch,,,,,",
        f"user,setup-{tag},Quản trị,,,,,administrator",
        *(f"user,{who.user_id},{who},,{units.get(who.role, '')},,,{who.role}" for who in everyone),
    ]
    imported = await http.post(
        "/directory/import", content="\n".join(rows), headers={**setup, "Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    leader, other_leader = people[("leader", True)], people[("leader", False)]
    for secretary in (people[("secretary", True)], people[("secretary", False)]):
        granted = await http.post(
            "/directory/delegations",
            json={
                "leader_user_id": leader,
                "secretary_user_id": secretary,
                "valid_from": "2020-01-01T00:00:00+07:00",
            },
            headers=setup,
        )
        assert granted.status_code == 201, granted.text
    # The rules send every document to the leader who is not named.
    rules = await http.put(
        "/directory/routing-rules",
        json={"default": {"leader_user_id": other_leader, "lead_unit_id": unit}},
        headers=setup,
    )
    assert rules.status_code == 200, rules.text

    subject = f"Phương án bảo vệ bí mật nhà nước {tag}"
    issuer = f"Cục Bảo vệ {tag}"
    event = received_document(
        agency_code=agency,
        channel=Channel.PAPER,
        exchange=None,
        confidentiality=Confidentiality.SECRET,
        readers=tuple(people[(role, True)] for role in NAMED_ORDER),
        registered_by=Person(user_id=people[("clerk", True)], full_name="Đặng Thị Lan"),
        abstract=subject,
        issuer=Issuer(name=issuer),
        received_at=datetime.now(VIETNAM_TIME) - timedelta(days=12),
    )
    await publisher.publish(event)
    case_id = case_id_for(agency, event.document_id)  # type: ignore[attr-defined]
    document_id: str = event.document_id  # type: ignore[attr-defined]
    secrets_of_it = (subject, issuer, case_id, document_id)
    missing = case_id_for(agency, str(uuid.uuid4()))
    by_name = {str(who): who for who in everyone}
    checks: list[tuple[str, str]] = []

    async def inbox_of_named_leader() -> bool:
        found = await http.get("/inbox", headers=by_name["leader named"].headers)
        return any(c["case_id"] == case_id for c in found.json())

    await eventually(inbox_of_named_leader, what="the document in the named leader's inbox")

    def answer(response: httpx.Response, asked_for: str) -> tuple[int, str]:
        return response.status_code, re.sub(re.escape(asked_for), "<case>", response.text)

    async def check_read(read: Read) -> None:
        for who in everyone:
            response = await http.get(read.path, headers=who.headers)
            body = response.text
            sees = str(who) in read.sees
            if sees:
                assert response.status_code == 200, (read.name, str(who), body)
                assert subject in body, (read.name, str(who))
                assert case_id in body, (read.name, str(who))
            else:
                assert response.status_code in (200, 403, 404), (read.name, str(who), body)
                # An id the caller asked for may come back in the refusal, as for any id.
                leaked = [s for s in secrets_of_it if s in body and s not in read.path]
                assert leaked == [], (read.name, str(who), leaked)
                if case_id in read.path:
                    absent = await http.get(
                        read.path.replace(case_id, missing), headers=who.headers
                    )
                    assert answer(response, case_id) == answer(absent, missing), (
                        read.name,
                        str(who),
                    )
                if str(who) in read.masked_for:
                    assert '"masked":true' in body, (read.name, str(who), body)
            checks.append((read.name, str(who)))

    def named(*roles: str) -> frozenset[str]:
        return frozenset(f"{role} named" for role in roles)

    def not_named(*roles: str) -> frozenset[str]:
        return frozenset(f"{role} not named" for role in roles)

    # ---- while it awaits direction ---------------------------------------------------------
    await check_read(Read("GET /inbox", "/inbox", named("leader", "secretary")))
    await check_read(
        Read(
            "GET /inbox?leader_user_id",
            f"/inbox?leader_user_id={leader}",
            named("leader", "secretary"),
        )
    )
    shown = await http.get(f"/cases/{case_id}", headers=by_name["leader named"].headers)
    assert shown.json()["leader"]["user_id"] == leader

    # ---- the work: a paper direction dated ten days ago, re-assigned, partly done ----------
    directed = await http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={
            "payload": json.dumps(
                {
                    "decided_by_user_id": leader,
                    "decided_at": f"{day(-10)}T08:00:00+07:00",
                    "text": "Giao Phòng Kế hoạch chủ trì.",
                    "assignments": [
                        {"unit_id": unit, "role": "lead", "due_date": day(20)},
                        {
                            "user_id": people[("specialist", True)],
                            "unit_id": unit,
                            "role": "coordinating",
                            "due_date": day(-8),
                        },
                    ],
                }
            )
        },
        files={"slip": PDF},
        headers=by_name["secretary named"].headers,
    )
    assert directed.status_code == 200, directed.text
    lead = next(t for t in directed.json()["tasks"] if t["role"] == "lead")
    reassigned = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/reassignment",
        json={
            "assignments": [
                {"user_id": people[("specialist", True)], "role": "specialist", "due_date": day(10)}
            ]
        },
        headers=by_name["unit_head named"].headers,
    )
    assert reassigned.status_code == 200, reassigned.text
    child = next(t for t in reassigned.json()["tasks"] if t["role"] == "specialist")
    done = await http.post(
        f"/cases/{case_id}/tasks/{child['task_id']}/completion",
        json={"text": "Đã xong phần việc."},
        headers=by_name["specialist named"].headers,
    )
    assert done.status_code == 200, done.text

    # The reports read the indicators' tables (ADR 0052): the worker has counted the case first.
    async def counted_overdue() -> bool:
        shown = await http.get("/reports/overdue", headers=by_name["leader named"].headers)
        return case_id in shown.text

    await eventually(counted_overdue, timeout=90, interval=0.5, what="the overdue task counted")

    # ---- the reads --------------------------------------------------------------------------
    # An administrator keeps the directory, not the documents: refused every read (ADR 0008).
    readers = named(*(r for r in ROLES if r != "administrator"))
    reporters = ("leader", "unit_head", "auditor")
    for read in (
        Read("GET /cases/{id}", f"/cases/{case_id}", readers),
        Read("GET /tasks/mine", "/tasks/mine", named("specialist", "unit_head")),
        Read(
            "GET /units/{id}/tasks",
            f"/units/{unit}/tasks",
            named("unit_head", "leader", "auditor", "clerk", "secretary"),
        ),
        Read("GET /awaiting-rules", "/awaiting-rules", frozenset()),
        Read("GET /reports/overdue", "/reports/overdue", named(*reporters), not_named(*reporters)),
        Read("GET /reports/processing-time", "/reports/processing-time", frozenset()),
        Read(
            "GET /reports/entries-on-behalf",
            "/reports/entries-on-behalf",
            named(*reporters),
            not_named(*reporters),
        ),
    ):
        await check_read(read)

    # ---- the changes: someone not allowed is answered as for a case that does not exist -----
    paper = {
        "decided_by_user_id": f"nobody-{tag}",
        "decided_at": f"{day(0)}T00:00:00+07:00",
    }
    assignments = [{"unit_id": unit, "role": "lead", "due_date": day(20)}]
    no_task, no_draft = f"no-task-{tag}", f"no-draft-{tag}"
    changes: list[tuple[str, str, frozenset[str], dict[str, Any]]] = [
        (
            "POST direction",
            "direction",
            frozenset({"leader"}),
            {"json": {"assignments": assignments}},
        ),
        (
            "POST redirection",
            "redirection",
            frozenset({"leader"}),
            {"json": {"assignments": assignments * 2}},
        ),
        (
            "POST direction/on-behalf",
            "direction/on-behalf",
            frozenset({"secretary"}),
            {
                "data": {"payload": json.dumps({**paper, "assignments": assignments})},
                "files": {"slip": PDF},
            },
        ),
        (
            "POST redirection/on-behalf",
            "redirection/on-behalf",
            frozenset({"secretary"}),
            {
                "data": {"payload": json.dumps({**paper, "assignments": assignments})},
                "files": {"slip": PDF},
            },
        ),
        (
            "POST comments",
            "comments",
            frozenset({"leader", "unit_head", "specialist"}),
            {"json": {"text": "Ý kiến", "task_id": no_task}},
        ),
        (
            "POST comments/on-behalf",
            "comments/on-behalf",
            frozenset({"secretary"}),
            {"data": {"payload": json.dumps({**paper, "text": "Ý kiến"})}, "files": {"slip": PDF}},
        ),
        (
            "POST tasks/{id}/reassignment",
            f"tasks/{no_task}/reassignment",
            frozenset({"unit_head"}),
            {
                "json": {
                    "assignments": [
                        {
                            "user_id": people[("specialist", True)],
                            "role": "specialist",
                            "due_date": day(5),
                        }
                    ]
                }
            },
        ),
        (
            "POST tasks/{id}/progress",
            f"tasks/{no_task}/progress",
            frozenset({"unit_head", "specialist"}),
            {"json": {"percent_complete": 50}},
        ),
        (
            "POST tasks/{id}/completion",
            f"tasks/{no_task}/completion",
            frozenset({"unit_head", "specialist"}),
            {"json": {"text": "Xong"}},
        ),
        (
            "POST tasks/{id}/return",
            f"tasks/{no_task}/return",
            frozenset({"unit_head", "specialist"}),
            {"json": {"reason": "Không thuộc thẩm quyền"}},
        ),
        (
            "POST tasks/{id}/acknowledgement",
            f"tasks/{no_task}/acknowledgement",
            frozenset({"unit_head", "specialist"}),
            {},
        ),
        (
            "POST tasks/{id}/drafts",
            f"tasks/{no_task}/drafts",
            frozenset({"unit_head", "specialist"}),
            {"files": {"file": DRAFT}},
        ),
        (
            "POST drafts/{id}/review",
            f"drafts/{no_draft}/review",
            frozenset({"unit_head"}),
            {"json": {"forward": True}},
        ),
        (
            "POST drafts/{id}/approval",
            f"drafts/{no_draft}/approval",
            frozenset({"leader"}),
            {"json": {}},
        ),
        (
            "POST drafts/{id}/return",
            f"drafts/{no_draft}/return",
            frozenset({"leader"}),
            {"json": {"comment": "Sửa"}},
        ),
        (
            "POST drafts/{id}/on-behalf",
            f"drafts/{no_draft}/on-behalf",
            frozenset({"secretary"}),
            {"data": {"payload": json.dumps(paper)}, "files": {"slip": PDF}},
        ),
    ]
    before = (await http.get(f"/cases/{case_id}", headers=by_name["leader named"].headers)).json()

    for name, path, roles, request in changes:
        for who in everyone:
            secret = await http.post(f"/cases/{case_id}/{path}", headers=who.headers, **request)
            absent = await http.post(f"/cases/{missing}/{path}", headers=who.headers, **request)
            reaches_it = who.named and who.role in roles
            if reaches_it:
                assert answer(secret, case_id) != answer(absent, missing), (name, str(who))
                assert secret.status_code != 200, (name, str(who), secret.text)
            else:
                assert answer(secret, case_id) == answer(absent, missing), (
                    name,
                    str(who),
                    secret.text,
                )
                assert not [s for s in secrets_of_it if s in secret.text and s != case_id], (
                    name,
                    str(who),
                )
            checks.append((name, str(who)))
    after = (await http.get(f"/cases/{case_id}", headers=by_name["leader named"].headers)).json()
    assert after == before, "a refused change changed the case"

    # Once the lead unit completes, the document is counted for someone not named, though
    # nothing about it is shown.
    finished = await http.post(
        f"/cases/{case_id}/tasks/{lead['task_id']}/completion",
        json={"text": "Đã xử lý xong."},
        headers=by_name["unit_head named"].headers,
    )
    assert finished.status_code == 200, finished.text

    async def counted_completed() -> httpx.Response | None:
        shown = await http.get(
            "/reports/processing-time", headers=by_name["auditor not named"].headers
        )
        done = {r["unit_id"]: r["completed"] for r in shown.json()}.get(unit) == 1
        return shown if done else None

    completed = await eventually(
        counted_completed, timeout=90, interval=0.5, what="the completion counted"
    )
    assert subject not in completed.text

    endpoints = {name for name, _ in checks}
    assert (len(endpoints), len(ROLES), len(set(checks))) == (25, 7, 25 * 7 * 2)
