"""Attachments the vendor libraries wrap in ZIP (issue 13 item 3, ADR 0050).

The VNPT and Bkav libraries zip every file that is not pdf, doc, docx, xls or zip, mark the
attachment ``application/zip`` and keep the original name (``to-trinh.txt``); the receiver
unzips when the type is zip and the name's extension is not. Unwrapping is bounded: the total
uncompressed size, the number of entries and the compression ratio are checked against what is
actually inflated, not only against what the zip's directory claims, so a zip bomb is refused
before it fills the disk. Pure: reads and writes file-like objects the caller opens.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from vanthu_exchange.domain.edxml.models import AttachmentDescriptor
from vanthu_exchange.domain.edxml.rejections import PackageRejected

ZIP_MEDIA_TYPES = frozenset(
    {"application/zip", "application/x-zip-compressed", "application/x-zip"}
)
ZIP_MEDIA_TYPE = "application/zip"
LEFT_UNZIPPED_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "zip"})
"""What the libraries send as it is; everything else they zip."""
_CHUNK = 64 * 1024


class ZippedAttachmentRefused(PackageRejected):
    """A wrapped attachment that cannot be unwrapped safely (bomb, several files, encrypted)."""

    code = "zipped_attachment_refused"


@dataclass(frozen=True)
class ZipLimits:
    max_total_bytes: int = 256 * 1024 * 1024
    """Inflated bytes of one wrapped attachment, counted as they come out."""
    max_entries: int = 16
    """Entries in its directory (folders included): a wrapped file has one."""
    max_ratio: int = 200
    """Inflated bytes per compressed byte; text compresses well, bombs by thousands."""


@dataclass(frozen=True)
class UnwrappedFile:
    entry_name: str
    """The file's name inside the zip, as written."""
    size: int
    sha256: str


def _extension(name: str) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix
    return suffix[1:].lower()


def _media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def is_wrapped(descriptor: AttachmentDescriptor) -> bool:
    """Marked zip (on the attachment or in the manifest) while its name is not a ``.zip``."""
    marked = {_media_type(descriptor.attachment_content_type), _media_type(descriptor.content_type)}
    return bool(marked & ZIP_MEDIA_TYPES) and _extension(descriptor.name) != "zip"


def library_would_wrap(name: str) -> bool:
    """Whether a vendor library zips a file of this name before sending it."""
    return _extension(name) not in LEFT_UNZIPPED_EXTENSIONS


def unwrap(
    source: BinaryIO, sink: BinaryIO, *, name: str, limits: ZipLimits = ZipLimits()
) -> UnwrappedFile:
    """Inflates the one file of the wrapped attachment ``name`` from ``source`` (seekable)
    into ``sink``; raises ``ZippedAttachmentRefused`` saying why it cannot."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ZippedAttachmentRefused(
            f"attachment {name!r} is marked application/zip but is not a readable zip: {error}"
        ) from error
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise ZippedAttachmentRefused(
                f"attachment {name!r} is a zip of {len(entries)} entries; a wrapped attachment "
                f"holds one file (at most {limits.max_entries} entries are looked at)"
            )
        files = [entry for entry in entries if not entry.is_dir()]
        if len(files) != 1:
            raise ZippedAttachmentRefused(
                f"attachment {name!r} is a zip of {len(files)} files; a wrapped attachment "
                "holds exactly one"
            )
        entry = files[0]
        if entry.flag_bits & 0x1:
            raise ZippedAttachmentRefused(
                f"attachment {name!r} is an encrypted zip: it cannot be read without a password"
            )
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ZippedAttachmentRefused(
                f"attachment {name!r} is zipped with method {entry.compress_type}; the "
                "libraries store or deflate"
            )
        return _inflate(archive, entry, sink, name=name, limits=limits)


def _inflate(
    archive: zipfile.ZipFile,
    entry: zipfile.ZipInfo,
    sink: BinaryIO,
    *,
    name: str,
    limits: ZipLimits,
) -> UnwrappedFile:
    too_large = (
        f"attachment {name!r} unzips to more than {limits.max_total_bytes} bytes (zip bomb refused)"
    )
    # The ratio is judged against the compressed size, which cannot be faked without the
    # inflater running past the entry's bytes (zipfile stops there and reports a bad CRC).
    compressed = max(1, entry.compress_size)
    allowed = min(limits.max_total_bytes, compressed * limits.max_ratio)
    if entry.file_size > limits.max_total_bytes:
        raise ZippedAttachmentRefused(too_large)
    if entry.file_size > allowed:
        raise ZippedAttachmentRefused(_ratio_refusal(name, limits))
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(entry) as inflated:
            while chunk := inflated.read(_CHUNK):
                size += len(chunk)
                if size > limits.max_total_bytes:
                    raise ZippedAttachmentRefused(too_large)
                if size > allowed:
                    raise ZippedAttachmentRefused(_ratio_refusal(name, limits))
                digest.update(chunk)
                sink.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError) as error:
        raise ZippedAttachmentRefused(
            f"attachment {name!r} is marked application/zip but cannot be unzipped: {error}"
        ) from error
    return UnwrappedFile(entry_name=entry.filename, size=size, sha256=digest.hexdigest())


def _ratio_refusal(name: str, limits: ZipLimits) -> str:
    return (
        f"attachment {name!r} unzips to more than {limits.max_ratio} times its compressed "
        "size (zip bomb refused)"
    )


def wrap(source: BinaryIO, sink: BinaryIO, *, name: str) -> None:
    """Zips ``source`` as the one entry ``name`` into ``sink``, as the vendor libraries do."""
    entry_name = PurePosixPath(name.replace("\\", "/")).name or "file"
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(entry_name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            while chunk := source.read(_CHUNK):
                entry.write(chunk)
