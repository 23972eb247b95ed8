"""Dates as people in Vietnam see them: registers, years and "today" follow Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class NaiveDatetime(ValueError):
    """A datetime without a time zone: it cannot be placed on Vietnam's calendar."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} has no time zone; give an aware datetime (UTC or +07:00)")


def vietnam_date(instant: datetime, *, what: str = "the instant") -> date:
    """The calendar date in Vietnam at ``instant`` (17:30 UTC on 31 Dec is already 1 Jan there)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetime(what)
    return instant.astimezone(VIETNAM).date()


def vietnam_today() -> date:
    """Today's date in Vietnam, read from the clock; pass an explicit date where tests need one."""
    return vietnam_date(datetime.now(UTC))
