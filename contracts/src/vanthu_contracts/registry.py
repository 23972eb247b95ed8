"""Which pydantic model reads which CloudEvents ``type``.

A type name is ``vanthu.<service>.<entity>.<verb>.v<N>``: the service owns the contract, the
version is part of the name, and a *family* is the name without its version.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from vanthu_contracts.errors import UnknownEventType

if TYPE_CHECKING:
    from vanthu_contracts.events.base import Event

EVENT_TYPE_PATTERN = r"^vanthu\.([a-z]+)\.([a-z][a-z-]*)\.([a-z][a-z-]*)\.v([1-9][0-9]*)$"
_EVENT_TYPE = re.compile(EVENT_TYPE_PATTERN)

E = TypeVar("E", bound="type[Event]")


@dataclass(frozen=True, order=True)
class EventTypeName:
    """A parsed event type name, e.g. ``vanthu.intake.document.received.v1``."""

    owner: str
    entity: str
    verb: str
    version: int

    @classmethod
    def parse(cls, event_type: str) -> EventTypeName:
        match = _EVENT_TYPE.match(event_type)
        if match is None:
            raise ValueError(
                f"{event_type!r} is not an event type name; "
                "expected vanthu.<service>.<entity>.<verb>.v<N>"
            )
        owner, entity, verb, version = match.groups()
        return cls(owner, entity, verb, int(version))

    @property
    def family(self) -> str:
        return f"vanthu.{self.owner}.{self.entity}.{self.verb}"

    def __str__(self) -> str:
        return f"{self.family}.v{self.version}"


@functools.lru_cache(maxsize=256)
def _parse_cached(event_type: str) -> EventTypeName:
    return EventTypeName.parse(event_type)


class EventRegistry:
    """Event classes by type name. The package registers its events in ``REGISTRY``."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Event]] = {}
        # Kept up to date on registration: decode asks for it on every record.
        self._latest: dict[str, EventTypeName] = {}

    def register(self, cls: E) -> E:
        """Class decorator: make ``cls`` the reader of ``cls.event_type``."""
        name = EventTypeName.parse(cls.event_type)
        if not getattr(cls, "topic", None):
            raise TypeError(f"{cls.__name__} must say which topic it travels on")
        known = self._classes.get(cls.event_type)
        if known is not None and known is not cls:
            raise ValueError(f"{cls.event_type!r} is already registered to {known.__name__}")
        self._classes[str(name)] = cls
        latest = self._latest.get(name.family)
        if latest is None or latest.version < name.version:
            self._latest[name.family] = name
        return cls

    def resolve(self, event_type: str) -> type[Event]:
        try:
            return self._classes[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._classes

    def __iter__(self) -> Iterator[type[Event]]:
        return iter(self._classes[name] for name in self.event_types())

    def event_types(self) -> list[str]:
        """Every registered type name, grouped by family and ordered by version."""
        return [str(name) for name in sorted(map(EventTypeName.parse, self._classes))]

    def latest_type(self, event_type: str) -> str | None:
        """The newest registered version of ``event_type``'s family, if any is registered."""
        latest = self._latest.get(_parse_cached(event_type).family)
        return str(latest) if latest is not None else None

    def on_topic(self, topic: str) -> list[str]:
        return [cls.event_type for cls in self if cls.topic == topic]


REGISTRY = EventRegistry()
register_event = REGISTRY.register
