"""Golden samples: one real-looking record per event version, committed and never edited.

``contracts/samples/<ce_type>.json`` holds ``{"headers": {...}, "key": "...", "value": {...}}``.
Every service's contract tests can feed them to its consumers; they must always decode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"


@dataclass(frozen=True)
class GoldenSample:
    path: Path
    headers: dict[str, str]
    key: str
    value: dict[str, Any]

    @property
    def event_type(self) -> str:
        return self.headers["ce_type"]

    @property
    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return [(name, text.encode("utf-8")) for name, text in self.headers.items()]

    @property
    def key_bytes(self) -> bytes:
        return self.key.encode("utf-8")

    @property
    def value_bytes(self) -> bytes:
        """The value as the codec writes it: compact UTF-8 JSON, fields in model order."""
        return json.dumps(self.value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_sample(path: Path) -> GoldenSample:
    document = json.loads(path.read_text(encoding="utf-8"))
    return GoldenSample(path, document["headers"], document["key"], document["value"])


def golden_samples(directory: Path = SAMPLES_DIR) -> list[GoldenSample]:
    return [load_sample(path) for path in sorted(directory.glob("*.json"))]


def golden_sample(event_type: str, directory: Path = SAMPLES_DIR) -> GoldenSample:
    return load_sample(directory / f"{event_type}.json")
