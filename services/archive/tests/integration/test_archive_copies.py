"""A copy is on the record (issue 14, ADR 0055 addendum): the archive, fed intake's CopyIssued
through its own store and projections, shows the copy on its source's timeline, finds the copy
in search as a document of its own with its file kept for fixity, and shows a copy of a
confidential document to those who may see the source only."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx
import pytest
from archive_testkit import AUTH, stored_event
from harness.samples import sample_event
from vanthu_archive.bootstrap import Archive
from vanthu_archive.handlers import archive_records, project_records
from vanthu_contracts import Event
from vanthu_runtime.auth import issue_dev_token

pytestmark = pytest.mark.integration

AGENCY = "000.00.00.H41"
REGISTRAR = "u-vt-dangky"
READER = "u-ld-duocxem"


def _headers(user: str, role: str = "leader") -> dict[str, str]:
    jwt = issue_dev_token(AUTH, user_id=user, agency_code=AGENCY, roles=[role])
    return {"Authorization": f"Bearer {jwt}"}


def _changed(event_type: str, **changes: Any) -> Event:
    sample = sample_event(event_type)
    return type(sample).model_validate({**sample.model_dump(mode="json", by_alias=True), **changes})


async def _archived(archive: Archive, events: list[Event]) -> None:
    topic = f"test.copies.{secrets.token_hex(4)}"
    chained = []
    for offset, event in enumerate(events):
        chained.extend(
            await archive_records(archive.store, [stored_event(event, offset, topic=topic)])
        )
    await project_records(archive.read_models, archive.texts, [c.record for c in chained])


async def _source_and_copy(archive: Archive, **secrecy: Any) -> tuple[str, str, str]:
    source_id, copy_id = str(uuid.uuid4()), str(uuid.uuid4())
    words = f"kiểm kê {secrets.token_hex(3)}"
    received = _changed(
        "vanthu.intake.document.received.v2",
        document_id=source_id,
        agency_code=AGENCY,
        subject=f"Kế hoạch {words}",
        registered_by={"user_id": REGISTRAR, "full_name": "Trần Thị Bình"},
        **{"confidentiality": "normal", "readers": [], **secrecy},
    )
    copied = _changed(
        "vanthu.intake.copy.issued.v1",
        copy_id=copy_id,
        source_document_id=source_id,
        agency_code=AGENCY,
        subject=f"Kế hoạch {words}",
        **{
            "confidentiality": secrecy.get("confidentiality", "normal"),
            "readers": [*secrecy.get("readers", []), REGISTRAR] if secrecy else [],
        },
    )
    await _archived(archive, [received, copied])
    return source_id, copy_id, words


async def test_a_sao_y_is_on_its_sources_timeline_and_found_as_a_document_of_its_own(
    archive: Archive, api: httpx.AsyncClient
) -> None:
    source_id, copy_id, words = await _source_and_copy(archive)
    clerk = _headers("u-vt-khac", "clerk")

    timeline = await api.get(f"/archive/documents/{source_id}/timeline", headers=clerk)
    found = await api.get("/archive/search", params={"q": words}, headers=clerk)
    copy = await api.get(f"/archive/documents/{copy_id}", headers=clerk)
    kept = await archive.read_models.stored_objects(copy_id)

    assert timeline.status_code == 200, timeline.text
    summaries = [e["summary"] for e in timeline.json()["entries"]]
    assert "Sao y số 05/SY-UBND, ký: Lê Văn Cường, đóng dấu: Trần Thị Bình" in summaries
    assert {hit["document_id"] for hit in found.json()["items"]} == {source_id, copy_id}
    assert copy.status_code == 200, copy.text
    assert (copy.json()["notation"], copy.json()["direction"]) == ("05/SY-UBND", "copy")
    assert copy.json()["related_ids"] == [source_id]
    assert [(o["role"], o["name"]) for o in kept] == [("original", "05-SY-UBND.pdf")]


async def test_a_copy_of_a_confidential_document_is_seen_only_by_those_who_may_see_the_source(
    archive: Archive, api: httpx.AsyncClient
) -> None:
    _, copy_id, words = await _source_and_copy(archive, confidentiality="secret", readers=[READER])

    seen = {}
    for user in (READER, REGISTRAR, "u-ld-khongduocxem"):
        read = await api.get(f"/archive/documents/{copy_id}", headers=_headers(user))
        found = await api.get("/archive/search", params={"q": words}, headers=_headers(user))
        listed = copy_id in {hit["document_id"] for hit in found.json()["items"]}
        seen[user] = (read.status_code, listed)

    assert seen == {
        READER: (200, True),
        REGISTRAR: (200, True),
        "u-ld-khongduocxem": (404, False),
    }
