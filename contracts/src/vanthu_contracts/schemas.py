"""JSON Schemas of the event payloads and of the CloudEvents Kafka headers."""

from __future__ import annotations

from typing import Any

from vanthu_contracts.envelope import (
    AGENCY_CODE_HEADER,
    CAUSATION_ID_HEADER,
    CONTENT_TYPE,
    CONTENT_TYPE_HEADER,
    CORRELATION_ID_HEADER,
    ID_HEADER,
    REQUIRED_HEADERS,
    SOURCE_HEADER,
    SPECVERSION,
    SPECVERSION_HEADER,
    SUBJECT_HEADER,
    TIME_HEADER,
    TYPE_HEADER,
)
from vanthu_contracts.events.base import Event
from vanthu_contracts.events.values import (
    AGENCY_CODE_MAX_LENGTH,
    AGENCY_CODE_PATTERN,
    TEST_ENVIRONMENT_AGENCY_CODE_PATTERN,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_PREFIX = "urn:vanthu:contracts:schema:"

JsonSchema = dict[str, Any]


def schema_id(event_type: str) -> str:
    return f"{SCHEMA_ID_PREFIX}{event_type}"


def payload_schema(cls: type[Event]) -> JsonSchema:
    """The JSON Schema a payload of ``cls`` must satisfy, as published in ``schemas/``."""
    schema = cls.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id(cls.event_type), **schema}


def headers_schema(event_type: str, publishers: tuple[str, ...]) -> JsonSchema:
    """The Kafka headers of a record carrying ``event_type`` (values are UTF-8 text)."""
    text = {"type": "string", "minLength": 1}
    properties: dict[str, JsonSchema] = {
        SPECVERSION_HEADER: {"type": "string", "const": SPECVERSION},
        ID_HEADER: {**text, "description": "Event id, a UUID; consumers deduplicate on it."},
        SOURCE_HEADER: {
            "type": "string",
            "enum": [f"/vanthu/{service}" for service in publishers],
            "description": "The publishing service.",
        },
        TYPE_HEADER: {"type": "string", "const": event_type},
        TIME_HEADER: {
            "type": "string",
            "format": "date-time",
            "description": "When the event happened, RFC 3339 in UTC.",
        },
        SUBJECT_HEADER: {**text, "description": "What the event is about; equals the key."},
        CONTENT_TYPE_HEADER: {"type": "string", "const": CONTENT_TYPE},
        CORRELATION_ID_HEADER: {
            **text,
            "description": "One id for the whole life of a document, across agencies.",
        },
        CAUSATION_ID_HEADER: {**text, "description": "Id of the event that caused this one."},
        AGENCY_CODE_HEADER: {
            "type": "string",
            "anyOf": [
                {"pattern": AGENCY_CODE_PATTERN},
                {"pattern": TEST_ENVIRONMENT_AGENCY_CODE_PATTERN},
            ],
            "maxLength": AGENCY_CODE_MAX_LENGTH,
            "description": "The agency whose record this is.",
        },
    }
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in Kafka binary content mode.",
        "required": list(REQUIRED_HEADERS),
        "properties": properties,
    }
