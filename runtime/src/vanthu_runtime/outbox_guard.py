"""Keeps `OutboxCollection` the only writer of outbox collections (ADR 0004).

PyMongo announces a command to its listeners in the task that issues it, so a context variable
set by the guarded write path is visible to the listener, which reports any insert, update or
findAndModify of an outbox collection issued without it. A collection counts as an outbox
collection once an `OutboxCollection` or a relay was made for it in this process. Every client of
`create_mongo_client` carries the listener; tests fail on what it reports.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import structlog
from pymongo import monitoring

log = structlog.get_logger(__name__)

_guarded_write: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "vanthu_outbox_write", default=False
)
_outbox_collections: set[tuple[str, str]] = set()
_WRITE_COMMANDS = frozenset({"insert", "update", "findAndModify", "findandmodify"})


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Mark the writes inside the block as the guarded path's own."""
    token = _guarded_write.set(True)
    try:
        yield
    finally:
        _guarded_write.reset(token)


def register(collection: Any) -> None:
    _outbox_collections.add((collection.database.name, collection.name))


@dataclass(frozen=True)
class UnguardedWrite:
    database: str
    collection: str
    command: str


class OutboxGuard(monitoring.CommandListener):
    def __init__(self) -> None:
        self.violations: list[UnguardedWrite] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in _WRITE_COMMANDS or _guarded_write.get():
            return
        collection = event.command.get(event.command_name)
        if isinstance(collection, str) and (event.database_name, collection) in (
            _outbox_collections
        ):
            violation = UnguardedWrite(event.database_name, collection, event.command_name)
            self.violations.append(violation)
            log.error("write to an outbox collection outside OutboxCollection", **vars(violation))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return


outbox_guard = OutboxGuard()
