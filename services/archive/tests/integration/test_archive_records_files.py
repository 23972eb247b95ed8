"""Records files over HTTP on real servers: plan, file, close, BagIt package, disposition, alerts,
and fixity of the stored originals."""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import secrets
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import bagit
import httpx
import pytest
from archive_testkit import AUTH
from harness.samples import sample_event
from vanthu_archive.adapters.mongo_fixity_runs import FIXITY_RUNS
from vanthu_archive.adapters.mongo_records_files import RECORDS_FILES
from vanthu_archive.bootstrap import Archive
from vanthu_archive.domain.bagit_package import VIETNAM_TIME
from vanthu_archive.domain.hashchain import StoredRecord
from vanthu_archive.domain.records_files import RecordsFile, RecordsFileStatus, RetentionPeriod
from vanthu_archive.handlers import archive_records, project_records
from vanthu_contracts import Event, decode, encode
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.outbox import record_of
from vanthu_runtime.platform import PlatformSettings

AGENCY = "000.00.00.H41"
Token = Callable[..., dict[str, str]]


@pytest.fixture
async def blobs(platform_settings: PlatformSettings) -> MinioBlobStore:
    s3 = platform_settings.s3
    store = MinioBlobStore(create_minio_client(s3), s3.bucket)
    await store.ensure_bucket()
    return store


def token(user: str, *roles: str) -> dict[str, str]:
    jwt = issue_dev_token(AUTH, user_id=user, agency_code=AGENCY, roles=list(roles))
    return {"Authorization": f"Bearer {jwt}"}


async def registered_with_original(
    archive: Archive, blobs: MinioBlobStore, content: bytes, offset: int = 0
) -> tuple[str, str]:
    """Store an original and archive the registration that names it: (document id, object key)."""
    document_id = str(uuid.uuid4())
    key = f"documents/{document_id}/{hashlib.sha256(content).hexdigest()}.pdf"
    await blobs.put(key, content, "application/pdf")
    sample = sample_event("vanthu.intake.document.received.v1")
    payload = sample.model_dump(mode="json", by_alias=True)
    payload.update(
        document_id=document_id,
        files=[
            {
                "file_id": f"f-{offset}",
                "name": "Quyết định 15.pdf",
                "media_type": "application/pdf",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "object_key": key,
                "role": "original",
            }
        ],
    )
    event = type(sample).model_validate(payload)
    await archive_and_project(archive, [event], topic=f"rf.{secrets.token_hex(3)}")
    return document_id, key


async def archive_and_project(archive: Archive, events: list[Event], topic: str) -> None:
    now = datetime.now(UTC)
    records = []
    for offset, event in enumerate(events):
        record = encode(event, source="/vanthu/intake", event_id=str(uuid.uuid4()))
        records.append(
            StoredRecord(topic, 0, offset, now, record.key, record.value, list(record.headers), now)
        )
    await archive_records(archive.store, records)
    await project_records(archive.read_models, None, records)


async def open_file_with(api: httpx.AsyncClient, document_ids: list[str], years: int) -> str:
    year = datetime.now(VIETNAM_TIME).year
    plan = {
        "entries": [
            {
                "code": "HS.01-VP",
                "title": "Hồ sơ quyết định về công tác cán bộ",
                "retention_years": years,
                "responsible_unit": "unit-vp",
            }
        ]
    }
    clerk = token("clerk1", "clerk")
    assert (
        await api.put(f"/archive/file-plans/{year}", json=plan, headers=clerk)
    ).status_code == 200
    opened = await api.post(
        "/archive/records-files", json={"year": year, "code": "HS.01-VP"}, headers=clerk
    )
    assert opened.status_code == 201, opened.text
    file_id: str = opened.json()["file_id"]
    for document_id in document_ids:
        added = await api.post(
            f"/archive/records-files/{file_id}/documents",
            json={"document_id": document_id},
            headers=clerk,
        )
        assert added.status_code == 200, added.text
    return file_id


