"""Intake's OpenAPI document describes every answer (the web app's types are generated from it):
no route of intake answers an undescribed JSON body."""

from __future__ import annotations

from typing import Any

import pytest
from vanthu_intake.bootstrap import create_api


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = create_api().openapi()
    return document


def _own_paths() -> list[tuple[str, str]]:
    document = create_api().openapi()
    return sorted(
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if not path.startswith(("/health", "/metrics", "/ready"))
    )


OWN_PATHS = _own_paths()


def _undescribed(schema: dict[str, Any], schemas: dict[str, Any], seen: set[str]) -> list[str]:
    """Where, inside `schema`, a body is left undescribed: an object naming no property and no
    type of its values, or a value of any shape."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return [f"{name}.{p}" for p in _undescribed(schemas[name], schemas, seen)]
    found: list[str] = []
    for option in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        found += _undescribed(option, schemas, seen)
    if schema.get("type") == "array":
        found += _undescribed(schema.get("items", {}), schemas, seen)
    if schema.get("type") == "object" or "properties" in schema:
        values = schema.get("additionalProperties")
        if not schema.get("properties") and not isinstance(values, dict):
            found.append("(an object of any shape)")
        for name, field in schema.get("properties", {}).items():
            found += [f"{name}: {p}" for p in _undescribed(field, schemas, seen)]
        if isinstance(values, dict):
            found += _undescribed(values, schemas, seen)
    if not any(k in schema for k in ("type", "$ref", "anyOf", "allOf", "oneOf", "enum", "const")):
        found.append("(any value)")
    return found


@pytest.mark.parametrize(("path", "method"), OWN_PATHS, ids=[f"{m} {p}" for p, m in OWN_PATHS])
def test_every_json_answer_of_intake_is_described_in_its_openapi_document(openapi, path, method):
    schemas = openapi["components"]["schemas"]
    responses = openapi["paths"][path][method]["responses"]
    answers = [r for code, r in responses.items() if code.startswith("2") or code.startswith("3")]

    assert answers, f"{method} {path} documents no successful answer"
    for answer in answers:
        content = answer.get("content", {})
        if "application/json" not in content:
            # A PDF or a redirect says so: a file's media type, or where it leads.
            assert content or "Location" in answer.get("headers", {}), f"{method} {path}"
            continue
        body = content["application/json"]["schema"]
        assert _undescribed(body, schemas, set()) == [], f"{method} {path}"
