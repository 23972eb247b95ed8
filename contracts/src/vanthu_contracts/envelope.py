"""The CloudEvents 1.0 envelope of every event, in Kafka binary content mode.

Attributes travel as ``ce_*`` headers (UTF-8 bytes), ``datacontenttype`` as ``content-type``, the
payload alone is the value, and the key is what the event is about (the document id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from vanthu_contracts.errors import InvalidHeader, MissingHeader
from vanthu_contracts.events.values import format_instant as format_time
from vanthu_contracts.events.values import is_agency_code

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

SPECVERSION_HEADER = "ce_specversion"
ID_HEADER = "ce_id"
SOURCE_HEADER = "ce_source"
TYPE_HEADER = "ce_type"
TIME_HEADER = "ce_time"
SUBJECT_HEADER = "ce_subject"
CONTENT_TYPE_HEADER = "content-type"
CORRELATION_ID_HEADER = "ce_correlationid"
CAUSATION_ID_HEADER = "ce_causationid"
AGENCY_CODE_HEADER = "ce_agencycode"

REQUIRED_HEADERS = (
    SPECVERSION_HEADER,
    ID_HEADER,
    SOURCE_HEADER,
    TYPE_HEADER,
    TIME_HEADER,
    SUBJECT_HEADER,
    CONTENT_TYPE_HEADER,
    CORRELATION_ID_HEADER,
)
OPTIONAL_HEADERS = (CAUSATION_ID_HEADER, AGENCY_CODE_HEADER)

SOURCE_PATTERN = r"^/vanthu/[a-z]+$"
_SOURCE = re.compile(SOURCE_PATTERN)

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class KafkaRecord:
    """What a producer sends: client-neutral, so any Kafka library can carry it."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers

    def header(self, name: str) -> bytes | None:
        return next((value for key, value in self.headers if key == name), None)

    @property
    def event_id(self) -> str:
        value = self.header(ID_HEADER)
        if value is None:
            raise MissingHeader(ID_HEADER)
        return value.decode("utf-8")


@dataclass(frozen=True)
class Envelope:
    """The CloudEvents attributes of one event, plus our three extensions."""

    id: str
    source: str
    type: str
    specversion: str
    time: datetime
    subject: str
    correlationid: str
    causationid: str | None = None
    agencycode: str | None = None
    datacontenttype: str = CONTENT_TYPE

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError("envelope time must be timezone-aware (UTC on the wire)")

    def to_headers(self) -> Headers:
        pairs: list[tuple[str, str | None]] = [
            (SPECVERSION_HEADER, self.specversion),
            (ID_HEADER, self.id),
            (SOURCE_HEADER, self.source),
            (TYPE_HEADER, self.type),
            (TIME_HEADER, format_time(self.time)),
            (SUBJECT_HEADER, self.subject),
            (CONTENT_TYPE_HEADER, self.datacontenttype),
            (CORRELATION_ID_HEADER, self.correlationid),
            (CAUSATION_ID_HEADER, self.causationid),
            (AGENCY_CODE_HEADER, self.agencycode),
        ]
        return tuple((name, value.encode("utf-8")) for name, value in pairs if value is not None)

    @classmethod
    def from_headers(cls, headers: Sequence[tuple[str, bytes | None]]) -> Envelope:
        """Read the envelope of a received record; raises a ``ContractError`` naming the header."""
        found = _header_texts(headers)
        return cls(
            id=_required(found, ID_HEADER),
            source=_required(found, SOURCE_HEADER),
            type=_required(found, TYPE_HEADER),
            specversion=_specversion(found),
            time=_time(found),
            subject=_required(found, SUBJECT_HEADER),
            correlationid=_required(found, CORRELATION_ID_HEADER),
            causationid=found.get(CAUSATION_ID_HEADER) or None,
            agencycode=_agency_code(found),
            datacontenttype=_content_type(found),
        )


def check_source(source: str) -> str:
    if not _SOURCE.match(source):
        raise ValueError(f"event source {source!r} must look like /vanthu/<service>")
    return source


def check_agency_code_header(value: str) -> str:
    if not is_agency_code(value):
        raise InvalidHeader(AGENCY_CODE_HEADER, f"{value!r} is not an agency identifier code")
    return value


def utc_time(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("event time must be timezone-aware; naive datetimes are refused")
    return value.astimezone(UTC)


def _header_texts(headers: Sequence[tuple[str, bytes | None]]) -> dict[str, str]:
    """Header values by lower-case name; a header with no value counts as absent."""
    texts: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.lower()
        if raw_value is None or not _is_envelope_header(name):
            continue
        if name in texts:
            raise InvalidHeader(name, "appears more than once")
        try:
            texts[name] = bytes(raw_value).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidHeader(name, "value is not UTF-8") from None
    return texts


def _is_envelope_header(name: str) -> bool:
    return name.startswith("ce_") or name == CONTENT_TYPE_HEADER


def _required(found: Mapping[str, str], name: str) -> str:
    value = found.get(name)
    if not value:
        raise MissingHeader(name)
    return value


def _specversion(found: Mapping[str, str]) -> str:
    value = _required(found, SPECVERSION_HEADER)
    if value != SPECVERSION:
        raise InvalidHeader(SPECVERSION_HEADER, f"CloudEvents {value!r} is not supported, only 1.0")
    return value


def _time(found: Mapping[str, str]) -> datetime:
    value = _required(found, TIME_HEADER)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidHeader(TIME_HEADER, f"{value!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidHeader(TIME_HEADER, f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _content_type(found: Mapping[str, str]) -> str:
    value = _required(found, CONTENT_TYPE_HEADER)
    media_type = value.split(";", 1)[0].strip().lower()
    if media_type == "application/cloudevents+json":
        raise InvalidHeader(
            CONTENT_TYPE_HEADER, "structured content mode is not accepted; send binary mode"
        )
    if media_type != CONTENT_TYPE:
        raise InvalidHeader(CONTENT_TYPE_HEADER, f"{value!r} is not {CONTENT_TYPE}")
    return value


def _agency_code(found: Mapping[str, str]) -> str | None:
    value = found.get(AGENCY_CODE_HEADER)
    return check_agency_code_header(value) if value else None
