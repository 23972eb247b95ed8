"""Refusals of the routing domain, worded for the clerk who reads them.

Each error carries an English message (``str(error)``) and a Vietnamese one (``message_vi``), so
the API can show either; the API maps the classes to status codes: InvalidTransition → 409,
NotPermitted → 403, InvalidInput → 422, UnknownItem → 404.
"""

from __future__ import annotations


class RoutingError(Exception):
    """Something the routing rules refuse; nothing was changed."""

    def __init__(self, message: str, message_vi: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_vi = message_vi or message


class InvalidTransition(RoutingError):
    """The case, task or draft is not in a state where this can happen (HTTP 409)."""


class NotPermitted(RoutingError):
    """The person is not the one the rules allow to do this (HTTP 403)."""


class InvalidInput(RoutingError, ValueError):
    """What was asked is incomplete or contradicts itself (HTTP 422)."""


class EvidenceRequired(InvalidInput):
    """A decision recorded on someone's behalf lacks the scanned paper it came from."""


class UnknownItem(RoutingError):
    """The task or draft named does not belong to this case (HTTP 404)."""
