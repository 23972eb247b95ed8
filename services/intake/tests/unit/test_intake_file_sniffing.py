import pytest
from vanthu_intake.domain.file_sniffing import (
    MediaType,
    ScanRuleViolation,
    UnsupportedMediaType,
    check_scan_pdf_version,
    pdf_version,
    sniff_media_type,
)


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", MediaType.PDF),
        (b"II*\x00\x08\x00\x00\x00", MediaType.TIFF),
        (b"MM\x00*\x00\x00\x00\x08", MediaType.TIFF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", MediaType.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", MediaType.PNG),
    ],
)
def test_accepted_files_are_recognised_by_their_first_bytes(
    head: bytes, media_type: MediaType
) -> None:
    assert sniff_media_type(head) is media_type


@pytest.mark.parametrize(
    ("head", "looks_like"),
    [
        (b"", "an empty file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive (also .docx, .xlsx, .odt)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "an old Microsoft Office file (.doc, .xls)"),
        (b"GIF89a\x01\x00", "a GIF image"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "a WebP image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "a HEIC photo (as taken by phones)"),
        (b"MZ\x90\x00\x03\x00", "a Windows program"),
        (b"<!DOCTYPE html><html>", "a web page (HTML)"),
        (b'<?xml version="1.0"?><edXML xmlns="x">', "an edXML package"),
        ("Công văn số 12/UBND-VX".encode(), "plain text"),
        (b"\x00\x01\x02\x03\xfe\xfd", "binary data of an unknown kind"),
    ],
)
def test_refused_files_say_what_they_look_like(head: bytes, looks_like: str) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        sniff_media_type(head)
    assert caught.value.looks_like.startswith(looks_like)
    assert "accepts PDF, TIFF, JPEG and PNG" in str(caught.value)


def test_a_pdf_renamed_to_jpg_is_still_a_pdf_because_names_are_never_trusted() -> None:
    # The caller has the name "scan.jpg"; only the bytes are passed, and only they count.
    assert sniff_media_type(b"%PDF-1.4\n") is MediaType.PDF


def test_text_cut_in_the_middle_of_a_vietnamese_letter_is_still_seen_as_text() -> None:
    head = "Quyết định".encode()[:-1]
    with pytest.raises(UnsupportedMediaType) as caught:
        sniff_media_type(head)
    assert caught.value.looks_like == "plain text"


def test_the_pdf_version_is_read_from_the_header() -> None:
    assert pdf_version(b"%PDF-1.7\n") == (1, 7)
    assert pdf_version(b"\x89PNG") is None


def test_a_scan_in_pdf_1_4_or_later_meets_the_digitisation_rule() -> None:
    check_scan_pdf_version(b"%PDF-1.4\n")
    check_scan_pdf_version(b"%PDF-2.0\n")


def test_a_scan_older_than_pdf_1_4_breaks_the_digitisation_rule() -> None:
    with pytest.raises(ScanRuleViolation, match=r"PDF 1\.3; ND 30 requires PDF 1\.4"):
        check_scan_pdf_version(b"%PDF-1.3\n")


def test_a_digitised_copy_must_be_a_pdf() -> None:
    with pytest.raises(ScanRuleViolation, match="must be a PDF"):
        check_scan_pdf_version(b"II*\x00")
