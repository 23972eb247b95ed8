"""The hub's OpenAPI document says what its send endpoint takes and what it answers."""

from __future__ import annotations

from vanthu_exchange.bootstrap import create_api
from vanthu_exchange.config import ExchangeSettings


def _operation(path: str, method: str) -> dict:
    document = create_api(ExchangeSettings(hub_enabled=True)).openapi()
    return document["paths"][path][method]


def test_the_send_endpoint_documents_its_body_as_the_edxml_package_itself() -> None:
    body = _operation("/hub/v1/packages", "post")["requestBody"]

    assert body["required"] is True
    assert body["content"]["application/xml"]["schema"] == {"type": "string", "format": "binary"}
    assert "multipart/form-data" not in body["content"]
    assert "edXML" in body["description"]


def test_the_send_endpoint_documents_its_headers_answers_and_refusals() -> None:
    operation = _operation("/hub/v1/packages", "post")

    parameters = {p["name"] for p in operation["parameters"]}
    assert {"Idempotency-Key", "recipients", "X-Vanthu-Hub-Trace"} <= parameters
    assert {"200", "201", "400", "403", "413", "422"} <= set(operation["responses"])
    created = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/PackageAccepted"}


def test_signing_in_documents_the_lockout_answer() -> None:
    operation = _operation("/hub/v1/sessions", "post")

    assert "429" in operation["responses"]
    assert "locks" in operation["description"]
