"""The organisation directory in Mongo-wire: one document per unit, per user, and per leader
with all of that leader's delegations.

Every look-up an API call or an event makes is an `_id` equality (`<agency>|<id>`): FerretDB v1
uses no other index, and any other filter parses every document of the collection (ADR 0023).
A delegation is kept in its leader's document, so "may this secretary record for this leader"
is one read; a small pointer `<agency>|<delegation id>` → leader finds it for a revocation.
Each change and its `directory.changed` event are one document write (the outbox).
Routing rules are one document per agency, kept as data an administrator edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import holding_lease, outbox_entry, outbox_write

from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.routing_rules import Route, RoutingRule, RoutingRules
from vanthu_routing.ports import DirectoryUnit, DirectoryUser, Roster

USERS = "directory_users"
UNITS = "directory_units"
DELEGATIONS = "directory_delegations_by_leader"
DELEGATION_IDS = "directory_delegation_ids"
ROSTER = "directory_roster"
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
        self._delegation_ids = db[DELEGATION_IDS]
        self._roster = db[ROSTER]
        self._rules = db[RULES]

    async def ensure_indexes(self) -> None:
        await self._users.create_index([("agency_code", 1)])
        await self._units.create_index([("agency_code", 1)])

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
        doc = await self._delegations.find_one({"_id": _key(agency_code, leader_user_id)})
        return [Delegation(**_fields(d, Delegation)) for d in (doc or {}).get("delegations", [])]

    async def delegation(self, agency_code: str, delegation_id: str) -> Delegation | None:
        pointer = await self._delegation_ids.find_one({"_id": _key(agency_code, delegation_id)})
        if pointer is None:
            return None
        found = await self.delegations(agency_code, pointer["leader_user_id"])
        return next((d for d in found if d.delegation_id == delegation_id), None)

    async def save_user(self, user: DirectoryUser, record: KafkaRecord) -> None:
        await self._write(self._users, _key(user.agency_code, user.user_id), asdict(user), record)
        await self._place_in_roster(user)

    async def roster(self, agency_code: str) -> Roster | None:
        doc = await self._roster.find_one({"_id": agency_code})
        if doc is None:
            return None
        return Roster(
            leaders=tuple(doc.get("leaders", [])),
            unit_heads=tuple((h["unit_id"], h["user_id"]) for h in doc.get("unit_heads", [])),
        )

    async def _place_in_roster(self, user: DirectoryUser) -> None:
        """Keep the agency's leaders and unit heads in one document, so that choosing the
        leader of a new document or the unit head to escalate to is one `_id` read. Written
        after the user (under its own lease); a crash in between leaves the roster behind
        until that user is saved again (ADR 0023)."""
        async with holding_lease(self._db, ROSTER, user.agency_code, ttl=WRITE_LEASE):
            doc = await self._roster.find_one({"_id": user.agency_code}) or {}
            leaders = [u for u in doc.get("leaders", []) if u != user.user_id]
            heads = [h for h in doc.get("unit_heads", []) if h["user_id"] != user.user_id]
            if user.active and "leader" in user.roles:
                leaders.append(user.user_id)
            if user.active and "unit_head" in user.roles and user.unit_id:
                heads.append({"unit_id": user.unit_id, "user_id": user.user_id})
            await self._roster.update_one(
                {"_id": user.agency_code},
                {"$set": {"leaders": sorted(leaders), "unit_heads": heads}},
                upsert=True,
            )

    async def save_unit(self, unit: DirectoryUnit, record: KafkaRecord) -> None:
        await self._write(self._units, _key(unit.agency_code, unit.unit_id), asdict(unit), record)

    async def save_delegation(
        self, agency_code: str, delegation: Delegation, record: KafkaRecord
    ) -> None:
        await self._point(agency_code, delegation)
        leader_key = _key(agency_code, delegation.leader_user_id)

        def fields(doc: MongoDocument | None) -> dict[str, Any]:
            kept = [
                d
                for d in (doc or {}).get("delegations", [])
                if d["delegation_id"] != delegation.delegation_id
            ]
            return {
                "agency_code": agency_code,
                "leader_user_id": delegation.leader_user_id,
                "delegations": [*kept, asdict(delegation)],
            }

        await self._write(self._delegations, leader_key, fields, record)

    async def _point(self, agency_code: str, delegation: Delegation) -> None:
        """Note which leader's document holds the delegation; an id already used for another
        leader is refused (before anything else is written)."""
        key = _key(agency_code, delegation.delegation_id)
        try:
            await self._delegation_ids.insert_one(
                {"_id": key, "leader_user_id": delegation.leader_user_id}
            )
        except DuplicateKeyError:
            held = await self._delegation_ids.find_one({"_id": key})
            if held is not None and held["leader_user_id"] != delegation.leader_user_id:
                raise InvalidInput(
                    f"delegation_id: {delegation.delegation_id} is already a delegation of "
                    f"{held['leader_user_id']}.",
                    f"delegation_id: {delegation.delegation_id} đã là ủy quyền của "
                    f"{held['leader_user_id']}.",
                ) from None

    async def routing_rules(self, agency_code: str) -> RoutingRules | None:
        doc = await self._rules.find_one({"_id": agency_code})
        return rules_from_document(doc) if doc else None

    async def save_routing_rules(self, agency_code: str, rules: dict[str, Any]) -> None:
        await self._rules.replace_one({"_id": agency_code}, rules, upsert=True)

    async def _write(
        self,
        collection: Any,
        doc_id: str,
        fields: dict[str, Any] | Callable[[MongoDocument | None], dict[str, Any]],
        record: KafkaRecord,
    ) -> None:
        """Change the entry and queue its event, holding the entry's lease so that a relay
        cannot remove published events in the same moment (FerretDB v1 would lose one write).
        ``fields`` may be computed from the stored entry, read under the lease."""
        async with holding_lease(self._db, collection.name, doc_id, ttl=WRITE_LEASE):
            if callable(fields):
                fields = fields(await collection.find_one({"_id": doc_id}))
            values = {k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items()}
            async with outbox_write(self._db, collection.name, doc_id):
                await collection.update_one(
                    {"_id": doc_id},
                    {"$set": values, "$push": {"outbox": outbox_entry(record)}},
                    upsert=True,
                )
