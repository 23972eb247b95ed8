"""One AsyncAPI 3.0 document per service: the topics it publishes and consumes."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from vanthu_contracts.events.base import Event
from vanthu_contracts.registry import REGISTRY, EventRegistry
from vanthu_contracts.schemas import JsonSchema, headers_schema, payload_schema
from vanthu_contracts.topics import TOPICS, TopicSpec

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
LOCAL_KAFKA = "127.0.0.1:9092"

SERVICE_DESCRIPTIONS = {
    "intake": "The registry office (văn thư): every document that enters or leaves the agency.",
    "routing": "The work on a document: directions, tasks, deadlines, decisions.",
    "exchange": "Documents between agencies through the hub (edXML, QCVN 102:2016).",
    "archive": "Memory and proof: every event kept in an append-only, hash-chained store.",
}

Document = dict[str, Any]


def asyncapi_document(service: str, registry: EventRegistry = REGISTRY) -> Document:
    sent = [spec for spec in TOPICS.values() if service in spec.publishers]
    received = [spec for spec in TOPICS.values() if service in spec.consumers]
    used = [spec for spec in TOPICS.values() if spec in sent or spec in received]
    classes = [registry.resolve(event_type) for spec in used for event_type in spec.event_types]
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": f"urn:vanthu:service:{service}",
        "info": {
            "title": f"vanthu {service}",
            "version": version("vanthu-contracts"),
            "description": SERVICE_DESCRIPTIONS[service],
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": LOCAL_KAFKA,
                "protocol": "kafka",
                "description": "Apache Kafka (KRaft) on loopback, as started by make run.",
            }
        },
        "channels": {spec.name: _channel(spec) for spec in used},
        "operations": {
            **{_operation_id("send", spec): _operation("send", service, spec) for spec in sent},
            **{
                _operation_id("receive", spec): _operation("receive", service, spec)
                for spec in received
            },
        },
        "components": {
            "messages": {
                cls.event_type: _message(cls, _publishers_of(cls.event_type)) for cls in classes
            },
            "schemas": component_schemas(classes),
        },
    }


def component_schemas(classes: list[type[Event]]) -> dict[str, JsonSchema]:
    """Payload schemas under their event type, and the shared value objects once each."""
    schemas: dict[str, JsonSchema] = {}
    for cls in classes:
        schema = _pointing_at_components(payload_schema(cls))
        for name, definition in schema.pop("$defs", {}).items():
            _add_once(schemas, name, definition)
        schema.pop("$schema")
        schema.pop("$id")
        schemas[cls.event_type] = schema
    return dict(sorted(schemas.items()))


def _add_once(schemas: dict[str, JsonSchema], name: str, definition: JsonSchema) -> None:
    known = schemas.setdefault(name, definition)
    if known != definition:
        raise ValueError(
            f"two different value objects are both called {name!r}; rename one of them"
        )


def _pointing_at_components(schema: Any) -> Any:
    """The same schema with ``#/$defs/X`` references moved to ``#/components/schemas/X``."""
    if isinstance(schema, dict):
        return {
            key: (
                value.replace("#/$defs/", "#/components/schemas/")
                if key == "$ref" and isinstance(value, str)
                else _pointing_at_components(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_pointing_at_components(item) for item in schema]
    return schema


def _publishers_of(event_type: str) -> tuple[str, ...]:
    return next(spec.publishers for spec in TOPICS.values() if event_type in spec.event_types)


def _channel(spec: TopicSpec) -> Document:
    return {
        "address": spec.name,
        "description": spec.description,
        "messages": {
            event_type: {"$ref": f"#/components/messages/{event_type}"}
            for event_type in spec.event_types
        },
        "bindings": {
            "kafka": {
                "topic": spec.name,
                "partitions": spec.partitions,
                "topicConfiguration": {
                    "cleanup.policy": ["compact" if spec.compacted else "delete"]
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operation_id(action: str, spec: TopicSpec) -> str:
    words = spec.name.replace("-", ".").split(".")
    return action + "".join(word.capitalize() for word in words)


def _operation(action: str, service: str, spec: TopicSpec) -> Document:
    verb = "publishes on" if action == "send" else "consumes"
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{spec.name}"},
        "summary": f"{service} {verb} {spec.name}",
        "messages": [
            {"$ref": f"#/channels/{spec.name}/messages/{event_type}"}
            for event_type in spec.event_types
        ],
    }


def _message(cls: type[Event], publishers: tuple[str, ...]) -> Document:
    summary = (cls.__doc__ or cls.__name__).strip().splitlines()[0]
    return {
        "name": cls.event_type,
        "title": cls.__name__,
        "summary": summary,
        "contentType": "application/json",
        "headers": headers_schema(cls.event_type, publishers),
        "payload": {"$ref": f"#/components/schemas/{cls.event_type}"},
        "correlationId": {
            "description": "Follows one document from intake to archive, across agencies.",
            "location": "$message.header#/ce_correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": "UTF-8 id of what the event is about (the document id).",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
