"""Live updates for the web app: what just happened in the caller's agency, as Server-Sent Events.

A page that shows a list (the leader's inbox, a unit's tasks, a document's statuses per
recipient) reloads it when something it shows may have changed: a new task, a direction, a
status coming back. `GET /live` streams, for the caller's agency, one event per record on the
service's chosen topics, read from the broker as they arrive:

    event: TaskAssigned
    data: {"id": "…", "type": "TaskAssigned", "topic": "task.assigned", "subject": "<case id>",
           "time": "2026-12-01T08:00:00Z"}

Only the envelope's attributes go out (type, the aggregate's id, time): never the event's data.
The page then asks the ordinary routes, which apply every rule of who may see what (ADR 0006,
0008), so the stream cannot show a subject or a name the caller may not read; what it does show
of another person's work is that *something* changed on an id.

One reader per API process, shared by every open stream: a consumer outside any group (it
commits nothing and never takes partitions from a worker), from the end of the topics, on
committed records only. Each stream has a bounded queue; a stream too slow to keep up gets a
`lagged` event (reload everything) instead of an unbounded backlog. A stream lasts at most
`max_stream_s` (a token checked at its start must not be trusted for hours): the browser
reconnects with the token it has then. Comments every `heartbeat_s` keep proxies from closing an
idle stream; nginx is told not to buffer it (`X-Accel-Buffering: no`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from vanthu_contracts.envelope import (
    AGENCY_CODE_HEADER,
    ID_HEADER,
    SUBJECT_HEADER,
    TIME_HEADER,
    TYPE_HEADER,
)

from vanthu_runtime.auth import CurrentPrincipal
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.settings import KafkaSettings

__all__ = ["LiveEvent", "LiveFeed", "live_router"]

log = structlog.get_logger(__name__)

ConsumerFactory = Callable[[KafkaSettings, Sequence[str]], AIOKafkaConsumer]


class LiveEvent(BaseModel):
    """One thing that happened in the caller's agency: which event, on which aggregate."""

    id: str
    type: str
    topic: str
    subject: str
    time: str


@dataclass(frozen=True)
class LiveLimits:
    queue: int = 256
    heartbeat_s: float = 15.0
    max_stream_s: float = 300.0


def _group_less_consumer(settings: KafkaSettings, topics: Sequence[str]) -> AIOKafkaConsumer:
    consumer = create_consumer(
        settings,
        client_id=f"{settings.client_id}-live",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="latest",
        isolation_level="read_committed",
    )
    consumer.subscribe(list(topics))
    return consumer


