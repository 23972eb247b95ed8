"""Backlog import and migration on fakes: once per row, resumable, old numbers kept and claimed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from harness.pdfs import one_page_pdf
from intake_fakes import FakeClaimBook, FakeDocumentRepository, FakeFileStore, FakeNumberRegister
from vanthu_intake import imports
from vanthu_intake.domain.duplicates import content_key
from vanthu_intake.domain.legacy_import import LegacyDocumentRecord, ScanManifestRow
from vanthu_intake.domain.numbering import Register, register_key
from vanthu_intake.handlers import Registry
from vanthu_runtime.auth import Principal, Role

CLERK = Principal(
    user_id="vt01", agency_code="000.00.00.H41", roles=frozenset({Role.CLERK}), full_name="Văn thư"
)
# A real one-page PDF: files are opened before they are kept; a suffix after %%EOF keeps it one.
PDF = one_page_pdf()
META = {
    "channel": "paper",
    "issuer": {"name": "Bộ Nội vụ"},
    "document_type": "QĐ",
    "code_notation": "QĐ-BNV",
    "issued_date": "2026-03-02",
    "subject": "Về việc số hóa",
    "page_count": 1,
    "signer": {"position": "Thứ trưởng", "full_name": "Trần Văn B"},
}


def registry() -> Registry:
    return Registry(
        FakeDocumentRepository(), FakeNumberRegister(), FakeFileStore(), FakeClaimBook()
    )


def row(file: str, number: str) -> ScanManifestRow:
    return ScanManifestRow.model_validate(
        {"file": file, "metadata": {**META, "code_number": number}}
    )


async def scan(reg: Registry, file: str, number: str, data: bytes, at_row: int = 2):
    return await imports.import_scan(
        reg, principal=CLERK, batch="b1", row=at_row, entry=row(file, number), data=data
    )


async def test_running_a_row_again_registers_nothing_twice() -> None:
    reg = registry()

    first = await scan(reg, "001.pdf", "1", PDF + b"1")
    again = await scan(reg, "001.pdf", "1", PDF + b"1")

    assert (first.outcome, again.outcome) == (
        imports.Outcome.REGISTERED,
        imports.Outcome.ALREADY_DONE,
    )
    assert again.record["_id"] == first.record["_id"]
    assert len(reg.documents.saved) == 1


async def test_a_row_cut_short_after_taking_its_number_keeps_that_number_on_resume() -> None:
    reg = registry()
    data = PDF + b"cut"
    document_id = imports.scan_document_id(CLERK.agency_code, content_key(data))
    # The earlier run claimed the row, then number 1, and died before storing the document.
    await reg.claims.claim(f"import|{CLERK.agency_code}|scan|{content_key(data)}", document_id)
    key = register_key(CLERK.agency_code, Register.INCOMING, datetime.now(UTC))
    await reg.numbers.reserve(key, document_id)

    resumed = await scan(reg, "001.pdf", "1", data)
    following = await scan(reg, "002.pdf", "2", PDF + b"next", at_row=3)

    assert resumed.outcome is imports.Outcome.REGISTERED
    assert (resumed.record["number"], following.record["number"]) == (1, 2)


async def test_the_same_scan_under_another_name_is_refused_naming_the_first_row() -> None:
    reg = registry()
    await scan(reg, "001.pdf", "1", PDF + b"same")

    with pytest.raises(
        imports.RowRefused, match=r"file: '002.pdf' has the same bytes as '001.pdf'"
    ):
        await scan(reg, "002.pdf", "2", PDF + b"same", at_row=3)


async def test_a_row_already_registered_through_the_api_is_refused_and_can_be_retried() -> None:
    reg = registry()
    await scan(reg, "001.pdf", "1", PDF + b"a")

    with pytest.raises(imports.RowRefused, match="code_number: already registered as document"):
        await scan(reg, "009.pdf", "1", PDF + b"b", at_row=9)

    # Nothing of the refused row is kept: after a fix (or with a reason) a re-run starts afresh.
    assert f"import|{CLERK.agency_code}|scan|{content_key(PDF + b'b')}" not in reg.claims.held


def legacy(number: int, legacy_id: str = "VB-1", year: int = 2019) -> LegacyDocumentRecord:
    return LegacyDocumentRecord.model_validate(
        {
            "legacy_id": legacy_id,
            "agency_code": CLERK.agency_code,
            "registered_at": f"{year}-03-05T08:15:00+07:00",
            "arrival_year": year,
            "arrival_number": number,
            "metadata": {**META, "code_number": str(number), "issued_date": f"{year}-03-01"},
        }
    )


async def test_a_migrated_document_keeps_its_old_number_and_id_once() -> None:
    reg = registry()

    first = await imports.migrate_document(reg, operator=CLERK, line=legacy(123), files=[])
    again = await imports.migrate_document(reg, operator=CLERK, line=legacy(123), files=[])

    assert first.outcome is imports.Outcome.REGISTERED
    assert again.outcome is imports.Outcome.ALREADY_DONE
    assert (first.record["number"], first.record["year"], first.record["legacy_id"]) == (
        123,
        2019,
        "VB-1",
    )
    assert first.record["_id"] == imports.legacy_document_id(CLERK.agency_code, "VB-1")


async def test_an_old_number_already_given_to_another_document_is_refused_by_name() -> None:
    reg = registry()
    await imports.migrate_document(reg, operator=CLERK, line=legacy(5, "VB-5"), files=[])

    with pytest.raises(imports.RowRefused, match="arrival_number: 5 of 2019 is already taken"):
        await imports.migrate_document(reg, operator=CLERK, line=legacy(5, "VB-other"), files=[])
