"""Attachments wrapped in ZIP as the vendor libraries send them (issue 13 item 3, ADR 0050).

Every zip here is made by the test itself; none is a third party's file.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile

import pytest
from vanthu_exchange.domain.edxml import AttachmentSource, read_package, write_document_package
from vanthu_exchange.domain.edxml.zipped_attachments import (
    ZipLimits,
    ZippedAttachmentRefused,
    is_wrapped,
    library_would_wrap,
    unwrap,
    wrap,
)

TEXT = "Tờ trình về việc phê duyệt kế hoạch liên thông văn bản năm 2027\n".encode() * 40


def zipped(files: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return sink.getvalue()


def wrapped_package(make_document, data: bytes, name: str, *, manifest_type: str | None) -> bytes:
    """A package as a vendor library writes it: zip on the attachment, the original type (or
    nothing) in the manifest, the original name on both."""
    sink = io.BytesIO()
    write_document_package(
        sink,
        make_document(),
        [
            AttachmentSource(
                content_id="cid:1",
                name=name,
                content_type="application/zip",
                manifest_content_type=manifest_type,
                stream=io.BytesIO(data),
            )
        ],
    )
    return sink.getvalue()


def test_a_library_zipped_text_file_is_recognised_and_unwraps_to_the_original_bytes(
    make_document, sinks
):
    package = wrapped_package(
        make_document, zipped({"to-trinh.txt": TEXT}), "to-trinh.txt", manifest_type="text/plain"
    )

    read = read_package(io.BytesIO(package), sinks.open)
    (descriptor,) = read.attachments
    assert is_wrapped(descriptor)
    out = io.BytesIO()
    unwrapped = unwrap(io.BytesIO(sinks.content("cid:1")), out, name=descriptor.name)

    assert out.getvalue() == TEXT
    assert unwrapped.entry_name == "to-trinh.txt"
    assert (unwrapped.size, unwrapped.sha256) == (len(TEXT), hashlib.sha256(TEXT).hexdigest())


def test_a_zip_named_zip_or_an_attachment_not_marked_zip_is_left_as_it_came(make_document, sinks):
    as_zip = wrapped_package(
        make_document, zipped({"a.txt": TEXT}), "ho-so.zip", manifest_type=None
    )
    (descriptor,) = read_package(io.BytesIO(as_zip), sinks.open).attachments
    assert not is_wrapped(descriptor)

    pdf = io.BytesIO()
    write_document_package(
        pdf,
        make_document(),
        [AttachmentSource("cid:1", "cv.pdf", "application/pdf", io.BytesIO(b"%PDF-1.7"))],
    )
    (descriptor,) = read_package(io.BytesIO(pdf.getvalue())).attachments
    assert not is_wrapped(descriptor)


def test_zip_marked_only_in_the_manifest_is_unwrapped_too(make_document, sinks):
    sink = io.BytesIO()
    write_document_package(
        sink,
        make_document(),
        [
            AttachmentSource(
                "cid:1",
                "bao-cao.odt",
                content_type="",
                manifest_content_type="application/x-zip-compressed",
                stream=io.BytesIO(zipped({"bao-cao.odt": TEXT})),
            )
        ],
    )
    text = sink.getvalue().replace(b"<edXML:ContentType></edXML:ContentType>", b"")
    (descriptor,) = read_package(io.BytesIO(text), sinks.open).attachments
    assert descriptor.attachment_content_type is None
    assert is_wrapped(descriptor)


def test_a_zip_bomb_is_refused_by_its_ratio_before_it_is_inflated():
    bomb = zipped({"bom.txt": b"\0" * (20 * 1024 * 1024)})
    out = io.BytesIO()

    with pytest.raises(ZippedAttachmentRefused) as refused:
        unwrap(io.BytesIO(bomb), out, name="bom.txt")

    assert "zip bomb refused" in refused.value.reason
    assert "bom.txt" in refused.value.reason
    assert out.getvalue() == b""


def lying_zip(actual: bytes, claimed_size: int) -> bytes:
    """One deflated entry whose headers claim ``claimed_size`` inflated bytes."""
    raw = zipped({"nho.txt": actual})
    # Local header: file size at offset 22; central directory header: at offset 24.
    local = raw.index(b"PK\x03\x04")
    central = raw.index(b"PK\x01\x02")
    patched = bytearray(raw)
    struct.pack_into("<I", patched, local + 22, claimed_size)
    struct.pack_into("<I", patched, central + 24, claimed_size)
    return bytes(patched)


def test_a_zip_that_lies_about_its_size_is_stopped_at_the_limit_as_it_inflates():
    limits = ZipLimits(max_total_bytes=1024 * 1024, max_ratio=10_000)
    liar = lying_zip(b"\0" * (8 * 1024 * 1024), claimed_size=100)
    out = io.BytesIO()

    with pytest.raises(ZippedAttachmentRefused) as refused:
        unwrap(io.BytesIO(liar), out, name="nho.txt", limits=limits)

    assert "zip" in refused.value.reason
    assert len(out.getvalue()) <= 1024 * 1024


def test_a_zip_larger_than_the_total_limit_is_refused_naming_the_limit():
    limits = ZipLimits(max_total_bytes=1000)
    with pytest.raises(ZippedAttachmentRefused) as refused:
        unwrap(io.BytesIO(zipped({"a.txt": TEXT})), io.BytesIO(), name="a.txt", limits=limits)
    assert "more than 1000 bytes" in refused.value.reason


def test_a_zip_of_many_entries_or_of_several_files_is_refused_with_the_count():
    many = zipped({f"{i}.txt": b"x" for i in range(40)})
    with pytest.raises(ZippedAttachmentRefused) as refused:
        unwrap(io.BytesIO(many), io.BytesIO(), name="a.txt")
    assert "40 entries" in refused.value.reason

    two = zipped({"a.txt": b"x", "b.txt": b"y"})
    with pytest.raises(ZippedAttachmentRefused) as refused:
        unwrap(io.BytesIO(two), io.BytesIO(), name="a.txt")
    assert "2 files" in refused.value.reason


def test_bytes_marked_zip_that_are_not_a_zip_are_refused_saying_so():
    with pytest.raises(ZippedAttachmentRefused) as refused:
        unwrap(io.BytesIO(b"%PDF-1.7 not a zip"), io.BytesIO(), name="cv.doc")
    assert "not a readable zip" in refused.value.reason


def test_what_we_wrap_a_library_unwraps_to_the_same_bytes_and_name():
    wrapped = io.BytesIO()
    wrap(io.BytesIO(TEXT), wrapped, name="to-trinh.txt")

    with zipfile.ZipFile(io.BytesIO(wrapped.getvalue())) as archive:
        assert archive.namelist() == ["to-trinh.txt"]
        assert archive.read("to-trinh.txt") == TEXT


@pytest.mark.parametrize(
    ("name", "wrapped"),
    [
        ("cv.pdf", False),
        ("cv.DOC", False),
        ("bang.xls", False),
        ("ho-so.zip", False),
        ("bang.xlsx", True),
        ("anh.png", True),
        ("ghi-chu.txt", True),
    ],
)
def test_the_libraries_wrap_every_file_but_pdf_doc_docx_xls_and_zip(name, wrapped):
    assert library_would_wrap(name) is wrapped


def test_a_wrapped_attachment_we_write_says_zip_on_the_attachment_and_its_type_in_the_manifest(
    make_document, sinks
):
    package = wrapped_package(
        make_document, zipped({"a.txt": TEXT}), "a.txt", manifest_type="text/plain"
    )
    (descriptor,) = read_package(io.BytesIO(package), sinks.open).attachments
    assert descriptor.attachment_content_type == "application/zip"
    assert descriptor.manifest_content_type == "text/plain"


def test_a_zip_compressed_other_than_stored_or_deflated_is_refused_naming_the_method():
    with pytest.raises(ZippedAttachmentRefused) as refused:
        unwrap(
            io.BytesIO(zipped({"a.txt": TEXT}, method=zipfile.ZIP_BZIP2)),
            io.BytesIO(),
            name="a.txt",
        )
    assert "method 12" in refused.value.reason


def test_a_stored_zip_unwraps_too():
    out = io.BytesIO()
    unwrap(io.BytesIO(zipped({"a.txt": TEXT}, method=zipfile.ZIP_STORED)), out, name="a.txt")
    assert out.getvalue() == TEXT
