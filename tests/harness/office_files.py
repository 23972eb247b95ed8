"""Word-processing files made in the tests: real drafts, and hostile ones that only look like it.

Each is built from its format's parts (OOXML's and OpenDocument's ZIP parts, an OLE2 compound
file written sector by sector), so nothing third-party is committed and every test can name what
is wrong with the file it sends.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
from dataclasses import dataclass

from harness.hostile_files import LINUX_PROGRAM, WINDOWS_PROGRAM

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
DOC = "application/msword"

_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_BODY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
)


def docx(text: str = "Dự thảo công văn trả lời", *, extra: dict[str, bytes] | None = None) -> bytes:
    """A Word document Word opens: content types, relationships, a body of one paragraph."""
    return _ooxml(_MAIN, {"word/document.xml": _BODY.format(text=text).encode(), **(extra or {})})


def docm_named_docx() -> bytes:
    """A macro-enabled document (.docm: its main part says so, a VBA project inside)."""
    return _ooxml(
        _MACRO_MAIN,
        {"word/document.xml": _BODY.format(text="x").encode(), "word/vbaProject.bin": b"\x00" * 64},
    )


def xlsx_named_docx() -> bytes:
    """A spreadsheet sent as a Word document."""
    sheet = b'<?xml version="1.0"?><worksheet xmlns="urn:x"/>'
    return _ooxml(_SHEET_MAIN, {"xl/workbook.xml": sheet}, main_part="/xl/workbook.xml")


def docx_with_program() -> bytes:
    """A document carrying a Windows program as an embedded object."""
    return docx(
        extra={"word/embeddings/oleObject1.bin": _compound({"\x01Ole10Native": WINDOWS_PROGRAM})}
    )


def docx_with_entities() -> bytes:
    """A body declaring entities (the "billion laughs" shape): no word processor writes a DTD."""
    body = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<w:document xmlns:w="urn:w">&b;</w:document>'
    )
    return _ooxml(_MAIN, {"word/document.xml": body})


def docx_bomb() -> bytes:
    """A few hundred kilobytes whose body inflates to more than 200 MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _content_types(_MAIN, "/word/document.xml"))
        with archive.open("word/document.xml", "w", force_zip64=True) as body:
            chunk = b" " * (1 << 20)
            for _ in range(210):
                body.write(chunk)
    return buffer.getvalue()


def truncated_docx() -> bytes:
    data = docx()
    return data[: len(data) // 2]


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a document")
        archive.writestr("run.sh", LINUX_PROGRAM)
    return buffer.getvalue()


def odt(text: str = "Dự thảo") -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        f"<text:p>{text}</text:p></office:text></office:body></office:document-content>"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def doc(*, encrypted: bool = False, macros: bool = False, program: bool = False) -> bytes:
    """A Word 97–2003 document: an OLE2 compound file with a WordDocument stream whose File
    Information Block says Word (wIdent 0xA5EC), optionally encrypted (fEncrypted), with a VBA
    macro storage, or with a packaged program in its ObjectPool."""
    flags = 0x0100 if encrypted else 0
    fib = struct.pack("<6H", 0xA5EC, 0x00C1, 0, 0x042A, 0, flags)
    streams: dict[str, bytes | dict[str, bytes]] = {"WordDocument": fib, "1Table": b"\x00" * 16}
    if macros:
        streams["Macros"] = {"PROJECT": b'ID="{00000000}"\r\nDocument=ThisDocument/&H00000000'}
    if program:
        streams["ObjectPool"] = {"_1234": {"\x01Ole10Native": WINDOWS_PROGRAM}}  # type: ignore[dict-item]
    return _compound(streams)


def xls_named_doc() -> bytes:
    """An Excel 97–2003 workbook sent as a Word document: the same OLE2 container."""
    return _compound({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"})


def _ooxml(main: str, parts: dict[str, bytes], *, main_part: str = "/word/document.xml") -> bytes:
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{main_part.lstrip("/")}"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types(main, main_part))
        archive.writestr("_rels/.rels", rels)
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _content_types(main: str, main_part: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{main_part}" ContentType="{main}"/></Types>'
    )


# An OLE2 compound file (MS-CFB version 3, 512-byte sectors). Every stream is padded to the
# mini-stream cut-off (4096 bytes) so all live in regular sectors and no mini FAT is needed.

_SECTOR = 512
_CUTOFF = 4096
_FREE, _END, _FAT_SECTOR, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] | None = None
    start: int = _END
    right: int = _NONE
    child: int = _NONE


def _compound(tree: dict) -> bytes:  # type: ignore[type-arg]
    entries = [_Entry("Root Entry", 5, children=[])]

    def add(parent: int, items: dict) -> None:  # type: ignore[type-arg]
        for name, value in items.items():
            index = len(entries)
            if isinstance(value, dict):
                entries.append(_Entry(name, 1, children=[]))
                add(index, value)
            else:
                entries.append(_Entry(name, 2, data=value.ljust(_CUTOFF, b"\x00")))
            entries[parent].children.append(index)  # type: ignore[union-attr]

    add(0, tree)
    for entry in entries:
        # The siblings as a chain to the right (a valid, if unbalanced, red-black tree: all black).
        kids = entry.children or []
        if kids:
            entry.child = kids[0]
            for left, right in itertools.pairwise(kids):
                entries[left].right = right

    directory_sectors = -(-len(entries) * 128 // _SECTOR)
    next_sector = 1 + directory_sectors
    fat = [_FAT_SECTOR] + [i + 2 for i in range(directory_sectors - 1)] + [_END]
    data = b""
    for entry in entries:
        if entry.kind == 2:
            count = len(entry.data) // _SECTOR
            entry.start = next_sector
            fat += [next_sector + i + 1 for i in range(count - 1)] + [_END]
            next_sector += count
            data += entry.data
    if len(fat) > _SECTOR // 4:
        raise ValueError("the test compound file is limited to one FAT sector")
    fat += [_FREE] * (_SECTOR // 4 - len(fat))

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, _CUTOFF, _END, 0, _END, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108
    directory = b"".join(_directory_entry(e) for e in entries)
    directory = directory.ljust(directory_sectors * _SECTOR, b"\x00")
    return header + struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + data


def _directory_entry(entry: _Entry) -> bytes:
    name = (entry.name + "\x00").encode("utf-16-le")
    size = len(entry.data) if entry.kind == 2 else 0
    start = entry.start if entry.kind == 2 else _END
    return (
        name.ljust(64, b"\x00")
        + struct.pack("<HBB", len(name), entry.kind, 1)
        + struct.pack("<III", _NONE, entry.right, entry.child)
        + b"\x00" * 16
        + struct.pack("<I", 0)
        + b"\x00" * 16
        + struct.pack("<IQ", start, size)
    )
