"""Errors the runtime raises in domain words, so callers never catch a client library's exception."""

from __future__ import annotations


class VanthuError(Exception):
    """Base of the errors this library raises."""


class AlreadyExists(VanthuError):
    """A write would break a unique index: the thing is already there."""

    def __init__(self, collection: str, key: dict[str, object]) -> None:
        self.collection = collection
        self.key = key
        shown = ", ".join(f"{k}={v!r}" for k, v in key.items()) or "unknown key"
        super().__init__(f"{collection}: a record with {shown} already exists")


class PermanentFailure(VanthuError):
    """A message that can never succeed: retrying is pointless, it goes to the dead-letter topic."""


class DependencyUnavailable(VanthuError):
    """A server the service needs (Kafka, Mongo-wire, MinIO) did not answer."""
