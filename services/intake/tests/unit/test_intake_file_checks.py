"""Registration opens every file for real, on fakes: what does not open takes no number and leaves
nothing behind; a password-protected PDF is registered, flagged; the channel label changes nothing."""

from __future__ import annotations

import pytest
from harness import hostile_files
from harness.pdfs import one_page_pdf
from intake_fakes import FakeClaimBook, FakeDocumentRepository, FakeFileStore, FakeNumberRegister
from vanthu_intake import handlers, imports
from vanthu_intake.domain.legacy_import import ScanManifestRow
from vanthu_intake.domain.metadata import IncomingDocumentMetadata, OutgoingDocumentMetadata
from vanthu_intake.handlers import Registry, UploadedFile
from vanthu_runtime.auth import Principal, Role

CLERK = Principal(
    user_id="vt01", agency_code="000.00.00.H41", roles=frozenset({Role.CLERK}), full_name="Văn thư"
)
META = {
    "issuer": {"name": "Bộ Nội vụ"},
    "document_type": "QĐ",
    "code_notation": "QĐ-BNV",
    "issued_date": "2026-03-02",
    "subject": "Về việc ban hành Quy chế",
    "page_count": 1,
    "signer": {"position": "Thứ trưởng", "full_name": "Trần Văn B"},
}


def registry() -> Registry:
    return Registry(
        FakeDocumentRepository(), FakeNumberRegister(), FakeFileStore(), FakeClaimBook()
    )


def incoming(channel: str = "paper", number: str = "15") -> IncomingDocumentMetadata:
    return IncomingDocumentMetadata.model_validate(
        {**META, "channel": channel, "code_number": number}
    )


def nothing_kept(reg: Registry) -> bool:
    return (
        not reg.documents.saved  # type: ignore[attr-defined]
        and not reg.documents.published  # type: ignore[attr-defined]
        and not reg.files.objects  # type: ignore[attr-defined]
        and not reg.numbers.claims  # type: ignore[attr-defined]
        and not reg.claims.held  # type: ignore[attr-defined]
    )


async def register(reg: Registry, name: str, data: bytes, channel: str = "paper"):
    return await handlers.register_document(
        reg, principal=CLERK, metadata=incoming(channel), uploads=[UploadedFile(name, data)]
    )


@pytest.mark.parametrize(
    "case", hostile_files.hostile_corpus(), ids=lambda case: case.label.replace(" ", "-")
)
@pytest.mark.parametrize("channel", ["paper", "electronic"])
async def test_a_hostile_file_is_refused_by_either_channel_and_nothing_is_kept(
    case: hostile_files.HostileFile, channel: str
) -> None:
    reg = registry()

    with pytest.raises(handlers.UnacceptableFile) as refused:
        await register(reg, case.name, case.data, channel)

    assert case.refused_because in str(refused.value)
    assert refused.value.status in (413, 415, 422)
    assert nothing_kept(reg)


async def test_a_hostile_attachment_after_a_good_original_refuses_the_whole_document() -> None:
    reg = registry()
    uploads = [
        UploadedFile("scan.pdf", hostile_files.scan_pdf()),
        UploadedFile("phu-luc.pdf", hostile_files.pdf_with_embedded_exe()),
    ]

    with pytest.raises(handlers.UnacceptableFile, match=r"file 2 \(phu-luc.pdf\)"):
        await handlers.register_document(reg, principal=CLERK, metadata=incoming(), uploads=uploads)

    assert nothing_kept(reg)


@pytest.mark.parametrize("channel", ["paper", "electronic"])
async def test_a_scan_in_pdf_1_3_is_registered_by_either_channel_and_kept_bit_exact(
    channel: str,
) -> None:
    reg = registry()
    scan = hostile_files.scan_pdf(version="1.3")

    record = await register(reg, "scan.pdf", scan, channel)

    (file,) = record["files"]
    assert reg.files.objects[file["object_key"]] == scan  # type: ignore[attr-defined]
    assert (file["pages"], file["scanned_pages"]) == (1, 1)
    assert handlers.needs_ocr(channel, file)


async def test_a_born_digital_pdf_labelled_electronic_is_not_sent_to_ocr() -> None:
    record = await register(registry(), "qd.pdf", one_page_pdf(), "electronic")

    assert not handlers.needs_ocr("electronic", record["files"][0])


async def test_a_password_protected_pdf_is_registered_flagged_as_cannot_be_read() -> None:
    reg = registry()

    record = await register(reg, "mat.pdf", hostile_files.encrypted_pdf(), "electronic")

    assert record["number"] == 1
    assert "password" in record["files"][0]["cannot_be_read"]


async def test_an_outgoing_original_that_needs_a_password_or_is_an_image_is_refused() -> None:
    meta = OutgoingDocumentMetadata.model_validate(
        {
            "document_type": "Công văn",
            "subject": "Về việc báo cáo",
            "signer": {"position": "Chánh Văn phòng", "full_name": "Lê Văn Cường"},
            "recipients": [{"name": "Bộ Nội vụ", "agency_code": "000.00.00.G09"}],
            "drafting_unit_abbreviation": "VX",
        }
    )
    for data, status in ((hostile_files.encrypted_pdf(), 422), (hostile_files.small_png(), 415)):
        reg = registry()
        with pytest.raises(handlers.UnacceptableFile) as refused:
            await handlers.issue_outgoing_document(
                reg,
                principal=CLERK,
                metadata=meta,
                agency_abbreviation="UBND",
                place=None,
                upload=UploadedFile("signed.pdf", data),
            )
        assert refused.value.status == status
        assert nothing_kept(reg)


async def test_a_backlog_row_whose_scan_does_not_open_is_refused_and_keeps_nothing() -> None:
    reg = registry()
    entry = ScanManifestRow.model_validate(
        {"file": "lo-1/001.pdf", "metadata": {**META, "channel": "paper", "code_number": "1"}}
    )

    with pytest.raises(imports.RowRefused, match="does not open"):
        await imports.import_scan(
            reg,
            principal=CLERK,
            batch="lo-1",
            row=2,
            entry=entry,
            data=hostile_files.html_after_pdf_header(),
        )

    assert nothing_kept(reg)


@pytest.mark.parametrize("name", hostile_files.HOSTILE_NAMES)
async def test_a_hostile_file_name_is_stored_as_a_safe_display_name_never_in_the_key(
    name: str,
) -> None:
    reg = registry()

    record = await register(reg, name, one_page_pdf())

    (file,) = record["files"]
    assert not any(char in file["name"] for char in "/\\\x00\r\n\u202e")
    assert file["object_key"] == f"sha256/{file['sha256']}"
    (received,) = reg.documents.published  # type: ignore[attr-defined]
    payload = received.value.decode()
    assert "\\r\\n" not in payload
    assert "../" not in payload
