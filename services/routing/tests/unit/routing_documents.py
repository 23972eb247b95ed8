"""Registered documents for routing's tests: the contracts' golden DocumentReceived is a
confidential one with named readers, while most tests are about the work on an ordinary document,
so that is what they get unless they say otherwise."""

from __future__ import annotations

from typing import Any

from harness.samples import sample_event
from vanthu_contracts import DocumentReceived, Event
from vanthu_contracts.events.values import Confidentiality

ORDINARY: dict[str, Any] = {"confidentiality": Confidentiality.NORMAL, "readers": ()}


def received_document(**changes: Any) -> Event:
    """A DocumentReceived with fresh ids, ordinary (no secrecy, no readers) unless `changes` say
    otherwise."""
    return sample_event(DocumentReceived.event_type, **{**ORDINARY, **changes})
