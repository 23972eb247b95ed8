"""Write, or check, the artifacts generated from the contracts.

    python -m vanthu_contracts.generate            # rewrite contracts/schemas and contracts/asyncapi
    python -m vanthu_contracts.generate --check    # exit 1 naming every file that drifted
    python -m vanthu_contracts.generate --out DIR  # work on DIR instead of contracts/

``schemas/<ce_type>.json`` holds one JSON Schema per event version and
``asyncapi/<service>.yaml`` one AsyncAPI 3.0 document per service.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vanthu_contracts.asyncapi import asyncapi_document
from vanthu_contracts.registry import REGISTRY, EventRegistry
from vanthu_contracts.schemas import payload_schema
from vanthu_contracts.topics import SERVICES
from vanthu_contracts.yaml_text import to_yaml

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = "schemas"
ASYNCAPI_DIR = "asyncapi"
# Generated folders are owned by this script: files in them it would not write are stale.
GENERATED_GLOBS = ((SCHEMAS_DIR, "*.json"), (ASYNCAPI_DIR, "*.yaml"))


def render_json(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_artifacts(registry: EventRegistry = REGISTRY) -> dict[Path, str]:
    """Every generated file, by path relative to the contracts folder, with its content."""
    artifacts = {
        Path(SCHEMAS_DIR, f"{cls.event_type}.json"): render_json(payload_schema(cls))
        for cls in registry
    }
    for service in SERVICES:
        artifacts[Path(ASYNCAPI_DIR, f"{service}.yaml")] = to_yaml(
            asyncapi_document(service, registry)
        )
    return artifacts


def drifted_files(out: Path, expected: dict[Path, str]) -> list[str]:
    """Files under ``out`` that differ from what the code generates, with the reason."""
    drift = [
        f"{path} ({'missing' if not (out / path).exists() else 'differs'})"
        for path, content in sorted(expected.items())
        if _read(out / path) != content
    ]
    drift += [f"{path} (stale, no longer generated)" for path in _stale(out, expected)]
    return drift


def write_artifacts(out: Path, expected: dict[Path, str]) -> list[Path]:
    """Bring ``out`` up to date; returns the paths written or removed."""
    changed = []
    for path, content in sorted(expected.items()):
        target = out / path
        if _read(target) != content:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            changed.append(path)
    for path in _stale(out, expected):
        (out / path).unlink()
        changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = Path(args.out)
    expected = expected_artifacts()
    if args.check:
        drift = drifted_files(out, expected)
        for line in drift:
            sys.stderr.write(f"drifted: {out / line}\n")
        if drift:
            sys.stderr.write(
                "generated contracts are out of date; run: uv run python -m "
                "vanthu_contracts.generate\n"
            )
            return 1
        sys.stdout.write(f"{len(expected)} generated contract files are up to date\n")
        return 0
    changed = write_artifacts(out, expected)
    sys.stdout.write(f"{len(changed)} of {len(expected)} generated contract files changed\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vanthu_contracts.generate",
        description="Generate JSON Schemas and AsyncAPI documents from the event contracts.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name every file that differs from the code",
    )
    parser.add_argument(
        "--out",
        default=str(CONTRACTS_DIR),
        help="folder holding schemas/ and asyncapi/ (default: %(default)s)",
    )
    return parser


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _stale(out: Path, expected: dict[Path, str]) -> list[Path]:
    present = {
        path.relative_to(out)
        for folder, pattern in GENERATED_GLOBS
        for path in (out / folder).glob(pattern)
    }
    return sorted(present - expected.keys())


if __name__ == "__main__":
    sys.exit(main())
