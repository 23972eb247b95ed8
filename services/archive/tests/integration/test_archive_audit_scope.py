"""The auditor's HTTP checks cover his own agency (issue 16 item 12): the verify checks the
records of his agency (and finds a change to one of them), never reports another agency's
records, and the fixity check re-hashes his agency's files only, naming none of another's. The
whole archive is the operator's command."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

import httpx
from archive_testkit import AUTH
from harness.samples import sample_event
from pymongo.asynchronous.database import AsyncDatabase
from vanthu_archive.adapters.mongo_event_store import COLLECTION, record_id
from vanthu_archive.bootstrap import Archive
from vanthu_archive.domain.hashchain import StoredRecord, chain_hash
from vanthu_archive.handlers import archive_records, project_records
from vanthu_contracts import Event, encode
from vanthu_runtime.auth import issue_dev_token
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import MongoDocument
from vanthu_runtime.platform import PlatformSettings

OURS = "000.00.00.H41"
THEIRS = "000.00.00.G22"


def auditor(agency: str) -> dict[str, str]:
    jwt = issue_dev_token(AUTH, user_id=f"u-kt-{agency}", agency_code=agency, roles=["auditor"])
    return {"Authorization": f"Bearer {jwt}"}


def registration(agency: str, content: bytes, **changes: object) -> tuple[Event, str]:
    document_id = str(uuid.uuid4())
    key = f"documents/{document_id}/{hashlib.sha256(content).hexdigest()}.pdf"
    sample = sample_event("vanthu.intake.document.received.v2")
    payload = sample.model_dump(mode="json", by_alias=True)
    payload.update(
        document_id=document_id,
        agency_code=agency,
        files=[
            {
                "file_id": "f-1",
                "name": "van-ban.pdf",
                "media_type": "application/pdf",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "object_key": key,
                "role": "original",
            }
        ],
    )
    payload.update({"confidentiality": "normal", "readers": [], **changes})
    return type(sample).model_validate(payload), key


async def store_interleaved(archive: Archive, events: list[Event]) -> str:
    """The events on one partition of a topic of their own, chained and projected."""
    topic = f"scope.{secrets.token_hex(3)}"
    now = datetime.now(UTC)
    records = []
    for offset, event in enumerate(events):
        record = encode(event, source="/vanthu/tests", event_id=str(uuid.uuid4()))
        records.append(
            StoredRecord(topic, 0, offset, now, record.key, record.value, list(record.headers), now)
        )
    await archive_records(archive.store, records)
    await project_records(archive.read_models, None, records)
    return topic


async def test_an_auditor_verifies_his_agencys_records_and_sees_nothing_of_another_agency(
    archive: Archive, api: httpx.AsyncClient, mongo_db: AsyncDatabase[MongoDocument]
) -> None:
    events = [registration(agency, b"%PDF-1.7 x")[0] for agency in (OURS, THEIRS) * 3]
    topic = await store_interleaved(archive, events)
    events_table = mongo_db[COLLECTION]

    clean = await api.get("/archive/audit/verify", headers=auditor(OURS))
    # Another agency's record altered: not ours to see, and our records still prove themselves.
    await events_table.update_one(
        {"_id": record_id(topic, 0, 1)}, {"$set": {"value": b'{"altered": true}'}}
    )
    theirs_altered = await api.get("/archive/audit/verify", headers=auditor(OURS))
    # One of ours rewritten whole, content and hash: the next record still names the old hash.
    ours = await events_table.find_one({"_id": record_id(topic, 0, 2)})
    assert ours is not None
    forged = b'{"subject": "forged"}'
    stored = StoredRecord(
        topic, 0, 2, ours["timestamp"], ours["key"], forged,
        [(h["name"], h["value"]) for h in ours["headers"]], ours["arrived_at"],
    )  # fmt: skip
    rehashed = chain_hash(bytes(ours["previous_hash"]), stored)
    await events_table.update_one(
        {"_id": ours["_id"]}, {"$set": {"value": forged, "hash": rehashed}}
    )
    ours_rewritten = await api.get("/archive/audit/verify", headers=auditor(OURS))

    assert clean.status_code == 200, clean.text
    assert clean.json()["intact"] is True
    assert clean.json()["records_checked"] == 3
    assert theirs_altered.json()["intact"] is True
    assert theirs_altered.json()["records_checked"] == 3
    broken = ours_rewritten.json()
    assert broken["intact"] is False
    assert (broken["first_broken_record"]["topic"], broken["first_broken_record"]["offset"]) == (
        topic,
        2,
    )


async def test_the_fixity_check_of_an_auditor_rehashes_his_agencys_files_only(
    archive: Archive, api: httpx.AsyncClient, platform_settings: PlatformSettings
) -> None:
    blobs = MinioBlobStore(create_minio_client(platform_settings.s3), platform_settings.s3.bucket)
    await blobs.ensure_bucket()
    ours, our_key = registration(OURS, f"%PDF-1.7 ours {uuid.uuid4()}".encode())
    theirs, their_key = registration(THEIRS, f"%PDF-1.7 theirs {uuid.uuid4()}".encode())
    secret, secret_key = registration(
        OURS, f"%PDF-1.7 secret {uuid.uuid4()}".encode(), confidentiality="secret", readers=["u-x"]
    )
    for key in (our_key, their_key, secret_key):
        await blobs.put(key, b"%PDF-1.7 damaged", "application/pdf")
    await store_interleaved(archive, [ours, theirs, secret])

    checked = await api.post("/archive/audit/fixity", headers=auditor(OURS))

    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["checked"] == 2
    assert sorted(f["object_key"] or "" for f in body["findings"]) == ["", our_key]
    assert [f["masked"] for f in body["findings"] if f["object_key"] is None] == [True]
    assert their_key not in checked.text
    assert secret_key not in checked.text
    assert theirs.document_id not in checked.text  # type: ignore[attr-defined]
