"""document.received → a case awaiting the leader's direction (one per document and agency),
closed as voided when the registry voids the document.

What one `getmany` returns, from every partition at once, is opened together
(`RoutingHandlers.open_cases`: the rules and leaders of the batch in a few reads, the cases
written at once) through the runtime loop's `batch_handler`: one read and one write of the
processed marks and one commit of every partition's offset. When the batch fails, each of its
events goes through the runtime's own path one by one (retries, then the dead letter).
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from vanthu_contracts import DecodedEvent, DocumentReceived, DocumentVoided
from vanthu_runtime.kafka_consumer import BatchHandler, Handler

from vanthu_routing.handlers import RoutingHandlers

log = structlog.get_logger(__name__)


def open_cases(handlers: RoutingHandlers) -> Handler:
    """The handler of one event."""
    handle_batch = open_cases_in_batches(handlers)

    async def handle(decoded: DecodedEvent) -> None:
        await handle_batch([decoded])

    return handle


def open_cases_in_batches(handlers: RoutingHandlers) -> BatchHandler:
    async def handle(batch: Sequence[DecodedEvent]) -> None:
        # Other facts on the topic (OCR done, signatures checked, outgoing issued) do not
        # open a case.
        received = [d.event for d in batch if isinstance(d.event, DocumentReceived)]
        if received:
            await handlers.open_cases(received)
        # After the openings: a document's void follows its registration on its partition.
        voided = [d.event for d in batch if isinstance(d.event, DocumentVoided)]
        if voided:
            await handlers.void_cases(voided)

    return handle
