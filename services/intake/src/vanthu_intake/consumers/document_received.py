"""`document.received` (our own topic): digitise and check the files of each new registration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from vanthu_contracts import DecodedEvent, DocumentReceived

from vanthu_intake import handlers
from vanthu_intake.handlers import Digitiser

GROUP = "digitiser"


def handle_document_received(digitiser: Digitiser) -> Callable[[DecodedEvent], Awaitable[None]]:
    async def handle(decoded: DecodedEvent) -> None:
        # The topic also carries our other events (digitised, verified, voided, issued).
        if isinstance(decoded.event, DocumentReceived):
            await handlers.digitize_document(digitiser, decoded.event, decoded.envelope)

    return handle
