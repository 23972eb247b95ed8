"""A reply is drafted inside the work: uploaded by the specialist, reviewed by the unit head,
approved by the leader (or from paper by the secretary), then handed to the clerk."""

from __future__ import annotations

import hashlib
import json
import secrets

import httpx
from harness import office_files
from harness.pdfs import one_page_pdf
from harness.polling import eventually
from vanthu_contracts.events.routing import DraftApproved

from .test_routing_flow import direction, in_days, receive, wait_in_inbox
from .test_routing_proxy import slip_dated_today

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DRAFT = office_files.docx("Dự thảo công văn trả lời")
"""A real Word document: routing opens drafts before keeping them (issue 16 item 6)."""


async def specialist_task(http, org, publisher) -> tuple[str, str]:
    case_id = await receive(publisher, org.agency)
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
    child = next(t for t in reassigned.json()["tasks"] if t["parent_task_id"] == lead["task_id"])
    return case_id, child["task_id"]


async def upload(http, org, case_id: str, task_id: str) -> str:
    response = await http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files={"file": ("du-thao.docx", DRAFT, DOCX)},
        headers=org.auth("specialist"),
    )
    assert response.status_code == 201, response.text
    return response.json()["draft_id"]


async def test_an_approved_draft_goes_to_the_clerk_after_the_unit_heads_review(
    http, org, publisher, published
):
    case_id, task_id = await specialist_task(http, org, publisher)
    draft_id = await upload(http, org, case_id, task_id)

    too_early = await http.post(
        f"/cases/{case_id}/drafts/{draft_id}/approval", json={}, headers=org.auth("director")
    )
    reviewed = await http.post(
        f"/cases/{case_id}/drafts/{draft_id}/review",
        json={"forward": True, "comment": "Đạt yêu cầu"},
        headers=org.auth("planning_head"),
    )
    approved = await http.post(
        f"/cases/{case_id}/drafts/{draft_id}/approval", json={}, headers=org.auth("director")
    )

    assert too_early.status_code == 409
    assert reviewed.status_code == 200, reviewed.text
    assert approved.status_code == 200, approved.text

    async def handed_over() -> list | None:
        found = await published.matching(
            lambda d: isinstance(d.event, DraftApproved) and d.event.draft_id == draft_id
        )
        return found or None

    [event] = await eventually(handed_over, what="the approved draft on decision.recorded")
    assert event.event.file.name == "du-thao.docx"
    assert event.event.approved_by.user_id == org.ids["director"]


async def test_the_secretary_records_the_leaders_paper_approval_of_a_draft(http, org, publisher):
    case_id, task_id = await specialist_task(http, org, publisher)
    draft_id = await upload(http, org, case_id, task_id)
    await http.post(
        f"/cases/{case_id}/drafts/{draft_id}/review",
        json={"forward": True},
        headers=org.auth("planning_head"),
    )
    payload = {"decided_by_user_id": org.ids["director"], "decided_at": slip_dated_today()}

    response = await http.post(
        f"/cases/{case_id}/drafts/{draft_id}/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": ("duyet.pdf", one_page_pdf(), "application/pdf")},
        headers=org.auth("secretary"),
    )

    assert response.status_code == 200, response.text
    approval = response.json()["decisions"][-1]
    assert approval["kind"] == "draft_approval"
    assert approval["on_behalf"] is True
    assert approval["recorded_by"]["user_id"] == org.ids["secretary"]


async def test_a_draft_returned_by_the_unit_head_needs_a_comment(http, org, publisher):
    case_id, task_id = await specialist_task(http, org, publisher)
    draft_id = await upload(http, org, case_id, task_id)

    no_comment = await http.post(
        f"/cases/{case_id}/drafts/{draft_id}/review",
        json={"forward": False},
        headers=org.auth("planning_head"),
    )
    someone_else = await http.post(
        f"/cases/{case_id}/drafts/{draft_id}/review",
        json={"forward": True},
        headers=org.auth("finance_head"),
    )

    assert no_comment.status_code == 422
    assert someone_else.status_code == 403


