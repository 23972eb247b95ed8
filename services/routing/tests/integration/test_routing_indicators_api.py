"""`GET /reports/indicators`: routing's API answers from its copy of the figures the indicators
worker publishes (ADR 0051), a leader for the agency, a unit head for his unit only."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from harness.processes import ServiceProcess, free_port
from vanthu_routing.domain.calendar import WorkingCalendar
from vanthu_runtime.platform import PlatformSettings

from .conftest import Organisation, RoutingDeployment
from .indicators_burst import local_today, make_burst, recount
from .test_routing_indicators import _publish

CALENDAR = WorkingCalendar()
SHOWN = ("now", "months", "received", "issued", "processing_time", "urgings")


@pytest.fixture
def indicators_worker(routing: RoutingDeployment) -> Iterator[ServiceProcess]:
    """An indicators worker of the routing deployment's database, so of its API's kpi topic."""
    process = ServiceProcess(
        "routing",
        "indicators",
        free_port(),
        {**routing.env, "VANTHU_ROUTING_INDICATORS_PUBLISH_INTERVAL_S": "0.5"},
        routing.logs / f"indicators-{secrets.token_hex(3)}.log",
    ).start()
    try:
        process.wait_ready(timeout=120)
        yield process
    finally:
        process.stop()


async def _shown(http: httpx.AsyncClient, org: Organisation, who: str) -> dict[str, Any]:
    response = await http.get("/reports/indicators", headers=org.auth(who))
    assert response.status_code == 200, response.text
    return {part: response.json()[part] for part in SHOWN}


async def test_the_leader_reads_the_agency_s_indicators_and_a_unit_head_his_unit_s(
    indicators_worker: ServiceProcess,
    http: httpx.AsyncClient,
    org: Organisation,
    platform_settings: PlatformSettings,
) -> None:
    planning, finance = org.ids["planning"], org.ids["finance"]
    burst = make_burst(
        [org.agency], 30, local_today(), seed=7, units_of={org.agency: [planning, finance]}
    )
    await _publish(platform_settings.kafka, burst)
    expected = {
        part: value for part, value in recount(burst, org.agency, CALENDAR).items() if part in SHOWN
    }
    shown: dict[str, Any] = {}
    for _ in range(240):
        shown = await _shown(http, org, "director")
        if shown == expected:
            break
        await asyncio.sleep(0.5)
    assert shown == expected

    head = await _shown(http, org, "planning_head")
    assert set(head["now"]["units"]) == {planning}
    assert head["now"]["units"][planning] == expected["now"]["units"][planning]
    assert head["now"]["people"] == {}
    assert head["received"] == {}
    assert all(set(sides["units"]) <= {planning} for sides in head["months"].values())
    assert all(set(sides["units"]) <= {planning} for sides in head["urgings"].values())

    refused = await http.get("/reports/indicators", headers=org.auth("specialist"))
    assert refused.status_code == 403
