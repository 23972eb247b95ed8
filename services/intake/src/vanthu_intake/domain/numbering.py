"""The yearly registers and their numbers (ND 30 Art. 15, 22.2; Phụ lục VI).

Numbers are consecutive per agency, per register, per calendar year in Vietnam: the first document
after midnight on 1 January (Asia/Ho_Chi_Minh) gets 1 again. A number once given is never given
again, not even when its registration is voided, so the printed register shows no silent gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from vanthu_intake.domain.agency_code import parse_agency_code
from vanthu_intake.domain.markings import Confidentiality
from vanthu_intake.domain.vietnam_time import vietnam_date

FIRST_NUMBER = 1


class Register(StrEnum):
    """A yearly register, each with its own number series."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    # ND 30 Art. 15: secret documents get a separate number series.
    OUTGOING_CONFIDENTIAL = "outgoing_confidential"
    # ND 30 Phụ lục I part III: the copies the agency makes, one series for every kind of copy.
    COPIES = "copies"


class RegisterKey(NamedTuple):
    """Which number series a document draws from."""

    agency_code: str
    register: Register
    year: int


def register_key(agency_code: str, register: Register, instant: datetime) -> RegisterKey:
    """The series for a document received (or issued) at ``instant``, which must be tz-aware.

    The year is Vietnam's: 2026-12-31 23:30 +07:00 is in 2026, 2026-12-31 17:30 UTC is in 2027.
    """
    year = vietnam_date(instant, what="the registration time").year
    return RegisterKey(parse_agency_code(agency_code), register, year)


def outgoing_register_for(confidentiality: Confidentiality) -> Register:
    """Secret documents are numbered in their own series, apart from ordinary outgoing ones."""
    if confidentiality.is_state_secret:
        return Register.OUTGOING_CONFIDENTIAL
    return Register.OUTGOING


def next_number(last_assigned: int | None) -> int:
    """The number after the highest one given in the series so far (voided ones included)."""
    if last_assigned is None:
        return FIRST_NUMBER
    if last_assigned < FIRST_NUMBER:
        raise ValueError(f"a register never holds number {last_assigned}; numbers start at 1")
    return last_assigned + 1


def missing_numbers(assigned: Iterable[int]) -> list[int]:
    """Numbers between 1 and the highest assigned one that no document holds.

    An empty answer is what ND 30 expects; anything else must be explained in the register.
    """
    taken = set(assigned)
    if not taken:
        return []
    return [number for number in range(FIRST_NUMBER, max(taken) + 1) if number not in taken]


def format_arrival_number(number: int) -> str:
    """Số đến as printed in the incoming register: a plain integer (``7``, ``1024``)."""
    _require_positive(number)
    return str(number)


def format_outgoing_number(number: int) -> str:
    """Số of an outgoing document: numbers below 10 get a leading zero (``05``, ``15``).

    ND 30 Phụ lục I: "Số: 05/..." — the zero is part of the number as written on the document.
    """
    _require_positive(number)
    return f"{number:02d}"


def _require_positive(number: int) -> None:
    if number < FIRST_NUMBER:
        raise ValueError(f"register numbers start at 1, got {number}")
