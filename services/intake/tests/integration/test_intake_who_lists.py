"""Intake is the registry (ADR 0008): the agency-wide roles list and read, the others are sent to
their tasks; a confidential document still shows only to the people named on it (ADR 0006)."""

from __future__ import annotations

import pytest
from intake_testkit import form, metadata, pdf_text, tiny_pdf
from vanthu_intake.domain.vietnam_time import vietnam_today

AGENCY_WIDE = ("clerk", "leader", "secretary", "auditor", "service")
TASK_SCOPED_OR_NONE = ("unit_head", "specialist", "administrator")


async def _reads(intake, agency: str, role: str, document: dict) -> dict[str, object]:
    today = vietnam_today().isoformat()
    file_id = document["files"][0]["file_id"]
    async with intake.client(f"{role}-1", agency, role) as caller:
        return {
            "list": await caller.get("/v1/documents"),
            "read": await caller.get(f"/v1/documents/{document['id']}"),
            "link": await caller.get(f"/v1/documents/{document['id']}/files/{file_id}/link"),
            "register": await caller.get(
                "/v1/registers/incoming.pdf", params={"from": today, "to": today}
            ),
        }


@pytest.mark.parametrize("role", AGENCY_WIDE)
async def test_the_agency_wide_roles_list_read_and_print_the_agencys_documents(
    intake, clerk, agency, role
) -> None:
    document = (await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))).json()

    answers = await _reads(intake, agency, role, document)

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
    assert answers["list"].json()["total"] == 1


@pytest.mark.parametrize("role", TASK_SCOPED_OR_NONE)
async def test_unit_heads_specialists_and_administrators_are_sent_to_their_tasks(
    intake, clerk, agency, role
) -> None:
    document = (await clerk.post("/v1/documents", **form(metadata(), ("a.pdf", tiny_pdf())))).json()

    answers = await _reads(intake, agency, role, document)

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)
    for answer in answers.values():
        assert "/v1/tasks/mine" in answer.json()["detail"]


async def test_a_leader_not_named_on_a_secret_finds_it_nowhere_but_as_a_masked_register_entry(
    intake, clerk, agency
) -> None:
    secret = metadata(confidentiality="Mật", allowed_user_ids=["leader-named"])
    document = (await clerk.post("/v1/documents", **form(secret, ("a.pdf", tiny_pdf())))).json()

    answers = await _reads(intake, agency, "leader", document)

    assert answers["list"].json()["total"] == 0
    assert (answers["read"].status_code, answers["link"].status_code) == (404, 404)
    printed = pdf_text(answers["register"].content)
    assert "(văn bản mật)" in printed
    assert secret["subject"] not in printed
