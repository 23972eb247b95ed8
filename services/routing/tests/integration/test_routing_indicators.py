"""The indicators' Faust worker on the real broker (issue 15, ADR 0051): a burst of events across
two agencies, and every figure the API's copy shows equals a recount of what the burst decided,
also after the worker is killed mid-burst and two workers take over."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from harness.processes import ServiceProcess, free_port
from harness.servers import Servers
from vanthu_contracts import encode
from vanthu_routing.config import RoutingSettings
from vanthu_routing.domain.calendar import WorkingCalendar
from vanthu_routing.streams.app import app_id, kpi_topic_name
from vanthu_routing.streams.copy import IndicatorsCopy
from vanthu_routing.streams.indicators import apply, combine, summarise
from vanthu_runtime.kafka_clients import create_admin, create_producer
from vanthu_runtime.platform import PlatformSettings
from vanthu_runtime.settings import KafkaSettings

from .indicators_burst import Burst, comparable, local_today, make_burst, recount

CALENDAR = WorkingCalendar()


def _agencies() -> list[str]:
    return [f"{secrets.randbelow(1000):03d}.{secrets.randbelow(100):02d}.00.H{n}" for n in (11, 12)]


class Indicators:
    """The indicators worker processes of one deployment (a database of its own), and its copy."""

    def __init__(self, servers: Servers, logs: Path) -> None:
        self.database = f"ind_{secrets.token_hex(4)}"
        self.env = {
            **servers.env(),
            "VANTHU_MONGO_DATABASE": self.database,
            "VANTHU_LOG_JSON": "true",
            "VANTHU_ROUTING_INDICATORS_PUBLISH_INTERVAL_S": "0.5",
            # A new group: it starts now, not at everything the suite published before.
            "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        }
        self.logs = logs
        self.processes: list[ServiceProcess] = []
        settings = RoutingSettings(consumer_group_prefix="")
        self.app_id = app_id(settings, self.database)
        self.kpi_topic = kpi_topic_name(settings, self.database)

    def start(self, wait: bool = True) -> ServiceProcess:
        process = ServiceProcess(
            "routing",
            "indicators",
            free_port(),
            self.env,
            self.logs / f"indicators-{len(self.processes)}.log",
        ).start()
        self.processes.append(process)
        if wait:
            process.wait_ready(timeout=120)
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


@pytest.fixture
def indicators(
    servers: Servers, topics_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Indicators]:
    deployment = Indicators(servers, tmp_path_factory.mktemp("indicators-logs"))
    try:
        yield deployment
    finally:
        deployment.stop()
        asyncio.run(_delete_topics(servers.kafka_bootstrap, deployment.app_id))


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    admin = create_admin(KafkaSettings(bootstrap_servers=bootstrap))
    await admin.start()
    try:
        ours = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()


@pytest.fixture
async def copy_of(
    indicators: Indicators, platform_settings: PlatformSettings
) -> AsyncIterator[IndicatorsCopy]:
    copy = IndicatorsCopy(platform_settings.kafka, indicators.kpi_topic)
    await copy.start()
    try:
        yield copy
    finally:
        await copy.stop()


async def _publish(
    kafka: KafkaSettings, burst: Burst, start: int = 0, stop: int | None = None
) -> None:
    producer = create_producer(kafka, acks="all")
    await producer.start()
    try:
        # One producer, in order: a document's events keep their order on its partition.
        sent = [
            await producer.send(
                record.topic, record.value, key=record.key, headers=list(record.headers)
            )
            for record in (encode(e, source="/vanthu/tests") for e in burst.events[start:stop])
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _until_equal(
    copy: IndicatorsCopy, burst: Burst, agencies: list[str], within_s: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    found: dict[str, Any] = {}
    expected = {agency: recount(burst, agency, CALENDAR) for agency in agencies}
    while time.monotonic() < deadline:
        found = {
            agency: comparable(figures) if (figures := copy.figures(agency)) else None
            for agency in agencies
        }
        if found == expected:
            return found
        await asyncio.sleep(0.5)
    for agency in agencies:
        for part, value in expected[agency].items():
            got = (found.get(agency) or {}).get(part)
            assert got == value, f"{agency} {part}: the tables say {got}, the recount {value}"
    raise AssertionError("unreachable")


def _fold(events: list[Any]) -> list[dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = {}
    for event in events:
        apply(facts, event, hash(event.subject()) % 6)
    return [
        {"agency": agency, **figures}
        for p in range(6)
        for agency, figures in summarise(
            [f for f in facts.values() if f["p"] == p], local_today(), CALENDAR
        ).items()
    ]


AGENCIES = ["000.00.00.H41", "000.00.00.G22"]


def test_the_figures_are_a_function_of_the_facts_however_often_an_event_is_read() -> None:
    """The fold keeps facts, not counters: reading the second half of a burst again (a worker
    killed before it committed) changes no figure."""
    burst = make_burst(AGENCIES, 60, local_today())
    parts = _fold(burst.events + burst.events[len(burst.events) // 2 :])
    for agency in AGENCIES:
        figures = comparable(combine(p for p in parts if p["agency"] == agency))
        assert figures == recount(burst, agency, CALENDAR)


def test_the_figures_do_not_depend_on_which_topic_is_read_first() -> None:
    """A worker reads its topics side by side: a redirection or a voided registration may come
    before the tasks it withdraws, an escalation before its task."""
    burst = make_burst(AGENCIES, 60, local_today())
    order = ["decision.recorded", "task.deadline", "document.received", "task.assigned"]
    parts = _fold(sorted(burst.events, key=lambda event: order.index(event.topic)))
    for agency in AGENCIES:
        figures = comparable(combine(p for p in parts if p["agency"] == agency))
        assert figures == recount(burst, agency, CALENDAR)


class Changelog(dict[str, dict[str, Any]]):
    """A table that writes down every value it is set to, in order, as Faust's changelog does."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[int, str, dict[str, Any]]] = []
        self.event = 0

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        super().__setitem__(key, value)
        self.writes.append((self.event, key, value))


