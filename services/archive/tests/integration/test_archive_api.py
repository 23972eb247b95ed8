"""Search and timelines over HTTP, with roles, agencies and confidentiality respected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from archive_testkit import AUTH, stored_event
from harness.samples import sample_event
from vanthu_archive.bootstrap import Archive
from vanthu_archive.domain.hashchain import StoredRecord
from vanthu_archive.handlers import project_records
from vanthu_contracts import Event
from vanthu_contracts.events.values import Person
from vanthu_runtime.auth import issue_dev_token

AGENCY = "000.00.00.H41"
OTHER_AGENCY = "000.00.00.G22"
RECEIVED = "vanthu.intake.document.received.v1"
DECIDED = "vanthu.routing.decision.recorded.v1"
ASSIGNED = "vanthu.routing.task.assigned.v1"
Token = Callable[..., dict[str, str]]


def as_record(event: Event, offset: int) -> StoredRecord:
    return stored_event(event, offset)


async def project(archive: Archive, *events: Event) -> None:
    await project_records(
        archive.read_models, archive.texts, [as_record(e, i) for i, e in enumerate(events)]
    )


def registered(subject: str, **changes: Any) -> Event:
    """A registered incoming document; changes are validated as a producer's would be."""
    sample = sample_event(RECEIVED)
    payload = {**sample.model_dump(mode="json", by_alias=True), "subject": subject, **changes}
    return type(sample).model_validate(payload)


@pytest.fixture
def token() -> Token:
    def headers(user: str, *roles: str, agency: str = AGENCY) -> dict[str, str]:
        jwt = issue_dev_token(
            AUTH, user_id=user, agency_code=agency, roles=list(roles or ("clerk",))
        )
        return {"Authorization": f"Bearer {jwt}"}

    return headers


