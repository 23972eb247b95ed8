"""The working-day calendar as the web app shows it beside a deadline: holidays named, weekends
and make-up days told apart, bad periods refused naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .routing_api import Api, routing_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async for found in routing_api():
        yield found


async def test_the_calendar_names_the_holidays_of_a_period_and_counts_them_as_days_off(api):
    response = await api.http.get(
        "/calendar", params={"from": "2026-04-28", "to": "2026-05-04"}, headers=api.auth("em")
    )

    assert response.status_code == 200, response.text
    days = {d["date"]: d for d in response.json()["days"]}
    assert list(days) == [
        f"2026-{d}" for d in ("04-28", "04-29", "04-30", "05-01", "05-02", "05-03", "05-04")
    ]
    assert days["2026-04-28"]["working"] is True
    assert days["2026-04-30"]["working"] is False
    assert days["2026-04-30"]["day_off"]["name_vi"] == "Ngày Chiến thắng"
    assert days["2026-05-01"]["day_off"]["name_vi"] == "Ngày Quốc tế lao động"
    assert days["2026-05-02"] == {
        "date": "2026-05-02",
        "working": False,
        "weekend": True,
        "day_off": None,
    }


async def test_a_period_ending_before_it_starts_is_refused_naming_the_field(api):
    response = await api.http.get(
        "/calendar", params={"from": "2026-05-04", "to": "2026-05-01"}, headers=api.auth("em")
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "to: is before 'from'"


async def test_a_year_the_lunar_calendar_does_not_cover_is_refused_naming_the_field(api):
    response = await api.http.get(
        "/calendar", params={"from": "2026-12-01", "to": "9999-01-01"}, headers=api.auth("em")
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "to: the calendar covers 1901–2100"
