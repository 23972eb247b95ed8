"""document.received → a case awaiting the leader's direction (one per document and agency).

What one `getmany` returns, from every partition at once, is opened together
(`RoutingHandlers.open_cases`: the rules and leaders of the batch in a few reads, the cases
written at once), with one read and one write of the processed marks and one commit of every
partition's offset, instead of a handful of round trips per event and per partition. When the
batch fails, each of its events goes through the runtime's own path one by one (retries, then
the dead letter), so one bad event costs its own dead letter and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

import structlog
from aiokafka.errors import CommitFailedError
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
    """The runtime's consume loop, handing the new events of each `getmany` (all partitions
    together) to one call and committing all the partitions at once.

    Decoding, dead letters, processed marks and the one-by-one fallback are the runtime's; the
    offsets are still committed only after everything before them was handled or dead-lettered.
    """

    def __init__(self, *, batch_handler: BatchHandler, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._batch_handler = batch_handler

    async def run(self) -> None:
        if self._consumer is None:
            await self.start()
        consumer = self._consumer
        if consumer is None:
            raise RuntimeError("the consumer did not start")
        while not self._stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self._max_batch)
            self.assigned = bool(consumer.assignment())
            if not batches:
                continue
            await self._take_batch([m for messages in batches.values() for m in messages])
            offsets = {tp: messages[-1].offset + 1 for tp, messages in batches.items()}
            try:
                await consumer.commit(offsets)
            except CommitFailedError:
                # Partitions moved to another member; it re-reads from the last committed
                # offsets and the idempotent handlers absorb the repeat.
                log.warning("commit refused after rebalance", partitions=len(offsets))

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
