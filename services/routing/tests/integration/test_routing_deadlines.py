"""Deadlines on the working-day calendar: a reminder before the due date, escalation to the unit
head and then to the leader once overdue, Tết not counted; each notice published once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from harness.polling import eventually
from vanthu_contracts.events.routing import TaskEscalated, TaskReminded
from vanthu_contracts.events.values import Channel
from vanthu_routing.bootstrap import OUTBOX_COLLECTIONS, build_handlers
from vanthu_routing.config import RoutingSettings
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller, RoutingHandlers
from vanthu_routing.ports import DirectoryUnit, DirectoryUser
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.outbox import OutboxRelay

from ..unit.routing_documents import received_document  # noqa: TID252


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


def vn(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VIETNAM_TIME)


@pytest.fixture
async def handlers(mongo_db, platform_settings) -> RoutingHandlers:
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), platform_settings.s3.bucket)
    built = await build_handlers(mongo_db, blobs, RoutingSettings(served_agencies=["*"]))
    built.clock = FixedClock(vn(date(2027, 1, 25)))
    return built


async def directed_case(handlers: RoutingHandlers, agency: str, due: date) -> tuple[str, str]:
    admin = Caller("admin", agency, "Quản trị", frozenset({"administrator"}))
    await handlers.save_unit(admin, DirectoryUnit(agency, "unit-plan", "Phòng Kế hoạch"))
    for user_id, roles, unit in (
        ("director", ("leader",), None),
        ("plan-head", ("unit_head",), "unit-plan"),
    ):
        await handlers.save_user(
            admin, DirectoryUser(agency, user_id, user_id, None, unit, None, roles)
        )
    await handlers.save_routing_rules(
        admin, {"default": {"leader_user_id": "director", "lead_unit_id": "unit-plan"}}
    )
    event = received_document(
        agency_code=agency,
        channel=Channel.PAPER,
        exchange=None,
        received_at=vn(date(2027, 1, 25), 8),
    )
    await handlers.open_case(event, event_id="e1", correlation_id="c1")  # type: ignore[arg-type]
    case_id = case_id_for(agency, event.document_id)  # type: ignore[attr-defined]
    director = Caller("director", agency, "Giám đốc", frozenset({"leader"}))
    entry = Entry("d-deadline", director.actor, handlers.clock.now(), "Giao Phòng Kế hoạch")
    lead = Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, due)
    stored = await handlers.change_case(director, case_id, lambda c, _: c.direct(entry, [lead]))
    return case_id, stored.case.tasks[0].task_id


async def test_a_task_is_reminded_then_escalated_to_the_unit_head_and_leader_skipping_tet(
    handlers, agency, publisher, published, mongo_db
):
    _, task_id = await directed_case(handlers, agency, due=date(2027, 2, 4))

    reminded = await handlers.send_deadline_notices(vn(date(2027, 2, 3)))
    reminded_again = await handlers.send_deadline_notices(vn(date(2027, 2, 3), 15))
    during_tet = await handlers.send_deadline_notices(vn(date(2027, 2, 11)))
    first_working_day_after = await handlers.send_deadline_notices(vn(date(2027, 2, 12)))
    two_days_later = await handlers.send_deadline_notices(vn(date(2027, 2, 15)))
    three_days_later = await handlers.send_deadline_notices(vn(date(2027, 2, 16)))
    relay = OutboxRelay(mongo_db, OUTBOX_COLLECTIONS, publisher)
    try:
        await relay.publish_pending()
    finally:
        await relay.close()

    assert (reminded, reminded_again, during_tet) == (1, 0, 0)
    assert (first_working_day_after, two_days_later, three_days_later) == (1, 0, 1)

    async def notices() -> list[Any] | None:
        found = await published.matching(
            lambda d: (
                isinstance(d.event, TaskReminded | TaskEscalated) and d.event.task_id == task_id
            )
        )
        return found if len(found) >= 3 else None

    reminder, to_head, to_leader = await eventually(notices, what="three deadline notices")
    assert isinstance(reminder.event, TaskReminded)
    assert reminder.event.working_days_left == 1
    assert (to_head.event.level, to_head.event.notify_user_id) == (1, "plan-head")
    assert (to_leader.event.level, to_leader.event.notify_user_id) == (2, "director")
    assert to_leader.event.overdue_working_days == 3
