"""The auditor's export of a period's records of his agency: streamed NDJSON with the chain
hashes, checked offline by `python -m vanthu_archive verify-export`, which names the line an
edit broke; another agency's records and a secret document's content stay out."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from archive_testkit import AUTH, stored_event
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from harness.samples import sample_event
from vanthu_archive.bootstrap import Archive
from vanthu_archive.handlers import archive_records, project_records
from vanthu_contracts import Event
from vanthu_runtime.auth import issue_dev_token

AGENCY = "000.00.00.H41"
OTHER = "000.00.00.G22"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)
Token = Callable[..., dict[str, str]]


@pytest.fixture
def token() -> Token:
    def headers(user: str, *roles: str, agency: str = AGENCY) -> dict[str, str]:
        jwt = issue_dev_token(
            AUTH, user_id=user, agency_code=agency, roles=list(roles or ("auditor",))
        )
        return {"Authorization": f"Bearer {jwt}"}

    return headers


def _registered(agency: str, subject: str, **changes: Any) -> Event:
    sample = sample_event("vanthu.intake.document.received.v2")
    payload = {
        **sample.model_dump(mode="json", by_alias=True),
        "document_id": f"doc-exp-{secrets.token_hex(6)}",
        "agency_code": agency,
        "subject": subject,
        "confidentiality": "normal",
        "readers": [],
        **changes,
    }
    return type(sample).model_validate(payload)


async def _store(archive: Archive, events: list[Event]) -> str:
    """The events on one partition of a topic of this test, a minute apart, stored and projected."""
    topic = f"test.export.{secrets.token_hex(4)}"
    records = [
        stored_event(event, offset, topic=topic, at=T0 + timedelta(minutes=offset))
        for offset, event in enumerate(events)
    ]
    await archive_records(archive.store, records)
    await project_records(archive.read_models, archive.texts, records)
    return topic


async def _export(api: httpx.AsyncClient, headers: dict[str, str], path: Path) -> list[bytes]:
    """The export as the auditor saves it, read back as its lines."""
    params = {"from": "2026-10-05T08:00:00+07:00", "to": "2026-10-05T09:00:00+07:00"}
    async with api.stream("GET", "/archive/audit/export", params=params, headers=headers) as got:
        assert got.status_code == 200, await got.aread()
        assert got.headers["content-type"].startswith("application/x-ndjson")
        body = b"".join([chunk async for chunk in got.aiter_bytes()])
    _save(path, body)
    return body.splitlines(keepends=True)


def _save(path: Path, body: bytes) -> None:
    path.write_bytes(body)


def _verify(path: Path, key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "vanthu_archive",
            "verify-export",
            str(path),
            "--public-key",
            str(key),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_an_export_verifies_offline_and_an_edited_line_is_caught(
    archive: Archive, api: httpx.AsyncClient, token: Token, tmp_path: Path
) -> None:
    ours = _registered(AGENCY, "Báo cáo kiểm kê kho lưu trữ")
    theirs = _registered(OTHER, "Thông báo của cơ quan khác")
    secret = _registered(
        AGENCY, "Kế hoạch phòng thủ dân sự", confidentiality="secret", readers=["u-named"]
    )
    topic = await _store(archive, [ours, theirs, secret, theirs])
    key = tmp_path / "archive.pem"
    public = (await archive.signing_key()).public_key()
    key.write_bytes(public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    path = tmp_path / "export.ndjson"

    lines = await _export(api, token("a1"), path)
    verified = _verify(path, key)

    header, *records, trailer = (json.loads(line) for line in lines)
    assert header["agency_code"] == AGENCY
    assert [(r["topic"], r["offset"]) for r in records] == [(topic, 0), (topic, 2)]
    assert "value" in records[0]
    assert records[1]["withheld"] is True
    assert "value" not in records[1]
    told = " ".join(base64.b64decode(r["value"]).decode() for r in records if "value" in r)
    assert "Báo cáo kiểm kê kho lưu trữ" in told
    assert "Kế hoạch phòng thủ" not in told
    assert "cơ quan khác" not in told
    assert trailer["records"] == 2
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == (f"export of {AGENCY}: intact, 2 records, signature checked")

    record = json.loads(lines[1])
    record["value"] = base64.b64encode(
        base64.b64decode(record["value"]).replace("kiểm kê".encode(), "thanh lý".encode())
    ).decode()
    lines[1] = json.dumps(record).encode() + b"\n"
    _save(path, b"".join(lines))
    edited = _verify(path, key)

    assert edited.returncode == 1
    assert edited.stderr.startswith(
        f"line 2 ({topic}/0/0): its content no longer gives its hash"
    ), edited.stderr


async def test_the_named_reader_exports_the_secret_document_whole(
    archive: Archive, api: httpx.AsyncClient, token: Token, tmp_path: Path
) -> None:
    secret = _registered(
        AGENCY, "Phương án bảo vệ mục tiêu", confidentiality="secret", readers=["a-named"]
    )
    await _store(archive, [secret])

    lines = await _export(api, token("a-named"), tmp_path / "export.ndjson")

    (record,) = (json.loads(line) for line in lines[1:-1])
    assert "withheld" not in record
    assert "Phương án bảo vệ mục tiêu" in base64.b64decode(record["value"]).decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-10-05T08:00:00"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-10-06T00:00:00Z", "to": "2026-10-05T00:00:00Z"}, "to"),
        ({"page": "2"}, "page"),
    ],
)
async def test_a_bad_period_is_refused_naming_the_field(
    api: httpx.AsyncClient, token: Token, params: dict[str, str], field: str
) -> None:
    response = await api.get("/archive/audit/export", params=params, headers=token("a1"))

    assert response.status_code == 422, response.text
    assert [p["loc"][-1] for p in response.json()["detail"]] == [field]


async def test_only_auditors_export(api: httpx.AsyncClient, token: Token) -> None:
    response = await api.get("/archive/audit/export", headers=token("c1", "clerk"))

    assert response.status_code == 403
