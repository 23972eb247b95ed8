"""Workers die and join mid-stream: every received document still gets exactly one case, and
every task of a direction reaches task.assigned exactly once."""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness.polling import eventually
from vanthu_contracts import TaskAssigned
from vanthu_contracts.events.values import Channel
from vanthu_routing.bootstrap import build_handlers
from vanthu_routing.config import RoutingSettings
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.task import Assignee, Assignment, TaskRole
from vanthu_routing.handlers import Caller
from vanthu_routing.ports import DirectoryUser
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import create_mongo_client

from ..unit.routing_documents import received_document  # noqa: TID252
from .conftest import RoutingDeployment

DOCUMENTS = 60


def _troubles(logs: Path) -> str:
    """The workers' warnings and errors, and where each new group member started reading."""
    lines = []
    for log in sorted(logs.glob("routing-worker-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if '"warning"' in line or '"error"' in line or "new group" in line:
                lines.append(f"{log.stem}: {line[:400]}")
    return "\n".join(lines[-60:]) or "(nothing)"


async def test_killing_a_worker_and_adding_two_loses_no_case_and_assigns_no_task_twice(
    routing, servers, platform_settings, agency, publisher, published, tmp_path
):
    suffix = secrets.token_hex(4)
    env = {
        **routing.env,
        "VANTHU_MONGO_DATABASE": f"routing_rel_{suffix}",
        "VANTHU_KAFKA_NEW_GROUP_START": datetime.now(UTC).isoformat(),
        # Only this test's agency: whatever else the suite left on the topic is skipped at once.
        "VANTHU_ROUTING_SERVED_AGENCIES": agency,
    }
    deployment = RoutingDeployment(env=env, auth=routing.auth, logs=tmp_path)
    client = create_mongo_client(
        platform_settings.mongo.model_copy(update={"database": env["VANTHU_MONGO_DATABASE"]})
    )
    db = client[env["VANTHU_MONGO_DATABASE"]]
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), platform_settings.s3.bucket)
    handlers = await build_handlers(db, blobs, RoutingSettings(served_agencies=["*"]))
    admin = Caller("admin", agency, "Quản trị", frozenset({"administrator"}))
    await handlers.save_user(
        admin, DirectoryUser(agency, "director", "Giám đốc", roles=("leader",))
    )
    await handlers.save_routing_rules(
        admin, {"default": {"leader_user_id": "director", "lead_unit_id": "unit-plan"}}
    )
    try:
        first = await asyncio.to_thread(deployment.start, "worker")
        case_ids = []
        for _ in range(DOCUMENTS):
            event = received_document(
                agency_code=agency,
                channel=Channel.PAPER,
                exchange=None,
            )
            await publisher.publish(event)
            case_ids.append(case_id_for(agency, event.document_id))  # type: ignore[attr-defined]

        async def some_cases() -> bool:
            return await db.cases.count_documents({"agency_code": agency}) >= 5

        await eventually(some_cases, what="the first worker opening cases")
        first.stop(signal.SIGKILL)
        await asyncio.to_thread(deployment.start, "worker")
        await asyncio.to_thread(deployment.start, "worker")

        async def all_cases() -> bool:
            return await db.cases.count_documents({"agency_code": agency}) == DOCUMENTS

        try:
            # The bound is for a loaded machine (the whole suite's processes beside it): what is
            # asserted is that no case is lost, not how fast the group settles.
            await eventually(all_cases, timeout=180, what="a case for every document")
        except AssertionError as exc:
            opened = await db.cases.count_documents({"agency_code": agency})
            raise AssertionError(
                f"{exc}; {opened} of {DOCUMENTS} cases; the workers said:\n{_troubles(tmp_path)}"
            ) from None
        assert sorted([d["_id"] async for d in db.cases.find({"agency_code": agency})]) == sorted(
            case_ids
        )

        director = Caller("director", agency, "Giám đốc", frozenset({"leader"}))
        due = datetime.now(VIETNAM_TIME).date() + timedelta(days=30)
        for i, case_id in enumerate(case_ids):
            entry = Entry(f"d-{i}", director.actor, handlers.clock.now(), None)
            lead = Assignment(Assignee.unit("unit-plan"), TaskRole.LEAD, due)
            await handlers.change_case(
                director, case_id, lambda c, _, e=entry, a=lead: c.direct(e, [a])
            )
            if i == DOCUMENTS // 2:
                # A relay dies mid-stream; the others (and the newcomer) carry on.
                deployment.processes[1].stop(signal.SIGKILL)
                await asyncio.to_thread(deployment.start, "worker")

        async def every_task() -> list | None:
            found = await published.matching(
                lambda d: isinstance(d.event, TaskAssigned) and d.event.agency_code == agency
            )
            return found if len({f.event.task_id for f in found}) >= DOCUMENTS else None

        tasks = await eventually(every_task, timeout=120, what="a task for every case on the topic")
        await published.poll()
        tasks = [
            d
            for _, d, _ in published.seen
            if isinstance(d.event, TaskAssigned) and d.event.agency_code == agency
        ]
        counts = Counter(t.event.task_id for t in tasks)
        twice = [
            (t.envelope.id, t.event.task_id, t.envelope.time)
            for t in tasks
            if counts[t.event.task_id] > 1
        ]
        assert not twice, sorted(twice, key=lambda x: x[1])
        assert len(counts) == DOCUMENTS
        assert max(counts.values()) == 1
    finally:
        for process in deployment.processes:
            process.stop()
        await client.drop_database(env["VANTHU_MONGO_DATABASE"])
        await client.close()
