"""What the web app's live stream (`GET /live`) shows a person, read from the real broker: the
events of their own agency as they happen, with the aggregate's id and never the event's data;
nothing of another agency; nothing without a token."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from harness.processes import free_port
from harness.samples import sample_event
from pydantic import SecretStr
from vanthu_contracts import encode
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.live import LiveFeed, LiveLimits, live_router
from vanthu_runtime.settings import AuthSettings

DOCUMENT_RECEIVED = "vanthu.intake.document.received.v2"
AGENCY_A, AGENCY_B = "000.00.00.H41", "000.00.00.G22"


@dataclasses.dataclass
class LiveApi:
    url: str
    auth: AuthSettings
    feed: LiveFeed

    def token(self, agency: str) -> str:
        return issue_dev_token(self.auth, user_id="u1", agency_code=agency, roles=["clerk"])


async def _serve(feed: LiveFeed, auth: AuthSettings) -> AsyncIterator[LiveApi]:
    app = FastAPI()
    app.state.auth_settings = auth
    app.state.live = feed
    app.include_router(live_router(lambda request: request.app.state.live))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for "listening"
        await asyncio.sleep(0.05)
    try:
        yield LiveApi(f"http://127.0.0.1:{port}", auth, feed)
    finally:
        server.should_exit = True
        await serving
        await feed.close()


@pytest.fixture
async def live(platform_settings, scratch_topic) -> AsyncIterator[LiveApi]:
    auth = AuthSettings(dev_mode=True, dev_secret=SecretStr(secrets.token_hex(32)))
    feed = LiveFeed(platform_settings.kafka, [scratch_topic], limits=LiveLimits(max_stream_s=20))
    async for api in _serve(feed, auth):
        yield api


async def _events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    name, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = line.removeprefix("data: ")
        elif line == "" and name:
            yield name, data
            name, data = "", ""


async def _publish(publisher: KafkaEventPublisher, topic: str, agency: str) -> tuple[str, str]:
    event = sample_event(DOCUMENT_RECEIVED)
    record = encode(event, source=publisher.source, agency_code=agency)
    await publisher.publish_record(dataclasses.replace(record, topic=topic))
    return record.event_id, event.document_id


async def test_a_person_sees_their_agencys_events_as_they_happen_and_no_other_agencys(
    live: LiveApi, publisher: KafkaEventPublisher, scratch_topic: str
) -> None:
    headers = {"Authorization": f"Bearer {live.token(AGENCY_A)}"}
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream("GET", f"{live.url}/live", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        events = _events(response)
        assert (await anext(events))[0] == "ready"

        await _publish(publisher, scratch_topic, AGENCY_B)
        event_id, document_id = await _publish(publisher, scratch_topic, AGENCY_A)

        name, data = await asyncio.wait_for(anext(events), 30)
    seen = json.loads(data)
    assert name == DOCUMENT_RECEIVED
    # Only the first event of A comes: B's, published before it, never reached A's stream.
    assert seen == {
        "id": event_id,
        "type": DOCUMENT_RECEIVED,
        "topic": scratch_topic,
        "subject": document_id,
        "time": seen["time"],
    }


async def test_the_stream_carries_no_data_of_the_event(
    live: LiveApi, publisher: KafkaEventPublisher, scratch_topic: str
) -> None:
    headers = {"Authorization": f"Bearer {live.token(AGENCY_A)}"}
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream("GET", f"{live.url}/live", headers=headers) as response,
    ):
        events = _events(response)
        assert (await anext(events))[0] == "ready"
        event = sample_event(DOCUMENT_RECEIVED)
        record = encode(event, source=publisher.source, agency_code=AGENCY_A)
        await publisher.publish_record(dataclasses.replace(record, topic=scratch_topic))
        _, data = await asyncio.wait_for(anext(events), 30)
    assert event.subject  # the sample's trích yếu, about a state secret
    assert event.subject not in json.loads(data).values()
    assert event.signer.full_name not in data
    assert set(json.loads(data)) == {"id", "type", "topic", "subject", "time"}


async def test_no_token_no_stream(live: LiveApi) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"{live.url}/live")
        forged = await client.get(f"{live.url}/live", headers={"Authorization": "Bearer x.y.z"})
    assert (answer.status_code, forged.status_code) == (401, 401)


async def test_a_stream_ends_after_its_time_so_the_browser_reconnects_with_a_fresh_token(
    platform_settings, scratch_topic
) -> None:
    auth = AuthSettings(dev_mode=True, dev_secret=SecretStr(secrets.token_hex(32)))
    limits = LiveLimits(max_stream_s=2, heartbeat_s=0.5)
    feed = LiveFeed(platform_settings.kafka, [scratch_topic], limits=limits)
    async for api in _serve(feed, auth):
        headers = {"Authorization": f"Bearer {api.token(AGENCY_A)}"}
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.get(f"{api.url}/live", headers=headers)
        assert answer.status_code == 200
        assert answer.text.startswith("retry: 3000")
        assert "event: ready" in answer.text
        assert ": ping" in answer.text
