"""Which secrets a system may have, and when a sign-in is refused before its secret is read."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from vanthu_exchange.domain.hub import HubRefusal
from vanthu_exchange.domain.sign_in import (
    LockoutPolicy,
    SignInBlocked,
    SignInRecord,
    check_secret_policy,
)

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("secret", "rule"),
    [
        (" " * 16, "blank"),
        ("\t" * 20, "blank"),
        ("Ab1-Ab1-Ab1", "16 characters"),
        (" Ab1-Cd2-Ef3-Gh4-", "whitespace"),
        ("Ab1-Cd2-Ef3-Gh4-\n", "whitespace"),
        ("Ab1-Cd2-Ef3\x00Gh4-Ij5", "control"),
        ("aaaaaaaaaaaaaaaa", "different characters"),
        ("abababababababababab1", "different characters"),
        ("abcdefghijklmnop", "two of"),
        ("1234567890123456", "two of"),
    ],
)
def test_a_weak_secret_is_refused_naming_the_rule_it_breaks(secret: str, rule: str) -> None:
    with pytest.raises(HubRefusal) as refused:
        check_secret_policy(secret)

    assert refused.value.field == "secret"
    assert rule in refused.value.reason


@pytest.mark.parametrize(
    "secret",
    ["mật-khẩu-liên-thông-2026", "Correct Horse Battery Staple", "Sở Nội vụ Nghệ An 2026"],
)
def test_a_long_mixed_secret_is_accepted(secret: str) -> None:
    check_secret_policy(secret)


def test_machine_made_secrets_always_pass() -> None:
    for _ in range(2000):
        check_secret_policy(secrets.token_urlsafe(24))


def test_each_failure_doubles_the_wait_before_the_next_attempt() -> None:
    policy = LockoutPolicy(first_backoff=timedelta(seconds=1), max_backoff=timedelta(seconds=5))

    assert [policy.backoff(n).total_seconds() for n in range(6)] == [0, 1, 2, 4, 5, 5]


def test_an_attempt_within_the_back_off_is_refused_until_it_ends() -> None:
    policy = LockoutPolicy()
    after_two = SignInRecord(failures=2, last_failure_at=NOW)

    assert policy.blocked(after_two, NOW + timedelta(seconds=1)) == SignInBlocked(
        NOW + timedelta(seconds=2), locked=False
    )
    assert policy.blocked(after_two, NOW + timedelta(seconds=2)) is None


def test_five_failures_lock_for_twelve_hours_by_default() -> None:
    policy = LockoutPolicy()
    four = SignInRecord(failures=4, last_failure_at=NOW)
    locked = SignInRecord(failures=5, last_failure_at=NOW, locked_until=NOW + timedelta(hours=12))

    assert not policy.locks_at(4)
    assert policy.locks_at(5)
    assert policy.blocked(four, NOW + timedelta(minutes=1)) is None
    assert policy.blocked(locked, NOW + timedelta(hours=11, minutes=59)) == SignInBlocked(
        NOW + timedelta(hours=12), locked=True
    )


def test_an_id_counted_past_the_limit_by_a_parallel_attempt_is_locked_before_its_end_is_written() -> (
    None
):
    policy = LockoutPolicy(max_failures=3)

    blocked = policy.blocked(SignInRecord(failures=3, last_failure_at=NOW), NOW)

    assert blocked == SignInBlocked(NOW + timedelta(hours=12), locked=True)
