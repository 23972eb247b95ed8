"""The archive's processes as `make run` starts them: events on the real topics become a document's
timeline, and the stored history verifies under a signed checkpoint."""

from __future__ import annotations

import httpx
from harness.polling import eventually
from harness.processes import ServiceProcess
from harness.samples import sample_event
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.settings import AuthSettings


def _token(process: ServiceProcess, user: str, *roles: str) -> dict[str, str]:
    settings = AuthSettings(dev_mode=True, dev_secret=process.env["VANTHU_AUTH_DEV_SECRET"])
    jwt = issue_dev_token(settings, user_id=user, agency_code="000.00.00.H41", roles=list(roles))
    return {"Authorization": f"Bearer {jwt}"}


async def test_a_document_registered_and_decided_on_shows_in_its_archive_timeline_and_verifies(
    running_services: dict[str, ServiceProcess], publisher: KafkaEventPublisher
) -> None:
    api = running_services["archive-api"]
    received = sample_event("vanthu.intake.document.received.v1")
    document_id = received.document_id  # type: ignore[attr-defined]
    await publisher.publish(received)
    await publisher.publish(
        sample_event("vanthu.routing.decision.recorded.v1", document_id=document_id)
    )
    clerk = _token(api, "u-vt-0007", "clerk")

    async with httpx.AsyncClient(base_url=api.url, timeout=120) as client:

        async def timeline_kinds() -> list[str]:
            response = await client.get(f"/archive/documents/{document_id}/timeline", headers=clerk)
            if response.status_code != 200:
                return []
            kinds = [entry["kind"] for entry in response.json()["entries"]]
            return kinds if len(kinds) >= 2 else []

        kinds = await eventually(timeline_kinds, timeout=60, what="the document's timeline")
        auditor = _token(api, "a1", "auditor")
        checkpoint = await client.post("/archive/audit/checkpoints", headers=auditor)
        verified = await client.get("/archive/audit/verify", headers=auditor)

    assert kinds == ["decided", "registered"]
    assert checkpoint.status_code == 201
    assert verified.json()["intact"] is True
    assert verified.json()["checkpoints_checked"] >= 1
