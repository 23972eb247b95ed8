"""The consume loop: decode → handle → commit only after success; dead letters for what never will.

- A message that does not decode (not a known, valid contract event) goes to `<topic>.dlq` at once.
- A handler that raises is retried with exponential back-off, up to `RetryPolicy.max_attempts`;
  `PermanentFailure` skips the retries. What still fails goes to `<topic>.dlq` with the reason
  in its headers, and the loop carries on with the next message.
- Offsets are committed per partition after every message before them was handled or
  dead-lettered, so a crash at any moment re-delivers, never loses. Handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from vanthu_contracts import ContractError, DecodedEvent, decode, dlq_topic

from vanthu_runtime.errors import PermanentFailure
from vanthu_runtime.idempotency import ProcessedEvents
from vanthu_runtime.kafka_clients import create_consumer
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.logging import bound_context
from vanthu_runtime.metrics import EVENTS_HANDLED, HANDLE_SECONDS, HANDLER_ATTEMPTS_FAILED
from vanthu_runtime.settings import KafkaSettings

log = structlog.get_logger(__name__)

Handler = Callable[[DecodedEvent], Awaitable[None]]
BatchHandler = Callable[[Sequence[DecodedEvent]], Awaitable[None]]
RawRecord: TypeAlias = ConsumerRecord[bytes, bytes]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, self.initial_backoff_s * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Failure:
    reason: str
    error_type: str
    attempts: int


def dead_letter_headers(
    message: RawRecord, group_id: str, failure: Failure
) -> list[tuple[str, bytes]]:
    """The original headers (so the event can be replayed) plus where and why it failed."""
    extra = {
        "dlq_reason": failure.reason,
        "dlq_error_type": failure.error_type,
        "dlq_attempts": str(failure.attempts),
        "dlq_source_topic": message.topic,
        "dlq_source_partition": str(message.partition),
        "dlq_source_offset": str(message.offset),
        "dlq_consumer_group": group_id,
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }
    original = [(k, v) for k, v in (message.headers or ()) if not k.startswith("dlq_")]
    return original + [(k, v.encode()) for k, v in extra.items()]


def create_group_consumer(
    settings: KafkaSettings, group_id: str, topics: Sequence[str], **overrides: object
) -> AIOKafkaConsumer:
    """A consumer-group member that commits by hand and sees only committed records. A group that
    has never committed reads from the start of its topics, or from `settings.new_group_start`."""
    options: dict[str, object] = {
        "group_id": group_id,
        "client_id": f"{settings.client_id}-{group_id}",
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        **overrides,
    }
    consumer = create_consumer(settings, **options)
    listener = (
        StartNewGroupAt(consumer, settings.new_group_start)
        if settings.new_group_start is not None
        else None
    )
    consumer.subscribe(list(topics), listener=listener)
    return consumer


class StartNewGroupAt(ConsumerRebalanceListener):  # type: ignore[misc]
    """Moves each assigned partition that the group never committed to its first record at or after
    an instant, or to its end when there is none yet. The seek happens inside the rebalance, before
    any fetch, so nothing written after the instant is skipped, however late the member joins."""

    def __init__(self, consumer: AIOKafkaConsumer, instant: datetime) -> None:
        self._consumer = consumer
        self._at_ms = int(instant.timestamp() * 1000)

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        never_committed = [tp for tp in assigned if await self._consumer.committed(tp) is None]
        if not never_committed:
            return
        found = await self._consumer.offsets_for_times({tp: self._at_ms for tp in never_committed})
        ends = await self._consumer.end_offsets(never_committed)
        for tp in never_committed:
            position = found.get(tp)
            # An explicit seek, not seek_to_end(): it replaces the reset to "earliest" that the
            # fetcher may already have started for the new partition.
            self._consumer.seek(tp, ends[tp] if position is None else position.offset)
        log.info(
            "new group starts reading",
            starts={
                f"{tp.topic}/{tp.partition}": (
                    ends[tp] if found.get(tp) is None else found[tp].offset
                )
                for tp in never_committed
            },
        )


async def commit_partition(consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
    """Commit one partition's offset; a refusal after a rebalance is expected and harmless."""
    try:
        await consumer.commit({tp: offset})
    except CommitFailedError:
        # The partition moved to another member; it re-reads from the last committed offset and
        # the idempotent handlers absorb the repeat.
        log.warning("commit refused after rebalance", topic=tp.topic, partition=tp.partition)


