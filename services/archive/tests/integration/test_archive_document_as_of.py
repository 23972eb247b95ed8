"""The auditor's replay of one document: its state as of a moment, folded from the event store,
with the chain positions it was computed from (issue 12: "the state as of a moment")."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from archive_testkit import AUTH, stored_event
from harness.samples import sample_event
from vanthu_archive.bootstrap import Archive
from vanthu_archive.handlers import archive_records, project_records
from vanthu_contracts import Event
from vanthu_runtime.auth import issue_dev_token

AGENCY = "000.00.00.H41"
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
Token = Callable[..., dict[str, str]]


@pytest.fixture
def token() -> Token:
    def headers(user: str, *roles: str, agency: str = AGENCY) -> dict[str, str]:
        jwt = issue_dev_token(
            AUTH, user_id=user, agency_code=agency, roles=list(roles or ("auditor",))
        )
        return {"Authorization": f"Bearer {jwt}"}

    return headers


def _changed(event_type: str, **changes: Any) -> Event:
    sample = sample_event(event_type)
    payload = {**sample.model_dump(mode="json", by_alias=True), **changes}
    return type(sample).model_validate(payload)


async def _archived(archive: Archive, timed: list[tuple[Event, datetime]]) -> list[Any]:
    """Chain and store the events (each on its own topic of this test), then project them, as
    the worker would; returns the chained records."""
    prefix = f"test.asof.{secrets.token_hex(4)}"
    chained = []
    offsets: dict[str, int] = {}
    for event, at in timed:
        topic = f"{prefix}.{event.topic}"
        offset = offsets.get(topic, 0)
        offsets[topic] = offset + 1
        record = stored_event(event, offset, topic=topic, at=at)
        chained.extend(await archive_records(archive.store, [record]))
    await project_records(archive.read_models, archive.texts, [c.record for c in chained])
    return chained


async def _history(archive: Archive, **registration: Any) -> tuple[str, list[Any]]:
    document_id = f"doc-asof-{secrets.token_hex(6)}"
    received = _changed(
        "vanthu.intake.document.received.v2",
        document_id=document_id,
        subject="Kế hoạch tổng kiểm kê tài sản công",
        received_at=T0.isoformat(),
        **{"confidentiality": "normal", "readers": [], **registration},
    )
    decided = _changed(
        "vanthu.routing.decision.recorded.v1",
        document_id=document_id,
        decided_at=(T0 + timedelta(hours=1)).isoformat(),
        recorded_at=(T0 + timedelta(hours=1)).isoformat(),
    )
    assigned = _changed(
        "vanthu.routing.task.assigned.v1",
        document_id=document_id,
        assigned_at=(T0 + timedelta(hours=2)).isoformat(),
    )
    completed = _changed(
        "vanthu.routing.task.completed.v1",
        document_id=document_id,
        task_id=assigned.task_id,  # type: ignore[attr-defined]
        completed_at=(T0 + timedelta(hours=5)).isoformat(),
    )
    chained = await _archived(
        archive,
        [
            (received, T0 + timedelta(seconds=1)),
            (decided, T0 + timedelta(hours=1, seconds=1)),
            (assigned, T0 + timedelta(hours=2, seconds=1)),
            (completed, T0 + timedelta(hours=5, seconds=1)),
        ],
    )
    return document_id, chained


async def test_the_state_as_of_a_moment_is_what_was_known_then_with_its_chain_position(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    document_id, chained = await _history(archive)
    url = f"/archive/documents/{document_id}/state"

    then = await api.get(url, params={"as_of": "2026-11-20T10:30:00+07:00"}, headers=token("a1"))
    later = await api.get(url, params={"as_of": "2026-11-20T06:30:00Z"}, headers=token("a1"))

    assert then.status_code == 200, then.text
    body = then.json()
    assert body["known"] is True
    assert body["document"]["subject"] == "Kế hoạch tổng kiểm kê tài sản công"
    assert body["status"] == "in_progress"
    assert [d["decided_by"]["user_id"] for d in body["decisions"]] == ["u-lds-0002"]
    assert [(t["unit_id"], t["state"]) for t in body["tasks"]] == [("unit-vx", "assigned")]
    assert [e["kind"] for e in body["entries"]] == ["registered", "decided", "assigned"]
    assigned = chained[2]
    assert body["computed_from"]["records_folded"] == 3
    assert body["computed_from"]["last_record"] == {
        "topic": assigned.record.topic,
        "partition": assigned.record.partition,
        "offset": assigned.record.offset,
        "hash": assigned.hash.hex(),
        "recorded_at": "2026-11-20T03:00:01Z",
    }
    assert later.json()["status"] == "completed"
    assert [t["state"] for t in later.json()["tasks"]] == ["completed"]
    assert later.json()["computed_from"]["records_folded"] == 4


async def test_before_its_registration_the_archive_knew_nothing_of_the_document(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    document_id, _ = await _history(archive)

    before = await api.get(
        f"/archive/documents/{document_id}/state",
        params={"as_of": "2026-11-20T07:59:00+07:00"},
        headers=token("a1"),
    )

    assert before.status_code == 200, before.text
    assert before.json()["known"] is False
    assert before.json()["document"] is None
    assert before.json()["status"] is None
    assert before.json()["computed_from"] == {"records_folded": 0, "last_record": None, "heads": []}


@pytest.mark.parametrize(
    ("as_of", "why"),
    [
        ("yesterday", "RFC 3339"),
        ("2026-11-20T10:30:00", "RFC 3339"),
        ("2026-11-20", "RFC 3339"),
        ("1763600000", "RFC 3339"),
        ("2026-02-30T10:00:00Z", "không hợp lệ"),
        ("0001-01-01T00:00:00Z", "1900"),
        ((datetime.now(UTC) + timedelta(days=1)).isoformat(), "future"),
    ],
)
async def test_a_malformed_or_future_moment_is_refused_naming_as_of(
    archive: Archive, api: httpx.AsyncClient, token: Token, as_of: str, why: str
) -> None:
    document_id, _ = await _history(archive)

    response = await api.get(
        f"/archive/documents/{document_id}/state", params={"as_of": as_of}, headers=token("a1")
    )

    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["query", "as_of"]
    assert why in problem["msg"]


async def test_the_state_of_a_secret_document_is_seen_by_its_named_readers_only(
    archive: Archive, api: httpx.AsyncClient, token: Token
) -> None:
    document_id, _ = await _history(archive, confidentiality="secret", readers=["u-named"])
    params = {"as_of": "2026-11-20T10:30:00+07:00"}
    url = f"/archive/documents/{document_id}/state"

    named = await api.get(url, params=params, headers=token("u-named", "leader"))
    auditor = await api.get(url, params=params, headers=token("a1"))
    elsewhere = await api.get(url, params=params, headers=token("u-named", agency="000.00.00.G22"))
    administrator = await api.get(url, params=params, headers=token("adm", "administrator"))
    missing = await api.get("/archive/documents/no-such/state", params=params, headers=token("a1"))

    assert named.status_code == 200
    assert named.json()["document"]["confidentiality"] == "secret"
    assert auditor.status_code == 404
    assert auditor.json() == {"detail": f"document {document_id} not found"}
    assert missing.json() == {"detail": "document no-such not found"}
    assert elsewhere.status_code == 404
    assert administrator.status_code == 403
