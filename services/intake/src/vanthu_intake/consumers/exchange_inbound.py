"""`exchange.inbound`: documents other agencies sent us, registered automatically."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from vanthu_contracts import DecodedEvent, PackageReceived

from vanthu_intake import handlers
from vanthu_intake.handlers import Registry, StatusDesk

GROUP = "exchange-inbound"


def handle_package_received(
    registry: Registry, desk: StatusDesk
) -> Callable[[DecodedEvent], Awaitable[None]]:
    async def handle(decoded: DecodedEvent) -> None:
        if isinstance(decoded.event, PackageReceived):
            await handlers.receive_package(registry, desk, decoded.event, decoded.envelope)

    return handle
