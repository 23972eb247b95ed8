"""What an OpenAPI document leaves undescribed: the services' tests that every answer is typed
(the web app's API types are generated from these documents)."""

from __future__ import annotations

from typing import Any

_KINDS = ("type", "$ref", "anyOf", "allOf", "oneOf", "enum", "const")


def undescribed(
    schema: dict[str, Any], schemas: dict[str, Any], seen: set[str] | None = None
) -> list[str]:
    """Where, inside `schema`, a body is left undescribed: an object naming no property and no
    type of its values, or a value of any shape. `schemas`: the document's components."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return [f"{name}.{p}" for p in undescribed(schemas[name], schemas, seen)]
    found: list[str] = []
    for option in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        found += undescribed(option, schemas, seen)
    if schema.get("type") == "array":
        found += undescribed(schema.get("items", {}), schemas, seen)
    if schema.get("type") == "object" or "properties" in schema:
        values = schema.get("additionalProperties")
        if not schema.get("properties") and not isinstance(values, dict):
            found.append("(an object of any shape)")
        for name, field in schema.get("properties", {}).items():
            found += [f"{name}: {p}" for p in undescribed(field, schemas, seen)]
        if isinstance(values, dict):
            found += undescribed(values, schemas, seen)
    if not any(k in schema for k in _KINDS):
        found.append("(any value)")
    return found
