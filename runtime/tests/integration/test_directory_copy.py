"""A service keeps its own copy of routing's directory from the compacted topic, and trusts it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import uuid
from datetime import timedelta

from harness.polling import eventually
from harness.samples import sample_event
from vanthu_contracts import encode
from vanthu_contracts.events.routing import DirectoryRole
from vanthu_runtime.directory_copy import DirectoryCopy, directory_copy_loop
from vanthu_runtime.worker import supervise

CLERK, LEADER = DirectoryRole.CLERK, DirectoryRole.LEADER


def _agency() -> str:
    return f"{random.randint(0, 999):03d}.{random.randint(0, 99):02d}.{random.randint(0, 99):02d}.H{random.randint(10, 99)}"


async def test_a_service_learns_who_holds_which_role_and_ignores_a_change_that_arrives_late(
    publisher, mongo_db, platform_settings, scratch_topic
) -> None:
    agency = _agency()
    joined = sample_event(
        "vanthu.routing.user.changed.v1", agency_code=agency, user_id="u-1", roles=(CLERK,)
    )
    made_leader = joined.model_copy(
        update={"roles": (CLERK, LEADER), "changed_at": joined.changed_at + timedelta(hours=1)}
    )
    copy = DirectoryCopy(mongo_db, "test_directory")
    group = f"test-directory-{uuid.uuid4().hex[:8]}"
    stopping = asyncio.Event()
    # Supervised as the worker runs it: a loop that dies (the broker busy) is started again.
    running = asyncio.create_task(
        supervise(
            lambda: directory_copy_loop(
                copy,
                settings=platform_settings.kafka,
                group_id=group,
                publisher=publisher,
                # A topic of its own: the shared directory.changed holds every test's entries.
                topic=scratch_topic,
            ),
            stopping,
        )
    )
    try:
        for change in (joined, made_leader):
            record = encode(change, source="/vanthu/routing")
            await publisher.publish_record(dataclasses.replace(record, topic=scratch_topic))
        leader = await eventually(
            lambda: _user_holding(copy, agency, "u-1", "leader"),
            timeout=30,
            what="the user's new role in the copy",
        )
        assert leader.full_name == joined.full_name

        # The first change again (a re-read of the topic): older than what is copied, so ignored.
        assert await copy.apply(joined) is False
        assert (await copy.user(agency, "u-1")).roles == {"clerk", "leader"}

        assert await copy.knows_agency(agency)
        assert await copy.user(agency, "u-unknown") is None
        assert not await copy.knows_agency(_agency())
    finally:
        stopping.set()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def _user_holding(copy: DirectoryCopy, agency: str, user_id: str, role: str):
    user = await copy.user(agency, user_id)
    return user if user is not None and user.holds(role) else None


async def test_a_removed_user_holds_no_role_any_more(mongo_db) -> None:
    agency = _agency()
    copy = DirectoryCopy(mongo_db, "test_directory")
    active = sample_event(
        "vanthu.routing.user.changed.v1", agency_code=agency, user_id="u-2", roles=(LEADER,)
    )
    removed = active.model_copy(
        update={"active": False, "changed_at": active.changed_at + timedelta(minutes=5)}
    )

    assert await copy.apply(active)
    assert await copy.apply(removed)

    user = await copy.user(agency, "u-2")
    assert user is not None
    assert not user.holds("leader")
