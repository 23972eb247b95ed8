"""The one place that wires the routing service: API routers, the worker's consume loop, the
outbox relay and the deadline timer. Tests call `build_handlers` with their own database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

import structlog
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts.events.exchange import STATUS_TOPIC
from vanthu_contracts.events.intake import DOCUMENT_RECEIVED_TOPIC
from vanthu_contracts.events.routing import (
    DECISION_RECORDED_TOPIC,
    TASK_ASSIGNED_TOPIC,
    TASK_DEADLINE_TOPIC,
)
from vanthu_runtime.api import create_app
from vanthu_runtime.idempotency import ProcessedEvents
from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.minio_blob_store import MinioBlobStore
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxRelay
from vanthu_runtime.platform import Platform

from vanthu_routing.adapters.minio_evidence_store import MinioEvidenceStore
from vanthu_routing.adapters.mongo_case_repository import CASES, MongoCaseRepository
from vanthu_routing.adapters.mongo_directory import DELEGATIONS, UNITS, USERS, MongoDirectory
from vanthu_routing.api import calendar, cases, directory, drafts, on_behalf, reports, urgings
from vanthu_routing.config import SERVICE, RoutingSettings
from vanthu_routing.consumers.document_received import (
    open_cases,
    open_cases_in_batches,
)
from vanthu_routing.domain.calendar import WorkingCalendar
from vanthu_routing.domain.deadlines import DeadlinePolicy
from vanthu_routing.handlers import RoutingHandlers
from vanthu_routing.streams.app import kpi_topic_name
from vanthu_routing.streams.copy import IndicatorsCopy

log = structlog.get_logger(__name__)

OUTBOX_COLLECTIONS = (CASES, USERS, UNITS, DELEGATIONS)


def calendar_of(settings: RoutingSettings) -> WorkingCalendar:
    return WorkingCalendar.configured(
        extra_days_off=settings.extra_days_off,
        make_up_working_days=settings.make_up_working_days,
        decided_years=settings.decided_years,
    )


async def build_handlers(
    db: AsyncDatabase[MongoDocument],
    blobs: MinioBlobStore,
    settings: RoutingSettings | None = None,
    notify: Callable[[], None] | None = None,
) -> RoutingHandlers:
    """`notify` wakes a relay in the same process when a write queued events."""
    settings = settings or RoutingSettings()
    repository = MongoCaseRepository(db, notify)
    people = MongoDirectory(db, notify)
    await repository.ensure_indexes()
    await people.ensure_indexes()
    return RoutingHandlers(
        cases=repository,
        directory=people,
        evidence=MinioEvidenceStore(blobs),
        calendar=calendar_of(settings),
        policy=DeadlinePolicy(
            remind_working_days_before=tuple(settings.remind_working_days_before),
            leader_escalation_after_working_days=settings.leader_escalation_after_working_days,
        ),
        serves=settings.serves,
    )


async def _wire_api(app: FastAPI, platform: Platform) -> None:
    app.state.handlers = await build_handlers(platform.db, platform.blobs)
    # The indicators' figures, as the indicators worker last published them (ADR 0051).
    topic = kpi_topic_name(RoutingSettings(), platform.settings.mongo.database)
    app.state.indicators = IndicatorsCopy(platform.settings.kafka, topic)
    await app.state.indicators.start()


ROUTERS = (
    cases.router,
    urgings.router,
    drafts.router,
    directory.router,
    reports.router,
    calendar.router,
)
FORM_FIELDS_ROOM = 1024 * 1024
MAX_BODY_BYTES = max(drafts.MAX_DRAFT_BYTES, on_behalf.MAX_SLIP_BYTES) + FORM_FIELDS_ROOM
"""The largest request routing reads: its largest upload (a draft) and room for the form fields
beside it, counted as the body arrives, chunked or not (issue 16: nothing past it is read)."""


LIVE_TOPICS = (
    DOCUMENT_RECEIVED_TOPIC,
    TASK_ASSIGNED_TOPIC,
    DECISION_RECORDED_TOPIC,
    TASK_DEADLINE_TOPIC,
    STATUS_TOPIC,
)
"""What the web app's pages reload on (`GET /live`, runtime.live): a new document, a task, a
decision, a deadline, a status coming back from a recipient."""


def create_api() -> FastAPI:
    return create_app(
        service=SERVICE,
        routers=ROUTERS,
        on_startup=_wire_api,
        max_body_bytes=MAX_BODY_BYTES,
        live_topics=LIVE_TOPICS,
    )


class RoutingWorker:
    """The worker's parts, built once per process: the relay, the handlers (shared by the consume
    loop and the deadline timer) and the loop. `build_loops` runs before `extra_tasks`."""

    def __init__(self, settings: RoutingSettings | None = None) -> None:
        self.settings = settings or RoutingSettings()
        self._relay: OutboxRelay | None = None
        self._handlers: RoutingHandlers | None = None

    async def build_loops(self, platform: Platform) -> Sequence[Callable[[], ConsumeLoop]]:
        relay = OutboxRelay(platform.db, OUTBOX_COLLECTIONS, platform.publisher)
        handlers = await build_handlers(platform.db, platform.blobs, self.settings, relay.notify)
        self._relay, self._handlers = relay, handlers
        group = self.settings.cases_group_for(platform.settings.mongo.database)
        processed = ProcessedEvents(platform.db, group)

        def make() -> ConsumeLoop:
            return ConsumeLoop(
                settings=platform.settings.kafka,
                group_id=group,
                topics=[DOCUMENT_RECEIVED_TOPIC],
                handler=open_cases(handlers),
                batch_handler=open_cases_in_batches(handlers),
                publisher=platform.publisher,
                processed=processed,
            )

        return (make,)

    def extra_tasks(self, platform: Platform, stopping: asyncio.Event) -> Sequence[Awaitable[None]]:
        if self._relay is None or self._handlers is None:
            raise RuntimeError("build_loops runs first")
        interval = self.settings.deadline_scan_interval_s
        return (
            self._relay.run(stopping),
            run_deadline_timer(self._handlers, interval, stopping),
        )


async def run_deadline_timer(
    handlers: RoutingHandlers, interval_s: float, stopping: asyncio.Event
) -> None:
    """Scan open tasks for reminders and escalations every `interval_s` seconds."""
    while not stopping.is_set():
        try:
            sent = await handlers.send_deadline_notices()
        except Exception:  # a failed scan is retried on the next tick
            log.exception("deadline scan failed")
        else:
            if sent:
                log.info("deadline notices sent", count=sent)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval_s)
