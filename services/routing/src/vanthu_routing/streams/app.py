"""The indicators' Faust app: `python -m vanthu_routing indicators` (issue 15, ADR 0051).

One agent reads task.assigned, task.deadline, decision.recorded and document.received (all keyed
by document id, so a document's events share a partition number on every topic) and folds them
into the table ``facts`` (``indicators.apply``), changelogged to
``<group prefix>-indicators-facts-changelog``. A timer publishes, for each partition this worker
holds whose facts changed (or every partition once a day, as "overdue" moves with the date), the
figures of each agency in it to the compacted topic ``<group prefix>-indicators-kpi``, keyed
``<agency>|<partition>``; the API keeps a copy of that topic and adds the partitions up.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections import defaultdict
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
from aiokafka import TopicPartition
from vanthu_contracts import ContractError, decode
from vanthu_contracts.events.exchange import STATUS_TOPIC
from vanthu_contracts.events.intake import DOCUMENT_RECEIVED_TOPIC
from vanthu_contracts.events.routing import (
    DECISION_RECORDED_TOPIC,
    TASK_ASSIGNED_TOPIC,
    TASK_DEADLINE_TOPIC,
)
from vanthu_runtime.kafka_clients import create_consumer, sasl_login
from vanthu_runtime.kafka_topics import ensure_topics
from vanthu_runtime.settings import KafkaSettings, MongoSettings

from vanthu_routing.config import RoutingSettings
from vanthu_routing.domain.calendar import WorkingCalendar, local_date
from vanthu_routing.streams.indicators import apply, summarise

log = logging.getLogger(__name__)

SOURCE_TOPICS = (
    TASK_ASSIGNED_TOPIC,
    TASK_DEADLINE_TOPIC,
    DECISION_RECORDED_TOPIC,
    DOCUMENT_RECEIVED_TOPIC,
    STATUS_TOPIC,
)
INDICATORS_PORT = 8202


def app_id(settings: RoutingSettings, database: str) -> str:
    """The Faust app id: its consumer group and the prefix of its changelog (ADR 0028)."""
    return f"{settings.group_prefix_for(database)}-indicators"


def kpi_topic_name(settings: RoutingSettings, database: str) -> str:
    return f"{app_id(settings, database)}-kpi"


@dataclass
class Publishing:
    """Which figures are to be published again: those of an agency in a partition whose facts
    changed, and all of a partition once it is (re)assigned and its changelog read back."""

    index: dict[tuple[int, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    """The keys of the facts of each (partition, agency); rebuilt from the table after recovery."""
    dirty: set[tuple[int, str]] = field(default_factory=set)
    indexed: bool = False
    day: str | None = None
    snapshots: int = 0
    declared: bool = False

    def note(self, key: str, fact: dict[str, Any]) -> None:
        self.index[(fact["p"], fact["agency"])].add(key)
        self.dirty.add((fact["p"], fact["agency"]))


class Noted(MutableMapping[str, Any]):
    """The table, with every fact set noted for the next publication."""

    def __init__(self, table: Any, state: Publishing) -> None:
        self._table, self._state = table, state

    def __getitem__(self, key: str) -> Any:
        return self._table[key]

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        value = self._table.get(key)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return self._table.get(key) is not None

    def __setitem__(self, key: str, value: Any) -> None:
        self._table[key] = value
        self._state.note(key, value)

    def __delitem__(self, key: str) -> None:
        del self._table[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)


def create_app(
    *,
    kafka: KafkaSettings,
    database: str,
    settings: RoutingSettings,
    calendar: WorkingCalendar,
    web_port: int,
    web_host: str = "127.0.0.1",
) -> faust.App:
    name = app_id(settings, database)
    app = faust.App(
        name,
        broker=f"kafka://{kafka.bootstrap_servers}",
        broker_credentials=faust_credentials(kafka),
        store="memory://",
        topic_partitions=kafka.partitions,
        topic_replication_factor=kafka.replication_factor,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        web_port=web_port,
        web_host=web_host,
        web_in_thread=False,
        datadir=str(Path(tempfile.gettempdir()) / f"{name}-data"),
        producer_acks=-1,
        key_serializer="json",
        value_serializer="json",
    )
    source = app.topic(
        *SOURCE_TOPICS,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=kafka.partitions,
        allow_empty=True,
    )
    facts = app.Table(
        "facts",
        default=None,
        partitions=kafka.partitions,
    )
    kpi = app.topic(
        kpi_topic_name(settings, database),
        key_type=bytes,
        key_serializer="raw",
        value_serializer="json",
        partitions=1,
        compacting=True,
        internal=True,
    )
    state = Publishing()
    noted = Noted(facts, state)
    app.indicators_state = state  # type: ignore[attr-defined]

    @app.agent(source)
    async def fold(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            headers = message.headers
            pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or ())
            try:
                decoded = decode(pairs, message.value)
            except ContractError as error:
                # Not ours to refuse: the owners' consumers dead-letter it; the figures skip it.
                log.warning(
                    "indicators skip a record they cannot read",
                    extra={"topic": message.topic, "offset": message.offset, "error": str(error)},
                )
                continue
            apply(noted, decoded.event, message.partition)

    @app.on_rebalance_complete.connect
    async def _recovered(sender: Any, **kwargs: Any) -> None:
        # The changelogs of the partitions now held are read back (``app.rebalancing`` is true
        # until then): index their facts again and publish all their figures.
        state.indexed = False

    @app.timer(settings.indicators_publish_interval_s)
    async def publish() -> None:
        if app.rebalancing or app.tables.recovery.in_recovery:
            return
        held = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic in SOURCE_TOPICS}
        today = local_date(datetime.now(UTC))
        if not state.indexed:
            state.index.clear()
            for key, fact in facts.items():
                if fact is not None and fact["p"] in held:
                    state.note(key, fact)
            state.indexed = True
        if state.day != today.isoformat():
            # "Overdue" and "due within 3 working days" move with the date.
            state.day = today.isoformat()
            state.dirty |= set(state.index)
        todo = {(p, agency) for p, agency in state.dirty if p in held}
        state.dirty -= todo
        if not todo:
            return
        if not state.declared:
            await kpi.maybe_declare()
            state.declared = True
        for partition, agency in sorted(todo):
            keys = state.index[(partition, agency)]
            found = [fact for key in keys if (fact := facts.get(key)) is not None]
            slow = settings.indicators_slow_acceptance_working_days
            for code, figures in summarise(found, today, calendar, slow).items():
                await kpi.send(
                    key=f"{code}|{partition}".encode(),
                    value={"agency": code, "partition": partition, **figures},
                )
        state.snapshots += 1

    @app.page("/health/ready")
    async def ready(web: Any, request: Any) -> Any:
        ok = (
            not app.rebalancing and not app.tables.recovery.in_recovery and app.consumer is not None
        )
        return web.json(
            {"status": "ready" if ok else "starting", "snapshots": state.snapshots},
            status=200 if ok else 503,
        )

    @app.page("/health/live")
    async def live(web: Any, request: Any) -> Any:
        return web.json({"status": "live"})

    return app


def faust_credentials(kafka: KafkaSettings) -> faust.SASLCredentials | None:
    """The broker's login (the routing user's under `make run`) in Faust's terms."""
    login = sasl_login(kafka)
    if login is None:
        return None
    return faust.SASLCredentials(
        username=login.username, password=login.password, mechanism=login.mechanism
    )


