"""The confidentiality matrix of the archive (issue 16, ADR 0006, ADR 0047): one Tối mật document,
every archive endpoint that can return its id, subject or content, every role, named on it and
not named (and the clerk who registered it). The named see it; everyone else finds nothing, a
withheld count, a masked row, or the answer given for a document that does not exist."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from archive_testkit import AUTH
from harness.samples import sample_event
from vanthu_archive.bootstrap import Archive
from vanthu_archive.domain.bagit_package import VIETNAM_TIME
from vanthu_archive.domain.hashchain import StoredRecord
from vanthu_archive.handlers import archive_records, project_records
from vanthu_contracts import Event, encode
from vanthu_contracts.events.values import Assignee
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.platform import PlatformSettings

AGENCY = "000.00.00.H41"
ROLES = ("clerk", "leader", "secretary", "unit_head", "specialist", "auditor", "administrator")
REGISTRAR = "u-clerk-registrar"
UNIT = "unit-matrix"
# Who may call which endpoint at all (the archive's role checks); within them, who sees.
STAFF = frozenset(ROLES)
READERS = frozenset({"clerk", "administrator", "unit_head", "leader", "auditor"})
KEEPERS = frozenset({"clerk", "administrator", "unit_head"})
AUDITORS = frozenset({"auditor", "administrator"})
NEVER_SEE = frozenset({"administrator"})
"""ADR 0008: running the system does not grant reading its documents, named or not."""


@dataclass(frozen=True)
class Caller:
    user_id: str
    role: str
    named: bool

    def headers(self) -> dict[str, str]:
        jwt = issue_dev_token(
            AUTH, user_id=self.user_id, agency_code=AGENCY, roles=[self.role], unit_id=UNIT
        )
        return {"Authorization": f"Bearer {jwt}"}

    @property
    def sees(self) -> bool:
        return self.named and self.role not in NEVER_SEE


CALLERS = [
    *(Caller(f"u-named-{role}", role, True) for role in ROLES),
    *(Caller(f"u-other-{role}", role, False) for role in ROLES),
    Caller(REGISTRAR, "clerk", True),
]


@dataclass(frozen=True)
class Secret:
    document_id: str
    subject: str
    normal_id: str
    closed_file: str
    open_file: str


async def _registered(blobs: MinioBlobStore, subject: str, **changes: object) -> tuple[str, Event]:
    document_id = str(uuid.uuid4())
    content = f"%PDF-1.7 {subject}".encode()
    key = f"documents/{document_id}/{hashlib.sha256(content).hexdigest()}.pdf"
    await blobs.put(key, content, "application/pdf")
    sample = sample_event("vanthu.intake.document.received.v2")
    payload = sample.model_dump(mode="json", by_alias=True)
    payload.update(
        document_id=document_id,
        agency_code=AGENCY,
        subject=subject,
        files=[
            {
                "file_id": f"f-{document_id[:8]}",
                "name": "van-ban.pdf",
                "media_type": "application/pdf",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "object_key": key,
                "role": "original",
            }
        ],
        registered_by={"user_id": REGISTRAR, "full_name": "Văn thư đăng ký"},
        **changes,
    )
    return document_id, type(sample).model_validate(payload)


async def _stored(
    blobs: MinioBlobStore, document_id: str, text: str, role: str
) -> dict[str, object]:
    content = f"%PDF-1.7 {text}".encode()
    key = f"documents/{document_id}/{hashlib.sha256(content).hexdigest()}.pdf"
    await blobs.put(key, content, "application/pdf")
    return {
        "file_id": f"f-{role}",
        "name": f"{role}.pdf",
        "media_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "object_key": key,
        "role": role,
    }


def _with(event_type: str, **changes: object) -> Event:
    sample = sample_event(event_type)
    return type(sample).model_validate({**sample.model_dump(mode="json", by_alias=True), **changes})


async def _archive_and_project(archive: Archive, events: list[Event]) -> None:
    now = datetime.now(UTC)
    topic = f"matrix.{secrets.token_hex(3)}"
    records = []
    for offset, event in enumerate(events):
        record = encode(event, source="/vanthu/tests", event_id=str(uuid.uuid4()))
        records.append(
            StoredRecord(topic, 0, offset, now, record.key, record.value, list(record.headers), now)
        )
    await archive_records(archive.store, records)
    await project_records(archive.read_models, None, records)


@pytest.fixture
async def secret(
    archive: Archive, api: httpx.AsyncClient, platform_settings: PlatformSettings
) -> Secret:
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), platform_settings.s3.bucket)
    await blobs.ensure_bucket()
    subject = f"Phương án phòng thủ khu vực {secrets.token_hex(4)}"
    document_id, registration = await _registered(
        blobs,
        subject,
        confidentiality="top_secret",
        readers=[c.user_id for c in CALLERS if c.named and c.user_id != REGISTRAR],
    )
    normal_id, ordinary = await _registered(
        blobs, "Giấy mời họp giao ban tuần", confidentiality="normal", readers=[]
    )
    # Its paper slip and its OCR derivative are stored too, and go into its packages.
    decision = _with(
        "vanthu.routing.decision.recorded.v1",
        document_id=document_id,
        agency_code=AGENCY,
        evidence_file=await _stored(blobs, document_id, f"slip {subject}", "evidence"),
    )
    digitized = _with(
        "vanthu.intake.document.digitized.v1",
        document_id=document_id,
        agency_code=AGENCY,
        derivative_file=await _stored(blobs, document_id, f"ocr {subject}", "ocr_derivative"),
    )
    task = sample_event(
        "vanthu.routing.task.assigned.v1",
        document_id=document_id,
        agency_code=AGENCY,
        assignee=Assignee(unit_id=UNIT, user_id="u-named-specialist"),
    )
    await _archive_and_project(archive, [registration, ordinary, decision, digitized, task])

    registrar = Caller(REGISTRAR, "clerk", True).headers()
    year = datetime.now(VIETNAM_TIME).year
    plan = {
        "entries": [
            {
                "code": code,
                "title": "Hồ sơ quốc phòng",
                "retention_years": 10,
                "responsible_unit": UNIT,
            }
            for code in ("HS.01", "HS.02")
        ]
    }
    assert (await api.put(f"/archive/file-plans/{year}", json=plan, headers=registrar)).is_success
    files = []
    for code, members in (("HS.01", [normal_id, document_id]), ("HS.02", [document_id])):
        opened = await api.post(
            "/archive/records-files", json={"year": year, "code": code}, headers=registrar
        )
        assert opened.status_code == 201, opened.text
        file_id = opened.json()["file_id"]
        for member in members:
            added = await api.post(
                f"/archive/records-files/{file_id}/documents",
                json={"document_id": member},
                headers=registrar,
            )
            assert added.status_code == 200, added.text
        files.append(file_id)
    closed = await api.post(f"/archive/records-files/{files[0]}/close", json={}, headers=registrar)
    assert closed.status_code == 200, closed.text
    return Secret(document_id, subject, normal_id, files[0], files[1])


def _shown_text(response: httpx.Response) -> str:
    """Everything the response shows a person: the JSON, or every name and file of a zip."""
    if response.headers.get("content-type") == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as bag:
            parts = [
                name + "\n" + bag.read(name).decode("utf-8", "replace") for name in bag.namelist()
            ]
        return "\n".join(parts)
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return response.text


async def test_a_top_secret_document_is_seen_only_by_its_named_readers_and_its_clerk_everywhere(
    api: httpx.AsyncClient, secret: Secret
) -> None:
    doc, rf_closed, rf_open = secret.document_id, secret.closed_file, secret.open_file
    word = secret.subject.split()[-1]
    endpoints: list[tuple[str, frozenset[str], str, str, dict[str, object] | None]] = [
        ("search by words", STAFF, "GET", f"/archive/search?q=phong thu khu vuc {word}", None),
        ("search, newest first", STAFF, "GET", "/archive/search?page_size=100", None),
        ("search by type", STAFF, "GET", "/archive/search?document_type=QĐ&page_size=100", None),
        ("document", STAFF, "GET", f"/archive/documents/{doc}", None),
        ("timeline", STAFF, "GET", f"/archive/documents/{doc}/timeline", None),
        ("document package", READERS, "GET", f"/archive/documents/{doc}/package", None),
        ("records file", READERS, "GET", f"/archive/records-files/{rf_closed}", None),
        ("records files", READERS, "GET", "/archive/records-files", None),
        ("records file package", READERS, "GET", f"/archive/records-files/{rf_closed}/package", None),
        ("file it again", KEEPERS, "POST", f"/archive/records-files/{rf_open}/documents", {"document_id": doc}),
        ("actions of its clerk", AUDITORS, "GET", f"/archive/audit/actions?user_id={REGISTRAR}", None),
    ]  # fmt: skip
    absent = str(uuid.uuid4())
    wrong: list[str] = []
    checks = 0
    for caller in CALLERS:
        headers = caller.headers()
        for name, roles, method, url, body in endpoints:
            response = await api.request(method, url, json=body, headers=headers)
            checks += 1
            shown = _shown_text(response)
            # A 404 names the id the caller asked for, as for any id: that tells nothing.
            told = shown.replace(f"document {doc} not found", "")
            saw = doc in told or secret.subject in told
            expected = caller.sees and caller.role in roles
            if response.status_code >= 500 or saw != expected:
                wrong.append(f"{caller} {name}: {response.status_code} saw={saw} {shown[:200]}")
                continue
            if expected or caller.role not in roles:
                continue
            # Allowed to call, not allowed to see: the answer must not tell it exists.
            if url.startswith(f"/archive/documents/{doc}"):
                nothing = await api.get(url.replace(doc, absent), headers=headers)
                if (response.status_code, shown.replace(doc, absent)) != (
                    nothing.status_code,
                    _shown_text(nothing),
                ):
                    wrong.append(f"{caller} {name}: differs from a document that does not exist")
            # The administrator sees no document of the file, the others its normal one.
            members = [] if caller.role in NEVER_SEE else [secret.normal_id]
            if name == "records file" and (
                response.json()["withheld_documents"] != 2 - len(members)
                or response.json()["document_ids"] != members
            ):
                wrong.append(f"{caller} {name}: the file must still count its secret document")
            if name == "actions of its clerk" and not any(
                a["masked"] and a["document_id"] is None for a in response.json()["actions"]
            ):
                wrong.append(f"{caller} {name}: the clerk's action on it must stay, masked")

    assert wrong == [], "\n".join(wrong)
    # 11 endpoints × 7 roles × named/not named, and the registering clerk: 165 checks.
    assert checks == len(endpoints) * (2 * len(ROLES) + 1) == 165
