"""Drafts and paper slips kept by routing open through a short-lived download link, for those
who may see the document only (issue 11, item 6), on in-memory ports through the real routers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from harness.pdfs import one_page_pdf

from .routing_api import MONDAY, Api, routing_api

SLIP = ("phieu.pdf", one_page_pdf(), "application/pdf")
DUE = (MONDAY + timedelta(days=10)).date().isoformat()


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


async def directed_on_paper(api: Api) -> tuple[str, dict[str, Any]]:
    case_id = await api.received()
    payload = {
        "decided_by_user_id": "director",
        "decided_at": "2027-01-24T08:00:00+07:00",
        "assignments": [{"unit_id": "unit-plan", "role": "lead", "due_date": DUE}],
    }
    response = await api.http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps(payload)},
        files={"slip": SLIP},
        headers=api.auth("secretary"),
    )
    assert response.status_code == 200, response.text
    case: dict[str, Any] = response.json()
    return case_id, case


async def test_the_leader_gets_a_link_to_the_scanned_slip_that_expires_in_minutes(api):
    case_id, case = await directed_on_paper(api)
    slip = case["decisions"][0]["evidence_file"]

    response = await api.http.get(
        f"/cases/{case_id}/files/{slip['file_id']}/link", headers=api.auth("director")
    )

    assert response.status_code == 200, response.text
    link = response.json()
    assert link["name"] == "phieu.pdf"
    assert link["media_type"] == "application/pdf"
    assert slip["object_key"] in link["url"]
    expires = datetime.fromisoformat(link["expires_at"]) - MONDAY
    assert timedelta(0) < expires <= timedelta(minutes=10)
    assert api.evidence.links == [(slip["object_key"], expires)]


async def test_the_unit_head_who_handles_it_gets_a_link_to_his_specialists_draft(api):
    case_id, case = await directed_on_paper(api)
    task_id = case["tasks"][0]["task_id"]
    uploaded = await api.http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files={"file": ("du-thao.pdf", one_page_pdf(), "application/pdf")},
        headers=api.auth("plan-head"),
    )
    assert uploaded.status_code == 201, uploaded.text
    [draft] = uploaded.json()["case"]["drafts"]

    response = await api.http.get(
        f"/cases/{case_id}/files/{draft['file']['file_id']}/link", headers=api.auth("plan-head")
    )

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "du-thao.pdf"


async def test_someone_who_may_not_see_the_document_is_told_there_is_no_such_case(api):
    case_id, case = await directed_on_paper(api)
    file_id = case["decisions"][0]["evidence_file"]["file_id"]
    missing = case_id[:-4] + "0000"

    refused = await api.http.get(f"/cases/{case_id}/files/{file_id}/link", headers=api.auth("em"))
    absent = await api.http.get(f"/cases/{missing}/files/{file_id}/link", headers=api.auth("em"))

    assert refused.status_code == 404
    assert refused.json()["detail"].replace(case_id, "?") == absent.json()["detail"].replace(
        missing, "?"
    )
    admin = await api.http.get(f"/cases/{case_id}/files/{file_id}/link", headers=api.auth("admin"))
    assert admin.status_code == 403
    assert api.evidence.links == []


async def test_a_file_the_case_does_not_keep_is_not_found(api):
    case_id, _ = await directed_on_paper(api)

    response = await api.http.get(
        f"/cases/{case_id}/files/f-unknown/link", headers=api.auth("director")
    )

    assert response.status_code == 404
    assert "f-unknown" in response.json()["detail"]["message"]
    assert api.evidence.links == []
