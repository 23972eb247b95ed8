"""The working-day calendar, checked against holidays Vietnamese offices actually took."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from vanthu_routing.domain.calendar import DayOffKind, WorkingCalendar
from vanthu_routing.domain.errors import InvalidInput

LAW = WorkingCalendar()


def days_off(calendar: WorkingCalendar, year: int) -> set[date]:
    return {holiday.day for holiday in calendar.holidays(year)}


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("year", "tet", "hung_kings"),
    [
        (2020, date(2020, 1, 25), date(2020, 4, 2)),
        (2021, date(2021, 2, 12), date(2021, 4, 21)),
        (2022, date(2022, 2, 1), date(2022, 4, 10)),
        (2023, date(2023, 1, 22), date(2023, 4, 29)),
        (2024, date(2024, 2, 10), date(2024, 4, 18)),
        (2025, date(2025, 1, 29), date(2025, 4, 7)),
        (2026, date(2026, 2, 17), date(2026, 4, 26)),
        (2027, date(2027, 2, 6), date(2027, 4, 16)),
    ],
)
def test_lunar_holidays_land_on_the_days_people_had_off(
    year: int, tet: date, hung_kings: date
) -> None:
    off = days_off(LAW, year)
    assert set(span(tet - timedelta(days=1), tet + timedelta(days=3))) <= off
    assert hung_kings in off
    assert {date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)} <= off


def test_tet_2025_starts_on_the_29th_because_that_lunar_year_had_no_30th() -> None:
    tet_eve = next(h for h in LAW.holidays(2025) if h.name_en == "Lunar New Year's Eve")
    assert tet_eve.day == date(2025, 1, 28)
    assert tet_eve.name_vi.startswith("Tết Nguyên Đán")


def test_every_holiday_is_named_in_vietnamese_and_english_and_listed_in_date_order() -> None:
    holidays = LAW.holidays(2026)
    assert [h.day for h in holidays] == sorted(h.day for h in holidays)
    assert all(h.name_vi and h.name_en for h in holidays)
    names = {h.name_vi for h in holidays}
    assert {"Tết Dương lịch", "Giỗ Tổ Hùng Vương", "Quốc khánh"} <= names


def test_a_holiday_on_sunday_gives_the_monday_off() -> None:
    # Hùng Kings' day 2022 was Sunday 10 April; offices closed Monday 11 April.
    assert not LAW.is_working_day(date(2022, 4, 11))
    substitute = next(h for h in LAW.holidays(2022) if h.day == date(2022, 4, 11))
    assert substitute.kind is DayOffKind.SUBSTITUTE
    assert substitute.name_vi.startswith("Nghỉ bù")


def test_holidays_on_a_weekend_push_their_substitutes_past_the_following_holidays() -> None:
    # 2023: Hùng Kings' day Saturday 29 April, Reunification Day Sunday 30 April, Labour Day
    # Monday; offices reopened Thursday 4 May.
    closed = span(date(2023, 4, 29), date(2023, 5, 3))
    assert not any(LAW.is_working_day(d) for d in closed)
    assert LAW.is_working_day(date(2023, 5, 4))


def test_substitute_days_can_be_switched_off() -> None:
    no_substitutes = WorkingCalendar.configured(substitute_weekend_holidays=False)
    assert no_substitutes.is_working_day(date(2022, 4, 11))


def test_a_government_decision_replaces_the_computed_substitutes_for_its_year() -> None:
    # Tết Ất Tỵ 2025: offices closed Saturday 25 January to Sunday 2 February, with Monday
    # 27 January given off and work resuming Monday 3 February.
    decided = WorkingCalendar.configured(decided_years=[2025], extra_days_off=[date(2025, 1, 27)])
    assert decided.is_working_day(date(2025, 1, 24))
    assert not any(decided.is_working_day(d) for d in span(date(2025, 1, 25), date(2025, 2, 2)))
    assert decided.is_working_day(date(2025, 2, 3))
    # Without the decision the law's own rule moves Saturday 1 February's holiday to the 3rd.
    assert not LAW.is_working_day(date(2025, 2, 3))
    assert LAW.is_working_day(date(2025, 1, 27))


def test_a_make_up_saturday_counts_as_a_working_day() -> None:
    swapped = WorkingCalendar.configured(
        extra_days_off=[date(2026, 1, 2)], make_up_working_days=[date(2026, 1, 10)]
    )
    assert not swapped.is_working_day(date(2026, 1, 2))
    assert swapped.is_working_day(date(2026, 1, 10))
    # Due one working day after Friday 9 January: the make-up Saturday itself.
    assert swapped.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 10)
    assert LAW.add_working_days(date(2026, 1, 9), 1) == date(2026, 1, 12)


def test_a_day_cannot_be_both_off_and_a_make_up_day() -> None:
    with pytest.raises(InvalidInput, match="both a day off and a make-up working day"):
        WorkingCalendar.configured(
            extra_days_off=[date(2026, 1, 10)], make_up_working_days=[date(2026, 1, 10)]
        )


def test_national_day_takes_1_september_by_default_and_3_september_when_configured() -> None:
    assert not LAW.is_working_day(date(2026, 9, 1))
    assert LAW.is_working_day(date(2026, 9, 3))
    after = WorkingCalendar.configured(national_day_adjacent="after")
    assert after.is_working_day(date(2026, 9, 1))
    assert not after.is_working_day(date(2026, 9, 3))


def test_the_national_day_side_can_differ_in_one_year() -> None:
    calendar = WorkingCalendar.configured(national_day_adjacent_by_year={2027: "after"})
    assert not calendar.is_working_day(date(2027, 9, 3))
    assert calendar.is_working_day(date(2027, 9, 1))
    assert not calendar.is_working_day(date(2026, 9, 1))


def test_one_working_day_after_the_friday_before_tet_2026_is_the_monday_after_it() -> None:
    # Tết Bính Ngọ: Monday 16 to Friday 20 February 2026 off, then the weekend.
    assert LAW.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert LAW.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_counting_back_skips_the_same_days_off() -> None:
    assert LAW.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    assert LAW.working_days_between(date(2026, 2, 23), date(2026, 2, 13)) == -1


def test_zero_working_days_from_a_day_off_means_the_next_working_day() -> None:
    assert LAW.add_working_days(date(2026, 2, 14), 0) == date(2026, 2, 23)
    assert LAW.add_working_days(date(2026, 2, 12), 0) == date(2026, 2, 12)


def test_adding_the_working_days_between_two_dates_lands_on_the_later_one() -> None:
    start = date(2024, 12, 20)
    for offset in range(0, 120, 3):
        for end_offset in range(0, 60, 7):
            a = start + timedelta(days=offset)
            b = a + timedelta(days=end_offset)
            if LAW.is_working_day(b):
                assert LAW.add_working_days(a, LAW.working_days_between(a, b)) == b


def test_due_date_counts_from_the_day_in_vietnam_not_in_utc() -> None:
    # 18:00 UTC on Thursday 2 January 2025 is already Friday 3 January in Hà Nội.
    given = datetime(2025, 1, 2, 18, 0, tzinfo=UTC)
    assert LAW.due_date(given, 1) == date(2025, 1, 6)
    assert LAW.due_date(given, 5) == date(2025, 1, 10)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        LAW.due_date(datetime(2025, 1, 2, 18, 0), 1)  # noqa: DTZ001 (the naive case under test)


def test_weekends_are_not_working_days_and_ordinary_weekdays_are() -> None:
    assert not LAW.is_working_day(date(2026, 3, 7))  # Saturday
    assert not LAW.is_working_day(date(2026, 3, 8))  # Sunday
    assert LAW.is_working_day(date(2026, 3, 9))
