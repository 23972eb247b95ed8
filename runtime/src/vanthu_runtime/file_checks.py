"""Uploaded files parsed for real before anything keeps them, and names made safe to show.

A file's first bytes only say what it claims to be: a `%PDF-` header in front of a web page, a ZIP
or nothing at all is no PDF, a PNG cut in half is no image, and a few hundred kilobytes can declare
a picture of billions of pixels that takes minutes of OCR ("bombs"). So every upload is opened
with the library that reads its kind — qpdf (through pikepdf) for PDF, Pillow for TIFF, JPEG and
PNG — within limits of pages and pixels, and refused with a reason a clerk understands when it
does not open, when it carries active content (JavaScript, launch actions, embedded files) or
when it is larger than the limits. A password-protected PDF cannot be read by anyone but its
sender; the caller decides (`FileLimits.encrypted_pdf`) whether it is refused or kept and
flagged for a person (ADR 0017).

Judged by the bytes alone: never by the name, a declared content type or the channel the caller
chose. The client's name is only ever shown, through `safe_display_name`, and sent in headers
through `content_disposition`.

    checked = check_upload(data, "cong-van.pdf")          # or a Path to a spooled upload
    except FileRefused as refused: refused.http_status, refused.field, str(refused)

Parsing is CPU work: from async code call `check_upload_async`.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

import pikepdf
from PIL import Image

__all__ = [
    "DEFAULT_LIMITS",
    "CheckedFile",
    "FileLimits",
    "FileRefused",
    "MediaType",
    "RefusalKind",
    "check_upload",
    "check_upload_async",
    "content_disposition",
    "digitised_copy_problems",
    "safe_display_name",
]

SNIFF_LENGTH = 64

# ND 30 Phụ lục I, II.I: a digitised copy is a PDF of version 1.4 or later.
MINIMUM_DIGITISED_PDF_VERSION = (1, 4)

# Ghostscript renders pages at 200 dpi for OCR confidences: a page's pixels are counted so.
_RENDER_DPI = 200


class MediaType(StrEnum):
    PDF = "application/pdf"
    TIFF = "image/tiff"
    JPEG = "image/jpeg"
    PNG = "image/png"


class RefusalKind(StrEnum):
    UNSUPPORTED_TYPE = "unsupported_type"
    DAMAGED = "damaged"
    ACTIVE_CONTENT = "active_content"
    ENCRYPTED = "encrypted"
    TOO_BIG = "too_big"


_HTTP_STATUS = {
    RefusalKind.UNSUPPORTED_TYPE: 415,
    RefusalKind.TOO_BIG: 413,
}


class FileRefused(ValueError):
    """The file is not kept. `str()` is the reason in English (intake's API speaks English about
    files), `reason_vi` the same for Vietnamese screens; `field` names the form part."""

    def __init__(self, kind: RefusalKind, reason: str, reason_vi: str, field: str = "file") -> None:
        self.kind = kind
        self.reason = reason
        self.reason_vi = reason_vi
        self.field = field
        super().__init__(reason)

    @property
    def http_status(self) -> int:
        """415 for a kind of file not accepted, 413 over a page or pixel limit, else 422."""
        return _HTTP_STATUS.get(self.kind, 422)


@dataclass(frozen=True)
class FileLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 500
    """Pages of a PDF, frames of a TIFF."""
    max_pixels: int = 80_000_000
    """Of any one image, TIFF frame, image inside a PDF or PDF page rendered at 200 dpi: an A3
    page scanned at 600 dpi is 70 million, an A0 page at 200 dpi 62 million."""
    max_pdf_objects: int = 500_000
    accepted: frozenset[MediaType] = frozenset(MediaType)
    encrypted_pdf: Literal["refuse", "flag"] = "refuse"
    """"flag": keep the file, marked `cannot_be_read`, for a person to handle."""

    def __post_init__(self) -> None:
        # Pillow warns (an error under pytest) above its own limit; ours must refuse first.
        pillow_limit = Image.MAX_IMAGE_PIXELS
        if pillow_limit is not None and self.max_pixels > pillow_limit:
            raise ValueError(f"max_pixels must be at most Pillow's limit of {pillow_limit}")


DEFAULT_LIMITS = FileLimits()


@dataclass(frozen=True)
class CheckedFile:
    media_type: MediaType
    size: int
    display_name: str
    pages: int
    """Pages of a PDF, frames of an image (0 when it cannot be read)."""
    max_pixels: int
    """Of its largest image, frame or page."""
    pdf_version: tuple[int, int] | None = None
    """The version a PDF declares (header, or its catalogue's /Version when later)."""
    text_pages: int = 0
    """PDF pages that draw text (a text layer, born-digital or OCR'd)."""
    scanned_pages: int = 0
    """PDF pages that show images and draw no text: scans that OCR can read."""
    cannot_be_read: str | None = None
    """Kept but not readable (a password-protected PDF under `encrypted_pdf="flag"`)."""

    @property
    def looks_scanned(self) -> bool:
        """An image, or a PDF with a page that is only pictures: what OCR is for."""
        return self.media_type is not MediaType.PDF or self.scanned_pages > 0


def check_upload(
    source: bytes | Path,
    declared_name: str = "",
    limits: FileLimits = DEFAULT_LIMITS,
    *,
    field: str = "file",
) -> CheckedFile:
    """Parse an uploaded file and return what it is, or raise `FileRefused` saying why not.

    `declared_name` is only made safe for display: nothing is judged by it.
    """
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > limits.max_bytes:
        raise _refused(
            RefusalKind.TOO_BIG,
            f"the file is {size} bytes, more than the limit of {limits.max_bytes}",
            f"tệp dài {size} byte, quá giới hạn {limits.max_bytes} byte",
            field,
        )
    head = source[:SNIFF_LENGTH] if isinstance(source, bytes) else _read_head(source)
    media_type = _sniff(head, limits, field)
    name = safe_display_name(declared_name)
    if media_type is MediaType.PDF:
        return _check_pdf(source, size, name, limits, field)
    return _check_image(source, media_type, size, name, limits, field)


async def check_upload_async(
    source: bytes | Path,
    declared_name: str = "",
    limits: FileLimits = DEFAULT_LIMITS,
    *,
    field: str = "file",
) -> CheckedFile:
    """`check_upload` in a worker thread, so the event loop keeps serving while a file parses."""
    return await asyncio.to_thread(check_upload, source, declared_name, limits, field=field)


def digitised_copy_problems(pdf: bytes) -> list[str]:
    """What keeps a PDF from being the digitised copy ND 30 asks for (PDF 1.4 or later, PDF/A,
    a searchable text layer); empty when it is one."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            version = _effective_version(document)
            part = document.open_metadata().pdfa_status
            text_pages = sum(1 for page in document.pages if _draws_text(page))
    except pikepdf.PdfError as exc:
        return [f"it is not a readable PDF ({_first_line(exc)})"]
    problems = []
    if version < MINIMUM_DIGITISED_PDF_VERSION:
        problems.append(f"it is PDF {version[0]}.{version[1]}; ND 30 requires PDF 1.4 or later")
    if not part:
        problems.append("it is not PDF/A")
    if text_pages == 0:
        problems.append("it has no searchable text layer")
    return problems


# ------------------------------------------------------------------------------------------
# Names


_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")
# Characters no file system of a reader's computer takes in a name.
_RESERVED = re.compile(r'[<>:"|?*]')
MAX_NAME_LENGTH = 200


def safe_display_name(name: str, fallback: str = "file") -> str:
    """A file name safe to show and to store as text: its last path segment (no `../`, no
    folders of the client's machine), without control, format or bidirectional characters (NUL,
    CR/LF, U+202E that turns `gpj.exe` around), spaces collapsed, no leading dots, at most 200
    characters with the extension kept, `<>:"|?*` as `_`; `fallback` when nothing is left."""
    last = re.split(r"[/\\]", name)[-1]
    cleaned = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", last)
        if unicodedata.category(char) not in _UNSAFE_CATEGORIES or char.isspace()
    )
    cleaned = _SPACES.sub(" ", _RESERVED.sub("_", cleaned)).strip(" .")
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            cleaned = cleaned[:MAX_NAME_LENGTH].rstrip(" .")
    return cleaned or fallback


def content_disposition(
    name: str, disposition: Literal["attachment", "inline"] = "attachment"
) -> str:
    """A Content-Disposition header value for a file shown as `name`: an ASCII `filename` for old
    clients and the exact name as RFC 5987 `filename*` (UTF-8, percent-encoded), so no quote,
    CR/LF or non-ASCII letter of a client's name ever reaches a header unescaped."""
    shown = safe_display_name(name)
    ascii_name = (
        unicodedata.normalize("NFKD", shown.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    ascii_name = re.sub(r'["\\%;]', "_", ascii_name).strip() or "file"
    encoded = urllib.parse.quote(shown, safe="")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


# ------------------------------------------------------------------------------------------
# Kinds of file, by their first bytes


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


def sniff_media_type(head: bytes) -> MediaType | None:
    """The accepted kind that a file starting with `head` claims to be, if any."""
    for signature, media_type in _ACCEPTED:
        if head.startswith(signature):
            return media_type
    return None


def describe_unsupported(head: bytes) -> str:
    """A short description of what a file of no accepted kind seems to be."""
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


def _sniff(head: bytes, limits: FileLimits, field: str) -> MediaType:
    media_type = sniff_media_type(head)
    accepted = ", ".join(_short(t) for t in MediaType if t in limits.accepted)
    if media_type is None:
        looks_like = describe_unsupported(head)
        raise _refused(
            RefusalKind.UNSUPPORTED_TYPE,
            f"unsupported file: it looks like {looks_like}; accepted are {accepted} files",
            f"tệp không được nhận: không phải tệp {accepted} ({looks_like})",
            field,
        )
    if media_type not in limits.accepted:
        raise _refused(
            RefusalKind.UNSUPPORTED_TYPE,
            f"a {_short(media_type)} file is not accepted here; accepted are {accepted} files",
            f"không nhận tệp {_short(media_type)} ở đây; chỉ nhận tệp {accepted}",
            field,
        )
    return media_type


def _short(media_type: MediaType) -> str:
    return media_type.value.rsplit("/", 1)[-1].upper()


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


def _read_head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(SNIFF_LENGTH)


# ------------------------------------------------------------------------------------------
# PDF


# Actions (`/S`) that run something: refused, never stored.
_ACTIVE_ACTIONS = {
    "/JavaScript": ("JavaScript", "JavaScript"),
    "/Launch": ("a launch action (it starts a program)", "lệnh chạy chương trình (Launch)"),
    "/RichMediaExecute": ("rich media commands", "lệnh đa phương tiện (RichMedia)"),
    "/ImportData": ("a form data import action", "lệnh nhập dữ liệu biểu mẫu (ImportData)"),
}
_EMBEDDED = ("embedded files", "tệp nhúng bên trong")


def _check_pdf(
    source: bytes | Path, size: int, name: str, limits: FileLimits, field: str
) -> CheckedFile:
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        document = pikepdf.open(opened)
    except pikepdf.PasswordError:
        return _encrypted(size, name, limits, field)
    except pikepdf.PdfError as exc:
        raise _damaged_pdf(exc, field) from exc
    with document:
        try:
            return _read_pdf(document, size, name, limits, field)
        except pikepdf.PdfError as exc:
            raise _damaged_pdf(exc, field) from exc


def _read_pdf(
    document: pikepdf.Pdf, size: int, name: str, limits: FileLimits, field: str
) -> CheckedFile:
    if len(document.objects) > limits.max_pdf_objects:
        raise _refused(
            RefusalKind.TOO_BIG,
            f"the PDF holds more than {limits.max_pdf_objects} objects",
            f"tệp PDF có hơn {limits.max_pdf_objects} đối tượng",
            field,
        )
    page_count = len(document.pages)
    if page_count == 0:
        raise _refused(
            RefusalKind.DAMAGED,
            "the PDF has no pages",
            "tệp PDF không có trang nào",
            field,
        )
    if page_count > limits.max_pages:
        raise _too_many_pages(page_count, limits, field)
    largest = _check_objects(document, limits, field)
    text_pages = scanned_pages = 0
    for number, page in enumerate(document.pages, start=1):
        largest = max(largest, _page_pixels(page, number, limits, field))
        draws_text = _draws_text(page)
        text_pages += draws_text
        scanned_pages += not draws_text and _shows_images(page)
    return CheckedFile(
        media_type=MediaType.PDF,
        size=size,
        display_name=name,
        pages=page_count,
        max_pixels=largest,
        pdf_version=_effective_version(document),
        text_pages=text_pages,
        scanned_pages=scanned_pages,
    )


def _check_objects(document: pikepdf.Pdf, limits: FileLimits, field: str) -> int:
    """Refuse active content anywhere in the file (reachable or not), and images over the pixel
    limit; the pixels of the largest image."""
    largest = 0
    found: dict[str, str] = {}
    for obj in document.objects:
        for dictionary in _dictionaries(obj):
            active = _active_content(dictionary)
            if active is not None:
                found.setdefault(*active)
            if dictionary.get("/Subtype") == "/Image":
                pixels = _image_pixels(dictionary)
                if pixels > limits.max_pixels:
                    raise _too_many_pixels(pixels, limits, field, "an image inside the PDF")
                largest = max(largest, pixels)
    if found:
        found = dict(sorted(found.items()))
        raise _refused(
            RefusalKind.ACTIVE_CONTENT,
            f"the PDF carries {' and '.join(found)}, which could run on the reader's computer; "
            "send the document without it (print it to PDF again)",
            f"tệp PDF chứa {' và '.join(found.values())}, có thể chạy trên máy người đọc; "
            "hãy gửi lại văn bản không có phần này (in lại ra PDF)",
            field,
        )
    return largest


def _dictionaries(obj: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """The dictionaries of an indirect object, its own and those written inside it (indirect
    ones are visited as objects of their own)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Stream):
            yield item
            stack.extend(_direct_containers(item.stream_dict.values()))
        elif isinstance(item, pikepdf.Dictionary):
            yield item
            stack.extend(_direct_containers(item.values()))
        elif isinstance(item, pikepdf.Array):
            stack.extend(_direct_containers(item))


def _direct_containers(values: Iterable[object]) -> Iterator[pikepdf.Object]:
    for value in values:
        if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
            yield value


def _active_content(dictionary: pikepdf.Object) -> tuple[str, str] | None:
    action = dictionary.get("/S")
    if isinstance(action, pikepdf.Name) and str(action) in _ACTIVE_ACTIONS:
        return _ACTIVE_ACTIONS[str(action)]
    if "/JS" in dictionary:
        return _ACTIVE_ACTIONS["/JavaScript"]
    if "/JavaScript" in dictionary:
        # The catalogue's name tree of document-level scripts
        return _ACTIVE_ACTIONS["/JavaScript"]
    if "/EmbeddedFiles" in dictionary or dictionary.get("/Type") == "/EmbeddedFile":
        return _EMBEDDED
    subtype = dictionary.get("/Subtype")
    if subtype == "/FileAttachment":
        return _EMBEDDED
    if subtype == "/RichMedia":
        return ("rich media (Flash or video players)", "nội dung đa phương tiện (RichMedia)")
    if "/XFA" in dictionary:
        return ("an XFA form, which holds scripts", "biểu mẫu XFA (có thể chứa mã lệnh)")
    return None


def _image_pixels(image: pikepdf.Object) -> int:
    width, height = image.get("/Width", 0), image.get("/Height", 0)
    if not isinstance(width, int) or not isinstance(height, int):
        return 0
    return max(width, 0) * max(height, 0)


def _page_pixels(page: pikepdf.Page, number: int, limits: FileLimits, field: str) -> int:
    left, bottom, right, top = (float(v) for v in page.mediabox)
    unit = float(page.obj.get("/UserUnit", 1))
    inches = abs(right - left) * unit / 72, abs(top - bottom) * unit / 72
    pixels = int(inches[0] * _RENDER_DPI) * int(inches[1] * _RENDER_DPI)
    if pixels > limits.max_pixels:
        raise _too_many_pixels(pixels, limits, field, f"page {number} at {_RENDER_DPI} dpi")
    return pixels


def _draws_text(page: pikepdf.Page) -> bool:
    return bool(pikepdf.parse_content_stream(page, "Tj TJ ' \""))


def _shows_images(page: pikepdf.Page) -> bool:
    """Draws an image of its resources, or one written inline in its content."""
    drawn = pikepdf.parse_content_stream(page, "Do INLINE IMAGE")
    return any(isinstance(i, pikepdf.ContentStreamInlineImage) for i in drawn) or (
        bool(drawn) and len(page.get_images()) > 0
    )


def _effective_version(document: pikepdf.Pdf) -> tuple[int, int]:
    versions = [document.pdf_version]
    catalogue = document.Root.get("/Version")
    if isinstance(catalogue, pikepdf.Name):
        versions.append(str(catalogue).lstrip("/"))
    parsed = [_version(v) for v in versions]
    return max(v for v in parsed if v is not None) if any(parsed) else (1, 0)


def _version(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _encrypted(size: int, name: str, limits: FileLimits, field: str) -> CheckedFile:
    if limits.encrypted_pdf == "refuse":
        raise _refused(
            RefusalKind.ENCRYPTED,
            "the PDF is protected by a password, so nobody here could read it; "
            "send it without the password",
            "tệp PDF được đặt mật khẩu nên không ai ở đây đọc được; hãy gửi bản không có mật khẩu",
            field,
        )
    return CheckedFile(
        media_type=MediaType.PDF,
        size=size,
        display_name=name,
        pages=0,
        max_pixels=0,
        cannot_be_read="the PDF is protected by a password: a person has to obtain a readable copy",
    )


def _damaged_pdf(exc: Exception, field: str) -> FileRefused:
    return _refused(
        RefusalKind.DAMAGED,
        f"the file starts like a PDF but does not open as one ({_first_line(exc)})",
        "tệp có phần đầu giống PDF nhưng không mở được như một tệp PDF (hỏng hoặc giả mạo)",
        field,
    )


# qpdf starts its messages with where it read: "stream <_io.BytesIO ...>" or the file's path.
_QPDF_SOURCE = re.compile(r"^(?:stream <[^>]*>|/\S+)(?: \([^)]*\))?: ")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return _QPDF_SOURCE.sub("", line)[:200]


# ------------------------------------------------------------------------------------------
# Images


_PILLOW_FORMAT = {MediaType.TIFF: "TIFF", MediaType.JPEG: "JPEG", MediaType.PNG: "PNG"}


def _check_image(
    source: bytes | Path,
    media_type: MediaType,
    size: int,
    name: str,
    limits: FileLimits,
    field: str,
) -> CheckedFile:
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        image = Image.open(opened, formats=[_PILLOW_FORMAT[media_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own limit, above ours (a warning raised only where warnings are errors)
        raise _too_many_pixels(_pixels_named(exc), limits, field, "the image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _damaged_image(media_type, exc, field) from exc
    with image:
        frames = getattr(image, "n_frames", 1)
        if frames > limits.max_pages:
            raise _too_many_pages(frames, limits, field)
        largest = 0
        for frame in range(frames):
            largest = max(largest, _load_frame(image, frame, media_type, limits, field))
    return CheckedFile(
        media_type=media_type, size=size, display_name=name, pages=frames, max_pixels=largest
    )


def _load_frame(
    image: Image.Image, frame: int, media_type: MediaType, limits: FileLimits, field: str
) -> int:
    """Decode one frame whole (a truncated or corrupt one fails here), after checking its size
    from the header: the pixels are never decoded when there are too many."""
    what = "the image" if frame == 0 else f"frame {frame + 1} of the image"
    try:
        image.seek(frame)
        width, height = image.size
        pixels = width * height
        if pixels > limits.max_pixels:
            raise _too_many_pixels(pixels, limits, field, what)
        image.load()
    except FileRefused:
        raise
    # Pillow's decoders raise many kinds of error on hostile input (zlib, struct, memory...);
    # every one of them means the same to the clerk: this image does not open.
    except Exception as exc:
        raise _damaged_image(media_type, exc, field) from exc
    return pixels


def _pixels_named(exc: Exception) -> int:
    match = re.search(r"\((\d+) pixels\)", str(exc))
    return int(match.group(1)) if match else 0


def _damaged_image(media_type: MediaType, exc: Exception, field: str) -> FileRefused:
    kind = _short(media_type)
    return _refused(
        RefusalKind.DAMAGED,
        f"the file starts like a {kind} image but does not open as one ({_first_line(exc)})",
        f"tệp có phần đầu giống ảnh {kind} nhưng không mở được (hỏng hoặc bị cắt cụt)",
        field,
    )


# ------------------------------------------------------------------------------------------
# Limits


def _too_many_pages(pages: int, limits: FileLimits, field: str) -> FileRefused:
    return _refused(
        RefusalKind.TOO_BIG,
        f"the file has {pages} pages, more than the limit of {limits.max_pages}",
        f"tệp có {pages} trang, quá giới hạn {limits.max_pages} trang",
        field,
    )


def _too_many_pixels(pixels: int, limits: FileLimits, field: str, what: str) -> FileRefused:
    counted = f"{pixels:,}" if pixels else "too many"
    return _refused(
        RefusalKind.TOO_BIG,
        f"{what} has {counted} pixels, more than the limit of {limits.max_pixels:,} "
        "(scan at 300 dpi or less)",
        f"ảnh quá lớn: {counted.replace('too many', 'quá nhiều')} điểm ảnh, quá giới hạn "
        f"{limits.max_pixels:,} điểm ảnh (hãy quét ở 300 dpi hoặc thấp hơn)",
        field,
    )


def _refused(kind: RefusalKind, reason: str, reason_vi: str, field: str) -> FileRefused:
    return FileRefused(kind, reason, reason_vi, field)
