"""Numbers beyond what the store holds (64 bits) and days at the ends of the calendar in intake's
query parameters are answered 422 naming the parameter, never 500 (issue 16 item 7)."""

from __future__ import annotations

import pytest

BEYOND_64_BITS = str(2**63)


def named(body: dict) -> set[str]:
    """The parameters a 422 names, whichever of FastAPI's or intake's shapes it has."""
    return {str(problem["loc"][-1]) for problem in body["detail"]}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        (f"number={BEYOND_64_BITS}", "number"),
        ("number=" + "9" * 40, "number"),
        (f"offset={BEYOND_64_BITS}", "offset"),
        (f"year={BEYOND_64_BITS}", "year"),
        ("registered_from=0001-01-01", "registered_from"),
        ("registered_to=0001-01-01", "registered_to"),
        ("registered_from=9999-12-31", "registered_from"),
        ("registered_to=9999-12-31", "registered_to"),
    ],
)
async def test_a_listing_query_out_of_range_is_refused_naming_the_parameter(
    clerk, query: str, parameter: str
) -> None:
    response = await clerk.get(f"/v1/documents?{query}")

    assert response.status_code == 422, response.text
    assert named(response.json()) == {parameter}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("from=0001-01-01&to=0001-12-31", "from"),
        ("from=9999-01-01&to=9999-12-31", "to"),
    ],
)
async def test_a_register_for_days_at_the_ends_of_the_calendar_is_refused_naming_the_day(
    clerk, query: str, parameter: str
) -> None:
    response = await clerk.get(f"/v1/registers/incoming.pdf?{query}")

    assert response.status_code == 422, response.text
    assert parameter in named(response.json())


async def test_the_widest_sensible_listing_still_answers(clerk) -> None:
    response = await clerk.get(
        f"/v1/documents?number={2**63 - 1}&offset={2**63 - 1}"
        "&registered_from=1900-01-01&registered_to=9998-12-31"
    )

    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
