"""The base of every event payload: a frozen, closed pydantic model with a versioned type name."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A fact that happened, published once by its owner and never changed afterwards.

    Subclasses set ``event_type`` (the full CloudEvents ``type``, version included, e.g.
    ``vanthu.intake.document.received.v1``) and ``topic`` (the Kafka topic it travels on).

    A document's trích yếu is called ``subject`` on the wire (glossary, edXML), but ``subject()``
    is taken by the CloudEvents subject, so models keep it in the attribute ``abstract`` with the
    alias ``subject``: build with ``subject=...``, read ``event.abstract``.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
    )

    event_type: ClassVar[str]
    topic: ClassVar[str]

    def subject(self) -> str:
        """What the event is about: the CloudEvents ``subject`` and the Kafka key.

        Every event of one document shares the key, so they land in one partition, in order.
        """
        document_id = getattr(self, "document_id", None)
        if not isinstance(document_id, str):
            raise TypeError(
                f"{type(self).__name__} has no document_id; override subject() to name what it is about"
            )
        return document_id

    def payload_json(self) -> bytes:
        """The compact UTF-8 JSON that travels as the Kafka value (non-ASCII kept as is).

        Unset optional fields are left out rather than sent as null, so adding an optional
        field does not change the records of producers that never fill it.
        """
        return self.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8")