class LiveFeed:
    """Reads the topics once per process and hands each record's envelope to the open streams of
    its agency. Started by the first stream, so an API nobody watches reads nothing."""

    def __init__(
        self,
        settings: KafkaSettings,
        topics: Sequence[str],
        *,
        limits: LiveLimits | None = None,
        consumer_factory: ConsumerFactory = _group_less_consumer,
    ) -> None:
        self._settings = settings
        self._topics = tuple(topics)
        self.limits = limits or LiveLimits()
        self._factory = consumer_factory
        self._streams: dict[str, set[asyncio.Queue[LiveEvent | None]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    @property
    def topics(self) -> tuple[str, ...]:
        return self._topics

    async def stream(self, agency: str) -> AsyncGenerator[LiveEvent | None]:
        """What happens in `agency` from now on; `None` when this stream fell behind."""
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(self.limits.queue)
        self._streams.setdefault(agency, set()).add(queue)
        try:
            await self._start()
            while True:
                yield await queue.get()
        finally:
            self._streams.get(agency, set()).discard(queue)

    async def wait_ready(self) -> None:
        """Until the reader holds its partitions at their end: events after this are delivered."""
        await self._ready.wait()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    async def _start(self) -> None:
        if self._reader is None or self._reader.done():
            self._ready.clear()
            self._reader = asyncio.create_task(self._read(), name="live-feed")

    async def _read(self) -> None:
        while True:
            consumer = self._factory(self._settings, self._topics)
            try:
                await consumer.start()
                await self._at_end(consumer)
                while True:
                    batches = await consumer.getmany(timeout_ms=1000, max_records=500)
                    for topic_partition, records in batches.items():
                        for record in records:
                            self._deliver(topic_partition.topic, record.headers or ())
            except asyncio.CancelledError:
                raise
            except Exception:  # the broker went away: the streams stay open, the reader retries
                log.warning("live feed lost the broker; retrying", exc_info=True)
                self._ready.clear()
                await asyncio.sleep(2.0)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()

    async def _at_end(self, consumer: AIOKafkaConsumer) -> None:
        # The first fetch assigns the partitions (no group: all of them); then each is put at
        # its end, so a stream starts with what happens after it opened.
        for _ in range(50):
            if consumer.assignment():
                break
            await consumer.getmany(timeout_ms=100, max_records=1)
        assigned = consumer.assignment()
        if assigned:
            await consumer.seek_to_end(*assigned)
            for partition in assigned:
                await consumer.position(partition)
        self._ready.set()

    def _deliver(self, topic: str, headers: Sequence[tuple[str, bytes | None]]) -> None:
        values = {key: (value or b"").decode("utf-8", "replace") for key, value in headers}
        agency = values.get(AGENCY_CODE_HEADER)
        streams = self._streams.get(agency or "")
        if not streams:
            return
        event = LiveEvent(
            id=values.get(ID_HEADER, ""),
            type=values.get(TYPE_HEADER, ""),
            topic=topic,
            subject=values.get(SUBJECT_HEADER, ""),
            time=values.get(TIME_HEADER, ""),
        )
        for queue in streams:
            if queue.full():
                # Too slow for the events: drop what waits and say so; the page reloads all.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)
            else:
                queue.put_nowait(event)


def _sse(event: str, data: str) -> bytes:
    return f"event: {event}\ndata: {data}\n\n".encode()


def live_router(feed: Callable[[Request], LiveFeed]) -> APIRouter:
    """`GET /live` for the feed `feed(request)` returns (kept on the app's state)."""
    router = APIRouter(tags=["live"])

    @router.get(
        "/live",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": (
                    "Server-Sent Events, one per event of the caller's agency on the service's "
                    "live topics: `event:` is the event type (or `ready`, `lagged`), `data:` a "
                    "LiveEvent in JSON. Only envelope attributes, never the event's data: "
                    "reload what the page shows through the ordinary routes."
                ),
                "content": {
                    "text/event-stream": {"schema": LiveEvent.model_json_schema()},
                },
            }
        },
    )
    async def live(request: Request, principal: CurrentPrincipal) -> StreamingResponse:
        """What happens in the caller's agency from now on (issue 12, "Live")."""
        source = feed(request)

        async def events() -> AsyncIterator[bytes]:
            limits = source.limits
            loop = asyncio.get_running_loop()
            ends_at = loop.time() + limits.max_stream_s
            stream = source.stream(principal.agency_code)
            yield b"retry: 3000\n\n"
            next_event = asyncio.ensure_future(anext(stream))
            try:
                # `ready` once the reader holds the topics' ends: what follows is delivered.
                await asyncio.wait_for(source.wait_ready(), timeout=30)
                yield _sse("ready", json.dumps({"topics": list(source.topics)}))
                while (left := ends_at - loop.time()) > 0:
                    done, _ = await asyncio.wait(
                        {next_event}, timeout=min(limits.heartbeat_s, left)
                    )
                    if not done:
                        yield b": ping\n\n"
                        continue
                    item = next_event.result()
                    next_event = asyncio.ensure_future(anext(stream))
                    if item is None:
                        yield _sse("lagged", "{}")
                    else:
                        yield _sse(item.type or "event", item.model_dump_json())
            except TimeoutError:
                yield _sse("unavailable", "{}")
            finally:
                next_event.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await next_event
                await stream.aclose()

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
