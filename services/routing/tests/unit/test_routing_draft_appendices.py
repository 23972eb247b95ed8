"""A draft's appendices (phụ lục) in files of their own, on in-memory ports: uploaded with the
draft as PDFs, shown in the draft's view, carried in order on DraftApproved when the leader
approves, refused with a 422 naming the field when they are not PDFs (issue 14)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from harness import office_files
from harness.pdfs import one_page_pdf
from vanthu_contracts.events.routing import DraftApproved

from .routing_api import MONDAY, Api, routing_api

DUE = (MONDAY + timedelta(days=10)).date().isoformat()
DRAFT = ("du-thao.docx", office_files.docx("Dự thảo công văn"), office_files.DOCX)
FIRST = one_page_pdf(padding=11)
SECOND = one_page_pdf(padding=222)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


async def unit_task(api: Api) -> tuple[str, str]:
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    answer = await api.http.post(
        f"/cases/{case_id}/direction", json={"assignments": [lead]}, headers=api.auth("director")
    )
    assert answer.status_code == 200, answer.text
    return case_id, answer.json()["tasks"][0]["task_id"]


async def upload(api: Api, case_id: str, task_id: str, files: list[Any], **form: str) -> Any:
    return await api.http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files=[("file", DRAFT), *files],
        data=form,
        headers=api.auth("plan-head"),
    )


def appendix(name: str, data: bytes) -> tuple[str, tuple[str, bytes, str]]:
    return ("attachments", (name, data, "application/pdf"))


async def decide(api: Api, case_id: str, draft_id: str, *, approve: bool) -> dict[str, Any]:
    reviewed = await api.http.post(
        f"/cases/{case_id}/drafts/{draft_id}/review",
        json={"forward": True},
        headers=api.auth("plan-head"),
    )
    assert reviewed.status_code == 200, reviewed.text
    path = "approval" if approve else "return"
    body = {} if approve else {"comment": "Bổ sung phụ lục số liệu"}
    answer = await api.http.post(
        f"/cases/{case_id}/drafts/{draft_id}/{path}", json=body, headers=api.auth("director")
    )
    assert answer.status_code == 200, answer.text
    case: dict[str, Any] = answer.json()
    return case


def approvals(api: Api) -> list[DraftApproved]:
    return [e for e in api.cases.published() if isinstance(e, DraftApproved)]


async def test_an_approved_draft_carries_its_two_appendices_in_order(api) -> None:
    case_id, task_id = await unit_task(api)
    answer = await upload(
        api,
        case_id,
        task_id,
        [appendix("phu-luc-1.pdf", FIRST), appendix("phu-luc-2.pdf", SECOND)],
    )
    assert answer.status_code == 201, answer.text
    draft_id = answer.json()["draft_id"]
    [shown] = answer.json()["case"]["drafts"]
    assert [a["name"] for a in shown["attachments"]] == ["phu-luc-1.pdf", "phu-luc-2.pdf"]
    assert [a["size"] for a in shown["attachments"]] == [len(FIRST), len(SECOND)]

    await decide(api, case_id, draft_id, approve=True)

    [approved] = approvals(api)
    assert approved.file.name == "du-thao.docx"
    assert [(a.name, a.media_type, a.size) for a in approved.attachments] == [
        ("phu-luc-1.pdf", "application/pdf", len(FIRST)),
        ("phu-luc-2.pdf", "application/pdf", len(SECOND)),
    ]
    assert [a.object_key for a in approved.attachments] == [
        a["object_key"] for a in shown["attachments"]
    ]
    # Each opens through the case's short-lived link, as the draft does.
    link = await api.http.get(
        f"/cases/{case_id}/files/{shown['attachments'][1]['file_id']}/link",
        headers=api.auth("plan-head"),
    )
    assert link.status_code == 200, link.text
    assert link.json()["name"] == "phu-luc-2.pdf"


async def test_a_draft_without_appendices_is_approved_with_none(api) -> None:
    case_id, task_id = await unit_task(api)
    answer = await upload(api, case_id, task_id, [])
    assert answer.status_code == 201, answer.text
    assert answer.json()["case"]["drafts"][0]["attachments"] == []
    await decide(api, case_id, answer.json()["draft_id"], approve=True)
    [approved] = approvals(api)
    assert approved.attachments == ()


@pytest.mark.parametrize(
    ("name", "data", "declared"),
    [
        ("phu-luc.docx", office_files.docx("Phụ lục"), office_files.DOCX),
        ("phu-luc.pdf", office_files.docx("Phụ lục"), "application/pdf"),
    ],
    ids=["docx", "docx-declared-pdf"],
)
async def test_an_appendix_that_is_not_a_pdf_is_refused_and_nothing_is_kept(
    api, name, data, declared
) -> None:
    case_id, task_id = await unit_task(api)
    answer = await upload(
        api,
        case_id,
        task_id,
        [appendix("phu-luc-1.pdf", FIRST), ("attachments", (name, data, declared))],
    )
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["message"].startswith("attachments: appendix 2 (")
    assert "không phải tệp PDF" in detail["message_vi"]
    assert api.evidence.kept == []
    assert (await api.cases.get("000.00.00.H41", case_id)).case.drafts == ()


async def test_a_new_version_carries_its_own_appendices(api) -> None:
    case_id, task_id = await unit_task(api)
    first = await upload(
        api,
        case_id,
        task_id,
        [appendix("phu-luc-cu-1.pdf", FIRST), appendix("phu-luc-cu-2.pdf", SECOND)],
    )
    first_id = first.json()["draft_id"]
    await decide(api, case_id, first_id, approve=False)

    second = await upload(
        api, case_id, task_id, [appendix("phu-luc-moi.pdf", SECOND)], supersedes=first_id
    )
    assert second.status_code == 201, second.text
    await decide(api, case_id, second.json()["draft_id"], approve=True)

    drafts = {d["draft_id"]: d for d in second.json()["case"]["drafts"]}
    assert [a["name"] for a in drafts[first_id]["attachments"]] == [
        "phu-luc-cu-1.pdf",
        "phu-luc-cu-2.pdf",
    ]
    [approved] = approvals(api)
    assert approved.draft_id == second.json()["draft_id"]
    assert [a.name for a in approved.attachments] == ["phu-luc-moi.pdf"]
