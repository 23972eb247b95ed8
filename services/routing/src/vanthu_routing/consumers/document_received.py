"""document.received → a case awaiting the leader's direction (one per document and agency)."""

from __future__ import annotations

from vanthu_contracts import DecodedEvent, DocumentReceived
from vanthu_runtime.kafka_consumer import Handler

from vanthu_routing.handlers import RoutingHandlers


def open_cases(handlers: RoutingHandlers) -> Handler:
    async def handle(decoded: DecodedEvent) -> None:
        event = decoded.event
        # Other facts on the topic (OCR done, signatures checked, outgoing issued) do not
        # open a case.
        if isinstance(event, DocumentReceived):
            await handlers.open_case(
                event, event_id=decoded.envelope.id, correlation_id=decoded.envelope.correlationid
            )

    return handle
