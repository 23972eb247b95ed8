"""A records file as it stood at a moment (the auditor's replay of a file): its revision then,
the documents it held, its status; what the caller may not see still withheld (ADR 0047)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from archive_testkit import AUTH, stored_event
from harness.samples import sample_event
from vanthu_archive.bootstrap import Archive
from vanthu_archive.domain.bagit_package import VIETNAM_TIME
from vanthu_archive.handlers import archive_records, project_records
from vanthu_runtime.auth import issue_dev_token

AGENCY = "000.00.00.H41"


def token(user: str, *roles: str) -> dict[str, str]:
    jwt = issue_dev_token(AUTH, user_id=user, agency_code=AGENCY, roles=list(roles))
    return {"Authorization": f"Bearer {jwt}"}


async def _registered(archive: Archive, **changes: Any) -> str:
    sample = sample_event("vanthu.intake.document.received.v2")
    document_id = str(uuid.uuid4())
    payload = {
        **sample.model_dump(mode="json", by_alias=True),
        "document_id": document_id,
        "confidentiality": "normal",
        "readers": [],
        **changes,
    }
    record = stored_event(
        type(sample).model_validate(payload), 0, topic=f"rf.{secrets.token_hex(4)}"
    )
    await archive_records(archive.store, [record])
    await project_records(archive.read_models, None, [record])
    return document_id


async def test_a_records_file_as_of_a_moment_holds_what_it_held_then(
    archive: Archive, api: httpx.AsyncClient
) -> None:
    first = await _registered(archive)
    second = await _registered(archive)
    secret = await _registered(
        archive, confidentiality="secret", readers=["clerk1"], subject="Phương án mật số 7"
    )
    clerk, auditor = token("clerk1", "clerk"), token("a1", "auditor")
    year = datetime.now(VIETNAM_TIME).year
    code = f"HS.{secrets.token_hex(2)}"
    plan = {
        "entries": [
            {
                "code": code,
                "title": "Hồ sơ kiểm kê",
                "retention_years": 10,
                "responsible_unit": "vp",
            }
        ]
    }
    assert (
        await api.put(f"/archive/file-plans/{year}", json=plan, headers=clerk)
    ).status_code == 200
    before_opening = datetime.now(UTC)
    opened = await api.post(
        "/archive/records-files", json={"year": year, "code": code}, headers=clerk
    )
    file_id = opened.json()["file_id"]
    url = f"/archive/records-files/{file_id}/documents"
    for document_id in (first, secret):
        assert (await api.post(url, json={"document_id": document_id}, headers=clerk)).is_success
    with_two = datetime.now(UTC)
    assert (await api.post(url, json={"document_id": second}, headers=clerk)).is_success
    assert (
        await api.post(f"/archive/records-files/{file_id}/close", json={}, headers=clerk)
    ).is_success

    def state(moment: datetime, who: dict[str, str]) -> Any:
        return api.get(
            f"/archive/records-files/{file_id}/state",
            params={"as_of": moment.isoformat()},
            headers=who,
        )

    then = (await state(with_two, auditor)).json()
    then_for_the_clerk = (await state(with_two, clerk)).json()
    now = (await state(datetime.now(UTC), auditor)).json()
    unopened = (await state(before_opening - timedelta(seconds=1), auditor)).json()

    assert then["known"] is True
    assert then["revision"] == 3
    assert then["file"]["status"] == "open"
    assert then["file"]["document_ids"] == [first]
    assert then["file"]["withheld_documents"] == 1
    assert then_for_the_clerk["file"]["document_ids"] == [first, secret]
    assert now["file"]["status"] == "closed"
    assert now["file"]["document_ids"] == [first, second]
    assert now["revision"] == 5
    read_by_auditor = await api.get(f"/archive/records-files/{file_id}", headers=auditor)
    read_by_clerk = await api.get(f"/archive/records-files/{file_id}", headers=clerk)
    assert [(m["document_id"], m["ordinal"]) for m in read_by_auditor.json()["members"]] == [
        (first, 1),
        (second, 3),
    ]
    assert read_by_auditor.json()["members"][0]["subject"]
    assert "Phương án mật số 7" not in read_by_auditor.text
    assert [m["subject"] for m in read_by_clerk.json()["members"]][1] == "Phương án mật số 7"
    assert unopened == {
        "file_id": file_id,
        "as_of": unopened["as_of"],
        "known": False,
        "revision": None,
        "revised_at": None,
        "file": None,
    }


async def test_a_records_file_state_refuses_a_future_moment_and_other_agencies(
    archive: Archive, api: httpx.AsyncClient
) -> None:
    clerk = token("clerk1", "clerk")
    year = datetime.now(VIETNAM_TIME).year
    code = f"HS.{secrets.token_hex(2)}"
    plan = {
        "entries": [
            {"code": code, "title": "Hồ sơ", "retention_years": 5, "responsible_unit": "vp"}
        ]
    }
    await api.put(f"/archive/file-plans/{year}", json=plan, headers=clerk)
    opened = await api.post(
        "/archive/records-files", json={"year": year, "code": code}, headers=clerk
    )
    url = f"/archive/records-files/{opened.json()['file_id']}/state"
    other = issue_dev_token(AUTH, user_id="a9", agency_code="000.00.00.G22", roles=["auditor"])

    future = await api.get(url, params={"as_of": "2999-01-01T00:00:00Z"}, headers=clerk)
    elsewhere = await api.get(
        url, params={"as_of": "2026-01-01T00:00:00Z"}, headers={"Authorization": f"Bearer {other}"}
    )

    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"] == ["query", "as_of"]
    assert elsewhere.status_code == 404
