"""Who lists which documents in the archive (ADR 0008, issue 11 item 11): the registry, leaders,
secretaries and auditors the agency; a unit head what his unit has a task on; a specialist what he
holds a task on or his unit was given for information; the administrator none."""

from __future__ import annotations

import secrets
import uuid

import httpx
from archive_testkit import AUTH, stored_event
from harness.samples import sample_event
from vanthu_archive.bootstrap import Archive
from vanthu_archive.handlers import project_records
from vanthu_contracts import Event
from vanthu_contracts.events.values import Assignee, TaskRole
from vanthu_runtime.auth import issue_dev_token

AGENCY = "000.00.00.H41"


def headers(user: str, role: str, unit: str | None = None) -> dict[str, str]:
    jwt = issue_dev_token(AUTH, user_id=user, agency_code=AGENCY, roles=[role], unit_id=unit)
    return {"Authorization": f"Bearer {jwt}"}


def registered(subject: str) -> Event:
    sample = sample_event("vanthu.intake.document.received.v2")
    payload = sample.model_dump(mode="json", by_alias=True)
    payload.update(
        document_id=str(uuid.uuid4()),
        agency_code=AGENCY,
        subject=subject,
        confidentiality="normal",
        readers=[],
    )
    return type(sample).model_validate(payload)


def task(document: Event, role: TaskRole, unit: str, user: str | None = None) -> Event:
    return sample_event(
        "vanthu.routing.task.assigned.v1",
        document_id=document.document_id,  # type: ignore[attr-defined]
        agency_code=AGENCY,
        role=role,
        assignee=Assignee(unit_id=unit, user_id=user),
    )


async def test_unit_heads_and_specialists_list_the_documents_of_their_tasks_and_admins_none(
    archive: Archive, api: httpx.AsyncClient
) -> None:
    word = secrets.token_hex(3)
    led = registered(f"Kế hoạch kiểm tra {word} do Phòng Tài chính chủ trì")
    personal = registered(f"Báo cáo {word} giao chuyên viên An")
    informed = registered(f"Thông báo {word} để Phòng Nội vụ biết")
    untouched = registered(f"Công văn {word} chưa giao ai")
    events = [
        led,
        personal,
        informed,
        untouched,
        task(led, TaskRole.LEAD, "unit-tc"),
        task(personal, TaskRole.SPECIALIST, "unit-nv", "u-an"),
        task(informed, TaskRole.INFORMATION, "unit-nv"),
    ]
    await project_records(
        archive.read_models, None, [stored_event(e, n) for n, e in enumerate(events)]
    )
    ids = {
        name: event.document_id  # type: ignore[attr-defined]
        for name, event in (
            ("led", led),
            ("personal", personal),
            ("informed", informed),
            ("untouched", untouched),
        )
    }
    everything = set(ids)
    expected = {
        ("u-vt", "clerk", None): everything,
        ("u-ld", "leader", None): everything,
        ("u-tk", "secretary", None): everything,
        ("u-kt", "auditor", None): everything,
        ("u-tp-tc", "unit_head", "unit-tc"): {"led"},
        ("u-tp-nv", "unit_head", "unit-nv"): {"personal", "informed"},
        ("u-an", "specialist", "unit-nv"): {"personal", "informed"},
        ("u-binh", "specialist", "unit-nv"): {"informed"},
        ("u-cuong", "specialist", "unit-tc"): set(),
    }
    wrong = []
    for (user, role, unit), sees in expected.items():
        caller = headers(user, role, unit)
        by_words = await api.get("/archive/search", params={"q": word}, headers=caller)
        newest = await api.get("/archive/search", params={"page_size": 100}, headers=caller)
        found = {i["document_id"] for i in by_words.json()["items"]}
        listed = {i["document_id"] for i in newest.json()["items"]} & set(ids.values())
        shown = {name for name, doc in ids.items() if doc in found}
        if shown != sees or listed != {ids[name] for name in sees}:
            wrong.append(f"{user} ({role}) search: {sorted(shown)}, newest: {len(listed)}")
        for name, doc in ids.items():
            read = await api.get(f"/archive/documents/{doc}", headers=caller)
            timeline = await api.get(f"/archive/documents/{doc}/timeline", headers=caller)
            want = 200 if name in sees else 404
            if (read.status_code, timeline.status_code) != (want, want):
                wrong.append(f"{user} ({role}) {name}: {read.status_code}/{timeline.status_code}")
    # A specialist's page of one promises his two documents, not the agency's four.
    first_page = await api.get(
        "/archive/search", params={"page_size": 1}, headers=headers("u-an", "specialist", "unit-nv")
    )
    admin = headers("u-qt", "administrator")
    refused = [
        await api.get("/archive/search", params={"q": word}, headers=admin),
        await api.get(f"/archive/documents/{ids['untouched']}", headers=admin),
        await api.get(f"/archive/documents/{ids['untouched']}/timeline", headers=admin),
    ]

    assert wrong == [], "\n".join(wrong)
    assert (first_page.json()["total"], len(first_page.json()["items"])) == (2, 1)
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert "quản trị" in refused[0].json()["detail"]
