"""Turning payloads of old event versions into the current one, one version at a time.

An upcaster is a pure function from the JSON object of version N to the JSON object of
version N+1 of the same family. Decoding walks the chain v1 -> v2 -> v3 ... so a consumer only
ever sees the latest model, however old the record it reads.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from vanthu_contracts.registry import EventTypeName

Payload = dict[str, Any]
UpcastFn = Callable[[Payload], Payload]


class Upcasters:
    """Upcasters by the type they read. The package registers its own in ``UPCASTERS``."""

    def __init__(self) -> None:
        self._steps: dict[str, tuple[str, UpcastFn]] = {}

    def upcaster(self, from_type: str, to_type: str) -> Callable[[UpcastFn], UpcastFn]:
        """Decorator: register ``fn`` as the step from ``from_type`` to the next version."""
        self._check_step(from_type, to_type)

        def register(fn: UpcastFn) -> UpcastFn:
            if from_type in self._steps:
                raise ValueError(f"an upcaster from {from_type!r} is already registered")
            self._steps[from_type] = (to_type, fn)
            return fn

        return register

    def upcast(self, event_type: str, payload: Payload) -> tuple[str, Payload]:
        """Walk the chain from ``event_type`` as far as it goes; the input is left untouched."""
        current_type, current = event_type, copy.deepcopy(payload)
        while current_type in self._steps:
            current_type, step = self._steps[current_type]
            current = step(current)
        return current_type, current

    def can_upcast(self, event_type: str) -> bool:
        return event_type in self._steps

    @staticmethod
    def _check_step(from_type: str, to_type: str) -> None:
        source, target = EventTypeName.parse(from_type), EventTypeName.parse(to_type)
        if source.family != target.family or target.version != source.version + 1:
            raise ValueError(
                f"an upcaster goes from one version to the next of the same event: "
                f"{from_type!r} -> {to_type!r} does not"
            )


UPCASTERS = Upcasters()
upcaster = UPCASTERS.upcaster