async def test_searching_without_accents_finds_the_document_with_them(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    wanted = registered("Quyết định về việc điều động cán bộ Đảng ủy")
    await project(archive, wanted, registered("Công văn về lịch họp giao ban"))

    response = await api.get(
        "/archive/search", params={"q": "quyet dinh dang uy"}, headers=token("u1")
    )

    assert response.status_code == 200, response.text
    found = response.json()
    assert [item["document_id"] for item in found["items"]] == [wanted.document_id]  # type: ignore[attr-defined]
    assert found["items"][0]["subject"].startswith("Quyết định")


async def test_a_confidential_document_is_found_only_by_the_people_it_names(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    clerk = Person(user_id="u-clerk-secret", full_name="Lê Văn Mật")
    secret = registered(
        "Báo cáo mật về quốc phòng địa phương",
        confidentiality="confidential",
        registered_by=clerk.model_dump(),
    )
    await project(archive, secret)
    document_id = secret.document_id  # type: ignore[attr-defined]

    named = await api.get(
        "/archive/search", params={"q": "quoc phong"}, headers=token(clerk.user_id)
    )
    other = await api.get("/archive/search", params={"q": "quoc phong"}, headers=token("u-other"))
    timeline_other = await api.get(
        f"/archive/documents/{document_id}/timeline", headers=token("u-other")
    )

    assert [i["document_id"] for i in named.json()["items"]] == [document_id]
    assert other.json()["items"] == []
    assert timeline_other.status_code == 404


async def test_a_leader_named_on_a_confidential_document_finds_it_in_search_and_opens_it(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    secret = registered(
        "Kế hoạch bảo vệ bí mật nhà nước",
        confidentiality="secret",
        readers=["u-ld-named"],
    )
    document_id = secret.document_id  # type: ignore[attr-defined]
    await project(archive, secret)

    def look(user: str) -> tuple[Any, ...]:
        headers = token(user, "leader")
        return (
            api.get("/archive/search", params={"q": "bao ve bi mat"}, headers=headers),
            api.get("/archive/search", headers=headers),
            api.get(f"/archive/documents/{document_id}", headers=headers),
        )

    named_search, named_newest, named_read = [await r for r in look("u-ld-named")]
    other_search, other_newest, other_read = [await r for r in look("u-ld-other")]

    assert [i["document_id"] for i in named_search.json()["items"]] == [document_id]
    assert document_id in [i["document_id"] for i in named_newest.json()["items"]]
    assert named_read.status_code == 200
    assert named_read.json()["subject"] == "Kế hoạch bảo vệ bí mật nhà nước"
    assert other_search.json()["items"] == []
    assert document_id not in [i["document_id"] for i in other_newest.json()["items"]]
    assert other_read.status_code == 404


async def test_a_decision_naming_a_leader_does_not_open_a_confidential_document_to_him(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    secret = registered("Phương án tác chiến", confidentiality="confidential", readers=["u-x"])
    document_id = secret.document_id  # type: ignore[attr-defined]
    await project(archive, secret, sample_event(DECIDED, document_id=document_id))

    response = await api.get(f"/archive/documents/{document_id}", headers=token("u-lds-0002"))

    # Only the readers named at registration and the clerk see it (ADR 0006), not whoever an
    # event happens to name.
    assert response.status_code == 404


async def test_the_timeline_shows_who_decided_and_who_recorded_it_on_their_behalf(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    document = registered("Giấy mời họp tổng kết năm")
    document_id = document.document_id  # type: ignore[attr-defined]
    await project(
        archive,
        sample_event(ASSIGNED, document_id=document_id),
        sample_event(DECIDED, document_id=document_id),
        document,
    )

    response = await api.get(f"/archive/documents/{document_id}/timeline", headers=token("u1"))

    assert response.status_code == 200
    entries = response.json()["entries"]
    assert [entry["kind"] for entry in entries] == ["decided", "registered", "assigned"]
    decided = entries[0]
    assert decided["on_behalf"] is True
    assert {(a["role"], a["user_id"]) for a in decided["actors"]} == {
        ("decided_by", "u-lds-0002"),
        ("recorded_by", "u-tk-0011"),
    }
    assert "nhập thay" in decided["summary"]


async def test_another_agency_sees_nothing_and_may_not_ask_for_ours(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    document = registered("Thông báo kết luận cuộc họp")
    await project(archive, document)

    theirs = await api.get(
        "/archive/search", params={"q": "thong bao"}, headers=token("u9", agency=OTHER_AGENCY)
    )
    asking_for_ours = await api.get(
        "/archive/search",
        params={"q": "thong bao", "agency_code": AGENCY},
        headers=token("u9", agency=OTHER_AGENCY),
    )

    assert theirs.json()["items"] == []
    assert asking_for_ours.status_code == 403
    assert "agency_code" in asking_for_ours.text


async def test_filters_and_pages_narrow_the_results_newest_first(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    events = [
        registered(
            f"Tờ trình số {n} về ngân sách", received_at=(start + timedelta(days=n)).isoformat()
        )
        for n in range(5)
    ]
    flash = registered("Tờ trình khẩn về ngân sách lũ lụt", urgency="flash")
    await project(archive, *events, flash)

    page = await api.get(
        "/archive/search",
        params={"issued_from": "2026-01-01", "page": 1, "page_size": 2, "urgency": "urgent"},
        headers=token("u1"),
    )
    only_flash = await api.get(
        "/archive/search", params={"q": "ngan sach", "urgency": "flash"}, headers=token("u1")
    )

    assert page.status_code == 200
    body = page.json()
    assert body["total"] >= 5
    assert [i["document_id"] for i in body["items"]] == [
        events[4].document_id,  # type: ignore[attr-defined]
        events[3].document_id,  # type: ignore[attr-defined]
    ]
    assert [i["document_id"] for i in only_flash.json()["items"]] == [flash.document_id]  # type: ignore[attr-defined]


async def test_a_bad_filter_is_refused_naming_the_field(
    api: httpx.AsyncClient, token: Token
) -> None:
    response = await api.get("/archive/search", params={"urgency": "soon"}, headers=token("u1"))

    assert response.status_code == 422
    assert "urgency" in response.text


async def test_a_caller_without_a_staff_role_is_refused(
    api: httpx.AsyncClient, token: Token
) -> None:
    response = await api.get("/archive/search", headers=token("svc", "service"))
    anonymous = await api.get("/archive/search")

    assert response.status_code == 403
    assert anonymous.status_code == 401


async def test_only_auditors_take_checkpoints_and_verify_over_http(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    refused = await api.post("/archive/audit/checkpoints", headers=token("u1", "clerk"))
    taken = await api.post("/archive/audit/checkpoints", headers=token("a1", "auditor"))
    verified = await api.get("/archive/audit/verify", headers=token("a1", "auditor"))

    assert refused.status_code == 403
    assert taken.status_code == 201
    assert taken.json()["object_lock"] is True
    assert verified.json()["intact"] is True


async def test_a_voided_document_shows_as_voided_with_its_reason_in_the_view_and_in_search(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    received = datetime(2026, 11, 21, 2, tzinfo=UTC)
    document = registered("Công văn đăng ký trùng về lịch tiếp dân", received_at=received)
    document_id = document.document_id  # type: ignore[attr-defined]
    reason = "Đăng ký trùng với văn bản có số đến 1234"
    await project(
        archive,
        document,
        sample_event(ASSIGNED, document_id=document_id, assigned_at=received + timedelta(hours=1)),
        sample_event(
            "vanthu.intake.document.voided.v1",
            document_id=document_id,
            reason=reason,
            voided_at=received + timedelta(hours=2),
        ),
        # A unit that finished before it saw the withdrawal: the void stays.
        sample_event(
            "vanthu.routing.task.completed.v1",
            document_id=document_id,
            completed_at=received + timedelta(hours=3),
        ),
    )

    view = await api.get(f"/archive/documents/{document_id}", headers=token("u1"))
    found = await api.get("/archive/search", params={"q": "tiep dan"}, headers=token("u1"))
    in_progress = await api.get(
        "/archive/search", params={"q": "tiep dan", "status": "in_progress"}, headers=token("u1")
    )
    voided = await api.get(
        "/archive/search", params={"q": "tiep dan", "status": "voided"}, headers=token("u1")
    )

    assert view.json()["status"] == "voided"
    assert view.json()["voided"]["reason"] == reason
    (item,) = found.json()["items"]
    assert (item["status"], item["voided"]["reason"]) == ("voided", reason)
    assert in_progress.json()["items"] == []
    assert [i["document_id"] for i in voided.json()["items"]] == [document_id]