def extract(zipped: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        archive.extractall(into)
    (bag,) = list(into.iterdir())
    return bag


async def test_a_closed_file_downloads_as_a_bag_the_library_of_congress_tool_validates(
    archive: Archive, blobs: MinioBlobStore, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    first, _ = await registered_with_original(archive, blobs, b"%PDF-1.7 first original", 0)
    second, _ = await registered_with_original(archive, blobs, b"%PDF-1.7 second original", 1)
    file_id = await open_file_with(api, [first, second], years=10)
    clerk = token("clerk1", "clerk")

    open_package = await api.get(f"/archive/records-files/{file_id}/package", headers=clerk)
    closed = await api.post(f"/archive/records-files/{file_id}/close", json={}, headers=clerk)
    package = await api.get(f"/archive/records-files/{file_id}/package", headers=clerk)
    timeline = await api.get(f"/archive/documents/{first}/timeline", headers=clerk)

    assert open_package.status_code == 409
    assert closed.json()["status"] == "closed"
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/zip"
    bag = bagit.Bag(str(extract(package.content, tmp_path / "file")))
    assert bag.validate()
    payload = sorted(path for path, _ in bag.payload_entries().items())
    assert any(p.startswith("data/documents/001-") and "/originals/01-" in p for p in payload)
    assert any(p.endswith("history/events.jsonl") for p in payload)
    assert "data/metadata/records-file.json" in payload
    assert [e["kind"] for e in timeline.json()["entries"]][-1] == "filed"


async def test_one_document_downloads_as_a_valid_bag_with_its_original_byte_for_byte(
    archive: Archive, blobs: MinioBlobStore, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    content = b"%PDF-1.7 the signed original"
    document_id, _ = await registered_with_original(archive, blobs, content)

    package = await api.get(
        f"/archive/documents/{document_id}/package", headers=token("clerk1", "clerk")
    )

    assert package.status_code == 200, package.text
    bag_dir = extract(package.content, tmp_path / "doc")
    assert bagit.Bag(str(bag_dir)).validate()
    (original,) = list((bag_dir / "data" / "originals").iterdir())
    assert original.read_bytes() == content
    # The zip was streamed from a temporary file, which is gone once sent.
    assert not glob.glob(os.path.join(tempfile.gettempdir(), f"bag-{document_id}-*.zip"))


async def test_disposal_needs_the_approval_of_someone_other_than_the_proposer_and_is_announced(
    archive: Archive, api: httpx.AsyncClient
) -> None:
    expired = RecordsFile(
        file_id=f"rf-2010-{secrets.token_hex(4)}",
        agency_code=AGENCY,
        year=2010,
        notation="HS.12-VP",
        title="Hồ sơ giấy mời họp năm 2010",
        retention=RetentionPeriod.of_years(10),
        responsible_unit="unit-vp",
        opened_on=date(2010, 1, 4),
        status=RecordsFileStatus.CLOSED,
        document_ids=["d-2010-0101"],
        closed_on=date(2010, 12, 31),
    )
    await archive.records_files.add(expired)
    path = f"/archive/records-files/{expired.file_id}"

    proposed = await api.post(
        f"{path}/disposition",
        json={"reason": "Hết thời hạn bảo quản"},
        headers=token("u1", "clerk", "leader"),
    )
    disposed_early = await api.post(f"{path}/disposal", headers=token("u1", "clerk"))
    self_approved = await api.post(
        f"{path}/disposition/approve", json={}, headers=token("u1", "leader")
    )
    approved = await api.post(
        f"{path}/disposition/approve", json={"note": "Đồng ý"}, headers=token("u2", "leader")
    )
    disposed = await api.post(f"{path}/disposal", headers=token("u1", "clerk"))

    assert proposed.status_code == 200
    assert disposed_early.status_code == 409
    assert self_approved.status_code == 409
    assert "someone other than its proposer" in self_approved.text
    assert approved.json()["disposition"]["state"] == "approved"
    assert disposed.json()["status"] == "disposed"
    stored = await archive.db[RECORDS_FILES].find_one({"_id": expired.file_id})
    assert stored is not None
    events = [_event_of(entry) for entry in stored["outbox"]]
    assert [type(e).__name__ for e in events] == ["DispositionApproved"]
    assert events[0].approved_by.user_id == "u2"  # type: ignore[attr-defined]
    assert events[0].document_ids == ("d-2010-0101",)  # type: ignore[attr-defined]


async def test_a_file_due_for_hand_over_within_30_days_is_announced_once(
    archive: Archive, api: httpx.AsyncClient
) -> None:
    today = datetime.now(VIETNAM_TIME).date()
    closing = today - timedelta(days=365 - 20)
    due = RecordsFile(
        file_id=f"rf-{closing.year}-{secrets.token_hex(4)}",
        agency_code=AGENCY,
        year=closing.year,
        notation="HS.03-TC",
        title="Hồ sơ tổ chức cán bộ",
        retention=RetentionPeriod.permanent(),
        responsible_unit="unit-tc",
        opened_on=closing - timedelta(days=30),
        status=RecordsFileStatus.CLOSED,
        document_ids=["d-1"],
        closed_on=closing,
    )
    await archive.records_files.add(due)

    listed = await api.get("/archive/handover-due", headers=token("clerk1", "clerk"))
    first_run = await archive.alert_due_handovers_now()
    second_run = await archive.alert_due_handovers_now()

    assert [f["file_id"] for f in listed.json()["items"]] == [due.file_id]
    assert (first_run, second_run) == (1, 0)
    stored = await archive.db[RECORDS_FILES].find_one({"_id": due.file_id})
    assert stored is not None
    (event,) = [_event_of(entry) for entry in stored["outbox"]]
    assert type(event).__name__ == "RecordsFileDueForHandover"
    assert event.retention == "Vĩnh viễn"  # type: ignore[attr-defined]


async def test_fixity_finds_an_original_whose_bytes_changed_and_raises_an_event(
    archive: Archive, blobs: MinioBlobStore, api: httpx.AsyncClient
) -> None:
    _, intact_key = await registered_with_original(archive, blobs, b"%PDF intact", 0)
    _, damaged_key = await registered_with_original(archive, blobs, b"%PDF will rot", 1)
    await blobs.put(damaged_key, b"%PDF has rot!", "application/pdf")

    response = await api.post("/archive/audit/fixity", headers=token("a1", "auditor"))

    assert response.status_code == 200
    report = response.json()
    assert report["checked"] == 2
    assert [(f["object_key"], f["problem"]) for f in report["findings"]] == [
        (damaged_key, "checksum_mismatch")
    ]
    run = await archive.db[FIXITY_RUNS].find_one({})
    assert run is not None
    (event,) = [_event_of(entry) for entry in run["outbox"]]
    assert type(event).__name__ == "FixityMismatchDetected"
    assert event.object_key == damaged_key  # type: ignore[attr-defined]
    assert intact_key not in str(run["findings"])


def _event_of(entry: dict[str, Any]) -> Event:
    record = record_of(entry)
    return decode(list(record.headers), record.value).event


async def stored_file(
    blobs: MinioBlobStore, document_id: str, content: bytes, name: str, role: str
) -> dict[str, Any]:
    key = f"documents/{document_id}/{hashlib.sha256(content).hexdigest()}.pdf"
    await blobs.put(key, content, "application/pdf")
    return {
        "file_id": f"f-{role}",
        "name": name,
        "media_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "object_key": key,
        "role": role,
    }


def with_payload(event_type: str, **changes: Any) -> Event:
    sample = sample_event(event_type)
    payload = {**sample.model_dump(mode="json", by_alias=True), **changes}
    return type(sample).model_validate(payload)


async def test_a_package_carries_the_ocr_derivative_and_the_paper_slip_byte_for_byte(
    archive: Archive, blobs: MinioBlobStore, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    document_id, _ = await registered_with_original(archive, blobs, b"%PDF-1.3 the scan", 0)
    derivative = b"%PDF-1.7 searchable PDF/A made from the scan"
    slip = b"%PDF-1.7 phieu giai quyet van ban den, signed by the director"
    digitized = with_payload(
        "vanthu.intake.document.digitized.v1",
        document_id=document_id,
        derivative_file=await stored_file(
            blobs, document_id, derivative, "Quyết định 15 (OCR).pdf", "ocr_derivative"
        ),
    )
    decided = with_payload(
        "vanthu.routing.decision.recorded.v1",
        document_id=document_id,
        evidence_file=await stored_file(
            blobs, document_id, slip, "Phiếu giải quyết.pdf", "evidence"
        ),
    )
    await archive_and_project(archive, [digitized, decided], topic=f"rf.{secrets.token_hex(3)}")
    clerk = token("clerk1", "clerk")
    file_id = await open_file_with(api, [document_id], years=10)
    await api.post(f"/archive/records-files/{file_id}/close", json={}, headers=clerk)

    one = await api.get(f"/archive/documents/{document_id}/package", headers=clerk)
    whole = await api.get(f"/archive/records-files/{file_id}/package", headers=clerk)

    assert one.status_code == 200, one.text
    bag_dir = extract(one.content, tmp_path / "doc")
    assert bagit.Bag(str(bag_dir)).validate()
    data = bag_dir / "data"
    assert [p.read_bytes() for p in (data / "derivatives").iterdir()] == [derivative]
    assert [p.read_bytes() for p in (data / "evidence").iterdir()] == [slip]
    metadata = json.loads((data / "metadata" / "document.json").read_text(encoding="utf-8"))
    assert {(f["role"], f["path"].split("/")[0]) for f in metadata["vanthu"]["files"]} == {
        ("original", "originals"),
        ("ocr_derivative", "derivatives"),
        ("evidence", "evidence"),
    }
    assert whole.status_code == 200, whole.text
    file_bag = extract(whole.content, tmp_path / "file")
    assert bagit.Bag(str(file_bag)).validate()
    (folder,) = list((file_bag / "data" / "documents").iterdir())
    assert [p.read_bytes() for p in (folder / "evidence").iterdir()] == [slip]


async def test_a_package_whose_slip_is_gone_is_refused_saying_which_file(
    archive: Archive, blobs: MinioBlobStore, api: httpx.AsyncClient
) -> None:
    document_id, _ = await registered_with_original(archive, blobs, b"%PDF-1.7 kept", 0)
    # The golden decision names a slip that was never stored.
    decided = sample_event("vanthu.routing.decision.recorded.v1", document_id=document_id)
    await archive_and_project(archive, [decided], topic=f"rf.{secrets.token_hex(3)}")

    package = await api.get(
        f"/archive/documents/{document_id}/package", headers=token("clerk1", "clerk")
    )

    assert package.status_code == 409
    assert "is missing" in package.json()["detail"]
