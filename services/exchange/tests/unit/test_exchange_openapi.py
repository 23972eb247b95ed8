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


def test_every_hub_answer_is_described_by_a_schema() -> None:
    document = create_api(ExchangeSettings(hub_enabled=True)).openapi()
    undescribed = []
    for path, operations in document["paths"].items():
        if not path.startswith("/hub/"):
            continue
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if not code.startswith("2"):
                    continue
                schemas = [c.get("schema") or {} for c in answer.get("content", {}).values()]
                described = schemas and all(
                    "$ref" in s or s.get("format") == "binary" for s in schemas
                )
                if not described:
                    undescribed.append(f"{method.upper()} {path} {code}")

    assert undescribed == []


def test_listed_deliveries_keep_the_instants_as_connectors_read_them() -> None:
    from datetime import UTC, datetime

    from vanthu_exchange.api.hub_routes import DeliveryListed

    at = datetime(2026, 12, 1, 10, 30, 5, 123456, tzinfo=UTC)
    listed = DeliveryListed(
        delivery_id="d-1",
        kind="edoc",
        from_agency="000.00.00.G22",
        recipient="000.00.00.H41",
        state="pending",
        document_code=None,
        subject=None,
        status_code=None,
        business_doc_type=0,
        size=10,
        sha256="0" * 64,
        reason=None,
        idempotency_key="k",
        created_at=at,
        updated_at=at,
    )

    assert listed.model_dump(mode="json")["created_at"] == "2026-12-01T10:30:05.123456+00:00"
