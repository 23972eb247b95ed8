"""The hub's accounts: a system's secret checked with lockout and back-off, hub API sessions
(short-lived tokens), portal sessions (server-side, ended on sign-out) and the portal's form
tokens (ADR 0031, 0038, 0048).

The two kinds of session are different credentials: a hub API token is a signed JWT that the
portal does not take, a portal session is a random value the hub API does not take, whose record
the hub deletes when the agency signs out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import structlog
from vanthu_runtime.mongo import MongoDocument

from vanthu_exchange.domain.hub import HubRefusal, hash_secret, secret_matches
from vanthu_exchange.domain.sign_in import LockoutPolicy, SignInBlocked, SignInRecord
from vanthu_exchange.ports import SignInStore, SystemDirectory

log = structlog.get_logger(__name__)

TOKEN_AUDIENCE = "vanthu-hub"  # noqa: S105 (a JWT audience, not a password)
# Compared against when the system is unknown, so that an unknown id takes as long as a known one.
_NOBODY = hash_secret(secrets.token_urlsafe(24))


@dataclass(frozen=True)
class SystemSession:
    """A system signed in at the hub: its id, the agencies it represents, whether it is a hub."""

    system_id: str
    agencies: tuple[str, ...]
    is_hub: bool


class SignInRefused(HubRefusal):
    """Refused before the secret was read: locked (after too many failures) or too soon."""

    def __init__(self, system_id: str, blocked: SignInBlocked, now: datetime) -> None:
        self.until = blocked.until
        self.retry_after_s = max(1, int((blocked.until - now).total_seconds() + 0.999))
        if blocked.locked:
            reason = (
                f"too many failed sign-ins: {system_id} is locked until "
                f"{blocked.until.isoformat(timespec='seconds')}, even with the right secret; "
                "the hub's operator can unlock it"
            )
        else:
            reason = (
                f"a failed sign-in for {system_id} was just made: try again in "
                f"{self.retry_after_s} s"
            )
        super().__init__("secret", reason, status=429)
        self.locked = blocked.locked


def _sessions(system: MongoDocument) -> SystemSession:
    return SystemSession(system["_id"], tuple(system["agencies"]), bool(system["is_hub"]))


class HubAccounts:
    def __init__(
        self,
        systems: SystemDirectory,
        sign_ins: SignInStore,
        *,
        hub_id: str,
        token_secret: str,
        session_minutes: int = 60,
        lockout: LockoutPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._systems = systems
        self._sign_ins = sign_ins
        self.hub_id = hub_id
        self._token_secret = token_secret or secrets.token_hex(32)
        self._session = timedelta(minutes=session_minutes)
        self.lockout = lockout or LockoutPolicy()
        self._now = clock

    # -- the secret ----------------------------------------------------------------------------

    async def check_secret(self, system_id: str, secret: str) -> SystemSession:
        """The system whose secret this is; refused when wrong, locked or too soon.

        The attempt is counted first (one atomic increment), so however many arrive at once,
        each has its own place in the count and no more than ``max_failures`` secrets are read
        before the lock. One refused unread during a back-off gives its place back."""
        now = self._now()
        await self._sign_ins.lift_expired_lock(system_id, now)
        before = await self._sign_ins.count_attempt(system_id, now)
        failures = before.failures + 1
        blocked = self.lockout.blocked(before, now)
        if blocked is not None:
            if not blocked.locked:
                # Its secret is not read, so it is no guess: it gives its place in the count
                # back (a person retrying too soon, or a client polling, does not lock itself).
                await self._sign_ins.release_attempt(system_id)
            elif before.locked_until is None:
                await self._sign_ins.lock(system_id, blocked.until)
            raise SignInRefused(system_id, blocked, now)
        system = await self._systems.system(system_id)
        # The same answer for an unknown system and a wrong secret: do not reveal which.
        stored = system["secret_hash"] if system is not None else _NOBODY
        if not secret_matches(secret, stored) or system is None:
            locked_until = await self._failed(system_id, failures, now)
            if locked_until is not None:
                raise SignInRefused(system_id, SignInBlocked(locked_until, locked=True), now)
            raise HubRefusal("secret", "unknown system or wrong secret", status=401)
        await self._sign_ins.clear(system_id)
        return _sessions(system)

    async def _failed(self, system_id: str, failures: int, now: datetime) -> datetime | None:
        """Note a failed attempt; the end of the lock it caused, if it was the last allowed."""
        await self._sign_ins.note_failure(system_id, now)
        if not self.lockout.locks_at(failures):
            return None
        until = now + self.lockout.lock_for
        await self._sign_ins.lock(system_id, until)
        log.warning("system locked after failed sign-ins", system_id=system_id, failures=failures)
        return until

    async def unlock(self, system_id: str) -> SignInRecord:
        """An operator lifts a lock (and forgets the failures); what was counted before."""
        record = await self._sign_ins.record(system_id)
        await self._sign_ins.clear(system_id)
        log.info("system unlocked", system_id=system_id, failures=record.failures)
        return record

    # -- hub API sessions ----------------------------------------------------------------------

    async def open_session(self, system_id: str, secret: str) -> tuple[str, datetime]:
        session = await self.check_secret(system_id, secret)
        expires = self._now() + self._session
        token = jwt.encode(
            {"sub": session.system_id, "aud": TOKEN_AUDIENCE, "iss": self.hub_id, "exp": expires},
            self._token_secret,
            algorithm="HS256",
        )
        return token, expires

    async def session_of(self, token: str) -> SystemSession:
        try:
            claims = jwt.decode(
                token,
                self._token_secret,
                algorithms=["HS256"],
                audience=TOKEN_AUDIENCE,
                issuer=self.hub_id,
                options={"require": ["sub", "exp"]},
            )
        except jwt.PyJWTError as exc:
            raise HubRefusal("Authorization", f"invalid session token: {exc}", 401) from exc
        return await self._registered(claims["sub"], "Authorization")

    async def _registered(self, system_id: str, field: str) -> SystemSession:
        system = await self._systems.system(system_id)
        if system is None:
            raise HubRefusal(field, "the system is no longer registered", 401)
        return _sessions(system)

    # -- portal sessions -----------------------------------------------------------------------

    async def open_portal_session(self, system_id: str, secret: str) -> tuple[str, datetime]:
        """A portal session: a random value in the cookie, its record kept by the hub."""
        session = await self.check_secret(system_id, secret)
        token = secrets.token_urlsafe(32)
        now = self._now()
        expires = now + self._session
        await self._sign_ins.add_portal_session(token, session.system_id, now, expires)
        return token, expires

    async def portal_session_of(self, token: str) -> SystemSession:
        system_id = await self._sign_ins.portal_session(token, self._now()) if token else None
        if system_id is None:
            raise HubRefusal("session", "not signed in, or the session has ended", 401)
        return await self._registered(system_id, "session")

    async def end_portal_session(self, token: str) -> None:
        await self._sign_ins.end_portal_session(token)

    # -- portal form tokens --------------------------------------------------------------------

    def form_token(self, session_token: str, purpose: str = "portal-form") -> str:
        """An anti-CSRF token bound to one session (or, for the sign-in form, to the pre-session
        cookie): an HMAC of it, so it needs no storage and dies with the session."""
        key = hashlib.sha256(f"{purpose}|{self._token_secret}".encode()).digest()
        return hmac.new(key, session_token.encode(), hashlib.sha256).hexdigest()

    def form_token_matches(
        self, session_token: str, sent: str, purpose: str = "portal-form"
    ) -> bool:
        expected = self.form_token(session_token, purpose).encode()
        return bool(session_token) and hmac.compare_digest(expected, sent.encode())
