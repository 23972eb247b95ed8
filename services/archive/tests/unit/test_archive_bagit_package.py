"""Archival packages, checked with the Library of Congress ``bagit`` library an archive would use."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import bagit
import pytest
from vanthu_archive.domain.bagit_package import (
    CHUNK_SIZE,
    Addressee,
    DirectoryBagSink,
    DocumentMetadata,
    OriginalDamaged,
    OriginalFile,
    PackagedDocument,
    PackagingContext,
    PackagingRefused,
    build_document_package,
    build_records_file_package,
)
from vanthu_archive.domain.hashchain import (
    ChainedRecord,
    StoredRecord,
    append_record,
    canonical_bytes,
    head_of,
)
from vanthu_archive.domain.records_files import (
    FilePlan,
    FilePlanEntry,
    RecordsFile,
    RetentionPeriod,
    open_records_file,
)
from vanthu_contracts.events.values import Confidentiality, Register, Urgency

AGENCY = "000.00.00.G22"
CONTEXT = PackagingContext(
    source_organization="Văn phòng Bộ Nội vụ",
    bagged_at=datetime(2025, 12, 31, 18, 30, tzinfo=UTC),
    contact_name="Nguyễn Văn An",
)
SCAN = b"%PDF-1.4\n" + bytes(range(256)) * 40


def original(name: str, content: bytes, *, recorded: bytes | None = None) -> OriginalFile:
    stored_as = content if recorded is None else recorded
    return OriginalFile(
        file_id=f"file-{hashlib.sha256(name.encode()).hexdigest()[:8]}",
        name=name,
        media_type="application/pdf",
        sha256=hashlib.sha256(stored_as).hexdigest(),
        size=len(stored_as),
        open=lambda: io.BytesIO(content),
    )


def history(document_id: str, count: int = 3) -> tuple[ChainedRecord, ...]:
    start = datetime(2025, 3, 5, 1, tzinfo=UTC)
    chained: list[ChainedRecord] = []
    for offset in range(count):
        moment = start + timedelta(hours=offset)
        value = json.dumps({"document_id": document_id, "step": offset, "subject": "Quyết định"})
        item = StoredRecord(
            topic="document.received" if offset == 0 else "decision.recorded",
            partition=0,
            offset=offset,
            timestamp=moment,
            key=document_id.encode(),
            value=value.encode(),
            headers=[("ce_id", f"{document_id}-{offset}".encode()), ("ce_subject", None)],
            arrived_at=moment + timedelta(milliseconds=40),
        )
        previous = (
            head_of(chained[-1]) if chained and chained[-1].record.topic == item.topic else None
        )
        chained.append(append_record(previous, item))
    return tuple(chained)


def incoming(document_id: str = "doc-1", **changes: Any) -> DocumentMetadata:
    fields: dict[str, Any] = {
        "document_id": document_id,
        "agency_code": AGENCY,
        "register": Register.INCOMING,
        "type_name": "Quyết định",
        "organ_name": "Bộ Tài chính",
        "subject": "Quyết định về việc phân bổ\nngân sách năm 2025",
        "document_code": "000.00.00.G12,2025/03/01,15/QĐ-BTC",
        "code_number": "15",
        "code_notation": "QĐ-BTC",
        "issued_date": date(2025, 3, 1),
        "page_amount": 4,
        "signer_position": "Thứ trưởng",
        "signer_full_name": "Trần Văn Bình",
        "urgency": Urgency.URGENT,
        "confidentiality": Confidentiality.NORMAL,
        "addressees": (Addressee("Vụ Kế hoạch - Tài chính"), Addressee("Văn phòng")),
        "arrival_date": date(2025, 3, 5),
        "arrival_number": 1234,
    }
    fields.update(changes)
    return DocumentMetadata(**fields)


def packaged(document_id: str = "doc-1", **changes: Any) -> PackagedDocument:
    return PackagedDocument(
        metadata=incoming(document_id, **changes),
        originals=(
            original("Quyết định 15-QĐ-BTC (bản gốc).pdf", SCAN),
            original("Phụ lục.pdf", b"%PDF-1.4 phu luc"),
        ),
        history=history(document_id),
    )


def test_a_document_package_is_a_valid_bagit_bag(tmp_path: Path) -> None:
    summary = build_document_package(DirectoryBagSink(tmp_path), packaged(), CONTEXT)

    bag = bagit.Bag(str(tmp_path))
    assert bag.validate()
    assert bag.version_info == (1, 0)
    assert bag.info["Source-Organization"] == "Văn phòng Bộ Nội vụ"
    assert bag.info["External-Identifier"] == "000.00.00.G12,2025/03/01,15/QĐ-BTC"
    assert bag.info["External-Description"] == "Quyết định về việc phân bổ ngân sách năm 2025"
    assert bag.info["Payload-Oxum"] == summary.payload_oxum
    assert summary.payload_oxum.endswith(".4")
    assert (tmp_path / "tagmanifest-sha256.txt").exists()


def test_the_bagging_date_is_the_day_in_vietnam(tmp_path: Path) -> None:
    build_document_package(DirectoryBagSink(tmp_path), packaged(), CONTEXT)

    assert bagit.Bag(str(tmp_path)).info["Bagging-Date"] == "2026-01-01"


def test_altering_one_payload_byte_makes_the_bag_fail_validation(tmp_path: Path) -> None:
    build_document_package(DirectoryBagSink(tmp_path), packaged(), CONTEXT)
    scan = next((tmp_path / "data" / "originals").glob("01-*"))
    content = bytearray(scan.read_bytes())
    content[100] ^= 0x01
    scan.write_bytes(bytes(content))

    with pytest.raises(bagit.BagValidationError) as failure:
        bagit.Bag(str(tmp_path)).validate()

    assert scan.name in str(failure.value)


def test_altering_the_bag_info_makes_the_bag_fail_validation(tmp_path: Path) -> None:
    build_document_package(DirectoryBagSink(tmp_path), packaged(), CONTEXT)
    info = tmp_path / "bag-info.txt"
    info.write_text(
        info.read_text(encoding="utf-8").replace("Bộ Nội vụ", "Bộ Ngoại giao"), encoding="utf-8"
    )

    assert not bagit.Bag(str(tmp_path)).is_valid()


def test_originals_are_copied_byte_for_byte_under_safe_names(tmp_path: Path) -> None:
    build_document_package(DirectoryBagSink(tmp_path), packaged(), CONTEXT)

    originals = sorted(path.name for path in (tmp_path / "data" / "originals").iterdir())
    assert originals == ["01-quyet-dinh-15-qd-btc-ban-goc.pdf", "02-phu-luc.pdf"]
    assert (tmp_path / "data" / "originals" / originals[0]).read_bytes() == SCAN


def test_an_original_larger_than_one_chunk_arrives_whole(tmp_path: Path) -> None:
    big = bytes(range(251)) * (CHUNK_SIZE // 251 * 2 + 7)
    document = PackagedDocument(incoming(), (original("scan.pdf", big),), ())

    build_document_package(DirectoryBagSink(tmp_path), document, CONTEXT)

    assert (tmp_path / "data" / "originals" / "01-scan.pdf").read_bytes() == big
    assert bagit.Bag(str(tmp_path)).validate()


def test_the_metadata_carries_the_nd30_fields_of_an_incoming_document(tmp_path: Path) -> None:
    build_document_package(DirectoryBagSink(tmp_path), packaged(), CONTEXT)

    metadata = json.loads((tmp_path / "data/metadata/document.json").read_text(encoding="utf-8"))

    assert metadata["Subject"] == "Quyết định về việc phân bổ\nngân sách năm 2025"
    assert (metadata["CodeNumber"], metadata["CodeNotation"]) == ("15", "QĐ-BTC")
    assert metadata["IssuedDate"] == "2025-03-01"
    assert (metadata["ArrivalDate"], metadata["ArrivalNumber"]) == ("2025-03-05", 1234)
    assert metadata["ToPlaces"] == "Vụ Kế hoạch - Tài chính; Văn phòng"
    assert metadata["SignerInfo"] == {"Position": "Thứ trưởng", "FullName": "Trần Văn Bình"}
    assert metadata["Priority"] == 1
    assert metadata["FileCode"] is None
    assert [f["sha256"] for f in metadata["vanthu"]["files"]] == [
        hashlib.sha256(SCAN).hexdigest(),
        hashlib.sha256(b"%PDF-1.4 phu luc").hexdigest(),
    ]


def test_an_outgoing_document_lists_its_recipient_agencies(tmp_path: Path) -> None:
    outgoing = packaged(
        register=Register.OUTGOING,
        addressees=(Addressee("Sở Nội vụ Đồng Nai", "000.00.00.H19"),),
        issued_amount=5,
    )

    build_document_package(DirectoryBagSink(tmp_path), outgoing, CONTEXT)

    metadata = json.loads((tmp_path / "data/metadata/document.json").read_text(encoding="utf-8"))
    assert metadata["To"] == [{"OrganId": "000.00.00.H19", "OrganName": "Sở Nội vụ Đồng Nai"}]
    assert metadata["IssuedAmount"] == 5
    assert "ArrivalNumber" not in metadata


def test_the_event_history_lets_an_auditor_recheck_every_chain_hash(tmp_path: Path) -> None:
    document = packaged()
    build_document_package(DirectoryBagSink(tmp_path), document, CONTEXT)

    lines = (tmp_path / "data/history/events.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]

    assert [event["offset"] for event in events] == [0, 1, 2]
    assert events[0]["payload"]["subject"] == "Quyết định"
    for event, chained in zip(events, document.history, strict=True):
        rebuilt = StoredRecord(
            topic=event["topic"],
            partition=event["partition"],
            offset=event["offset"],
            timestamp=datetime.fromisoformat(event["timestamp"]),
            key=base64.b64decode(event["key_base64"]),
            value=base64.b64decode(event["value_base64"]),
            headers=[(n, None if v is None else base64.b64decode(v)) for n, v in event["headers"]],
            arrived_at=datetime.fromisoformat(event["arrived_at"]),
        )
        assert canonical_bytes(rebuilt) == canonical_bytes(chained.record)
        recomputed = hashlib.sha256(
            bytes.fromhex(event["previous_hash"]) + canonical_bytes(rebuilt)
        )
        assert recomputed.hexdigest() == event["chain_hash"]


def test_an_original_that_no_longer_matches_its_checksum_is_refused(tmp_path: Path) -> None:
    damaged = original("scan.pdf", b"%PDF-1.4 bit rot", recorded=b"%PDF-1.4 original")
    document = PackagedDocument(incoming(), (damaged,), ())

    with pytest.raises(OriginalDamaged, match=damaged.file_id):
        build_document_package(DirectoryBagSink(tmp_path), document, CONTEXT)


def records_file_with(*document_ids: str, code: str = "01.01", close: bool = True) -> RecordsFile:
    plan = FilePlan(
        AGENCY,
        2025,
        (
            FilePlanEntry(
                "01.01", "Hồ sơ phân bổ ngân sách 2025", RetentionPeriod.of_years(10), "KHTC"
            ),
            FilePlanEntry("01.02", "Hồ sơ hội nghị", RetentionPeriod.permanent(), "VP"),
        ),
    )
    records_file = open_records_file(plan, code, f"file-{code}", date(2025, 1, 10))
    for document_id in document_ids:
        records_file.add_document(document_id)
    if close:
        records_file.close(date(2025, 11, 30))
    return records_file


def test_a_records_file_package_holds_every_document_in_file_order(tmp_path: Path) -> None:
    records_file = records_file_with("doc-b", "doc-a")
    documents = [
        packaged("doc-a", issued_date=date(2025, 2, 1)),
        packaged("doc-b", issued_date=date(2025, 6, 1), page_amount=7),
    ]

    summary = build_records_file_package(
        DirectoryBagSink(tmp_path), records_file, documents, CONTEXT
    )

    assert bagit.Bag(str(tmp_path)).validate()
    assert summary.external_identifier == "000.00.00.G22/2025/01.01"
    file_json = json.loads(
        (tmp_path / "data/metadata/records-file.json").read_text(encoding="utf-8")
    )
    assert file_json["Title"] == "Hồ sơ phân bổ ngân sách 2025"
    assert file_json["Maintenance"] == "10 năm"
    assert (file_json["DocTotal"], file_json["PageTotal"]) == (2, 11)
    assert (file_json["StartDate"], file_json["EndDate"]) == ("2025-02-01", "2025-06-01")
    first = json.loads(
        (tmp_path / "data/documents/001-doc-b/metadata/document.json").read_text(encoding="utf-8")
    )
    assert first["DocOrdinal"] == 1
    assert first["FileCode"] == {"OrganId": AGENCY, "FileCatalog": 2025, "FileNotation": "01.01"}


def test_a_document_in_two_files_goes_whole_into_each_files_package(tmp_path: Path) -> None:
    shared = packaged("doc-shared")
    for code in ("01.01", "01.02"):
        target = tmp_path / code
        build_records_file_package(
            DirectoryBagSink(target), records_file_with("doc-shared", code=code), [shared], CONTEXT
        )
        assert bagit.Bag(str(target)).validate()
        assert (target / "data/documents/001-doc-shared/originals/02-phu-luc.pdf").exists()


def test_a_records_file_package_refuses_to_leave_a_document_out(tmp_path: Path) -> None:
    records_file = records_file_with("doc-a", "doc-b")

    with pytest.raises(PackagingRefused, match="doc-b"):
        build_records_file_package(
            DirectoryBagSink(tmp_path), records_file, [packaged("doc-a")], CONTEXT
        )


def test_the_directory_sink_never_overwrites_or_escapes_its_folder(tmp_path: Path) -> None:
    sink = DirectoryBagSink(tmp_path / "bag")
    with sink.open_for_writing("data/a.txt") as target:
        target.write(b"first")

    with pytest.raises(FileExistsError):
        sink.open_for_writing("data/a.txt")
    with pytest.raises(PackagingRefused, match="outside the bag"):
        sink.open_for_writing("../escape.txt")
    assert (tmp_path / "bag" / "data" / "a.txt").read_bytes() == b"first"


def test_an_open_records_file_is_not_packaged_for_hand_over(tmp_path: Path) -> None:
    records_file = records_file_with("doc-a", close=False)

    with pytest.raises(PackagingRefused, match="still open"):
        build_records_file_package(
            DirectoryBagSink(tmp_path), records_file, [packaged("doc-a")], CONTEXT
        )
