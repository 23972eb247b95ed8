"""The archive's OpenAPI document describes every answer (the web app's types come from it)."""

from __future__ import annotations

from typing import Any

from vanthu_archive.bootstrap import create_api


def _answers() -> list[tuple[str, str, dict[str, Any]]]:
    document = create_api().openapi()
    found = []
    for path, operations in document["paths"].items():
        if not path.startswith("/archive/"):
            continue
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if code.startswith("2"):
                    found.append((f"{method.upper()} {path}", code, answer.get("content", {})))
    return found


def test_every_archive_answer_has_a_named_schema_or_is_a_file() -> None:
    answers = _answers()
    untyped = [
        f"{route} {code}"
        for route, code, content in answers
        if not (
            "$ref" in content.get("application/json", {}).get("schema", {})
            or "application/zip" in content
            or "application/x-ndjson" in content
        )
    ]

    assert len(answers) >= 22
    assert untyped == []


def test_the_export_is_described_as_ndjson() -> None:
    (route,) = [r for r, _, content in _answers() if "application/x-ndjson" in content]

    assert route == "GET /archive/audit/export"


def test_the_archival_packages_are_described_as_zip_files() -> None:
    zips = {route for route, _, content in _answers() if "application/zip" in content}

    assert zips == {
        "GET /archive/documents/{document_id}/package",
        "GET /archive/records-files/{file_id}/package",
    }


def test_a_document_answer_names_the_fields_the_auditor_reads() -> None:
    schemas = create_api().openapi()["components"]["schemas"]

    assert {"document_id", "subject", "status", "voided", "readers"} <= set(
        schemas["DocumentOut"]["properties"]
    )
    assert {"document_ids", "withheld_documents"} <= set(schemas["RecordsFileOut"]["properties"])