def _figures_after_a_kill(events: list[Any], cut: int, writes: list[Any]) -> list[Any]:
    """The figures when only the first ``cut`` changelog writes reached the broker and the new
    owner reads again from the event those writes were cut in (its offset was not committed)."""
    facts: dict[str, dict[str, Any]] = {}
    for _, key, value in writes[:cut]:
        facts[key] = value
    replayed = writes[cut][0] if cut < len(writes) else len(events)
    for event in events[replayed:]:
        apply(facts, event, hash(event.subject()) % 6)
    return [
        {"agency": agency, **figures}
        for p in range(6)
        for agency, figures in summarise(
            [f for f in facts.values() if f["p"] == p], local_today(), CALENDAR
        ).items()
    ]


def test_a_worker_killed_between_two_writes_of_one_event_leaves_no_task_open() -> None:
    """kill -9 lands between the changelog writes one event makes (a completion closes the lead
    task, then withdraws the others; a voided registration marks the document, then withdraws its
    tasks; an assignment writes the task, then the document's list of tasks): the new owner reads
    the first write back and the event again, and must still make the writes that were lost."""
    burst = make_burst(AGENCIES, 30, local_today(), seed=3)
    table = Changelog()
    for number, event in enumerate(burst.events):
        table.event = number
        apply(table, event, hash(event.subject()) % 6)
    expected = {agency: recount(burst, agency, CALENDAR) for agency in AGENCIES}
    wrong = []
    for cut in range(len(table.writes) + 1):
        parts = _figures_after_a_kill(burst.events, cut, table.writes)
        for agency in AGENCIES:
            if comparable(combine(p for p in parts if p["agency"] == agency)) != expected[agency]:
                wrong.append(cut)
    assert wrong == [], f"{len(wrong)} of {len(table.writes) + 1} cut points count wrong"


async def test_after_a_burst_every_table_equals_the_recount(
    indicators: Indicators, copy_of: IndicatorsCopy, platform_settings: PlatformSettings
) -> None:
    agencies = _agencies()
    burst = make_burst(agencies, 50, local_today(), seed=secrets.randbelow(10**6))
    indicators.start()
    await _publish(platform_settings.kafka, burst)
    found = await _until_equal(copy_of, burst, agencies)
    # Both agencies had work in every state the burst makes: the comparison was not of empties.
    for agency in agencies:
        assert found[agency]["overdue"]
        assert found[agency]["months"]
        assert found[agency]["received"]
        rows = found[agency]["now"]["units"].values()
        assert sum(row["due_soon"] for row in rows) > 0


async def test_a_worker_killed_mid_burst_counts_nothing_twice_once_two_take_over(
    indicators: Indicators, copy_of: IndicatorsCopy, platform_settings: PlatformSettings
) -> None:
    agencies = _agencies()
    burst = make_burst(agencies, 80, local_today(), seed=secrets.randbelow(10**6))
    first = indicators.start()
    half = len(burst.events) // 2
    sending = asyncio.create_task(_publish(platform_settings.kafka, burst, 0, half))
    # Killed once it has published figures of the first records, while the burst goes on.
    for _ in range(300):
        if any(copy_of.figures(a) for a in agencies):
            break
        await asyncio.sleep(0.2)
    first.stop(signal.SIGKILL)
    await sending
    await _publish(platform_settings.kafka, burst, half)
    await asyncio.gather(asyncio.to_thread(indicators.start), asyncio.to_thread(indicators.start))
    await _until_equal(copy_of, burst, agencies, within_s=180)
