"""`exchange.status`: how our outgoing documents travel and what their recipients report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from vanthu_contracts import DecodedEvent, DeliveryStatusChanged, ProcessingStatusReceived

from vanthu_intake import handlers
from vanthu_intake.handlers import Registry

GROUP = "exchange-status"


def handle_exchange_status(registry: Registry) -> Callable[[DecodedEvent], Awaitable[None]]:
    async def handle(decoded: DecodedEvent) -> None:
        if isinstance(decoded.event, DeliveryStatusChanged | ProcessingStatusReceived):
            await handlers.record_exchange_status(registry, decoded.event, decoded.envelope)

    return handle
