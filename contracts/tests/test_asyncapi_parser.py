"""The AsyncAPI documents pass the official AsyncAPI parser (npm @asyncapi/parser 3.x)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CONTRACTS_DIR = Path(__file__).resolve().parents[1]
VALIDATOR_DIR = Path(__file__).resolve().parent / "asyncapi"
DOCUMENTS = sorted((CONTRACTS_DIR / "asyncapi").glob("*.yaml"))


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=VALIDATOR_DIR, capture_output=True, text=True, check=False, timeout=240
    )


@pytest.fixture(scope="module")
def validator() -> Path:
    npm = shutil.which("npm")
    assert shutil.which("node"), "Node.js is needed to run the official AsyncAPI parser"
    assert npm, "npm is needed to install the official AsyncAPI parser"
    if not (VALIDATOR_DIR / "node_modules" / "@asyncapi" / "parser").is_dir():
        # Install scripts are not needed by the parser; skipping them keeps telemetry out.
        installed = _run(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund")
        assert installed.returncode == 0, installed.stderr
    return VALIDATOR_DIR / "validate.mjs"


def test_there_is_an_asyncapi_document_per_service():
    assert [path.stem for path in DOCUMENTS] == ["archive", "exchange", "intake", "routing"]


def test_every_asyncapi_document_passes_the_official_parser(validator: Path):
    completed = _run("node", str(validator), *map(str, DOCUMENTS))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    for document in DOCUMENTS:
        assert f"{document}: valid" in completed.stdout


def test_the_parser_check_fails_on_a_broken_document(validator: Path, tmp_path: Path):
    broken = tmp_path / "intake.yaml"
    original = (CONTRACTS_DIR / "asyncapi" / "intake.yaml").read_text(encoding="utf-8")
    broken.write_text(original.replace('action: "send"', 'action: "publish"'), encoding="utf-8")

    completed = _run("node", str(validator), str(broken))

    assert completed.returncode == 1
    assert "error" in completed.stdout
    assert "operations.sendDocumentReceived.action" in completed.stdout
