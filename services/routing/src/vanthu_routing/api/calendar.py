"""The working-day calendar deadlines are counted on, for people choosing a deadline: each day of
a period, whether it is a working day, and the name of the holiday or day off when it is not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel
from vanthu_runtime.auth import Role

from vanthu_routing.api.dependencies import Handlers, caller_with
from vanthu_routing.domain.calendar import DayOffKind, Holiday
from vanthu_routing.handlers import Caller

router = APIRouter(prefix="/calendar", tags=["calendar"])

Anyone = caller_with(*Role)
MAX_DAYS = 400
YEARS = range(1901, 2101)
"""The years the lunar reckoning covers (Tết and Giỗ Tổ are lunar dates)."""


class DayOff(BaseModel):
    name_vi: str
    name_en: str
    kind: DayOffKind


class CalendarDay(BaseModel):
    date: date
    working: bool
    weekend: bool
    """Saturday or Sunday (a make-up working day on one is still ``working``)."""
    day_off: DayOff | None
    """The public holiday, substitute or decided day off that falls on it."""


class CalendarPeriod(BaseModel):
    start: date
    end: date
    days: list[CalendarDay]


@router.get("")
async def working_days(
    handlers: Handlers,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    caller: Caller = Anyone,
) -> CalendarPeriod:
    """Every day from ``from`` to ``to`` (both included, at most 400 days)."""
    for name, day in (("from", start), ("to", end)):
        if day.year not in YEARS:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=f"{name}: the calendar covers {YEARS[0]}–{YEARS[-1]}",
            )
    if end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="to: is before 'from'")
    if (end - start).days >= MAX_DAYS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"to: at most {MAX_DAYS} days at once"
        )
    calendar = handlers.calendar
    off: dict[date, Holiday] = {
        h.day: h for year in range(start.year, end.year + 1) for h in calendar.holidays(year)
    }
    days = []
    day = start
    while day <= end:
        holiday = off.get(day)
        days.append(
            CalendarDay(
                date=day,
                working=calendar.is_working_day(day),
                weekend=day.weekday() in calendar.weekly_days_off,
                day_off=None
                if holiday is None
                else DayOff(name_vi=holiday.name_vi, name_en=holiday.name_en, kind=holiday.kind),
            )
        )
        day += timedelta(days=1)
    return CalendarPeriod(start=start, end=end, days=days)
