"""The organisation directory in Mongo-wire: one document per unit, per user, and per leader
with all of that leader's delegations; routing rules one document per agency.

Entries are keyed `<agency>|<id>`. Each change and its `directory.changed` event are one
single-document write through the runtime's `OutboxCollection` (ADR 0004): an upsert of the
entry's fields, nothing read first. A leader's delegations sit in a map keyed by a digest of the
delegation id, so granting or revoking one is a `$set` of its own slot, atomic without a read; a
small pointer `<agency>|<delegation id>` → leader finds it for a revocation and refuses an id
already given to another leader, and `secretaries` (indexed) finds the leaders who delegated to
a secretary. The agency's leaders and a unit's heads are indexed queries of
the users (ADR 0023, addendum).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from vanthu_contracts import KafkaRecord
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.outbox import OutboxCollection

from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.routing_rules import Route, RoutingRule, RoutingRules
from vanthu_routing.ports import DirectoryUnit, DirectoryUser

USERS = "directory_users"
UNITS = "directory_units"
DELEGATIONS = "directory_delegations_by_leader"
DELEGATION_IDS = "directory_delegation_ids"
RULES = "routing_rules"
_SLOTS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:vanthu:routing:delegation-slot")


def _key(agency_code: str, item_id: str) -> str:
    return f"{agency_code}|{item_id}"


def _slot(delegation_id: str) -> str:
    """A field name for the delegation (ids may hold dots, which field paths cannot)."""
    return uuid.uuid5(_SLOTS, delegation_id).hex


def _fields(doc: MongoDocument, cls: type) -> dict[str, Any]:
    names = cls.__dataclass_fields__
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in doc.items() if k in names}


def _user(doc: MongoDocument) -> DirectoryUser:
    return DirectoryUser(**_fields(doc, DirectoryUser))


def _stored_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items()}


def _delegations_of(doc: MongoDocument | None) -> list[Delegation]:
    """The grants of one leader's document: its slots, and the array older versions wrote
    (a slot written since replaces the array's entry of the same id)."""
    if doc is None:
        return []
    by_id = {d["delegation_id"]: d for d in doc.get("delegations", [])}
    by_id.update({d["delegation_id"]: d for d in (doc.get("grants") or {}).values()})
    return [Delegation(**_fields(d, Delegation)) for d in by_id.values()]


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
    def __init__(
        self, db: AsyncDatabase[MongoDocument], notify: Callable[[], None] | None = None
    ) -> None:
        self._users = OutboxCollection(db[USERS], notify=notify)
        self._units = OutboxCollection(db[UNITS], notify=notify)
        self._delegations = OutboxCollection(db[DELEGATIONS], notify=notify)
        self._delegation_ids = db[DELEGATION_IDS]
        self._rules = db[RULES]

    async def ensure_indexes(self) -> None:
        users = self._users.raw
        for collection in (self._users, self._units, self._delegations):
            await collection.ensure_indexes()
        await users.create_index([("agency_code", 1), ("_id", 1)])
        await users.create_index([("agency_code", 1), ("roles", 1)])
        await users.create_index([("agency_code", 1), ("unit_id", 1)])
        await self._units.raw.create_index([("agency_code", 1), ("_id", 1)])
        await self._delegations.raw.create_index([("agency_code", 1), ("secretaries", 1)])

    async def user(self, agency_code: str, user_id: str) -> DirectoryUser | None:
        doc = await self._users.raw.find_one({"_id": _key(agency_code, user_id)})
        return _user(doc) if doc else None

    async def users_by_id(
        self, agency_code: str, user_ids: Iterable[str]
    ) -> dict[str, DirectoryUser]:
        keys = sorted({_key(agency_code, u) for u in user_ids})
        if not keys:
            return {}
        found = self._users.raw.find({"_id": {"$in": keys}})
        return {u.user_id: u for u in [_user(doc) async for doc in found]}

    async def first_leader(self, agency_code: str) -> DirectoryUser | None:
        found = await (
            self._users.raw.find({"agency_code": agency_code, "roles": "leader", "active": True})
            .sort("_id", 1)
            .limit(1)
            .to_list(None)
        )
        return _user(found[0]) if found else None

    async def unit_heads(self, agency_code: str, unit_id: str) -> list[str]:
        found = self._users.raw.find(
            {"agency_code": agency_code, "unit_id": unit_id, "roles": "unit_head", "active": True}
        ).sort("_id", 1)
        return [doc["user_id"] async for doc in found]

    async def unit(self, agency_code: str, unit_id: str) -> DirectoryUnit | None:
        doc = await self._units.raw.find_one({"_id": _key(agency_code, unit_id)})
        return DirectoryUnit(**_fields(doc, DirectoryUnit)) if doc else None

    async def users(self, agency_code: str) -> list[DirectoryUser]:
        cursor = self._users.raw.find({"agency_code": agency_code}).sort("_id", 1)
        return [_user(doc) async for doc in cursor]

    async def units(self, agency_code: str) -> list[DirectoryUnit]:
        cursor = self._units.raw.find({"agency_code": agency_code}).sort("_id", 1)
        return [DirectoryUnit(**_fields(doc, DirectoryUnit)) async for doc in cursor]

    async def delegations(self, agency_code: str, leader_user_id: str) -> list[Delegation]:
        doc = await self._delegations.raw.find_one({"_id": _key(agency_code, leader_user_id)})
        return _delegations_of(doc)

    async def delegations_to(self, agency_code: str, secretary_user_id: str) -> list[Delegation]:
        found = self._delegations.raw.find(
            {
                "agency_code": agency_code,
                # Documents written before `secretaries` existed hold the grants in an array.
                "$or": [
                    {"secretaries": secretary_user_id},
                    {"delegations.secretary_user_id": secretary_user_id},
                ],
            }
        )
        return [
            d
            async for doc in found
            for d in _delegations_of(doc)
            if d.secretary_user_id == secretary_user_id
        ]

    async def agency_delegations(self, agency_code: str) -> list[Delegation]:
        found = self._delegations.raw.find({"agency_code": agency_code})
        return [d async for doc in found for d in _delegations_of(doc)]

    async def delegation(self, agency_code: str, delegation_id: str) -> Delegation | None:
        pointer = await self._delegation_ids.find_one({"_id": _key(agency_code, delegation_id)})
        if pointer is None:
            return None
        found = await self.delegations(agency_code, pointer["leader_user_id"])
        return next((d for d in found if d.delegation_id == delegation_id), None)

    async def save_user(self, user: DirectoryUser, record: KafkaRecord) -> None:
        await self._upsert(self._users, _key(user.agency_code, user.user_id), asdict(user), record)

    async def save_unit(self, unit: DirectoryUnit, record: KafkaRecord) -> None:
        await self._upsert(self._units, _key(unit.agency_code, unit.unit_id), asdict(unit), record)

    async def save_delegation(
        self, agency_code: str, delegation: Delegation, record: KafkaRecord
    ) -> None:
        await self._point(agency_code, delegation)
        fields = {
            "agency_code": agency_code,
            "leader_user_id": delegation.leader_user_id,
            f"grants.{_slot(delegation.delegation_id)}": asdict(delegation),
        }
        leader_key = _key(agency_code, delegation.leader_user_id)
        secretaries = {"secretaries": delegation.secretary_user_id}
        await self._upsert(self._delegations, leader_key, fields, record, add_to_set=secretaries)

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

    async def routing_rules_of(self, agency_codes: Iterable[str]) -> dict[str, RoutingRules]:
        found = self._rules.find({"_id": {"$in": sorted(set(agency_codes))}})
        return {doc["_id"]: rules_from_document(doc) async for doc in found}

    async def save_routing_rules(self, agency_code: str, rules: dict[str, Any]) -> None:
        await self._rules.replace_one({"_id": agency_code}, rules, upsert=True)

    @staticmethod
    async def _upsert(
        collection: OutboxCollection,
        doc_id: str,
        fields: Mapping[str, Any],
        record: KafkaRecord,
        *,
        add_to_set: Mapping[str, Any] | None = None,
    ) -> None:
        """Set the entry's fields and queue its event in one write, creating the entry if need
        be. Two first writes of one entry at once may meet on the unique `_id`; the one refused
        writes again, onto the entry that now exists."""
        update: dict[str, Any] = {"$set": _stored_values(fields)}
        if add_to_set:
            update["$addToSet"] = dict(add_to_set)
        try:
            await collection.update(doc_id, update, [record], upsert=True)
        except DuplicateKeyError:
            await collection.update(doc_id, update, [record], upsert=True)
