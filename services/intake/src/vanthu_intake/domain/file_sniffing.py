"""What a file is, judged by its first bytes and never by its name or a declared content type.

Intake keeps originals as PDF (electronic documents, and scans per ND 30 Phụ lục I: PDF 1.4 or
later) or as the raster images scanners produce (TIFF, JPEG, PNG), which OCR turns into a PDF
derivative. Anything else is refused with a message saying what the file looks like, so the
clerk understands why ("a ZIP archive (also .docx, .xlsx, .odt)") instead of "bad file".
"""

from __future__ import annotations

import re
from enum import StrEnum

SNIFF_LENGTH = 64
"""How many leading bytes callers should pass; fewer work but may describe rejects less well."""

# ND 30 Phụ lục I, II.I: digitised copies are PDF version 1.4 or later.
MINIMUM_SCAN_PDF_VERSION = (1, 4)

_PDF_HEADER = re.compile(rb"%PDF-(\d)\.(\d)")


class MediaType(StrEnum):
    PDF = "application/pdf"
    TIFF = "image/tiff"
    JPEG = "image/jpeg"
    PNG = "image/png"


class UnsupportedMediaType(ValueError):
    """The file is none of the accepted types; ``looks_like`` says what it seems to be."""

    def __init__(self, looks_like: str) -> None:
        self.looks_like = looks_like
        super().__init__(
            f"unsupported file: it looks like {looks_like}; "
            "intake accepts PDF, TIFF, JPEG and PNG files"
        )


class ScanRuleViolation(ValueError):
    """A scan that breaks ND 30's digitisation rules."""


_ACCEPTED: tuple[tuple[bytes, MediaType], ...] = (
    (b"%PDF-", MediaType.PDF),
    (b"II*\x00", MediaType.TIFF),
    (b"MM\x00*", MediaType.TIFF),
    (b"\xff\xd8\xff", MediaType.JPEG),
    (b"\x89PNG\r\n\x1a\n", MediaType.PNG),
)

# Signatures of what people upload by mistake, to say what was received instead.
_RECOGNISED: tuple[tuple[bytes, str], ...] = (
    (b"II+\x00", "a BigTIFF image, which OCR cannot read"),
    (b"MM\x00+", "a BigTIFF image, which OCR cannot read"),
    (b"PK\x03\x04", "a ZIP archive (also .docx, .xlsx, .odt)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.doc, .xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
    (b"AT&TFORM", "a DjVu document"),
    (b"%!PS", "a PostScript file"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
)


def sniff_media_type(head: bytes) -> MediaType:
    """The media type of a file whose first bytes are ``head`` (pass ``SNIFF_LENGTH`` or more)."""
    for signature, media_type in _ACCEPTED:
        if head.startswith(signature):
            return media_type
    raise UnsupportedMediaType(describe_unsupported(head))


def describe_unsupported(head: bytes) -> str:
    """A short description of what a rejected file seems to be."""
    if not head:
        return "an empty file"
    for signature, description in _RECOGNISED:
        if head.startswith(signature):
            return description
    if head[:12].startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "a HEIC photo (as taken by phones)"
    if head.startswith(b"BM") and len(head) >= 14:
        return "a BMP image"
    return _describe_text_or_binary(head)


def pdf_version(head: bytes) -> tuple[int, int] | None:
    """The version in a PDF's header line (``%PDF-1.7`` -> (1, 7)); None if it is not a PDF."""
    match = _PDF_HEADER.match(head)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def check_scan_pdf_version(head: bytes) -> None:
    """Refuse a scanned PDF older than ND 30 allows (PDF 1.4).

    Only the header is read: a 1.3 file upgraded by a later ``/Version`` in its catalogue is
    refused too, which errs on the side of asking for a fresh export.
    """
    version = pdf_version(head)
    if version is None:
        raise ScanRuleViolation("a digitised copy must be a PDF file (ND 30 Phụ lục I)")
    if version < MINIMUM_SCAN_PDF_VERSION:
        raise ScanRuleViolation(
            f"the scan is PDF {version[0]}.{version[1]}; ND 30 requires PDF 1.4 or later"
        )


def _describe_text_or_binary(head: bytes) -> str:
    text = _as_text(head)
    if text is None:
        return "binary data of an unknown kind"
    stripped = text.lstrip("\ufeff \t\r\n").lower()
    if stripped.startswith(("<!doctype html", "<html")):
        return "a web page (HTML)"
    if stripped.startswith("<?xml"):
        if "edxml" in stripped:
            return "an edXML package, which belongs to the document exchange"
        return "an XML document"
    if stripped.startswith(("{", "[")):
        return "JSON text"
    return "plain text"


def _as_text(head: bytes) -> str | None:
    # The head may end inside a multi-byte character; dropping a partial tail keeps UTF-8 valid.
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if all(char.isprintable() or char in "\r\n\t\ufeff" for char in text):
            return text
        return None
    return None
