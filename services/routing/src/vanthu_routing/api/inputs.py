"""The kinds of value routing's requests carry, checked where they enter: a day or an instant
within the years the working-day calendar knows (1900–2100), so a deadline or a slip date at
0001-01-01 or 9999-12-31 is refused naming its field instead of failing deep in a computation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from vanthu_routing.domain.lunar import SUPPORTED_YEARS

FIRST_YEAR, LAST_YEAR = SUPPORTED_YEARS.start, SUPPORTED_YEARS.stop - 1
MAX_PRIORITY = 1_000_000


def _within_calendar(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(
            f"{value.isoformat()} is outside the years {FIRST_YEAR}–{LAST_YEAR} that the "
            f"working-day calendar knows (ngoài khoảng năm {FIRST_YEAR}–{LAST_YEAR})"
        )
    return value


def _instant_within_calendar(value: datetime) -> datetime:
    _within_calendar(value.date())
    return value


Day = Annotated[date, AfterValidator(_within_calendar)]
Instant = Annotated[AwareDatetime, AfterValidator(_instant_within_calendar)]