async def commit_partitions(consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    try:
        await consumer.commit(offsets)
    except CommitFailedError:
        log.warning("commit refused after rebalance", partitions=len(offsets))


class ConsumeLoop:
    def __init__(
        self,
        *,
        settings: KafkaSettings,
        group_id: str,
        topics: Sequence[str],
        handler: Handler,
        publisher: KafkaEventPublisher,
        processed: ProcessedEvents | None = None,
        retry: RetryPolicy | None = None,
        max_batch: int = 100,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        """`batch_handler`, when given, takes the new events of a whole `getmany` (every
        partition, in order within each) in one call, and the offsets of all its partitions are
        committed together; if it raises, each event goes through `handler` one by one (retries,
        then its own dead letter), so one bad event costs only its own."""
        self._settings = settings
        self.group_id = group_id
        self.topics = tuple(topics)
        self._handler = handler
        self._publisher = publisher
        self._processed = processed
        self._retry = retry or RetryPolicy()
        self._max_batch = max_batch
        self._batch_handler = batch_handler
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self.assigned = False

    async def start(self) -> None:
        self._consumer = create_group_consumer(self._settings, self.group_id, self.topics)
        await self._consumer.start()

    async def stop(self) -> None:
        self._stopping.set()
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def run(self) -> None:
        """Consume until `stop()`; start() is called if it was not."""
        if self._consumer is None:
            await self.start()
        consumer = self._consumer
        assert consumer is not None
        while not self._stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self._max_batch)
            self.assigned = bool(consumer.assignment())
            if self._batch_handler is not None and batches:
                await self._take_batch([m for messages in batches.values() for m in messages])
                await commit_partitions(
                    consumer, {tp: messages[-1].offset + 1 for tp, messages in batches.items()}
                )
                continue
            for tp, messages in batches.items():
                await self._take_batch(messages)
                await commit_partition(consumer, tp, messages[-1].offset + 1)

    async def _take_batch(self, messages: Sequence[RawRecord]) -> None:
        """Handle one partition's batch in order: one read of the processed marks for the whole
        batch, one write of the new ones after the handlers succeeded (a crash in between re-runs
        idempotent handlers, never skips one)."""
        decoded: list[tuple[RawRecord, DecodedEvent]] = []
        for message in messages:
            try:
                decoded.append((message, decode(list(message.headers or ()), message.value)))
            except ContractError as exc:
                await self._dead_letter(message, Failure(str(exc), type(exc).__name__, 0))
        seen: set[str] = set()
        if self._processed is not None and decoded:
            seen = await self._processed.seen_many([d.envelope.id for _, d in decoded])
        fresh: list[tuple[RawRecord, DecodedEvent]] = []
        for message, event in decoded:
            if event.envelope.id in seen:
                EVENTS_HANDLED.labels(message.topic, self.group_id, "skipped_duplicate").inc()
                continue
            fresh.append((message, event))
            seen.add(event.envelope.id)  # a repeat of it later in the same batch is skipped
        if not fresh:
            return
        if self._batch_handler is not None:
            handled = await self._take_together(fresh)
        else:
            handled = [e.envelope.id for m, e in fresh if await self._take(m, e)]
        if self._processed is not None and handled:
            await self._processed.record_many(handled)

    async def _take_together(self, items: list[tuple[RawRecord, DecodedEvent]]) -> list[str]:
        assert self._batch_handler is not None
        started = time.perf_counter()
        try:
            await self._batch_handler([event for _, event in items])
        except Exception as exc:  # noqa: BLE001 - each event then gets its retries and dead letter
            log.warning("batch failed; handling its events one by one", error=repr(exc))
            return [e.envelope.id for m, e in items if await self._take(m, e)]
        elapsed = (time.perf_counter() - started) / len(items)
        for message, _ in items:
            EVENTS_HANDLED.labels(message.topic, self.group_id, "handled").inc()
            HANDLE_SECONDS.labels(message.topic, self.group_id).observe(elapsed)
        return [event.envelope.id for _, event in items]

    async def _take(self, message: RawRecord, decoded: DecodedEvent) -> bool:
        """Handle one event (retries, then the dead letter); True when its handler succeeded."""
        started = time.perf_counter()
        envelope = decoded.envelope
        with bound_context(
            correlation_id=envelope.correlationid, event_id=envelope.id, event_type=envelope.type
        ):
            failure = await self._handle_with_retries(decoded, message.topic)
            if failure is not None:
                await self._dead_letter(message, failure)
                return False
            EVENTS_HANDLED.labels(message.topic, self.group_id, "handled").inc()
            HANDLE_SECONDS.labels(message.topic, self.group_id).observe(
                time.perf_counter() - started
            )
            return True

    async def _handle_with_retries(self, decoded: DecodedEvent, topic: str) -> Failure | None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._handler(decoded)
            except PermanentFailure as exc:
                return Failure(str(exc), type(exc).__name__, attempt)
            except Exception as exc:  # noqa: BLE001 - a handler bug must not stop the whole loop
                HANDLER_ATTEMPTS_FAILED.labels(topic, self.group_id).inc()
                if attempt >= self._retry.max_attempts:
                    return Failure(str(exc) or repr(exc), type(exc).__name__, attempt)
                log.warning("handler failed; retrying", attempt=attempt, error=repr(exc))
                await asyncio.sleep(self._retry.backoff(attempt))
            else:
                return None

    async def _dead_letter(self, message: RawRecord, failure: Failure) -> None:
        log.error(
            "message dead-lettered",
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            reason=failure.reason,
        )
        headers = dead_letter_headers(message, self.group_id, failure)
        try:
            await self._publisher.producer.send_and_wait(
                dlq_topic(message.topic), value=message.value, key=message.key, headers=headers
            )
        except KafkaError:
            # Without the dead letter written the offset must not move: let the loop die and
            # the supervisor restart it, so the message is read again.
            log.exception("dead-letter write failed")
            raise
        EVENTS_HANDLED.labels(message.topic, self.group_id, "dead_lettered").inc()
