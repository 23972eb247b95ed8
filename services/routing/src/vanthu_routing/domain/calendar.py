"""The working-day calendar deadlines are counted on.

Public holidays follow the Labour Code 2019 (Bộ luật Lao động 45/2019/QH14), art. 112.1:

* Tết Dương lịch — 1 January;
* Tết Âm lịch — 5 days; by default the last day of the lunar year and days 1–4 of month 1
  (the Prime Minister fixes the actual days each year: put them in ``extra_days_off``);
* Giỗ Tổ Hùng Vương — 10th day of the 3rd lunar month;
* Ngày Chiến thắng — 30 April;  Ngày Quốc tế lao động — 1 May;
* Quốc khánh — 2 September "and one adjacent day before or after it". The law leaves the side to
  the Prime Minister's yearly decision, so it is a setting here: ``national_day_adjacent``,
  "before" (1 September) by default, with ``national_day_adjacent_by_year`` for the years
  where the decision said otherwise.

Art. 111.3: when a holiday falls on a weekly day off, people get the next working day off
instead. That is ``substitute_weekend_holidays`` (on by default). When the government's
decision for a year already places those days (it may put them before the holiday, as for Tết
2025), list the year in ``decided_years``: no substitute is computed for it and the decision
is given as ``extra_days_off`` and ``make_up_working_days``.

A make-up working day (ngày làm bù, usually a Saturday) is a working day whatever else falls on
it: configuration wins over computation, because it records what people were actually told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from vanthu_routing.domain.errors import InvalidInput
from vanthu_routing.domain.lunar import LunarDate, lunar_new_year, to_solar

VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
SATURDAY, SUNDAY = 5, 6

AdjacentSide = Literal["before", "after"]


class DayOffKind(StrEnum):
    PUBLIC_HOLIDAY = "public_holiday"
    SUBSTITUTE = "substitute"
    DECIDED = "decided"


@dataclass(frozen=True, order=True)
class Holiday:
    """A day off other than the weekly one, named for people in both languages."""

    day: date
    name_vi: str
    name_en: str
    kind: DayOffKind = DayOffKind.PUBLIC_HOLIDAY


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count as working days for a Vietnamese state agency."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    make_up_working_days: frozenset[date] = field(default_factory=frozenset)
    substitute_weekend_holidays: bool = True
    decided_years: frozenset[int] = field(default_factory=frozenset)
    national_day_adjacent: AdjacentSide = "before"
    national_day_adjacent_by_year: tuple[tuple[int, AdjacentSide], ...] = ()
    weekly_days_off: frozenset[int] = frozenset({SATURDAY, SUNDAY})

    @classmethod
    def configured(
        cls,
        *,
        extra_days_off: Iterable[date] = (),
        make_up_working_days: Iterable[date] = (),
        substitute_weekend_holidays: bool = True,
        decided_years: Iterable[int] = (),
        national_day_adjacent: AdjacentSide = "before",
        national_day_adjacent_by_year: Mapping[int, AdjacentSide] | None = None,
    ) -> WorkingCalendar:
        """Build a calendar from plain settings (lists and a mapping, as configuration has)."""
        overlap = set(extra_days_off) & set(make_up_working_days)
        if overlap:
            listed = ", ".join(sorted(d.isoformat() for d in overlap))
            raise InvalidInput(
                f"A day cannot be both a day off and a make-up working day: {listed}.",
                f"Một ngày không thể vừa là ngày nghỉ vừa là ngày làm bù: {listed}.",
            )
        return cls(
            extra_days_off=frozenset(extra_days_off),
            make_up_working_days=frozenset(make_up_working_days),
            substitute_weekend_holidays=substitute_weekend_holidays,
            decided_years=frozenset(decided_years),
            national_day_adjacent=national_day_adjacent,
            national_day_adjacent_by_year=tuple(
                sorted((national_day_adjacent_by_year or {}).items())
            ),
        )

    def holidays(self, year: int) -> tuple[Holiday, ...]:
        """Every day off in ``year`` besides weekly ones: statutory, substitute and decided."""
        return _days_off(self, year)

    def is_working_day(self, day: date) -> bool:
        if day in self.make_up_working_days:
            return True
        if day.weekday() in self.weekly_days_off:
            return False
        return day not in _day_off_dates(self, day.year)

    def add_working_days(self, start: date, working_days: int) -> date:
        """The ``working_days``-th working day after ``start`` (before it when negative).

        ``start`` itself never counts, so one working day after a Friday is the Monday. With 0,
        ``start`` is returned if it is a working day, else the next working day.
        """
        if working_days == 0:
            return start if self.is_working_day(start) else self.add_working_days(start, 1)
        step = timedelta(days=1 if working_days > 0 else -1)
        day, remaining = start, abs(working_days)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if ``end`` is earlier.

        It is the inverse of ``add_working_days``: for a working day ``end``,
        ``add_working_days(start, working_days_between(start, end)) == end``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def due_date(self, from_instant: datetime, working_days: int) -> date:
        """The day a task given at ``from_instant`` is due, ``working_days`` later in Vietnam."""
        return self.add_working_days(local_date(from_instant), working_days)

    def adjacent_side(self, year: int) -> AdjacentSide:
        return dict(self.national_day_adjacent_by_year).get(year, self.national_day_adjacent)


def local_date(instant: datetime) -> date:
    """The date in Vietnam of an aware instant (naive ones are refused: their zone is a guess)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(
            "A time without a time zone is ambiguous; give it one.",
            "Thời điểm thiếu múi giờ nên không rõ ràng; hãy ghi kèm múi giờ.",
        )
    return instant.astimezone(VIETNAM_TIME).date()


