"""A service's own copy of the organisation directory, kept from the compacted `directory.changed`.

Routing owns the directory (units, users and their roles, leader-secretary delegations) and
publishes every change keyed by its entry (`user:<agency>:<id>`), so compaction keeps the latest
record of each entry. Another service that needs to know who someone is keeps a copy in its own
collection under the same key: a look-up is one `_id` read, and the service keeps answering when
routing is down.

A change older than the one already copied is ignored (records of one entry share a partition, so
they arrive in order; the check covers a group that re-reads the topic from the start).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import DecodedEvent
from vanthu_contracts.events.routing import (
    DIRECTORY_CHANGED_TOPIC,
    DelegationChanged,
    UnitChanged,
    UserChanged,
)

from vanthu_runtime.kafka_consumer import ConsumeLoop
from vanthu_runtime.kafka_producer import KafkaEventPublisher
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.settings import KafkaSettings

DirectoryChange: TypeAlias = UnitChanged | UserChanged | DelegationChanged


@dataclass(frozen=True)
class DirectoryUser:
    agency_code: str
    user_id: str
    full_name: str
    unit_id: str | None
    position: str | None
    roles: frozenset[str]
    active: bool

    def holds(self, role: str) -> bool:
        return self.active and role in self.roles


@dataclass(frozen=True)
class DirectoryUnit:
    agency_code: str
    unit_id: str
    name: str
    parent_unit_id: str | None
    active: bool


def _aware(value: datetime) -> datetime:
    # pymongo hands BSON dates back naive unless the client asks otherwise; they are UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class DirectoryCopy:
    def __init__(self, db: AsyncDatabase[MongoDocument], collection: str) -> None:
        self._entries: AsyncCollection[MongoDocument] = db[collection]

    async def apply(self, change: DirectoryChange) -> bool:
        """Copy one change; False when the copy already holds this entry as of a later change."""
        key = change.subject()
        held = await self._entries.find_one({"_id": key}, projection={"changed_at": 1})
        if held is not None and _aware(held["changed_at"]) > change.changed_at:
            return False
        entry: MongoDocument = {
            **change.model_dump(mode="json", exclude={"changed_at"}),
            "kind": key.split(":", 1)[0],
            "changed_at": change.changed_at,
        }
        await self._entries.replace_one({"_id": key}, entry, upsert=True)
        if held is not None:
            return True
        # The first entry of an agency marks that its directory is administered here, so that a
        # service can tell "no such person" from "this agency keeps no directory in vanthu".
        with contextlib.suppress(DuplicateKeyError):
            await self._entries.insert_one(
                {
                    "_id": f"agency:{change.agency_code}",
                    "kind": "agency",
                    "since": change.changed_at,
                }
            )
        return True

    async def handle(self, decoded: DecodedEvent) -> None:
        """The consume loop's handler: every event on `directory.changed` is a directory change."""
        event = decoded.event
        if isinstance(event, UnitChanged | UserChanged | DelegationChanged):
            await self.apply(event)

    async def refusal(self, agency_code: str, user_id: str, roles: Iterable[str]) -> str | None:
        """Why the directory refuses this caller one of `roles`, or None when it agrees. An agency
        that keeps no directory in vanthu has only its tokens to go by: None."""
        wanted = sorted(set(roles))
        if not await self.knows_agency(agency_code):
            return None
        user = await self.user(agency_code, user_id)
        if user is None:
            return f"{user_id} is not in the directory of {agency_code}"
        if not user.active:
            return f"{user_id} is no longer active in the directory of {agency_code}"
        if not any(user.holds(role) for role in wanted):
            held = ", ".join(sorted(user.roles)) or "none"
            return (
                f"the directory of {agency_code} does not list {user_id} as "
                f"{' or '.join(wanted)} (it lists: {held})"
            )
        return None

    async def knows_agency(self, agency_code: str) -> bool:
        found = await self._entries.find_one({"_id": f"agency:{agency_code}"}, {"_id": 1})
        return found is not None

    async def user(self, agency_code: str, user_id: str) -> DirectoryUser | None:
        found = await self._entries.find_one({"_id": f"user:{agency_code}:{user_id}"})
        return None if found is None else _user(found)

    async def unit(self, agency_code: str, unit_id: str) -> DirectoryUnit | None:
        found = await self._entries.find_one({"_id": f"unit:{agency_code}:{unit_id}"})
        if found is None:
            return None
        return DirectoryUnit(
            agency_code=found["agency_code"],
            unit_id=found["unit_id"],
            name=found["name"],
            parent_unit_id=found.get("parent_unit_id"),
            active=bool(found.get("active", True)),
        )


def _user(found: dict[str, Any]) -> DirectoryUser:
    return DirectoryUser(
        agency_code=found["agency_code"],
        user_id=found["user_id"],
        full_name=found["full_name"],
        unit_id=found.get("unit_id"),
        position=found.get("position"),
        roles=frozenset(found.get("roles") or ()),
        active=bool(found.get("active", True)),
    )


def directory_copy_loop(
    copy: DirectoryCopy,
    *,
    settings: KafkaSettings,
    group_id: str,
    publisher: KafkaEventPublisher,
    topic: str = DIRECTORY_CHANGED_TOPIC,
) -> ConsumeLoop:
    """A consume loop that keeps `copy` up to date. Its group must read the topic from the start
    (the default for a new group), since the compacted topic holds the whole directory."""
    return ConsumeLoop(
        settings=settings.model_copy(update={"new_group_start": None}),
        group_id=group_id,
        topics=[topic],
        handler=copy.handle,
        publisher=publisher,
    )
