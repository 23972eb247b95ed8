"""Committed schemas and AsyncAPI documents match the code, and drift is caught."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from vanthu_contracts import TOPICS
from vanthu_contracts.asyncapi import asyncapi_document
from vanthu_contracts.generate import main

CONTRACTS_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def committed_copy(tmp_path: Path) -> Path:
    for folder in ("schemas", "asyncapi"):
        shutil.copytree(CONTRACTS_DIR / folder, tmp_path / folder)
    return tmp_path


def test_the_committed_artifacts_are_what_the_code_generates():
    completed = subprocess.run(
        [sys.executable, "-m", "vanthu_contracts.generate", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "up to date" in completed.stdout


def test_an_edited_schema_is_reported_by_name(committed_copy: Path, capsys):
    schema_file = committed_copy / "schemas" / "vanthu.intake.document.received.v2.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["required"].remove("arrival_number")
    schema_file.write_text(json.dumps(schema, indent=2), encoding="utf-8")

    assert main(["--check", "--out", str(committed_copy)]) == 1
    report = capsys.readouterr().err
    assert "schemas/vanthu.intake.document.received.v2.json (differs)" in report
    assert "routing" not in report


def test_every_drifted_file_is_named(committed_copy: Path, capsys):
    (committed_copy / "asyncapi" / "archive.yaml").unlink()
    (committed_copy / "schemas" / "vanthu.intake.document.scanned.v1.json").write_text("{}\n")
    with (committed_copy / "asyncapi" / "intake.yaml").open("a", encoding="utf-8") as file:
        file.write("# hand edit\n")

    assert main(["--check", "--out", str(committed_copy)]) == 1
    report = capsys.readouterr().err
    assert "asyncapi/archive.yaml (missing)" in report
    assert "asyncapi/intake.yaml (differs)" in report
    assert "schemas/vanthu.intake.document.scanned.v1.json (stale" in report


def test_generating_into_an_empty_folder_gives_artifacts_that_pass_the_check(tmp_path: Path):
    assert main(["--out", str(tmp_path)]) == 0

    assert main(["--check", "--out", str(tmp_path)]) == 0
    assert (
        (tmp_path / "asyncapi" / "intake.yaml")
        .read_text(encoding="utf-8")
        .startswith('asyncapi: "3.0.0"\n')
    )


def test_generating_repairs_drift_and_removes_stale_files(committed_copy: Path):
    stale = committed_copy / "schemas" / "vanthu.intake.document.scanned.v1.json"
    stale.write_text("{}\n")
    (committed_copy / "asyncapi" / "routing.yaml").write_text("broken\n")

    assert main(["--out", str(committed_copy)]) == 0

    assert not stale.exists()
    assert main(["--check", "--out", str(committed_copy)]) == 0


def _operations(service: str) -> set[tuple[str, str]]:
    document = asyncapi_document(service)
    return {
        (operation["action"], operation["channel"]["$ref"].removeprefix("#/channels/"))
        for operation in document["operations"].values()
    }


def test_intake_publishes_documents_and_requests_and_reads_what_exchange_brings():
    assert _operations("intake") == {
        ("send", "document.received"),
        ("send", "exchange.outbound"),
        ("receive", "exchange.inbound"),
        ("receive", "exchange.status"),
        ("receive", "directory.changed"),
        ("receive", "decision.recorded"),
    }


def test_routing_reads_documents_and_statuses_and_publishes_its_work():
    assert _operations("routing") == {
        ("receive", "document.received"),
        ("send", "task.assigned"),
        ("receive", "task.assigned"),
        ("send", "decision.recorded"),
        ("send", "exchange.outbound"),
        ("receive", "exchange.status"),
        ("send", "task.deadline"),
        ("send", "directory.changed"),
    }


def test_exchange_reads_its_inbox_and_the_documents_it_packages_and_publishes_what_arrives():
    assert _operations("exchange") == {
        ("receive", "exchange.outbound"),
        ("receive", "document.received"),
        ("receive", "directory.changed"),
        ("send", "exchange.inbound"),
        ("send", "exchange.status"),
    }


def test_archive_reads_every_topic_and_publishes_only_its_own_events():
    operations = _operations("archive")

    assert {channel for action, channel in operations if action == "send"} == {"archive.events"}
    assert {channel for action, channel in operations if action == "receive"} == set(TOPICS)


def test_each_message_in_asyncapi_carries_its_payload_schema_headers_and_kafka_key():
    document = asyncapi_document("intake")
    message = document["components"]["messages"]["vanthu.intake.document.received.v2"]

    assert message["payload"] == {"$ref": "#/components/schemas/vanthu.intake.document.received.v2"}
    assert message["headers"]["properties"]["ce_type"]["const"] == (
        "vanthu.intake.document.received.v2"
    )
    assert message["bindings"]["kafka"]["key"]["type"] == "string"
    assert "FileRef" in document["components"]["schemas"]
    assert document["servers"]["local"] == {
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
        "description": "Apache Kafka (KRaft) on loopback, as started by make run.",
    }
