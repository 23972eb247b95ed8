"""The OpenAPI document tells an integrator how to send a registration and an outgoing issue."""

from __future__ import annotations

import json

from vanthu_intake.bootstrap import create_api


def _form(path: str) -> dict:
    document = create_api().openapi()
    body = document["paths"][path]["post"]["requestBody"]
    return body["content"]["multipart/form-data"]["schema"]


def test_the_registration_body_names_its_metadata_fields_files_and_the_duplicate_reason() -> None:
    form = _form("/v1/documents")

    assert set(form["required"]) == {"metadata", "file"}
    metadata = form["properties"]["metadata"]["properties"]
    assert {"issuer", "document_type", "subject", "issued_date", "confidentiality"} <= set(metadata)
    assert "register_anyway_reason" in form["properties"]
    assert form["properties"]["file"]["items"]["format"] == "binary"


def test_the_outgoing_issue_body_takes_one_signed_file_and_the_abbreviation_or_a_reservation() -> (
    None
):
    form = _form("/v1/outgoing-documents")

    assert form["properties"]["file"]["format"] == "binary"
    assert "file" in form["required"]
    assert {"agency_abbreviation", "reservation_id"} <= set(form["properties"])


def test_the_bodies_stand_on_their_own_without_dangling_references() -> None:
    text = json.dumps(create_api().openapi())
    assert "#/$defs/" not in text