async def test_a_chunked_draft_far_over_the_limit_is_cut_off_with_413_and_nothing_kept(
    http, org, publisher
):
    case_id, task_id = await specialist_task(http, org, publisher)
    boundary = "vanthu-chunked"
    sent: list[int] = []

    async def body():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="du-thao.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
        ).encode()
        for _ in range(200):  # 200 MiB, sent without a Content-Length
            sent.append(1)
            yield b"\0" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        response = await http.post(
            f"/cases/{case_id}/tasks/{task_id}/drafts",
            content=body(),
            headers={
                **org.auth("specialist"),
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        assert response.status_code == 413, response.text
        assert response.json()["detail"]["field"] == "body"
    except httpx.TransportError:
        pass  # the server closed the connection on the 413 while the client was still sending
    assert len(sent) < 200
    case = (await http.get(f"/cases/{case_id}", headers=org.auth("specialist"))).json()
    assert case["drafts"] == []


async def test_a_draft_opens_through_a_short_lived_link_and_not_for_an_administrator(
    http, org, publisher
):
    case_id, task_id = await specialist_task(http, org, publisher)
    content = DRAFT
    await upload(http, org, case_id, task_id)
    case = (await http.get(f"/cases/{case_id}", headers=org.auth("specialist"))).json()
    file_id = case["drafts"][0]["file"]["file_id"]

    given = await http.get(f"/cases/{case_id}/files/{file_id}/link", headers=org.auth("specialist"))
    admin = await http.get(f"/cases/{case_id}/files/{file_id}/link", headers=org.auth("admin"))

    assert given.status_code == 200, given.text
    async with httpx.AsyncClient(timeout=20) as blobs:
        downloaded = await blobs.get(given.json()["url"])
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert "X-Amz-Expires=300" in given.json()["url"]
    assert admin.status_code == 403


def _appendix(name: str, data: bytes) -> tuple[str, tuple[str, bytes, str]]:
    return ("attachments", (name, data, "application/pdf"))


async def test_an_approved_draft_hands_its_two_appendices_to_the_clerk_in_order(
    http, org, publisher, published
):
    case_id, task_id = await specialist_task(http, org, publisher)
    first, second = one_page_pdf(padding=17), one_page_pdf(padding=170)
    uploaded = await http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files=[
            ("file", ("du-thao.docx", DRAFT, DOCX)),
            _appendix("phu-luc-1.pdf", first),
            _appendix("phu-luc-2.pdf", second),
        ],
        headers=org.auth("specialist"),
    )
    assert uploaded.status_code == 201, uploaded.text
    draft_id = uploaded.json()["draft_id"]
    for path, who in (("review", "planning_head"), ("approval", "director")):
        body = {"forward": True} if path == "review" else {}
        answer = await http.post(
            f"/cases/{case_id}/drafts/{draft_id}/{path}", json=body, headers=org.auth(who)
        )
        assert answer.status_code == 200, answer.text

    async def handed_over() -> list | None:
        found = await published.matching(
            lambda d: isinstance(d.event, DraftApproved) and d.event.draft_id == draft_id
        )
        return found or None

    [event] = await eventually(handed_over, what="the approved draft on decision.recorded")
    assert [(a.name, a.size) for a in event.event.attachments] == [
        ("phu-luc-1.pdf", len(first)),
        ("phu-luc-2.pdf", len(second)),
    ]
    # The case keeps them too (Mongo), each opened through its short-lived link as the draft is.
    case = (await http.get(f"/cases/{case_id}", headers=org.auth("specialist"))).json()
    [draft] = case["drafts"]
    assert [a["object_key"] for a in draft["attachments"]] == [
        a.object_key for a in event.event.attachments
    ]
    link = await http.get(
        f"/cases/{case_id}/files/{draft['attachments'][1]['file_id']}/link",
        headers=org.auth("specialist"),
    )
    assert link.status_code == 200, link.text
    async with httpx.AsyncClient(timeout=20) as blobs:
        downloaded = await blobs.get(link.json()["url"])
    assert downloaded.content == second


async def test_a_word_appendix_is_refused_with_422_and_nothing_is_stored(
    http, org, publisher, routing_bucket
):
    case_id, task_id = await specialist_task(http, org, publisher)
    draft = office_files.docx("Dự thảo " + secrets.token_hex(6))
    good, word = one_page_pdf(padding=33), office_files.docx("Phụ lục " + secrets.token_hex(6))

    response = await http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files=[
            ("file", ("du-thao.docx", draft, DOCX)),
            _appendix("phu-luc-1.pdf", good),
            ("attachments", ("phu-luc-2.docx", word, DOCX)),
        ],
        headers=org.auth("specialist"),
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"]["message"].startswith(
        "attachments: appendix 2 (phu-luc-2.docx)"
    )
    case = (await http.get(f"/cases/{case_id}", headers=org.auth("specialist"))).json()
    assert case["drafts"] == []
    client, bucket = routing_bucket
    for content in (draft, good, word):
        key = f"routing/drafts/{hashlib.sha256(content).hexdigest()}"
        assert not list(client.list_objects(bucket, prefix=key))
