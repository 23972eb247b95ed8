"""Word drafts (.docx, .odt, .doc) opened for real before anything keeps them.

The drafts of a reply travel as word-processing files, and their first bytes say only "a ZIP" or
"an OLE2 container": a spreadsheet, a ZIP of anything, a macro-enabled document renamed `.docx`
or a few kilobytes that inflate to gigabytes all start the same way. So each is opened as the
container it is and checked to be the document its type names, within limits (entries, inflated
bytes, ratio), and refused with a reason a specialist understands when it carries macros or
programs, when it is password-protected (nobody but its author could open the draft), or when it
is not that kind of document at all. Nothing here renders the document: the checks are about
what the file *is*, as `file_checks` does for PDFs and scans.

    media_type = check_word_document(data, declared_media_type, field="file")
    except FileRefused as refused: refused.http_status, str(refused), refused.reason_vi

The media type returned is the one found in the bytes, never only the one declared.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from enum import StrEnum

import olefile
from defusedxml import ElementTree as SafeXml
from defusedxml.common import DefusedXmlException

from vanthu_runtime.file_checks import FileRefused, RefusalKind

__all__ = ["OfficeLimits", "WordType", "check_word_document"]


class WordType(StrEnum):
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ODT = "application/vnd.oasis.opendocument.text"
    DOC = "application/msword"


@dataclass(frozen=True)
class OfficeLimits:
    max_entries: int = 2_000
    """Parts of a ZIP document (a long report with images has a few hundred)."""
    max_inflated_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 200
    """Inflated over compressed size, per part and for the whole: text compresses ~10:1."""


DEFAULT_OFFICE_LIMITS = OfficeLimits()

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_PROGRAM_MAGICS = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
_DOS_HEADER = b"MZ\x90\x00"
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCX_MACRO_MAIN = "application/vnd.ms-word.document.macroenabled.main+xml"
_DOCX_TEMPLATE_MAIN = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
)
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_ENCRYPTED_OOXML_STREAMS = ("EncryptionInfo", "EncryptedPackage")
_DOC_MACRO_STORAGES = ("Macros", "_VBA_PROJECT_CUR", "VBA")
# The File Information Block of a Word 97+ document: wIdent 0xA5EC, then fEncrypted (bit 8 of
# the flags at offset 0x0A) and fObfuscated (bit 15).
_WORD_IDENT = 0xA5EC
_F_ENCRYPTED = 0x0100


def check_word_document(
    data: bytes,
    declared: str,
    limits: OfficeLimits = DEFAULT_OFFICE_LIMITS,
    *,
    field: str = "file",
) -> str:
    """The media type `data` is, when it is the word-processing document `declared` names; else
    `FileRefused` saying what it is instead or what is wrong with it."""
    expected = WordType(declared)
    if data.startswith(_OLE_MAGIC):
        found = _check_ole(data, field)
    elif data.startswith(_ZIP_MAGIC):
        found = _check_zip(data, limits, field)
    else:
        raise _not_a(expected, "it is neither a ZIP nor an OLE2 container", field)
    if found is not expected:
        raise _not_a(expected, f"it is {_NAMES[found][0]}", field)
    return found.value


_NAMES = {
    WordType.DOCX: ("a Word document (.docx)", "văn bản Word (.docx)"),
    WordType.ODT: ("an OpenDocument text (.odt)", "văn bản OpenDocument (.odt)"),
    WordType.DOC: ("a Word 97–2003 document (.doc)", "văn bản Word 97–2003 (.doc)"),
}


def _check_zip(data: bytes, limits: OfficeLimits, field: str) -> WordType:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        raise _damaged(f"the ZIP container does not open ({exc})", field) from exc
    if len(entries) > limits.max_entries:
        raise _refused(
            RefusalKind.TOO_BIG,
            f"the document has {len(entries)} parts, more than the limit of {limits.max_entries}",
            f"tệp có {len(entries)} thành phần, quá giới hạn {limits.max_entries}",
            field,
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" in names:
        kind = WordType.DOCX
    elif "mimetype" in names:
        kind = WordType.ODT
    else:
        raise _refused(
            RefusalKind.UNSUPPORTED_TYPE,
            "it is a ZIP archive, not a word-processing document",
            "tệp là một tệp nén ZIP, không phải văn bản Word hay OpenDocument",
            field,
        )
    parts = _inflate_all(archive, entries, limits, field)
    if kind is WordType.DOCX:
        _check_docx(parts, field)
    else:
        _check_odt(parts, field)
    return kind


def _inflate_all(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limits: OfficeLimits, field: str
) -> dict[str, bytes]:
    """Every part read, counting what actually inflates (a ZIP's directory may lie)."""
    parts: dict[str, bytes] = {}
    total = 0
    compressed_total = sum(entry.compress_size for entry in entries) or 1
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise _encrypted(field)
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged(f"part {entry.filename!r} uses an unknown compression", field)
        budget = min(
            limits.max_inflated_bytes - total,
            max(entry.compress_size, 1) * limits.max_ratio,
        )
        try:
            with archive.open(entry) as stream:
                content = stream.read(budget + 1)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
            raise _damaged(f"part {entry.filename!r} does not inflate ({exc})", field) from exc
        if len(content) > budget:
            raise _bomb(field)
        total += len(content)
        if not entry.is_dir():
            parts[entry.filename] = content
    if total > compressed_total * limits.max_ratio:
        raise _bomb(field)
    return parts


def _check_docx(parts: dict[str, bytes], field: str) -> None:
    content_types = _xml(parts["[Content_Types].xml"], "[Content_Types].xml", field)
    declared = {
        (element.get("ContentType") or "").lower()
        for element in content_types.iter()
        if element.tag in (f"{_CONTENT_TYPES_NS}Override", f"{_CONTENT_TYPES_NS}Default")
    }
    lowered = {name.lower() for name in parts}
    if _DOCX_MACRO_MAIN in declared or any(n.endswith("vbaproject.bin") for n in lowered):
        raise _macros(field)
    if _DOCX_MAIN not in declared and _DOCX_TEMPLATE_MAIN not in declared:
        raise _refused(
            RefusalKind.UNSUPPORTED_TYPE,
            "it is an Office file but not a Word document (a spreadsheet or a presentation?)",
            "tệp là tệp Office nhưng không phải văn bản Word (bảng tính hay trình chiếu?)",
            field,
        )
    body = parts.get("word/document.xml")
    if body is None:
        raise _damaged("it has no word/document.xml, the body of a Word document", field)
    _xml(body, "word/document.xml", field)
    _refuse_programs(parts, field)


def _check_odt(parts: dict[str, bytes], field: str) -> None:
    mimetype = parts["mimetype"].strip().decode("ascii", "replace")
    if mimetype != WordType.ODT.value:
        raise _refused(
            RefusalKind.UNSUPPORTED_TYPE,
            f"it is an OpenDocument file of type {mimetype!r}, not a text document",
            "tệp OpenDocument không phải văn bản (odt)",
            field,
        )
    if any(name.startswith(("Basic/", "Scripts/")) for name in parts):
        raise _macros(field)
    body = parts.get("content.xml")
    if body is None:
        raise _damaged("it has no content.xml, the body of an OpenDocument text", field)
    _xml(body, "content.xml", field)
    _refuse_programs(parts, field)


def _refuse_programs(parts: dict[str, bytes], field: str, *, embedded: bool = False) -> None:
    """No part may be a program, and no embedded object (an `oleObject*.bin` of a .docx, a
    stream of a .doc's ObjectPool) may package one: "Package" objects keep the file after a short
    header, so a Windows program's DOS header inside such an object is one."""
    for name, content in parts.items():
        packaged = embedded or content.startswith(_OLE_MAGIC)
        if content.startswith(_PROGRAM_MAGICS) or (packaged and _DOS_HEADER in content):
            raise _refused(
                RefusalKind.ACTIVE_CONTENT,
                f"it carries a program ({name})",
                "tệp có chứa chương trình chạy được",
                field,
            )


def _check_ole(data: bytes, field: str) -> WordType:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, struct.error, IndexError) as exc:
        raise _damaged(f"the OLE2 container does not open ({exc})", field) from exc
    try:
        streams = {"/".join(path) for path in ole.listdir(streams=True, storages=True)}
        if any(stream in streams for stream in _ENCRYPTED_OOXML_STREAMS):
            raise _encrypted(field)
        if "WordDocument" not in streams:
            raise _refused(
                RefusalKind.UNSUPPORTED_TYPE,
                "it is an OLE2 file but not a Word document (a spreadsheet or a presentation?)",
                "tệp OLE2 nhưng không phải văn bản Word (bảng tính hay trình chiếu?)",
                field,
            )
        if any(path.split("/")[0] in _DOC_MACRO_STORAGES for path in streams):
            raise _macros(field)
        try:
            fib = ole.openstream("WordDocument").read(12)
        except (OSError, ValueError, struct.error, IndexError) as exc:
            raise _damaged(f"its WordDocument stream does not read ({exc})", field) from exc
        if len(fib) < 12:
            raise _damaged("its WordDocument stream is cut short", field)
        ident, _n_fib, _unused, _lid, _pn_next, flags = struct.unpack("<6H", fib[:12])
        if ident != _WORD_IDENT:
            raise _damaged("its WordDocument stream is not a Word 97–2003 document", field)
        if flags & _F_ENCRYPTED:
            raise _encrypted(field)
        embedded = {
            path: ole.openstream(path).read()
            for path in streams
            if path.startswith("ObjectPool/") and ole.get_type(path) == olefile.STGTY_STREAM
        }
        _refuse_programs(embedded, field, embedded=True)
    finally:
        ole.close()
    return WordType.DOC


