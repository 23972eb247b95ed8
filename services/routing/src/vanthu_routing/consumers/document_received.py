"""document.received → a case awaiting the leader's direction (one per document and agency).

A consumed batch is opened together (`RoutingHandlers.open_cases`: the rules and leaders of the
batch in a few reads, the cases written at once) instead of a handful of round trips per event.
When the batch fails, each of its events goes through the runtime's own path one by one (retries,
then the dead letter), so one bad event costs its own dead letter and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

import structlog
from vanthu_contracts import ContractError, DecodedEvent, DocumentReceived, decode
from vanthu_runtime.kafka_consumer import ConsumeLoop, Failure, Handler, RawRecord
from vanthu_runtime.metrics import EVENTS_HANDLED, HANDLE_SECONDS

from vanthu_routing.handlers import RoutingHandlers

log = structlog.get_logger(__name__)

BatchHandler = Callable[[Sequence[DecodedEvent]], Awaitable[None]]


def open_cases(handlers: RoutingHandlers) -> Handler:
    """The handler of one event."""
    handle_batch = open_cases_in_batches(handlers)

    async def handle(decoded: DecodedEvent) -> None:
        await handle_batch([decoded])

    return handle


def open_cases_in_batches(handlers: RoutingHandlers) -> BatchHandler:
    async def handle(batch: Sequence[DecodedEvent]) -> None:
        # Other facts on the topic (OCR done, signatures checked, outgoing issued) do not
        # open a case.
        received = [d.event for d in batch if isinstance(d.event, DocumentReceived)]
        if received:
            await handlers.open_cases(received)

    return handle


class BatchConsumeLoop(ConsumeLoop):
    """The runtime's consume loop, handing each partition batch's new events to one call.

    Only the batch step differs: decoding, dead letters, processed marks, commits and the
    one-by-one fallback are the runtime's."""

    def __init__(self, *, batch_handler: BatchHandler, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._batch_handler = batch_handler

    async def _take_batch(self, messages: Sequence[RawRecord]) -> None:
        decoded: list[tuple[RawRecord, DecodedEvent]] = []
        for message in messages:
            try:
                decoded.append((message, decode(list(message.headers or ()), message.value)))
            except ContractError as exc:
                await self._dead_letter(message, Failure(str(exc), type(exc).__name__, 0))
        seen: set[str] = set()
        if self._processed is not None and decoded:
            seen = await self._processed.seen_many([d.envelope.id for _, d in decoded])
        fresh: dict[str, tuple[RawRecord, DecodedEvent]] = {}
        for message, event in decoded:
            if event.envelope.id in seen or event.envelope.id in fresh:
                EVENTS_HANDLED.labels(message.topic, self.group_id, "skipped_duplicate").inc()
            else:
                fresh[event.envelope.id] = (message, event)
        if not fresh:
            return
        handled = await self._handle_together(list(fresh.values()))
        if self._processed is not None and handled:
            await self._processed.record_many(handled)

    async def _handle_together(self, items: list[tuple[RawRecord, DecodedEvent]]) -> list[str]:
        started = time.perf_counter()
        try:
            await self._batch_handler([event for _, event in items])
        except Exception as exc:  # noqa: BLE001 - each event then gets its retries and dead letter
            log.warning("batch failed; handling its events one by one", error=repr(exc))
            return [
                event.envelope.id for message, event in items if await self._take(message, event)
            ]
        elapsed = (time.perf_counter() - started) / len(items)
        for message, _ in items:
            EVENTS_HANDLED.labels(message.topic, self.group_id, "handled").inc()
            HANDLE_SECONDS.labels(message.topic, self.group_id).observe(elapsed)
        return [event.envelope.id for _, event in items]
