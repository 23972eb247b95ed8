"""Routing's OpenAPI document describes every answer (the web app's types are generated from
it): no route of routing answers an undescribed body."""

from __future__ import annotations

from typing import Any

import pytest
from harness.openapi import undescribed
from vanthu_routing.bootstrap import ROUTERS, create_api

OWN_PATHS = sorted(
    {
        (route.path, method.lower())
        for router in ROUTERS
        for route in router.routes
        for method in route.methods
    }  # type: ignore[attr-defined]
)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = create_api().openapi()
    return document


@pytest.mark.parametrize(("path", "method"), OWN_PATHS, ids=[f"{m} {p}" for p, m in OWN_PATHS])
def test_every_answer_of_routing_is_described_in_its_openapi_document(openapi, path, method):
    schemas = openapi["components"]["schemas"]
    responses = openapi["paths"][path][method]["responses"]
    answers = [r for code, r in responses.items() if code.startswith("2")]

    assert answers, f"{method} {path} documents no successful answer"
    for answer in answers:
        body = answer["content"]["application/json"]["schema"]
        assert undescribed(body, schemas) == [], f"{method} {path}"
