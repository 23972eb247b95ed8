"""Intake's OpenAPI document describes every answer (the web app's types are generated from it):
no route of intake answers an undescribed JSON body."""

from __future__ import annotations

from typing import Any

import pytest
from harness.openapi import undescribed
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
        assert undescribed(body, schemas) == [], f"{method} {path}"