def _xml(content: bytes, name: str, field: str) -> SafeXml.Element:
    try:
        return SafeXml.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise _refused(
            RefusalKind.ACTIVE_CONTENT,
            f"its {name} declares a DTD or entities, which no word processor writes",
            "tệp có khai báo DTD/thực thể XML bất thường",
            field,
        ) from exc
    except SafeXml.ParseError as exc:
        raise _damaged(f"its {name} is not well-formed XML ({exc})", field) from exc


def _not_a(expected: WordType, why: str, field: str) -> FileRefused:
    english, vietnamese = _NAMES[expected]
    return _refused(
        RefusalKind.UNSUPPORTED_TYPE,
        f"the file is not {english}: {why}",
        f"tệp không phải {vietnamese}",
        field,
    )


def _damaged(why: str, field: str) -> FileRefused:
    return _refused(
        RefusalKind.DAMAGED,
        f"the document is damaged: {why}",
        "tệp văn bản bị hỏng, không mở được",
        field,
    )


def _encrypted(field: str) -> FileRefused:
    return _refused(
        RefusalKind.ENCRYPTED,
        "the document is protected by a password: nobody else can open it; send it unprotected",
        "tệp văn bản có mật khẩu, người khác không mở được; hãy gửi bản không đặt mật khẩu",
        field,
    )


def _macros(field: str) -> FileRefused:
    return _refused(
        RefusalKind.ACTIVE_CONTENT,
        "the document carries macros; save it as a document without macros (.docx)",
        "tệp văn bản có macro; hãy lưu lại dạng không có macro (.docx)",
        field,
    )


def _bomb(field: str) -> FileRefused:
    return _refused(
        RefusalKind.TOO_BIG,
        "the document inflates to far more than its size (a ZIP bomb?)",
        "tệp văn bản giải nén ra quá lớn so với kích thước (nghi là bom nén)",
        field,
    )


def _refused(kind: RefusalKind, reason: str, reason_vi: str, field: str) -> FileRefused:
    return FileRefused(kind, reason, reason_vi, field)
