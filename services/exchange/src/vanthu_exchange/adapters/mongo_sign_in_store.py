"""Sign-in attempts and portal sessions of the hub in Mongo-wire, shared by all its API processes.

One document per attempted system id counts its consecutive failures: every attempt is one
single-document ``$inc`` (``findAndModify``), so replicas of the hub never lose a count or hand two
attempts the same place in it. A lock's end is written only by the attempt that reached it
(conditional on there being none), and lifted only by an update conditional on it having passed.

Portal sessions are documents keyed by the SHA-256 of the cookie's random value: the cookie is
nothing the hub API accepts, and signing out deletes the document, so the cookie dies with it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.mongo import MongoDocument

from vanthu_exchange.domain.sign_in import SignInRecord

ATTEMPTS = "hub_sign_in_attempts"
PORTAL_SESSIONS = "hub_portal_sessions"


def _session_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class MongoSignInStore:
    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._attempts = db[ATTEMPTS]
        self._sessions = db[PORTAL_SESSIONS]

    # -- attempts ------------------------------------------------------------------------------

    async def lift_expired_lock(self, system_id: str, now: datetime) -> None:
        """A lock whose end has passed is gone, and its failures with it."""
        await self._attempts.update_one(
            {"_id": system_id, "locked_until": {"$lte": now}},
            {"$set": {"failures": 0, "locked_until": None, "last_failure_at": None}},
        )

    async def count_attempt(self, system_id: str, now: datetime) -> SignInRecord:
        """Count one attempt as failed (until its secret proves right); the record before it."""
        before = await self._attempts.find_one_and_update(
            {"_id": system_id},
            {"$inc": {"failures": 1}, "$set": {"last_attempt_at": now}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        if before is None:
            return SignInRecord()
        return SignInRecord(
            failures=int(before.get("failures") or 0),
            last_failure_at=before.get("last_failure_at"),
            locked_until=before.get("locked_until"),
        )

    async def release_attempt(self, system_id: str) -> None:
        """An attempt refused before its secret was read is taken off the count."""
        await self._attempts.update_one({"_id": system_id}, {"$inc": {"failures": -1}})

    async def note_failure(self, system_id: str, now: datetime) -> None:
        await self._attempts.update_one({"_id": system_id}, {"$set": {"last_failure_at": now}})

    async def lock(self, system_id: str, until: datetime) -> None:
        await self._attempts.update_one(
            {"_id": system_id, "locked_until": None}, {"$set": {"locked_until": until}}
        )

    async def clear(self, system_id: str) -> None:
        """The right secret (or an operator's unlock): the count starts again from nothing."""
        await self._attempts.delete_one({"_id": system_id})

    async def record(self, system_id: str) -> SignInRecord:
        found = await self._attempts.find_one({"_id": system_id})
        if found is None:
            return SignInRecord()
        return SignInRecord(
            int(found.get("failures") or 0), found.get("last_failure_at"), found.get("locked_until")
        )

    # -- portal sessions -----------------------------------------------------------------------

    async def add_portal_session(
        self, token: str, system_id: str, created_at: datetime, expires_at: datetime
    ) -> None:
        await self._sessions.insert_one(
            {
                "_id": _session_key(token),
                "system_id": system_id,
                "created_at": created_at,
                "expires_at": expires_at,
            }
        )

    async def portal_session(self, token: str, now: datetime) -> str | None:
        """The system id of a portal session that is open and not expired."""
        found = await self._sessions.find_one(
            {"_id": _session_key(token), "expires_at": {"$gt": now}}
        )
        return None if found is None else str(found["system_id"])

    async def end_portal_session(self, token: str) -> None:
        await self._sessions.delete_one({"_id": _session_key(token)})

    async def end_portal_sessions_of(self, system_id: str) -> int:
        result = await self._sessions.delete_many({"system_id": system_id})
        return result.deleted_count

    async def ensure_indexes(self) -> None:
        await self._sessions.create_index("system_id")
