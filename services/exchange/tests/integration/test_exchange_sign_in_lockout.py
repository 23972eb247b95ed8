"""Failed sign-ins counted in the Mongo-wire store, shared by the hub's API processes: two replicas
of the hub, attempts in parallel, a clock that moves on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from exchange_testkit import random_agency, random_secret
from vanthu_exchange.adapters.mongo_hub_store import MongoHubStore
from vanthu_exchange.adapters.mongo_sign_in_store import MongoSignInStore
from vanthu_exchange.domain.hub import HubRefusal, hash_secret
from vanthu_exchange.domain.sign_in import LockoutPolicy
from vanthu_exchange.hub_accounts import HubAccounts, SignInRefused


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


def replica(db, clock: Clock, lockout: LockoutPolicy | None = None) -> HubAccounts:
    """One API process of the hub: its own store objects on the shared database."""
    return HubAccounts(
        MongoHubStore(db),
        MongoSignInStore(db),
        hub_id="hub-lockout-test",
        token_secret="s" * 64,
        lockout=lockout or LockoutPolicy(first_backoff=timedelta(0)),
        clock=clock,
    )


async def registered(db) -> tuple[str, str]:
    code, secret = random_agency(), random_secret()
    assert await MongoHubStore(db).add_system(code, hash_secret(secret), [code], False)
    return code, secret


async def outcome(accounts: HubAccounts, code: str, secret: str) -> int:
    try:
        await accounts.open_session(code, secret)
    except HubRefusal as refused:
        return refused.status
    return 200


async def test_parallel_guesses_on_two_replicas_read_no_more_than_five_secrets(mongo_db) -> None:
    clock = Clock()
    one, two = replica(mongo_db, clock), replica(mongo_db, clock)
    code, secret = await registered(mongo_db)

    answers = await asyncio.gather(
        *(outcome((one, two)[i % 2], code, f"wrong-guess-{i:03d}-Xy") for i in range(20))
    )

    assert sorted(answers) == [401] * 4 + [429] * 16
    assert await outcome(one, code, secret) == 429
    assert await outcome(two, code, secret) == 429


async def test_the_lock_ends_after_twelve_hours_and_the_right_secret_signs_in_again(
    mongo_db,
) -> None:
    clock = Clock()
    accounts = replica(mongo_db, clock)
    code, secret = await registered(mongo_db)
    for _ in range(5):
        await outcome(accounts, code, "wrong-guess-Xy-000")

    clock.now += timedelta(hours=11, minutes=59)
    with pytest.raises(SignInRefused) as refused:
        await accounts.open_session(code, secret)
    clock.now += timedelta(minutes=1)
    token, _ = await accounts.open_session(code, secret)

    assert refused.value.locked
    assert (await accounts.session_of(token)).system_id == code


async def test_after_a_lock_ends_the_count_starts_again(mongo_db) -> None:
    clock = Clock()
    accounts = replica(mongo_db, clock)
    code, secret = await registered(mongo_db)
    for _ in range(5):
        await outcome(accounts, code, "wrong-guess-Xy-000")
    clock.now += timedelta(hours=12)

    after_the_lock = await outcome(accounts, code, "wrong-guess-Xy-001")

    assert after_the_lock == 401
    assert await outcome(accounts, code, secret) == 200


async def test_the_right_secret_after_the_back_off_signs_in_and_clears_the_count(mongo_db) -> None:
    clock = Clock()
    accounts = replica(mongo_db, clock, LockoutPolicy(first_backoff=timedelta(seconds=30)))
    code, secret = await registered(mongo_db)
    await outcome(accounts, code, "wrong-guess-Xy-000")

    too_soon = await outcome(accounts, code, secret)
    clock.now += timedelta(minutes=2)  # the back-off after two failures is 60 s
    in_time = await outcome(accounts, code, secret)

    assert (too_soon, in_time) == (429, 200)
    record = await MongoSignInStore(mongo_db).record(code)
    assert record.failures == 0


async def test_an_unknown_id_is_counted_and_locked_like_a_known_one(mongo_db) -> None:
    clock = Clock()
    accounts = replica(mongo_db, clock)
    known, _ = await registered(mongo_db)
    unknown = random_agency()

    answers = {
        code: [await outcome(accounts, code, "wrong-guess-Xy-000") for _ in range(6)]
        for code in (known, unknown)
    }

    assert answers[known] == answers[unknown] == [401, 401, 401, 401, 429, 429]


async def test_a_portal_session_ends_at_the_hub_when_its_time_is_up(mongo_db) -> None:
    clock = Clock()
    accounts = replica(mongo_db, clock)
    code, secret = await registered(mongo_db)
    cookie, expires = await accounts.open_portal_session(code, secret)

    clock.now = expires - timedelta(seconds=1)
    before = await accounts.portal_session_of(cookie)
    clock.now = expires

    assert before.system_id == code
    with pytest.raises(HubRefusal):
        await accounts.portal_session_of(cookie)
