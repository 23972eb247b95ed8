"""What producers publish validates against the committed JSON Schemas, headers included."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from vanthu_contracts import REGISTRY, TOPICS, encode
from vanthu_contracts.samples import GoldenSample
from vanthu_contracts.schemas import headers_schema, schema_id

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# jsonschema checks date-time only with an optional extra package; RFC 3339 is simple enough.
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_rfc3339(value: object) -> bool:
    return not isinstance(value, str) or (
        RFC3339.match(value) is not None and datetime.fromisoformat(value) is not None
    )


def _committed_schema(event_type: str) -> dict:
    return json.loads((SCHEMAS_DIR / f"{event_type}.json").read_text(encoding="utf-8"))


def _validator(schema: dict) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=FORMATS)


def _publishers(event_type: str) -> tuple[str, ...]:
    return next(spec.publishers for spec in TOPICS.values() if event_type in spec.event_types)


def _published(sample: GoldenSample):
    event = REGISTRY.resolve(sample.event_type).model_validate(sample.value)
    return encode(event, source=sample.headers["ce_source"], causation_id="cause-1")


def test_every_published_payload_validates_against_its_committed_schema(any_sample: GoldenSample):
    record = _published(any_sample)
    event_type = dict(record.headers)["ce_type"].decode()

    errors = list(_validator(_committed_schema(event_type)).iter_errors(json.loads(record.value)))

    assert [error.message for error in errors] == []


def test_every_published_header_set_validates_against_the_header_schema(any_sample: GoldenSample):
    record = _published(any_sample)
    headers = {name: value.decode("utf-8") for name, value in record.headers}
    schema = headers_schema(any_sample.event_type, _publishers(any_sample.event_type))

    errors = list(_validator(schema).iter_errors(headers))

    assert [error.message for error in errors] == []


def test_the_header_schema_refuses_a_record_without_correlation_id(any_sample: GoldenSample):
    headers = {k: v for k, v in any_sample.headers.items() if k != "ce_correlationid"}
    schema = headers_schema(any_sample.event_type, _publishers(any_sample.event_type))

    assert not _validator(schema).is_valid(headers)


def test_every_committed_schema_names_itself_by_its_event_type(any_sample: GoldenSample):
    schema = _committed_schema(any_sample.event_type)

    assert schema["$id"] == schema_id(any_sample.event_type)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    ("field", "bad_value"),
    [
        ("agency_code", "UBND-NGHE-AN"),
        ("received_at", "hôm qua"),
        ("received_at", "2026-11-21T09:15:30"),
        ("urgency", "rất khẩn"),
        ("arrival_number", 0),
        ("unexpected", "field"),
    ],
)
def test_the_schema_refuses_what_the_code_refuses(
    received_sample: GoldenSample, field: str, bad_value: object
):
    payload = {**received_sample.value, field: bad_value}

    assert not _validator(_committed_schema(received_sample.event_type)).is_valid(payload)
