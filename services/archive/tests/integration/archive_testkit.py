"""What the archive's tests share: a contract event as the record the worker would have stored."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from vanthu_archive.domain.hashchain import StoredRecord
from vanthu_contracts import Event, encode
from vanthu_runtime.settings import AuthSettings

AUTH = AuthSettings(dev_mode=True, dev_secret=secrets.token_hex(32))
"""The dev auth the `api` fixture's archive takes (tests sign their callers' tokens with it)."""


def stored_event(
    event: Event,
    offset: int,
    *,
    partition: int = 0,
    topic: str | None = None,
    at: datetime | None = None,
    source: str = "/vanthu/tests",
) -> StoredRecord:
    """``event`` encoded as its service publishes it, at ``offset`` of ``topic`` (its own by
    default); ``at`` is both the event's time and the record's (now by default)."""
    if at is None:
        encoded = encode(event, source=source, event_id=str(uuid.uuid4()))
        at = datetime.now(UTC)
    else:
        encoded = encode(event, source=source, event_id=str(uuid.uuid4()), time=at)
    return StoredRecord(
        topic=topic or event.topic,
        partition=partition,
        offset=offset,
        timestamp=at,
        key=encoded.key,
        value=encoded.value,
        headers=list(encoded.headers),
        arrived_at=at,
    )