@lru_cache(maxsize=256)
def _day_off_dates(calendar: WorkingCalendar, year: int) -> frozenset[date]:
    return frozenset(holiday.day for holiday in _days_off(calendar, year))


@lru_cache(maxsize=256)
def _days_off(calendar: WorkingCalendar, year: int) -> tuple[Holiday, ...]:
    statutory = _statutory_holidays(year, calendar.adjacent_side(year))
    substitutes: list[Holiday] = []
    if calendar.substitute_weekend_holidays and year not in calendar.decided_years:
        substitutes = _substitutes(statutory, calendar)
    taken = {holiday.day for holiday in (*statutory, *substitutes)}
    decided = [
        Holiday(
            day, "Ngày nghỉ theo quyết định", "Day off by government decision", DayOffKind.DECIDED
        )
        for day in calendar.extra_days_off
        if day.year == year and day not in taken
    ]
    everything = (*statutory, *substitutes, *decided)
    return tuple(sorted(h for h in everything if h.day not in calendar.make_up_working_days))


def _statutory_holidays(year: int, adjacent: AdjacentSide) -> list[Holiday]:
    tet = lunar_new_year(year)
    hung_kings = to_solar(LunarDate(year, 3, 10))
    national_day = date(year, 9, 2)
    adjacent_day = national_day + timedelta(days=-1 if adjacent == "before" else 1)
    holidays = [
        Holiday(date(year, 1, 1), "Tết Dương lịch", "New Year's Day"),
        Holiday(tet - timedelta(days=1), "Tết Nguyên Đán (ngày cuối năm)", "Lunar New Year's Eve"),
        *(
            Holiday(tet + timedelta(days=n), f"Tết Nguyên Đán (mùng {n + 1})", f"Tết, day {n + 1}")
            for n in range(4)
        ),
        Holiday(hung_kings, "Giỗ Tổ Hùng Vương", "Hùng Kings' Commemoration Day"),
        Holiday(date(year, 4, 30), "Ngày Chiến thắng", "Reunification Day"),
        Holiday(date(year, 5, 1), "Ngày Quốc tế lao động", "International Labour Day"),
        Holiday(national_day, "Quốc khánh", "National Day"),
        Holiday(adjacent_day, "Quốc khánh (ngày liền kề)", "National Day (adjacent day)"),
    ]
    return _merge_same_day(holidays)


def _merge_same_day(holidays: list[Holiday]) -> list[Holiday]:
    # Hùng Kings' day can land on 30 April or 1 May; one date, both names.
    by_day: dict[date, Holiday] = {}
    for holiday in holidays:
        earlier = by_day.get(holiday.day)
        if earlier is None:
            by_day[holiday.day] = holiday
            continue
        by_day[holiday.day] = Holiday(
            holiday.day,
            f"{earlier.name_vi}; {holiday.name_vi}",
            f"{earlier.name_en}; {holiday.name_en}",
        )
    return sorted(by_day.values())


def _substitutes(statutory: list[Holiday], calendar: WorkingCalendar) -> list[Holiday]:
    """Compensating days for holidays on a weekly day off, each the next free working day."""
    # A day the government already gave off cannot also be the compensation for another.
    occupied = {holiday.day for holiday in statutory} | set(calendar.extra_days_off)
    substitutes: list[Holiday] = []
    for holiday in statutory:
        if holiday.day.weekday() not in calendar.weekly_days_off:
            continue
        day = holiday.day + timedelta(days=1)
        while day.weekday() in calendar.weekly_days_off or day in occupied:
            day += timedelta(days=1)
        occupied.add(day)
        substitutes.append(
            Holiday(
                day,
                f"Nghỉ bù {holiday.name_vi}",
                f"{holiday.name_en} (substitute day off)",
                DayOffKind.SUBSTITUTE,
            )
        )
    return substitutes
