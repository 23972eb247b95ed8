"""Every Kafka client of the code, the tests and the benches is made by `runtime.kafka_clients`,
so none can forget the broker's login (ADR 0005 addendum)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MADE_HERE = ROOT / "runtime" / "src" / "vanthu_runtime" / "kafka_clients.py"
CONSTRUCTION = re.compile(r"\b(AIOKafkaProducer|AIOKafkaConsumer|AIOKafkaAdminClient)\(")


def _python_files() -> list[Path]:
    roots = [ROOT / name for name in ("runtime", "services", "contracts", "tests", "bench")]
    files = [f for root in roots if root.exists() for f in root.rglob("*.py")]
    return [*files, ROOT / "conftest.py"]


def test_no_kafka_client_is_made_outside_the_factory() -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _python_files()
        if path != MADE_HERE and "node_modules" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CONSTRUCTION.search(line)
    ]
    assert not outside, f"use vanthu_runtime.kafka_clients instead: {outside}"
