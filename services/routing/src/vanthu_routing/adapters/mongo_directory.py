"""The organisation directory in Mongo-wire: one document per unit, user, delegation.

Each change and its `directory.changed` event are one document write (the outbox).
Routing rules are one document per agency, kept as data an administrator edits.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import outbox_entry, release_lease, take_lease

from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.routing_rules import Route, RoutingRule, RoutingRules
from vanthu_routing.ports import DirectoryUnit, DirectoryUser

USERS = "directory_users"
UNITS = "directory_units"
DELEGATIONS = "directory_delegations"
RULES = "routing_rules"
WRITE_LEASE = timedelta(seconds=10)


def _key(agency_code: str, item_id: str) -> str:
    return f"{agency_code}|{item_id}"


def _fields(doc: MongoDocument, cls: type) -> dict[str, Any]:
    names = cls.__dataclass_fields__
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in doc.items() if k in names}


def rules_from_document(doc: MongoDocument) -> RoutingRules:
    default = Route(**doc["default"])
    rules = [
        RoutingRule(
            rule_id=r["rule_id"],
            priority=int(r["priority"]),
            route=Route(**r["route"]),
            document_type_codes=frozenset(r.get("document_type_codes", [])),
            issuer_agency_codes=frozenset(r.get("issuer_agency_codes", [])),
            subject_keywords=tuple(r.get("subject_keywords", [])),
        )
        for r in doc.get("rules", [])
    ]
    return RoutingRules.of(default, rules)


class MongoDirectory:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._db = db
        self._users = db[USERS]
        self._units = db[UNITS]
        self._delegations = db[DELEGATIONS]
        self._rules = db[RULES]

    async def ensure_indexes(self) -> None:
        await self._users.create_index([("agency_code", 1)])
        await self._units.create_index([("agency_code", 1)])
        await self._delegations.create_index([("agency_code", 1), ("leader_user_id", 1)])

    async def user(self, agency_code: str, user_id: str) -> DirectoryUser | None:
        doc = await self._users.find_one({"_id": _key(agency_code, user_id)})
        return DirectoryUser(**_fields(doc, DirectoryUser)) if doc else None

    async def unit(self, agency_code: str, unit_id: str) -> DirectoryUnit | None:
        doc = await self._units.find_one({"_id": _key(agency_code, unit_id)})
        return DirectoryUnit(**_fields(doc, DirectoryUnit)) if doc else None

    async def users(self, agency_code: str) -> list[DirectoryUser]:
        cursor = self._users.find({"agency_code": agency_code}).sort("_id", 1)
        return [DirectoryUser(**_fields(doc, DirectoryUser)) async for doc in cursor]

    async def units(self, agency_code: str) -> list[DirectoryUnit]:
        cursor = self._units.find({"agency_code": agency_code}).sort("_id", 1)
        return [DirectoryUnit(**_fields(doc, DirectoryUnit)) async for doc in cursor]

    async def delegations(self, agency_code: str, leader_user_id: str) -> list[Delegation]:
        cursor = self._delegations.find(
            {"agency_code": agency_code, "leader_user_id": leader_user_id}
        )
        return [Delegation(**_fields(doc, Delegation)) async for doc in cursor]

    async def delegation(self, agency_code: str, delegation_id: str) -> Delegation | None:
        doc = await self._delegations.find_one({"_id": _key(agency_code, delegation_id)})
        return Delegation(**_fields(doc, Delegation)) if doc else None

    async def save_user(self, user: DirectoryUser, record: KafkaRecord) -> None:
        await self._write(self._users, _key(user.agency_code, user.user_id), asdict(user), record)

    async def save_unit(self, unit: DirectoryUnit, record: KafkaRecord) -> None:
        await self._write(self._units, _key(unit.agency_code, unit.unit_id), asdict(unit), record)

    async def save_delegation(
        self, agency_code: str, delegation: Delegation, record: KafkaRecord
    ) -> None:
        fields = {**asdict(delegation), "agency_code": agency_code}
        await self._write(
            self._delegations, _key(agency_code, delegation.delegation_id), fields, record
        )

    async def routing_rules(self, agency_code: str) -> RoutingRules | None:
        doc = await self._rules.find_one({"_id": agency_code})
        return rules_from_document(doc) if doc else None

    async def save_routing_rules(self, agency_code: str, rules: dict[str, Any]) -> None:
        await self._rules.replace_one({"_id": agency_code}, rules, upsert=True)

    async def _write(
        self, collection: Any, doc_id: str, fields: dict[str, Any], record: KafkaRecord
    ) -> None:
        """Change the entry and queue its event, holding the entry's lease so that a relay
        cannot remove published events in the same moment (FerretDB v1 would lose one write)."""
        values = {k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items()}
        owner = uuid.uuid4().hex
        for attempt in range(50):
            if await take_lease(self._db, collection.name, doc_id, owner, WRITE_LEASE):
                break
            await asyncio.sleep(min(0.01 * 2**attempt, 0.5))
        else:
            raise TimeoutError(f"{collection.name} {doc_id} stayed busy")
        try:
            await collection.update_one(
                {"_id": doc_id},
                {"$set": values, "$push": {"outbox": outbox_entry(record)}},
                upsert=True,
            )
        finally:
            await release_lease(self._db, collection.name, doc_id, owner)
