"""Realistic events for tests, taken from the contracts' golden samples with fresh ids."""

from __future__ import annotations

import json
import uuid
from typing import Any

from harness.servers import ROOT
from vanthu_contracts import Event, decode

SAMPLES = ROOT / "contracts" / "samples"


def sample_event(event_type: str, **changes: Any) -> Event:
    """The golden sample of `event_type` (an older version decodes as the current one), with
    `document_id` made unique unless given."""
    path = SAMPLES / f"{event_type}.json"
    if not path.exists():
        path = SAMPLES / "older" / f"{event_type}.json"
    sample = json.loads(path.read_text(encoding="utf-8"))
    headers = [(k, str(v).encode()) for k, v in sample["headers"].items()]
    event = decode(headers, json.dumps(sample["value"]).encode()).event
    if "document_id" in type(event).model_fields:
        changes.setdefault("document_id", str(uuid.uuid4()))
    return event.model_copy(update=changes)
