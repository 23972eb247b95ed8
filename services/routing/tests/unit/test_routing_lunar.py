"""The Vietnamese lunar calendar, checked against published dates and an independent table.

The oracle is the ``lunardate`` package: a table of the *Chinese* calendar (from the Hong Kong
Observatory), not a computation. China has reckoned calendar days at UTC+8 since 1929, so our
astronomical reckoning run at UTC+8 must reproduce that table; run at UTC+7 it must give the
Vietnamese dates people know.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from vanthu_routing.domain.lunar import (
    InvalidLunarDate,
    LunarDate,
    leap_month,
    lunar_new_year,
    to_lunar,
    to_solar,
)

CHINA_UTC_OFFSET = 8.0


@pytest.mark.parametrize(
    ("year", "tet"),
    [
        (2025, date(2025, 1, 29)),
        (2026, date(2026, 2, 17)),
        (2024, date(2024, 2, 10)),
        (2007, date(2007, 2, 17)),  # China: 18 February 2007
        (1968, date(1968, 1, 29)),  # the North's Tết Mậu Thân; the South kept 30 January
        (1985, date(1985, 1, 21)),  # a whole month before China's 20 February 1985
    ],
)
def test_tet_falls_on_the_published_day(year: int, tet: date) -> None:
    assert lunar_new_year(year) == tet
    assert to_lunar(tet) == LunarDate(year, 1, 1)


@pytest.mark.parametrize(
    ("year", "day"),
    [(2025, date(2025, 4, 7)), (2026, date(2026, 4, 26)), (2024, date(2024, 4, 18))],
)
def test_hung_kings_day_is_the_tenth_of_the_third_lunar_month(year: int, day: date) -> None:
    assert to_solar(LunarDate(year, 3, 10)) == day


def test_year_2025_repeats_the_sixth_month_and_2026_repeats_none() -> None:
    assert leap_month(2025) == 6
    assert leap_month(2026) is None


def test_every_day_from_1900_to_2100_converts_to_lunar_and_back() -> None:
    day, last = date(1900, 1, 1), date(2100, 12, 31)
    while day <= last:
        lunar = to_lunar(day)
        assert to_solar(lunar) == day, f"{day} → {lunar} does not come back"
        day += timedelta(days=1)


def test_lunar_days_run_consecutively_and_months_have_29_or_30_days() -> None:
    day, last = date(1900, 1, 31), date(2100, 12, 31)
    previous = to_lunar(day)
    while day < last:
        day += timedelta(days=1)
        current = to_lunar(day)
        if current.day == 1:
            assert previous.day in (29, 30), f"month before {day} had {previous.day} days"
        else:
            assert current.day == previous.day + 1, f"{day}: {previous} then {current}"
        previous = current


def test_at_utc_plus_8_tet_matches_the_chinese_table_every_year_from_1929_to_2099() -> None:
    lunardate = pytest.importorskip("lunardate")
    for year in range(1929, 2100):
        chinese = lunardate.LunarDate(year, 1, 1).to_solar_date()
        assert lunar_new_year(year, utc_offset_hours=CHINA_UTC_OFFSET) == chinese, year


def test_at_utc_plus_8_leap_months_match_the_chinese_table_every_year_from_1929_to_2099() -> None:
    lunardate = pytest.importorskip("lunardate")
    for year in range(1929, 2100):
        chinese = lunardate.LunarDate.leap_month_for_year(year)
        assert leap_month(year, utc_offset_hours=CHINA_UTC_OFFSET) == chinese, year


def test_vietnamese_tet_is_never_later_than_the_chinese_one() -> None:
    # Hà Nội's midnight comes an hour after Beijing's, so a new moon can only fall on an
    # earlier Vietnamese date, never a later one.
    lunardate = pytest.importorskip("lunardate")
    for year in range(1929, 2100):
        assert lunar_new_year(year) <= lunardate.LunarDate(year, 1, 1).to_solar_date(), year


def test_the_chinese_table_confirms_the_1985_and_2007_differences() -> None:
    lunardate = pytest.importorskip("lunardate")
    assert lunardate.LunarDate(1985, 1, 1).to_solar_date() == date(1985, 2, 20)
    assert lunardate.LunarDate(2007, 1, 1).to_solar_date() == date(2007, 2, 18)
    assert lunar_new_year(1985, utc_offset_hours=CHINA_UTC_OFFSET) == date(1985, 2, 20)


def test_a_thirtieth_in_a_29_day_month_is_refused() -> None:
    # Month 12 of Giáp Thìn ended on 28 January 2025, Tết Ất Tỵ being the 29th.
    last_day = to_lunar(date(2025, 1, 28))
    assert last_day.month == 12
    assert last_day.day == 29
    with pytest.raises(InvalidLunarDate, match="only 29 days"):
        to_solar(LunarDate(2024, 12, 30))


def test_a_leap_month_the_year_does_not_have_is_refused() -> None:
    with pytest.raises(InvalidLunarDate, match="no leap month 5"):
        to_solar(LunarDate(2025, 5, 1, is_leap_month=True))


def test_the_leap_sixth_month_of_2025_follows_the_ordinary_sixth() -> None:
    ordinary = to_solar(LunarDate(2025, 6, 1))
    leap = to_solar(LunarDate(2025, 6, 1, is_leap_month=True))
    assert 29 <= (leap - ordinary).days <= 30
    assert to_lunar(leap).is_leap_month


def test_years_outside_the_supported_range_are_refused() -> None:
    with pytest.raises(InvalidLunarDate, match="supported range"):
        lunar_new_year(2300)
