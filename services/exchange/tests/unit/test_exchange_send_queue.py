"""One send job that cannot be built never holds back the jobs behind it (ADR 0032 addendum)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vanthu_contracts.events.values import TransportState
from vanthu_exchange.connector_handlers import Connector, ConnectorPolicy

SENDER, RECIPIENT = "000.00.00.G22", "000.00.00.H49"


class Jobs:
    """The connector store's job queue, in memory: due jobs oldest first."""

    def __init__(self, jobs: list[dict[str, Any]]) -> None:
        self.jobs = {job["_id"]: job for job in jobs}
        self.events: list[dict[str, Any]] = []

    async def due_jobs(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        due = [j for j in self.jobs.values() if j["state"] == "waiting"]
        due = [j for j in due if j["next_attempt_at"] <= now]
        return [dict(j) for j in sorted(due, key=lambda j: j["next_attempt_at"])][:limit]

    async def update_job(self, job_id: str, fields: dict[str, Any], events: Any = ()) -> None:
        self.jobs[job_id].update(fields)
        self.events += [json.loads(record.value) for record in events]

    async def note_sent_to(self, document_id: str, recipients: list[str]) -> None:
        pass


class Hub:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_package(self, path: Path, *, idempotency_key: str, recipients: Any) -> Any:
        self.sent.append(idempotency_key)
        return [{"recipient": RECIPIENT, "delivery_id": f"d-{idempotency_key}"}]


def job(job_id: str, at: datetime) -> dict[str, Any]:
    return {
        "_id": job_id,
        "kind": "document",
        "agency_code": SENDER,
        "document_id": f"doc-{job_id}",
        "recipients": [RECIPIENT],
        "request": {"business_type": "new"},
        "state": "waiting",
        "attempts": 0,
        "next_attempt_at": at,
    }


async def test_a_job_failing_in_an_unforeseen_way_is_retried_then_failed_and_the_next_goes():
    now = [datetime(2026, 12, 1, 8, 0, tzinfo=UTC)]
    jobs = Jobs([job("broken", now[0] - timedelta(seconds=2)), job("behind", now[0])])
    hub = Hub()
    connector = Connector(
        jobs,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        hub,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        ConnectorPolicy(agencies=(SENDER,), max_attempts=3, initial_backoff_s=1, max_backoff_s=4),
        clock=lambda: now[0],
    )

    async def build(job: dict[str, Any], workdir: Path) -> list[tuple[Path, Any, str]]:
        if job["_id"] == "broken":
            raise RuntimeError("something no one foresaw")
        return [(workdir / "package.edxml", (), job["_id"])]

    connector._build_for_recipients = build  # type: ignore[method-assign]

    await connector.send_due()
    assert hub.sent == ["behind"], "the job behind the broken one is sent in the same pass"
    for _ in range(5):
        now[0] += timedelta(seconds=10)
        await connector.send_due()

    broken = jobs.jobs["broken"]
    assert (broken["state"], broken["attempts"]) == ("failed", 3)
    [failed] = [e for e in jobs.events if e["transport"] == TransportState.FAILED.value]
    assert failed["document_id"] == "doc-broken"
    assert failed["recipient_agency_code"] == RECIPIENT
    assert failed["reason"].startswith("gave up after 3 attempts: RuntimeError")
    assert hub.sent == ["behind"]
