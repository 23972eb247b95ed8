"""The Vietnamese lunisolar calendar (âm lịch), computed from the sky.

The method is the one Hồ Ngọc Đức describes for the Vietnamese calendar:

* a lunar month begins on the local day (UTC+7) of a new moon;
* month 11 is the month that contains the December solstice;
* when two consecutive months 11 are 13 lunations apart, the year between them has a leap
  month: the first month after month 11 that contains no major solar term (trung khí, a
  multiple of 30° of solar longitude); it repeats the number of the month before it.

Because Vietnam reckons days at UTC+7 and China at UTC+8, a new moon just after midnight in
Beijing falls on the previous day in Hà Nội, so both calendars usually agree but sometimes do
not (Tết 1968, 1985, 2007 are the well-known cases). Nothing here is a table typed per year:
new moons come from Meeus, *Astronomical Algorithms* (2nd ed.), ch. 49, and solar longitude
from ch. 25, good to a minute or so for new moons and to about a quarter of an hour for solar
terms in 1900–2100 — plenty for calendar days, with the usual caveat that an event within
minutes of local midnight could land on either side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

VIETNAM_UTC_OFFSET_HOURS = 7.0
SUPPORTED_YEARS = range(1900, 2101)

_SYNODIC_MONTH = 29.530588861
# Julian ephemeris day of the mean new moon of 6 January 2000, Meeus's lunation k = 0.
_NEW_MOON_EPOCH_JDE = 2451550.09766
# A date's ordinal (1 = 0001-01-01) plus this is its Julian day number (the JD at its noon).
_ORDINAL_TO_JULIAN_DAY_NUMBER = 1721425
_J2000 = 2451545.0
_DAYS_PER_JULIAN_CENTURY = 36525.0
_MAJOR_TERM_DEGREES = 30.0
_DECEMBER_SOLSTICE_DEGREES = 270.0

# (coefficient, multiple of E, M, M', F, Ω) for the periodic terms of a new moon, Meeus 49.
_NEW_MOON_TERMS: tuple[tuple[float, int, int, int, int, int], ...] = (
    (-0.40720, 0, 0, 1, 0, 0),
    (0.17241, 1, 1, 0, 0, 0),
    (0.01608, 0, 0, 2, 0, 0),
    (0.01039, 0, 0, 0, 2, 0),
    (0.00739, 1, -1, 1, 0, 0),
    (-0.00514, 1, 1, 1, 0, 0),
    (0.00208, 2, 2, 0, 0, 0),
    (-0.00111, 0, 0, 1, -2, 0),
    (-0.00057, 0, 0, 1, 2, 0),
    (0.00056, 1, 1, 2, 0, 0),
    (-0.00042, 0, 0, 3, 0, 0),
    (0.00042, 1, 1, 0, 2, 0),
    (0.00038, 1, 1, 0, -2, 0),
    (-0.00024, 1, -1, 2, 0, 0),
    (-0.00017, 0, 0, 0, 0, 1),
    (-0.00007, 0, 2, 1, 0, 0),
    (0.00004, 0, 0, 2, -2, 0),
    (0.00004, 0, 3, 0, 0, 0),
    (0.00003, 0, 1, 1, -2, 0),
    (0.00003, 0, 0, 2, 2, 0),
    (-0.00003, 0, 1, 1, 2, 0),
    (0.00003, 0, -1, 1, 2, 0),
    (-0.00002, 0, -1, 1, -2, 0),
    (-0.00002, 0, 1, 3, 0, 0),
    (0.00002, 0, 0, 4, 0, 0),
)

# (coefficient, phase at k = 0, degrees per lunation) of the planetary perturbations, Meeus 49.
_PLANETARY_TERMS: tuple[tuple[float, float, float], ...] = (
    (0.000165, 251.88, 0.016321),
    (0.000164, 251.83, 26.651886),
    (0.000126, 349.42, 36.412478),
    (0.000110, 84.66, 18.206239),
    (0.000062, 141.74, 53.303771),
    (0.000060, 207.14, 2.453732),
    (0.000056, 154.84, 7.306860),
    (0.000047, 34.52, 27.261239),
    (0.000042, 207.19, 0.121824),
    (0.000040, 291.34, 1.844379),
    (0.000037, 161.72, 24.198154),
    (0.000035, 239.56, 25.513099),
    (0.000023, 331.55, 3.592518),
)


class InvalidLunarDate(ValueError):
    """A lunar date that does not exist (a 30th in a 29-day month, a leap month that isn't)."""


@dataclass(frozen=True, order=True)
class LunarDate:
    """A day of the Vietnamese lunar calendar; ``is_leap_month`` marks the repeated month."""

    year: int
    month: int
    day: int
    is_leap_month: bool = False

    def __str__(self) -> str:
        leap = " nhuận" if self.is_leap_month else ""
        return f"{self.day:02d}/{self.month:02d}{leap}/{self.year} (âm lịch)"


def to_lunar(solar: date, *, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> LunarDate:
    """The lunar date of a civil (Gregorian) date.

    ``utc_offset_hours`` is the meridian the days are reckoned on: 7 for Vietnam; 8 yields the
    Chinese calendar, which is how the tests compare this reckoning with a published table.
    """
    _require_supported(solar.year)
    zone = utc_offset_hours
    day = solar.toordinal()
    lunation = _lunation_starting_on_or_before(day, zone)
    month_start = _new_moon_day(lunation, zone)
    year_start_lunation, following_start_lunation, lunar_year = _month11_bounds(month_start, zone)
    offset = lunation - year_start_lunation
    leap_offset = _leap_month_offset(year_start_lunation, following_start_lunation, zone)
    month, is_leap = _month_number(offset, leap_offset)
    # Months 11 and 12 right after the solstice still belong to the year that is ending.
    year = lunar_year - 1 if month >= 11 and offset < 4 else lunar_year
    return LunarDate(year, month, day - month_start + 1, is_leap)


def to_solar(lunar: LunarDate, *, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> date:
    """The civil (Gregorian) date of a lunar date; raises InvalidLunarDate if there is none."""
    _require_supported(lunar.year)
    if not 1 <= lunar.month <= 12 or not 1 <= lunar.day <= 30:
        raise InvalidLunarDate(f"{lunar} is not a lunar date")
    zone = utc_offset_hours
    # Months 11 and 12 of lunar year Y follow the solstice of Gregorian year Y.
    solstice_year = lunar.year if lunar.month >= 11 else lunar.year - 1
    start = _month11_lunation(solstice_year, zone)
    following = _month11_lunation(solstice_year + 1, zone)
    offset = (lunar.month - 11) % 12
    leap_offset = _leap_month_offset(start, following, zone)
    if lunar.is_leap_month:
        if leap_offset is None or offset != leap_offset - 1:
            raise InvalidLunarDate(f"{lunar}: year {lunar.year} has no leap month {lunar.month}")
        offset = leap_offset
    elif leap_offset is not None and offset >= leap_offset:
        offset += 1
    month_start = _new_moon_day(start + offset, zone)
    month_length = _new_moon_day(start + offset + 1, zone) - month_start
    if lunar.day > month_length:
        raise InvalidLunarDate(f"{lunar}: that month has only {month_length} days")
    return date.fromordinal(month_start + lunar.day - 1)


def lunar_new_year(year: int, *, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> date:
    """Tết Nguyên Đán: the civil date of the 1st day of the 1st lunar month of ``year``."""
    return to_solar(LunarDate(year, 1, 1), utc_offset_hours=utc_offset_hours)


def leap_month(year: int, *, utc_offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> int | None:
    """The number of the month that lunar ``year`` repeats, or None in a common year."""
    for month in range(1, 13):
        try:
            to_solar(LunarDate(year, month, 1, True), utc_offset_hours=utc_offset_hours)
        except InvalidLunarDate:
            continue
        return month
    return None


def _require_supported(year: int) -> None:
    # The ΔT model and the precision of the series are only vouched for in this window,
    # with a year of slack either side for the months that straddle it.
    if not SUPPORTED_YEARS.start - 1 <= year <= SUPPORTED_YEARS.stop:
        raise InvalidLunarDate(f"year {year} is outside the supported range 1900–2100")


def _month_number(offset: int, leap_offset: int | None) -> tuple[int, bool]:
    """Month number and leap flag of the month ``offset`` lunations after month 11."""
    if leap_offset is not None and offset >= leap_offset:
        number, is_leap = 10 + offset, offset == leap_offset
    else:
        number, is_leap = 11 + offset, False
    return (number - 1) % 12 + 1, is_leap


def _month11_bounds(month_start: int, zone: float) -> tuple[int, int, int]:
    """The lunations opening the month-11 period around a day, and the lunar year it holds."""
    gregorian_year = date.fromordinal(month_start).year
    this_year = _month11_lunation(gregorian_year, zone)
    if month_start >= _new_moon_day(this_year, zone):
        return this_year, _month11_lunation(gregorian_year + 1, zone), gregorian_year + 1
    return _month11_lunation(gregorian_year - 1, zone), this_year, gregorian_year


@lru_cache(maxsize=1024)
def _leap_month_offset(start_lunation: int, following_lunation: int, zone: float) -> int | None:
    """Offset from month 11 of the leap month, or None when the year has 12 months."""
    if following_lunation - start_lunation != 13:
        return None
    for offset in range(1, 13):
        if not _month_has_major_term(start_lunation + offset, zone):
            return offset
    # Thirteen lunations always hold twelve major terms, so one of them must lack one.
    raise AssertionError("a 13-month year without a month lacking a major solar term")


def _month_has_major_term(lunation: int, zone: float) -> bool:
    begins = _sun_longitude_at_local_midnight(_new_moon_day(lunation, zone), zone)
    ends = _sun_longitude_at_local_midnight(_new_moon_day(lunation + 1, zone), zone)
    return math.floor(begins / _MAJOR_TERM_DEGREES) != math.floor(ends / _MAJOR_TERM_DEGREES)


@lru_cache(maxsize=1024)
def _month11_lunation(gregorian_year: int, zone: float) -> int:
    """The lunation that opens lunar month 11, the month holding that year's December solstice."""
    last_day = date(gregorian_year, 12, 31).toordinal()
    lunation = _lunation_starting_on_or_before(last_day, zone)
    # If the sun had already passed 270° when the month began, the solstice fell in the
    # month before, so that one is month 11.
    month_start = _new_moon_day(lunation, zone)
    if _sun_longitude_at_local_midnight(month_start, zone) >= _DECEMBER_SOLSTICE_DEGREES:
        return lunation - 1
    return lunation


def _lunation_starting_on_or_before(day: int, zone: float) -> int:
    julian_day = day + _ORDINAL_TO_JULIAN_DAY_NUMBER
    lunation = math.floor((julian_day - _NEW_MOON_EPOCH_JDE) / _SYNODIC_MONTH)
    # The mean month drifts from the true one by up to ~14 hours; nudge to the true bracket.
    while _new_moon_day(lunation, zone) > day:
        lunation -= 1
    while _new_moon_day(lunation + 1, zone) <= day:
        lunation += 1
    return lunation


@lru_cache(maxsize=16384)
def _new_moon_day(lunation: int, zone: float) -> int:
    """The date ordinal, in the given time zone, of new moon number ``lunation``."""
    universal_time = _new_moon_ephemeris_time(lunation) - _delta_t_days(lunation)
    local = universal_time + zone / 24
    # A civil day runs from JD n − 0.5 to n + 0.5, where n is its Julian day number.
    return math.floor(local + 0.5) - _ORDINAL_TO_JULIAN_DAY_NUMBER


def _new_moon_ephemeris_time(k: int) -> float:
    t = k / 1236.85
    jde = (
        _NEW_MOON_EPOCH_JDE
        + _SYNODIC_MONTH * k
        + 0.00015437 * t**2
        - 0.000000150 * t**3
        + 0.00000000073 * t**4
    )
    eccentricity = 1 - 0.002516 * t - 0.0000074 * t**2
    sun_anomaly = 2.5534 + 29.10535670 * k - 0.0000014 * t**2 - 0.00000011 * t**3
    moon_anomaly = (
        201.5643 + 385.81693528 * k + 0.0107582 * t**2 + 0.00001238 * t**3 - 0.000000058 * t**4
    )
    latitude = (
        160.7108 + 390.67050284 * k - 0.0016118 * t**2 - 0.00000227 * t**3 + 0.000000011 * t**4
    )
    node = 124.7746 - 1.56375588 * k + 0.0020672 * t**2 + 0.00000215 * t**3
    for coefficient, e_power, m, m_prime, f, omega in _NEW_MOON_TERMS:
        angle = m * sun_anomaly + m_prime * moon_anomaly + f * latitude + omega * node
        jde += coefficient * eccentricity**e_power * math.sin(math.radians(angle))
    jde += 0.000325 * math.sin(math.radians(299.77 + 0.107408 * k - 0.009173 * t**2))
    for coefficient, phase, rate in _PLANETARY_TERMS:
        jde += coefficient * math.sin(math.radians(phase + rate * k))
    return jde


def _sun_longitude_at_local_midnight(day: int, zone: float) -> float:
    """Apparent solar longitude in degrees [0, 360) at the local midnight that opens a day."""
    local_midnight = day + _ORDINAL_TO_JULIAN_DAY_NUMBER - 0.5
    universal_time = local_midnight - zone / 24
    return _apparent_sun_longitude(universal_time + _delta_t_days_at(universal_time))


def _apparent_sun_longitude(julian_ephemeris_day: float) -> float:
    t = (julian_ephemeris_day - _J2000) / _DAYS_PER_JULIAN_CENTURY
    mean_longitude = 280.46646 + 36000.76983 * t + 0.0003032 * t**2
    anomaly = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t**2)
    centre = (
        (1.914602 - 0.004817 * t - 0.000014 * t**2) * math.sin(anomaly)
        + (0.019993 - 0.000101 * t) * math.sin(2 * anomaly)
        + 0.000289 * math.sin(3 * anomaly)
    )
    node = math.radians(125.04 - 1934.136 * t)
    apparent = mean_longitude + centre - 0.00569 - 0.00478 * math.sin(node)
    return apparent % 360.0


def _delta_t_days(lunation: int) -> float:
    return _delta_t_days_at(_NEW_MOON_EPOCH_JDE + _SYNODIC_MONTH * lunation)


def _delta_t_days_at(julian_day: float) -> float:
    """TT − UT in days, from the Espenak–Meeus polynomials (seconds matter little here)."""
    year = 2000.0 + (julian_day - _J2000) / 365.25
    return _delta_t_seconds(year) / 86400.0


def _delta_t_seconds(year: float) -> float:
    if year < 1900:
        t = year - 1860
        return (
            7.62
            + 0.5737 * t
            - 0.251754 * t**2
            + 0.01680668 * t**3
            - 0.0004473624 * t**4
            + t**5 / 233174
        )
    if year < 1920:
        t = year - 1900
        return -2.79 + 1.494119 * t - 0.0598939 * t**2 + 0.0061966 * t**3 - 0.000197 * t**4
    if year < 1941:
        t = year - 1920
        return 21.20 + 0.84493 * t - 0.076100 * t**2 + 0.0020936 * t**3
    if year < 1961:
        t = year - 1950
        return 29.07 + 0.407 * t - t**2 / 233 + t**3 / 2547
    if year < 1986:
        t = year - 1975
        return 45.45 + 1.067 * t - t**2 / 260 - t**3 / 718
    if year < 2005:
        t = year - 2000
        return (
            63.86
            + 0.3345 * t
            - 0.060374 * t**2
            + 0.0017275 * t**3
            + 0.000651814 * t**4
            + 0.00002373599 * t**5
        )
    if year < 2050:
        t = year - 2000
        return 62.92 + 0.32217 * t + 0.005589 * t**2
    u = (year - 1820) / 100
    return -20 + 32 * u**2 - 0.5628 * (2150 - year)
