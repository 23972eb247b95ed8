"""Errors raised when a Kafka record does not honour the event contracts.

Every message is written for the person reading a dead-letter topic: it names the header, the
event type or the payload fields that are wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ContractError(ValueError):
    """A record or an event that breaks the published contract."""


class MissingHeader(ContractError):
    def __init__(self, header: str) -> None:
        self.header = header
        super().__init__(f"required Kafka header {header!r} is missing or empty")


class InvalidHeader(ContractError):
    def __init__(self, header: str, reason: str) -> None:
        self.header = header
        self.reason = reason
        super().__init__(f"Kafka header {header!r} is invalid: {reason}")


class UnknownEventType(ContractError):
    def __init__(self, event_type: str) -> None:
        self.event_type = event_type
        super().__init__(f"unknown event type {event_type!r}: no contract is registered for it")


class MissingUpcaster(ContractError):
    def __init__(self, reached_type: str, latest_type: str) -> None:
        self.reached_type = reached_type
        self.latest_type = latest_type
        super().__init__(
            f"cannot upcast {reached_type!r} to the latest version {latest_type!r}: "
            "no upcaster is registered for that step"
        )


class MalformedJson(ContractError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"message value is not a JSON object: {reason}")


@dataclass(frozen=True)
class PayloadProblem:
    """One failing field: its dotted path inside the payload and what is wrong with it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidPayload(ContractError):
    def __init__(self, event_type: str, problems: Sequence[PayloadProblem]) -> None:
        self.event_type = event_type
        self.problems = tuple(problems)
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"payload of {event_type!r} breaks its contract: {listed}")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(problem.field for problem in self.problems)
