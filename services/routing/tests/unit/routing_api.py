"""Routing's API on in-memory ports: the real routers and error answers, the fakes behind them, a
token per person of one department (a director, a secretary with his delegation, the planning
unit's head and specialist, an administrator)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from vanthu_routing.bootstrap import MAX_BODY_BYTES, ROUTERS
from vanthu_routing.domain.calendar import VIETNAM_TIME
from vanthu_routing.domain.case import case_id_for
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.routing_rules import Route, RoutingRules
from vanthu_routing.handlers import RoutingHandlers
from vanthu_routing.ports import DirectoryUnit, DirectoryUser
from vanthu_runtime.api import create_app
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.settings import AuthSettings

from .routing_documents import received_document
from .routing_fakes import (
    FakeCaseRepository,
    FakeDirectory,
    FakeEvidenceStore,
    FixedClock,
    FoldedIndicators,
)

AGENCY = "000.00.00.H41"
MONDAY = datetime(2027, 1, 25, 9, tzinfo=VIETNAM_TIME)
AUTH = AuthSettings(dev_mode=True, dev_secret="s" * 32)
PEOPLE = {
    "director": (("leader",), None),
    "secretary": (("secretary",), None),
    "plan-head": (("unit_head",), "unit-plan"),
    "em": (("specialist",), "unit-plan"),
    "admin": (("administrator",), None),
}


@dataclass
class Api:
    http: httpx.AsyncClient
    handlers: RoutingHandlers
    cases: FakeCaseRepository
    evidence: FakeEvidenceStore

    def auth(self, who: str) -> dict[str, str]:
        roles, unit = PEOPLE[who]
        token = issue_dev_token(
            AUTH, user_id=who, agency_code=AGENCY, roles=list(roles), full_name=who, unit_id=unit
        )
        return {"Authorization": f"Bearer {token}"}

    async def received(self, **changes: object) -> str:
        event = received_document(
            agency_code=AGENCY, received_at=MONDAY - timedelta(days=3), **changes
        )
        await self.handlers.open_cases([event])  # type: ignore[list-item]
        return case_id_for(AGENCY, event.document_id)  # type: ignore[attr-defined]


async def routing_api() -> AsyncIterator[Api]:
    """The API as `bootstrap.create_api` builds it (routers, body limit), on the fakes."""
    people = FakeDirectory()
    for user_id, (roles, unit) in PEOPLE.items():
        people.people[(AGENCY, user_id)] = DirectoryUser(
            AGENCY, user_id, user_id, unit_id=unit, roles=roles
        )
    people.divisions[(AGENCY, "unit-plan")] = DirectoryUnit(AGENCY, "unit-plan", "Phòng Kế hoạch")
    people.rules[AGENCY] = RoutingRules(default=Route("director", "unit-plan"))
    people.grants[(AGENCY, "del-1")] = Delegation(
        "del-1", "director", "secretary", MONDAY - timedelta(days=30), None
    )
    found, evidence = FakeCaseRepository(), FakeEvidenceStore()
    handlers = RoutingHandlers(
        cases=found, directory=people, evidence=evidence, clock=FixedClock(MONDAY)
    )
    app = create_app(
        service="routing", routers=ROUTERS, auth_settings=AUTH, max_body_bytes=MAX_BODY_BYTES
    )
    app.state.handlers = handlers
    app.state.indicators = FoldedIndicators(handlers)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://routing"
    ) as client:
        yield Api(client, handlers, found, evidence)
