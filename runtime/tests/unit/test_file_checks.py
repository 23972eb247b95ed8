"""Uploaded files are opened for real before anything keeps them; their names are made safe."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from harness import hostile_files
from harness.pdfs import one_page_pdf
from PIL import Image
from vanthu_runtime.file_checks import (
    FileLimits,
    FileRefused,
    MediaType,
    RefusalKind,
    check_upload,
    check_upload_async,
    content_disposition,
    digitised_copy_problems,
    safe_display_name,
)

# ------------------------------------------------------------------------------------------
# What passes


def test_a_scanners_pdf_1_3_opens_and_is_seen_as_a_scan() -> None:
    checked = check_upload(hostile_files.scan_pdf(version="1.3"), "scan.pdf")

    assert checked.media_type is MediaType.PDF
    assert checked.pdf_version == (1, 3)
    assert checked.pages == 1
    assert checked.scanned_pages == 1
    assert checked.text_pages == 0
    assert checked.looks_scanned


def test_a_born_digital_pdf_has_text_pages_and_is_no_scan() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Quyet dinh so 12")

    checked = check_upload(bytes(pdf.output()), "qd.pdf")

    assert checked.text_pages == 1
    assert checked.scanned_pages == 0
    assert not checked.looks_scanned


def test_an_empty_page_is_neither_text_nor_scan() -> None:
    checked = check_upload(one_page_pdf())

    assert (checked.text_pages, checked.scanned_pages) == (0, 0)


def test_png_jpeg_and_multi_page_tiff_scans_open() -> None:
    page = Image.new("L", (850, 1100), 255)
    for fmt, media_type in (("PNG", MediaType.PNG), ("JPEG", MediaType.JPEG)):
        out = io.BytesIO()
        page.save(out, format=fmt)
        assert check_upload(out.getvalue()).media_type is media_type
    out = io.BytesIO()
    page.save(out, format="TIFF", save_all=True, append_images=[page, page])

    checked = check_upload(out.getvalue())

    assert checked.media_type is MediaType.TIFF
    assert checked.pages == 3
    assert checked.max_pixels == 850 * 1100


def test_a_pdf_with_only_an_owner_password_opens_like_any_other() -> None:
    checked = check_upload(hostile_files.encrypted_pdf(user_password=""))

    assert checked.cannot_be_read is None
    assert checked.pages == 1


def test_a_spooled_upload_is_checked_from_its_path(tmp_path: Path) -> None:
    spooled = tmp_path / "upload.bin"
    spooled.write_bytes(hostile_files.scan_pdf())

    assert check_upload(spooled, "scan.pdf").pages == 1
    spooled.write_bytes(hostile_files.header_only_pdf())
    with pytest.raises(FileRefused):
        check_upload(spooled)


async def test_the_async_check_gives_the_same_answer() -> None:
    checked = await check_upload_async(hostile_files.small_png(), "a.png")

    assert checked.media_type is MediaType.PNG


# ------------------------------------------------------------------------------------------
# What is refused, and what the refusal says


@pytest.mark.parametrize(
    "case", hostile_files.hostile_corpus(), ids=lambda case: case.label.replace(" ", "-")
)
def test_every_file_of_the_hostile_corpus_is_refused_with_a_reason(
    case: hostile_files.HostileFile,
) -> None:
    with pytest.raises(FileRefused) as refused:
        check_upload(case.data, case.name)

    assert case.refused_because in str(refused.value)
    assert 400 <= refused.value.http_status < 500
    assert refused.value.field == "file"
    assert refused.value.reason_vi


@pytest.mark.parametrize(
    ("data", "kind", "status"),
    [
        (hostile_files.header_only_pdf(), RefusalKind.DAMAGED, 422),
        (hostile_files.truncated_png(), RefusalKind.DAMAGED, 422),
        (hostile_files.pdf_with_javascript(), RefusalKind.ACTIVE_CONTENT, 422),
        (hostile_files.png_bomb(), RefusalKind.TOO_BIG, 413),
        (hostile_files.LINUX_PROGRAM, RefusalKind.UNSUPPORTED_TYPE, 415),
    ],
)
def test_each_kind_of_refusal_has_its_http_answer(
    data: bytes, kind: RefusalKind, status: int
) -> None:
    with pytest.raises(FileRefused) as refused:
        check_upload(data)

    assert refused.value.kind is kind
    assert refused.value.http_status == status


def test_a_pdf_with_javascript_and_an_exe_names_both() -> None:
    with pytest.raises(FileRefused) as refused:
        check_upload(hostile_files.pdf_with_javascript_and_exe())

    assert "JavaScript and embedded files" in str(refused.value)
    assert "JavaScript và tệp nhúng" in refused.value.reason_vi


def test_document_level_javascript_and_an_embedded_exe_are_each_refused() -> None:
    with pytest.raises(FileRefused, match="JavaScript"):
        check_upload(hostile_files.pdf_with_javascript())
    with pytest.raises(FileRefused, match="embedded files"):
        check_upload(hostile_files.pdf_with_embedded_exe())


def test_a_password_protected_pdf_is_refused_by_default() -> None:
    with pytest.raises(FileRefused) as refused:
        check_upload(hostile_files.encrypted_pdf())

    assert refused.value.kind is RefusalKind.ENCRYPTED
    assert "password" in str(refused.value)


def test_a_password_protected_pdf_is_kept_flagged_when_the_caller_asks() -> None:
    checked = check_upload(hostile_files.encrypted_pdf(), limits=FileLimits(encrypted_pdf="flag"))

    assert checked.media_type is MediaType.PDF
    assert checked.cannot_be_read is not None
    assert "password" in checked.cannot_be_read


def test_a_png_bomb_under_pillows_own_limit_is_refused_by_ours() -> None:
    with pytest.raises(FileRefused, match="100,000,000 pixels"):
        check_upload(hostile_files.png_bomb_under_pillows_limit())


def test_a_tiff_whose_second_page_is_a_bomb_is_refused_naming_that_page() -> None:
    with pytest.raises(FileRefused, match="frame 2 of the image has 400,000,000 pixels"):
        check_upload(hostile_files.tiff_bomb())


def test_an_image_inside_a_pdf_declaring_too_many_pixels_is_refused() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    image = pikepdf.Stream(pdf, b"\x00" * 16)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 30_000, 30_000, 1
    image.ColorSpace = pikepdf.Name.DeviceGray
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    out = io.BytesIO()
    pdf.save(out)

    with pytest.raises(FileRefused, match="an image inside the PDF has 900,000,000 pixels"):
        check_upload(out.getvalue())


def test_a_page_larger_than_the_pixel_limit_at_200_dpi_is_refused() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(14_400, 14_400))
    out = io.BytesIO()
    pdf.save(out)

    with pytest.raises(FileRefused, match="page 1 at 200 dpi"):
        check_upload(out.getvalue())


def test_more_pages_than_the_limit_are_refused() -> None:
    with pytest.raises(FileRefused, match="3 pages, more than the limit of 2") as refused:
        check_upload(hostile_files.scan_pdf(dpi=50, pages=3), limits=FileLimits(max_pages=2))

    assert refused.value.http_status == 413


def test_a_pdf_without_pages_is_refused() -> None:
    out = io.BytesIO()
    pikepdf.new().save(out)

    with pytest.raises(FileRefused, match="no pages"):
        check_upload(out.getvalue())


def test_a_file_over_the_byte_limit_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(FileRefused, match="more than the limit of 100") as refused:
        check_upload(hostile_files.header_only_pdf() * 10, limits=FileLimits(max_bytes=100))

    assert refused.value.http_status == 413


def test_a_kind_the_caller_does_not_take_is_refused_as_unsupported() -> None:
    with pytest.raises(FileRefused, match="a PNG file is not accepted here") as refused:
        check_upload(
            hostile_files.small_png(), limits=FileLimits(accepted=frozenset({MediaType.PDF}))
        )

    assert refused.value.http_status == 415


def test_the_refusal_names_the_form_field_it_was_given() -> None:
    with pytest.raises(FileRefused) as refused:
        check_upload(hostile_files.header_only_pdf(), field="slip")

    assert refused.value.field == "slip"


def test_a_limit_above_pillows_own_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="Pillow"):
        FileLimits(max_pixels=10**12)


# ------------------------------------------------------------------------------------------
# What a refused file looks like (by its first bytes, never its name)


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
        ("Quyết định".encode()[:-1], "plain text"),
        (b"\x00\x01\x02\x03\xfe\xfd", "binary data of an unknown kind"),
    ],
)
def test_a_refused_file_says_what_it_looks_like(head: bytes, looks_like: str) -> None:
    with pytest.raises(FileRefused) as refused:
        check_upload(head, "scan.pdf")

    assert f"it looks like {looks_like}" in str(refused.value)
    assert "accepted are PDF, TIFF, JPEG, PNG files" in str(refused.value)


# ------------------------------------------------------------------------------------------
# ND 30's digitised copy


def test_a_scan_in_pdf_1_3_is_no_digitised_copy_for_three_reasons() -> None:
    problems = digitised_copy_problems(hostile_files.scan_pdf(version="1.3"))

    assert problems == [
        "it is PDF 1.3; ND 30 requires PDF 1.4 or later",
        "it is not PDF/A",
        "it has no searchable text layer",
    ]


def test_a_pdf_a_with_text_is_a_digitised_copy() -> None:
    from fpdf import FPDF

    writer = FPDF()
    writer.add_page()
    writer.set_font("helvetica", size=12)
    writer.cell(text="Cong van")
    with pikepdf.open(io.BytesIO(bytes(writer.output()))) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        out = io.BytesIO()
        pdf.save(out, force_version="1.7")

    assert digitised_copy_problems(out.getvalue()) == []


def test_what_does_not_open_is_no_digitised_copy() -> None:
    (problem,) = digitised_copy_problems(hostile_files.header_only_pdf())

    assert problem.startswith("it is not a readable PDF")


# ------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Công văn 12.pdf", "Công văn 12.pdf"),
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\System32\\scan.pdf", "scan.pdf"),
        ("scan\x00.exe.pdf", "scan.exe.pdf"),
        ("cong van\r\nX-Injected: 1.pdf", "cong van X-Injected_ 1.pdf"),
        ("\u202egpj.exe.pdf", "gpj.exe.pdf"),
        ("..", "file"),
        ("", "file"),
        ("   .hidden.pdf  ", "hidden.pdf"),
        ('a"b<c>.pdf', "a_b_c_.pdf"),
    ],
)
def test_a_client_name_is_shown_safely(name: str, shown: str) -> None:
    assert safe_display_name(name) == shown


def test_a_very_long_name_is_cut_keeping_its_extension() -> None:
    shown = safe_display_name("v" * 500 + ".pdf")

    assert len(shown) == 200
    assert shown.endswith("v.pdf")


def test_the_decomposed_vietnamese_of_some_systems_is_composed() -> None:
    assert safe_display_name("Co\u0302ng va\u0306n.pdf") == "Công văn.pdf"


@pytest.mark.parametrize("name", hostile_files.HOSTILE_NAMES)
def test_a_content_disposition_never_carries_control_characters_or_quotes(name: str) -> None:
    header = content_disposition(name)

    assert header.isascii()
    assert not any(char in header for char in "\r\n\x00")
    plain = header.split('filename="', 1)[1].split('"', 1)[0]
    assert "\\" not in plain


def test_a_vietnamese_name_travels_exactly_in_filename_star() -> None:
    header = content_disposition("Quyết định số 12.pdf")

    assert header == (
        'attachment; filename="Quyet dinh so 12.pdf"; '
        "filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20s%E1%BB%91%2012.pdf"
    )
