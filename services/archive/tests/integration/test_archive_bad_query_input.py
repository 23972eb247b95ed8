"""Bad query input to the archive (issue 16 item 7): integers beyond 64 bits and dates at the ends
of the calendar are refused with 422 naming the field, never a 500."""

from __future__ import annotations

import httpx
import pytest
from archive_testkit import AUTH
from vanthu_runtime.auth import issue_dev_token

BEYOND_64_BITS = "9223372036854775808"
FIRST_DAY = "0001-01-01"
LAST_DAY = "9999-12-31"


REFUSED = [
    ("/archive/search", "page", BEYOND_64_BITS),
    ("/archive/search", "page_size", BEYOND_64_BITS),
    ("/archive/search", "page", f"-{BEYOND_64_BITS}"),
    ("/archive/search", "offset", BEYOND_64_BITS),
    ("/archive/search", "limit", BEYOND_64_BITS),
    ("/archive/search", "since", BEYOND_64_BITS),
    ("/archive/search", "issued_from", FIRST_DAY),
    ("/archive/search", "issued_to", LAST_DAY),
    ("/archive/search", "issued_from", BEYOND_64_BITS),
    ("/archive/search", "received_from", f"{FIRST_DAY}T00:00:00+07:00"),
    ("/archive/search", "received_from", f"{FIRST_DAY}T00:00:00Z"),
    ("/archive/search", "received_to", f"{LAST_DAY}T23:59:59-07:00"),
    ("/archive/search", "received_to", f"{LAST_DAY}T23:59:59Z"),
    ("/archive/search", "received_from", BEYOND_64_BITS),
    ("/archive/audit/verify", "from", f"{FIRST_DAY}T00:00:00+07:00"),
    ("/archive/audit/verify", "to", f"{LAST_DAY}T23:59:59Z"),
    ("/archive/audit/verify", "from", BEYOND_64_BITS),
    ("/archive/audit/verify", "since", BEYOND_64_BITS),
    ("/archive/audit/actions?user_id=u1", "from", f"{FIRST_DAY}T00:00:00+07:00"),
    ("/archive/audit/actions?user_id=u1", "to", f"{LAST_DAY}T23:59:59Z"),
    ("/archive/audit/actions?user_id=u1", "from", BEYOND_64_BITS),
    ("/archive/records-files", "offset", BEYOND_64_BITS),
    ("/archive/records-files", "limit", BEYOND_64_BITS),
]


@pytest.mark.parametrize(("path", "field", "value"), REFUSED)
async def test_an_out_of_range_query_value_is_refused_naming_the_field(
    api: httpx.AsyncClient, path: str, field: str, value: str
) -> None:
    jwt = issue_dev_token(AUTH, user_id="u1", agency_code="000.00.00.H41", roles=["auditor"])
    separator = "&" if "?" in path else "?"

    response = await api.get(
        f"{path}{separator}{field}={httpx.QueryParams({'v': value})['v']}",
        headers={"Authorization": f"Bearer {jwt}"},
        params=None,
    )

    assert response.status_code == 422, response.text
    assert field in [str(part) for item in response.json()["detail"] for part in item["loc"]]


@pytest.mark.parametrize("year", [BEYOND_64_BITS, f"-{BEYOND_64_BITS}", "1"])
async def test_a_file_plan_year_beyond_the_calendar_is_refused_naming_the_year(
    api: httpx.AsyncClient, year: str
) -> None:
    jwt = issue_dev_token(AUTH, user_id="u1", agency_code="000.00.00.H41", roles=["clerk"])

    response = await api.get(
        f"/archive/file-plans/{year}", headers={"Authorization": f"Bearer {jwt}"}
    )

    assert response.status_code == 422, response.text
    assert "year" in [str(part) for item in response.json()["detail"] for part in item["loc"]]
