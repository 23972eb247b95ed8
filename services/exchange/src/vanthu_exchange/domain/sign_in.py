"""Signing in at the hub: which secrets a system may have, and when an attempt is refused unread.

A system (and a portal agency, which is one) signs in with its id and secret. Every attempt is
counted before the secret is read, so parallel guesses cannot outrun the count; each failure
makes the next attempt wait (back-off: 1, 2, 4, 8 s by default; one made sooner is refused
unread and not counted), and the fifth failure locks the id for 12 hours. While locked or
waiting, even the right secret is refused, and the refusal says until when (ADR 0048). Pure
rules here; the counts live in one document per id in the store.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from vanthu_exchange.domain.hub import HubRefusal

MIN_SECRET_LENGTH = 16
MIN_DISTINCT_CHARACTERS = 8
MIN_CHARACTER_CLASSES = 2


def _character_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    if char.isalpha():
        return "upper" if char.isupper() else "lower"
    return "other"


def check_secret_policy(secret: str) -> None:
    """Refuses a weak secret, naming the rule it breaks (ADR 0048): at least 16 characters, not
    blank and no whitespace at either end, at least 8 different characters, from at least two of
    lower case, upper case, digits and other signs. Machine secrets (``secrets.token_urlsafe``)
    pass; ``16 spaces``, ``aaaaaaaaaaaaaaaa`` and ``abcdefghijklmnop`` do not."""
    if not secret.strip():
        raise HubRefusal("secret", "must not be blank")
    if len(secret) < MIN_SECRET_LENGTH:
        raise HubRefusal("secret", f"must be at least {MIN_SECRET_LENGTH} characters long")
    if secret != secret.strip():
        raise HubRefusal("secret", "must not begin or end with whitespace")
    if any(unicodedata.category(c) in {"Cc", "Cf"} for c in secret):
        raise HubRefusal("secret", "must not contain control characters")
    if len(set(secret)) < MIN_DISTINCT_CHARACTERS:
        raise HubRefusal(
            "secret", f"must contain at least {MIN_DISTINCT_CHARACTERS} different characters"
        )
    if len({_character_class(c) for c in secret}) < MIN_CHARACTER_CLASSES:
        raise HubRefusal(
            "secret",
            "must mix at least two of: lower case letters, upper case letters, digits, other signs",
        )


@dataclass(frozen=True)
class SignInRecord:
    """What the store counts for one system id (known or not: an unknown id is counted alike,
    so a lock does not tell which ids exist)."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class SignInBlocked:
    """An attempt refused without reading its secret: the id is locked, or it came too soon."""

    until: datetime
    locked: bool


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_for: timedelta = timedelta(hours=12)
    first_backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(minutes=1)

    def backoff(self, failures: int) -> timedelta:
        """How long after its ``failures``-th consecutive failure an id waits: doubling."""
        if failures <= 0 or self.first_backoff <= timedelta(0):
            return timedelta(0)
        return min(self.first_backoff * 2 ** min(failures - 1, 30), self.max_backoff)

    def locks_at(self, failures: int) -> bool:
        return failures >= self.max_failures

    def blocked(self, before: SignInRecord, now: datetime) -> SignInBlocked | None:
        """Why an attempt made when the record was ``before`` is refused unread, if it is."""
        if before.locked_until is not None and before.locked_until > now:
            return SignInBlocked(before.locked_until, locked=True)
        if self.locks_at(before.failures):
            # Locked by a concurrent attempt that has not written the end of the lock yet.
            return SignInBlocked((before.last_failure_at or now) + self.lock_for, locked=True)
        if before.last_failure_at is not None:
            retry_at = before.last_failure_at + self.backoff(before.failures)
            if now < retry_at:
                return SignInBlocked(retry_at, locked=False)
        return None
