"""`decision.recorded`: drafts a leader approved, which the clerk may then number and issue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from vanthu_contracts import DecodedEvent
from vanthu_contracts.events.routing import DraftApproved

from vanthu_intake import handlers
from vanthu_intake.handlers import Registry

GROUP = "drafts"


def handle_draft_approved(registry: Registry) -> Callable[[DecodedEvent], Awaitable[None]]:
    async def handle(decoded: DecodedEvent) -> None:
        # The topic also carries every DecisionRecorded, which intake does not need.
        if isinstance(decoded.event, DraftApproved):
            await handlers.keep_approved_draft(registry, decoded.event)

    return handle
