"""What routing's API answers, on in-memory ports: the processing-time report counts a document
once, and the secretary's paper entries refuse bad input with the field errors of every route."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from harness import office_files
from harness.hostile_files import LINUX_PROGRAM, hostile_corpus
from harness.pdfs import one_page_pdf
from vanthu_routing.bootstrap import MAX_BODY_BYTES
from vanthu_runtime.api import DEFAULT_MAX_BODY_BYTES

from .routing_api import MONDAY, Api, routing_api

SLIP = ("phieu.pdf", one_page_pdf(), "application/pdf")
DUE = (MONDAY + timedelta(days=10)).date().isoformat()


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


async def post_ok(api: Api, path: str, who: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post(path, json=body, headers=api.auth(who))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_document_handled_through_a_specialists_sub_task_counts_as_one_completion(api):
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    unit_task = case["tasks"][0]["task_id"]
    to_em = {"user_id": "em", "role": "specialist", "due_date": DUE}
    case = await post_ok(
        api,
        f"/cases/{case_id}/tasks/{unit_task}/reassignment",
        "plan-head",
        {"assignments": [to_em]},
    )
    sub_task = next(t["task_id"] for t in case["tasks"] if t["role"] == "specialist")
    done = {"text": "Đã dự thảo báo cáo."}
    await post_ok(api, f"/cases/{case_id}/tasks/{sub_task}/completion", "em", done)
    await post_ok(api, f"/cases/{case_id}/tasks/{unit_task}/completion", "plan-head", done)

    response = await api.http.get("/reports/processing-time", headers=api.auth("director"))

    assert response.status_code == 200, response.text
    [row] = response.json()
    assert (row["unit_id"], row["completed"]) == ("unit-plan", 1)


async def on_behalf(api: Api, case_id: str, payload: str) -> Any:
    return await api.http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": payload},
        files={"slip": SLIP},
        headers=api.auth("secretary"),
    )


async def test_a_paper_direction_with_a_bad_field_is_refused_naming_it_like_any_route(api):
    case_id = await api.received()
    payload = {
        "decided_by_user_id": "director",
        "decided_at": "2027-01-24T08:00:00+07:00",
        "assignments": [{"unit_id": "unit-plan", "role": "boss", "due_date": DUE}],
    }

    paper = await on_behalf(api, case_id, json.dumps(payload))
    direct = await api.http.post(
        f"/cases/{case_id}/direction",
        json={"assignments": payload["assignments"]},
        headers=api.auth("director"),
    )

    assert paper.status_code == direct.status_code == 422
    [error] = paper.json()["detail"]
    [same] = direct.json()["detail"]
    assert error["loc"] == ["body", "payload", "assignments", 0, "role"]
    assert same["loc"] == ["body", "assignments", 0, "role"]
    assert set(error) == set(same)
    assert (error["type"], error["msg"]) == (same["type"], same["msg"])
    assert api.evidence.kept == []


async def test_a_paper_direction_that_is_not_json_is_refused_naming_the_payload(api):
    case_id = await api.received()

    response = await on_behalf(api, case_id, "{not json")

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "payload"]
    assert error["type"] == "json_invalid"
    assert api.evidence.kept == []


async def test_a_paper_direction_missing_the_leader_names_that_field(api):
    case_id = await api.received()
    payload = {"decided_at": "2027-01-24T08:00:00+07:00", "assignments": []}

    response = await on_behalf(api, case_id, json.dumps(payload))

    assert response.status_code == 422
    located = {tuple(e["loc"]): e["type"] for e in response.json()["detail"]}
    assert located[("body", "payload", "decided_by_user_id")] == "missing"
    assert located[("body", "payload", "assignments")] == "too_short"


async def test_a_chunked_draft_upload_past_the_limit_is_cut_off_where_the_limit_is(api):
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    task_id = case["tasks"][0]["task_id"]
    boundary = "vanthu-chunked"
    mib = 1024 * 1024
    chunks = MAX_BODY_BYTES // mib + 8  # past the limit, short of the runtime's default
    assert chunks * mib < DEFAULT_MAX_BODY_BYTES
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="du-thao.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n'
        ).encode()
        for _ in range(chunks):  # sent without a Content-Length
            sent.append(1)
            yield b"\0" * mib
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await api.http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        content=body(),
        headers={
            **api.auth("plan-head"),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )

    assert response.status_code == 413
    assert response.json()["detail"]["field"] == "body"
    assert len(sent) <= MAX_BODY_BYTES // mib + 1
    assert api.evidence.kept == []
    assert (await api.cases.get("000.00.00.H41", case_id)).case.drafts == ()


@pytest.mark.parametrize("hostile", hostile_corpus(), ids=lambda h: h.label)
async def test_a_hostile_draft_or_slip_is_refused_and_nothing_is_kept(api, hostile) -> None:
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    task_id = case["tasks"][0]["task_id"]
    declared = "image/png" if hostile.name.endswith(".png") else "application/pdf"
    if hostile.name.endswith(".tif"):
        declared = "image/tiff"

    draft = await api.http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files={"file": (hostile.name, hostile.data, "application/pdf")},
        headers=api.auth("plan-head"),
    )
    slip = await api.http.post(
        f"/cases/{case_id}/direction/on-behalf",
        data={"payload": json.dumps({"decided_by_user_id": "director", "assignments": [lead]})},
        files={"slip": (hostile.name, hostile.data, declared)},
        headers=api.auth("secretary"),
    )

    assert draft.status_code in (413, 415, 422), draft.text
    assert slip.status_code in (413, 415, 422), slip.text
    assert api.evidence.kept == []
    stored = (await api.cases.get("000.00.00.H41", case_id)).case
    assert stored.drafts == ()
    assert len(stored.decisions) == 1  # the director's own direction only


async def test_a_word_draft_that_is_not_one_is_refused(api) -> None:
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    task_id = case["tasks"][0]["task_id"]
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    answer = await api.http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files={"file": ("du-thao.docx", LINUX_PROGRAM, docx)},
        headers=api.auth("plan-head"),
    )
    assert answer.status_code == 415, answer.text
    assert api.evidence.kept == []


HOSTILE_WORD_DRAFTS = {
    "docm-as-docx": (office_files.docm_named_docx(), office_files.DOCX, 422),
    "docx-embedded-exe": (office_files.docx_with_program(), office_files.DOCX, 422),
    "docx-entities": (office_files.docx_with_entities(), office_files.DOCX, 422),
    "docx-bomb": (office_files.docx_bomb(), office_files.DOCX, 413),
    "docx-truncated": (office_files.truncated_docx(), office_files.DOCX, 422),
    "zip-as-docx": (office_files.plain_zip(), office_files.DOCX, 415),
    "xlsx-as-docx": (office_files.xlsx_named_docx(), office_files.DOCX, 415),
    "doc-macros": (office_files.doc(macros=True), office_files.DOC, 422),
    "doc-encrypted": (office_files.doc(encrypted=True), office_files.DOC, 422),
    "xls-as-doc": (office_files.xls_named_doc(), office_files.DOC, 415),
}


@pytest.mark.parametrize("label", HOSTILE_WORD_DRAFTS)
async def test_a_word_draft_with_macros_programs_or_a_password_is_refused(api, label) -> None:
    data, declared, expected = HOSTILE_WORD_DRAFTS[label]
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    task_id = case["tasks"][0]["task_id"]
    answer = await api.http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files={"file": ("du-thao.docx", data, declared)},
        headers=api.auth("plan-head"),
    )
    assert answer.status_code == expected, answer.text
    assert answer.json()["detail"].startswith("file: ")
    assert api.evidence.kept == []
    assert (await api.cases.get("000.00.00.H41", case_id)).case.drafts == ()


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (office_files.docx(), office_files.DOCX),
        (office_files.odt(), office_files.ODT),
        (office_files.doc(), office_files.DOC),
    ],
    ids=["docx", "odt", "doc"],
)
async def test_a_real_word_draft_is_kept(api, data, declared) -> None:
    case_id = await api.received()
    lead = {"unit_id": "unit-plan", "role": "lead", "due_date": DUE}
    case = await post_ok(api, f"/cases/{case_id}/direction", "director", {"assignments": [lead]})
    task_id = case["tasks"][0]["task_id"]
    answer = await api.http.post(
        f"/cases/{case_id}/tasks/{task_id}/drafts",
        files={"file": ("du-thao", data, declared)},
        headers=api.auth("plan-head"),
    )
    assert answer.status_code == 201, answer.text
    assert len(api.evidence.kept) == 1
    drafts = (await api.cases.get("000.00.00.H41", case_id)).case.drafts
    assert [d.file.media_type for d in drafts] == [declared]
