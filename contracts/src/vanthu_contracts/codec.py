"""Events to Kafka records and back (CloudEvents 1.0, Kafka binary content mode)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from vanthu_contracts.envelope import (
    SPECVERSION,
    SUBJECT_HEADER,
    Envelope,
    KafkaRecord,
    check_agency_code_header,
    check_source,
    utc_time,
)
from vanthu_contracts.errors import (
    InvalidHeader,
    InvalidPayload,
    MalformedJson,
    MissingUpcaster,
    PayloadProblem,
    UnknownEventType,
)
from vanthu_contracts.events.base import Event
from vanthu_contracts.registry import REGISTRY, EventRegistry
from vanthu_contracts.upcasting import UPCASTERS, Upcasters


@dataclass(frozen=True)
class DecodedEvent:
    """A received event: its envelope as sent, and its payload as the latest model."""

    envelope: Envelope
    event: Event


def encode(
    event: Event,
    *,
    source: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    agency_code: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> KafkaRecord:
    """The Kafka record that publishes ``event`` from ``source`` (``/vanthu/<service>``).

    ``correlation_id`` defaults to the new event's id (the event starts a story);
    ``agency_code`` defaults to the event's own ``agency_code`` when it has one.
    """
    envelope = envelope_for(
        event,
        source=source,
        correlation_id=correlation_id,
        causation_id=causation_id,
        agency_code=agency_code,
        event_id=event_id,
        time=time,
    )
    return KafkaRecord(
        topic=event.topic,
        key=event.subject().encode("utf-8"),
        value=event.payload_json(),
        headers=envelope.to_headers(),
    )


def envelope_for(
    event: Event,
    *,
    source: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    agency_code: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    """The envelope ``encode`` would put around ``event``."""
    new_id = event_id or str(uuid.uuid4())
    code = agency_code if agency_code is not None else getattr(event, "agency_code", None)
    return Envelope(
        id=new_id,
        source=check_source(source),
        type=event.event_type,
        specversion=SPECVERSION,
        time=utc_time(time),
        subject=event.subject(),
        correlationid=correlation_id or new_id,
        causationid=causation_id,
        agencycode=check_agency_code_header(code) if code is not None else None,
    )


def decode(
    headers: Sequence[tuple[str, bytes | None]],
    value: bytes | None,
    *,
    registry: EventRegistry = REGISTRY,
    upcasters: Upcasters = UPCASTERS,
) -> DecodedEvent:
    """Read a received record; old versions come back upcast to the latest model.

    Raises a ``ContractError`` whose message names what is wrong: the missing header, the
    unknown type, the failing payload fields, or the JSON that does not parse.
    """
    envelope = Envelope.from_headers(headers)
    payload = parse_payload(value)
    event = read_event(envelope.type, payload, registry=registry, upcasters=upcasters)
    if event.subject() != envelope.subject:
        raise InvalidHeader(
            SUBJECT_HEADER,
            f"says {envelope.subject!r} but the payload is about {event.subject()!r}",
        )
    return DecodedEvent(envelope=envelope, event=event)


def decode_record(record: KafkaRecord) -> DecodedEvent:
    return decode(record.headers, record.value)


def parse_payload(value: bytes | None) -> dict[str, Any]:
    if not value:
        raise MalformedJson("the record has no value")
    try:
        payload = json.loads(value.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise MalformedJson(f"not UTF-8 at byte {error.start}") from None
    except json.JSONDecodeError as error:
        raise MalformedJson(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    if not isinstance(payload, dict):
        raise MalformedJson(f"found a JSON {type(payload).__name__} instead")
    return payload


def read_event(
    event_type: str,
    payload: dict[str, Any],
    *,
    registry: EventRegistry = REGISTRY,
    upcasters: Upcasters = UPCASTERS,
) -> Event:
    """The latest model of a payload of ``event_type``, running the upcaster chain if needed."""
    if event_type not in registry and not upcasters.can_upcast(event_type):
        raise UnknownEventType(event_type)
    if event_type in registry:
        # Checked against its own version first, so errors name the fields the producer sent.
        event = validate_payload(registry.resolve(event_type), payload)
        if not upcasters.can_upcast(event_type):
            _ensure_latest(event_type, registry)
            return event
    latest_type, latest_payload = upcasters.upcast(event_type, payload)
    _ensure_latest(latest_type, registry)
    return validate_payload(registry.resolve(latest_type), latest_payload)


def validate_payload(cls: type[Event], payload: dict[str, Any]) -> Event:
    try:
        return cls.model_validate(payload)
    except ValidationError as error:
        raise InvalidPayload(cls.event_type, _problems(error)) from None


def _ensure_latest(event_type: str, registry: EventRegistry) -> None:
    if event_type not in registry:
        raise UnknownEventType(event_type)
    latest = registry.latest_type(event_type)
    if latest is not None and latest != event_type:
        raise MissingUpcaster(event_type, latest)


def _problems(error: ValidationError) -> list[PayloadProblem]:
    return [
        PayloadProblem(
            field=".".join(str(part) for part in detail["loc"]) or "(payload)",
            message=detail["msg"],
        )
        for detail in error.errors(include_url=False)
    ]