async def start_new_group_at(kafka: KafkaSettings, group: str, topics: Sequence[str]) -> None:
    """A group that has never committed starts at ``kafka.new_group_start`` when it is set (as the
    runtime's consume loops do), by committing those offsets before Faust joins; else Faust reads
    from the beginning (``consumer_auto_offset_reset``)."""
    if kafka.new_group_start is None:
        return
    consumer = create_consumer(
        kafka,
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        # ensure_topics made them with ``kafka.partitions`` each.
        tps = [TopicPartition(topic, p) for topic in topics for p in range(kafka.partitions)]
        consumer.assign(tps)
        if any([await consumer.committed(tp) is not None for tp in tps]):
            return
        at = int(kafka.new_group_start.timestamp() * 1000)
        found = await consumer.offsets_for_times(dict.fromkeys(tps, at))
        ends = await consumer.end_offsets(tps)
        offsets = {tp: (hit.offset if hit else ends[tp]) for tp, hit in found.items()}
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


def run(port: int | None = None) -> None:
    """Start the indicators worker (blocks until stopped)."""
    from vanthu_routing.bootstrap import calendar_of

    kafka, mongo, settings = KafkaSettings(), MongoSettings(), RoutingSettings()
    asyncio.run(ensure_topics(kafka))
    asyncio.run(start_new_group_at(kafka, app_id(settings, mongo.database), SOURCE_TOPICS))
    app = create_app(
        kafka=kafka,
        database=mongo.database,
        settings=settings,
        calendar=calendar_of(settings),
        web_port=port or INDICATORS_PORT,
    )
    worker = faust.Worker(app, loglevel="INFO", quiet=True)
    worker.execute_from_commandline()
