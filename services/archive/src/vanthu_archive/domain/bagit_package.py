"""Archival packages for hand-over: BagIt 1.0 bags (RFC 8493) of a records file or a document.

A bag is what an agency archive, Archivematica or RODA can take in and check on its own::

    bagit.txt                      BagIt-Version: 1.0, Tag-File-Character-Encoding: UTF-8
    bag-info.txt                   Source-Organization, Bagging-Date, Payload-Oxum, ...
    manifest-sha256.txt            SHA-256 of every payload file
    tagmanifest-sha256.txt         SHA-256 of the three tag files above
    data/                          the payload; for one document:
        originals/01-<name>        the stored originals and attachments, byte for byte
        derivatives/01-<name>      the searchable PDFs digitising made from scans (OCR)
        evidence/01-<name>         scanned paper slips of decisions and files of task reports
        metadata/document.json     ND 30 Appendix VI fields under their edXML tag names
        history/events.jsonl       every archived event of the document, one JSON per line,
                                   with its exact Kafka bytes and its place in the hash chain
    (a records file puts metadata/records-file.json at the top of data/ and each document in
     data/documents/<ordinal>-<id>/ with the layout above)

Originals are copied in chunks and hashed as they are copied; an original whose bytes no longer
match the checksum recorded when it was stored is refused, so a bag never launders damage into a
fresh, valid-looking checksum. The bag is written through ``BagSink``; ``DirectoryBagSink`` writes
a directory. A failed build leaves a partial bag behind: build into a fresh place and discard it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, Protocol

from vanthu_archive.domain import canonical_encoding as enc
from vanthu_archive.domain.errors import ArchiveDomainError
from vanthu_archive.domain.hashchain import ChainedRecord
from vanthu_archive.domain.records_files import RecordsFile, RecordsFileStatus
from vanthu_archive.domain.textsearch import fold
from vanthu_contracts.events.values import Confidentiality, Register, Urgency

CHUNK_SIZE = 1 << 20
# Vietnam has kept UTC+7 without daylight saving since 1975; a fixed offset needs no tz database.
VIETNAM_TIME = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
_UNSAFE_NAME_CHARS = re.compile(r"[^a-z0-9._-]+")
_REPEATED_DASHES = re.compile(r"-{2,}")
_MAX_NAME_LENGTH = 80
_BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
_METADATA_FORMAT = "vanthu.archive.document-metadata.v1"
_RECORDS_FILE_FORMAT = "vanthu.archive.records-file-metadata.v1"


class PackagingRefused(ArchiveDomainError):
    """A package cannot be built from what was given; nothing in it could be trusted."""


class OriginalDamaged(PackagingRefused):
    """An original's bytes differ from the checksum recorded when it was stored."""


# --- Ports ---------------------------------------------------------------------------------------


class ByteSource(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class BagSink(Protocol):
    """Where a bag is written: one new file at a time, by path relative to the bag's root."""

    def open_for_writing(self, relative_path: str) -> AbstractContextManager[IO[bytes]]: ...


class DirectoryBagSink:
    """Writes a bag into a directory; never overwrites a file, never writes outside the root."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def open_for_writing(self, relative_path: str) -> AbstractContextManager[IO[bytes]]:
        root = self._root.resolve()
        target = (root / relative_path).resolve()
        if not target.is_relative_to(root) or target == root:
            raise PackagingRefused(f"{relative_path!r} would be written outside the bag")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.open("xb")


# --- What goes in --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OriginalFile:
    """A stored file of the document and how to read it; ``sha256`` and ``size`` are as recorded
    at storage. ``role`` (the contracts' `FileRole`) decides its folder in the bag."""

    file_id: str
    name: str
    media_type: str
    sha256: str
    size: int
    open: Callable[[], AbstractContextManager[ByteSource]]
    role: str = "original"


FOLDER_OF_ROLE = {
    "original": "originals",
    "attachment": "originals",
    "ocr_derivative": "derivatives",
    "evidence": "evidence",
}
"""Where each kind of stored file goes in a document's folder of the bag."""


@dataclass(frozen=True, slots=True)
class Addressee:
    name: str
    agency_code: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """The registration data of a document, ND 30 Appendix VI (incoming or outgoing)."""

    document_id: str
    agency_code: str
    register: Register
    type_name: str
    organ_name: str
    subject: str
    document_code: str | None = None
    code_number: str | None = None
    code_notation: str | None = None
    issued_date: date | None = None
    language: str = "Tiếng Việt"
    page_amount: int | None = None
    description: str | None = None
    signer_position: str | None = None
    signer_full_name: str | None = None
    urgency: Urgency = Urgency.NORMAL
    confidentiality: Confidentiality = Confidentiality.NORMAL
    due_date: date | None = None
    addressees: tuple[Addressee, ...] = ()
    arrival_date: date | None = None
    arrival_number: int | None = None
    issued_amount: int | None = None


@dataclass(frozen=True, slots=True)
class PackagedDocument:
    metadata: DocumentMetadata
    originals: tuple[OriginalFile, ...] = ()
    history: tuple[ChainedRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class PackagingContext:
    """Who makes the bag and when; goes into bag-info.txt."""

    source_organization: str
    bagged_at: datetime
    organization_address: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None

    def __post_init__(self) -> None:
        enc.require_aware(self.bagged_at, "a bagging time")


# --- What comes out ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BagEntry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class BagSummary:
    external_identifier: str
    payload_oxum: str
    payload: tuple[BagEntry, ...]
    tag_files: tuple[BagEntry, ...]


# --- Building ------------------------------------------------------------------------------------


def build_document_package(
    sink: BagSink, document: PackagedDocument, context: PackagingContext
) -> BagSummary:
    bag = _BagWriter(sink)
    _write_document(bag, "data", document, records_file=None)
    metadata = document.metadata
    return bag.finish(
        context,
        external_identifier=metadata.document_code or metadata.document_id,
        description=metadata.subject,
        internal_identifier=metadata.document_id,
        extra={"Vanthu-Package-Kind": "document", "Vanthu-Agency-Code": metadata.agency_code},
    )


def build_records_file_package(
    sink: BagSink,
    records_file: RecordsFile,
    documents: Sequence[PackagedDocument],
    context: PackagingContext,
) -> BagSummary:
    """Bag a closed records file with every document it holds, in file order; all must be given."""
    if records_file.status is RecordsFileStatus.OPEN:
        # An open file is still growing: a package of it would be handed over incomplete.
        raise PackagingRefused(f"records file {records_file.notation} is still open")
    by_id = {document.metadata.document_id: document for document in documents}
    missing = [doc_id for doc_id in records_file.document_ids if doc_id not in by_id]
    if missing:
        raise PackagingRefused(
            f"records file {records_file.notation} lists documents not supplied: {', '.join(missing)}"
        )
    bag = _BagWriter(sink)
    ordered = [by_id[doc_id] for doc_id in records_file.document_ids]
    bag.write_json("data/metadata/records-file.json", _records_file_json(records_file, ordered))
    for ordinal, document in enumerate(ordered, start=1):
        folder = f"data/documents/{ordinal:03d}-{_safe_name(document.metadata.document_id)}"
        _write_document(bag, folder, document, records_file=records_file)
    return bag.finish(
        context,
        external_identifier=_file_code(records_file),
        description=records_file.title,
        internal_identifier=records_file.file_id,
        extra={
            "Vanthu-Package-Kind": "records-file",
            "Vanthu-Agency-Code": records_file.agency_code,
        },
    )


def _write_document(
    bag: _BagWriter, folder: str, document: PackagedDocument, records_file: RecordsFile | None
) -> None:
    placed: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}
    for original in document.originals:
        kind = FOLDER_OF_ROLE.get(original.role, "originals")
        numbers[kind] = numbers.get(kind, 0) + 1
        path = f"{kind}/{numbers[kind]:02d}-{_safe_name(original.name)}"
        bag.copy_original(f"{folder}/{path}", original)
        placed.append(
            {
                "path": path,
                "name": original.name,
                "role": original.role,
                "media_type": original.media_type,
                "size": original.size,
                "sha256": original.sha256,
            }
        )
    metadata = _document_json(document.metadata, records_file, placed)
    bag.write_json(f"{folder}/metadata/document.json", metadata)
    bag.write_payload(f"{folder}/history/events.jsonl", [_history_jsonl(document.history)])


class _BagWriter:
    def __init__(self, sink: BagSink) -> None:
        self._sink = sink
        self._payload: list[BagEntry] = []

    def copy_original(self, path: str, original: OriginalFile) -> None:
        with original.open() as source:
            entry = self.write_payload(path, _chunks(source))
        if entry.sha256 != original.sha256.lower() or entry.size != original.size:
            raise OriginalDamaged(
                f"original {original.file_id} ({original.name}) was stored as "
                f"{original.size} bytes sha256 {original.sha256}, reads back as "
                f"{entry.size} bytes sha256 {entry.sha256}"
            )

    def write_json(self, path: str, content: dict[str, Any]) -> None:
        # Indented, unescaped UTF-8: an archivist reads these files, Vietnamese and all.
        text = json.dumps(content, ensure_ascii=False, indent=2) + "\n"
        self.write_payload(path, [text.encode("utf-8")])

    def write_payload(self, path: str, chunks: Iterable[bytes]) -> BagEntry:
        entry = self._write(path, chunks)
        self._payload.append(entry)
        return entry

    def _write(self, path: str, chunks: Iterable[bytes]) -> BagEntry:
        hasher, size = hashlib.sha256(), 0
        with self._sink.open_for_writing(path) as target:
            for chunk in chunks:
                hasher.update(chunk)
                size += len(chunk)
                target.write(chunk)
        return BagEntry(path, hasher.hexdigest(), size)

    def finish(
        self,
        context: PackagingContext,
        *,
        external_identifier: str,
        description: str,
        internal_identifier: str,
        extra: dict[str, str],
    ) -> BagSummary:
        oxum = f"{sum(entry.size for entry in self._payload)}.{len(self._payload)}"
        info = _bag_info(context, external_identifier, description, internal_identifier, oxum)
        info.extend(extra.items())
        tags = [
            self._write("bagit.txt", [_BAGIT_TXT]),
            self._write("bag-info.txt", [_tag_file(info)]),
            self._write("manifest-sha256.txt", [_manifest(self._payload)]),
        ]
        tags.append(self._write("tagmanifest-sha256.txt", [_manifest(tags)]))
        return BagSummary(external_identifier, oxum, tuple(self._payload), tuple(tags))


def _chunks(source: ByteSource) -> Iterator[bytes]:
    while chunk := source.read(CHUNK_SIZE):
        yield chunk


def _bag_info(
    context: PackagingContext,
    external_identifier: str,
    description: str,
    internal_identifier: str,
    oxum: str,
) -> list[tuple[str, str]]:
    info = [("Source-Organization", context.source_organization)]
    optional = (
        ("Organization-Address", context.organization_address),
        ("Contact-Name", context.contact_name),
        ("Contact-Email", context.contact_email),
    )
    info.extend((label, value) for label, value in optional if value)
    info.extend(
        [
            ("External-Identifier", external_identifier),
            ("External-Description", description),
            ("Internal-Sender-Identifier", internal_identifier),
            ("Bagging-Date", context.bagged_at.astimezone(VIETNAM_TIME).date().isoformat()),
            ("Payload-Oxum", oxum),
        ]
    )
    return info


def _tag_file(info: list[tuple[str, str]]) -> bytes:
    # A tag value is one line: line breaks in a subject would start a bogus tag.
    lines = [f"{label}: {' '.join(value.split())}\n" for label, value in info]
    return "".join(lines).encode("utf-8")


def _manifest(entries: Sequence[BagEntry]) -> bytes:
    lines = [f"{entry.sha256}  {_manifest_path(entry.path)}\n" for entry in entries]
    return "".join(sorted(lines)).encode("utf-8")


def _manifest_path(path: str) -> str:
    # RFC 8493 §2.1.3: percent-encode %, CR and LF (in that order, so no escape is re-escaped).
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _safe_name(name: str) -> str:
    """ASCII, lower-case, no separators: survives every file system and archive ingest tool."""
    stem, dot, extension = fold(name).rpartition(".")
    if not dot or not 0 < len(extension) <= 10:
        stem, extension = fold(name), ""
    stem = _clean_name_part(stem)[: _MAX_NAME_LENGTH - 11] or "file"
    extension = _clean_name_part(extension)
    return f"{stem}.{extension}" if extension else stem


def _clean_name_part(part: str) -> str:
    return _REPEATED_DASHES.sub("-", _UNSAFE_NAME_CHARS.sub("-", part)).strip("-._")


def _file_code(records_file: RecordsFile) -> str:
    # ND 30 FileCode = OrganId + FileCatalog (year) + FileNotation.
    return f"{records_file.agency_code}/{records_file.year}/{records_file.notation}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _document_json(
    metadata: DocumentMetadata, records_file: RecordsFile | None, files: list[dict[str, Any]]
) -> dict[str, Any]:
    content: dict[str, Any] = {
        "format": _METADATA_FORMAT,
        "FileCode": _file_code_json(records_file),
        "DocOrdinal": (
            records_file.ordinal_of(metadata.document_id) if records_file is not None else None
        ),
        "TypeName": metadata.type_name,
        "CodeNumber": metadata.code_number,
        "CodeNotation": metadata.code_notation,
        "IssuedDate": _iso(metadata.issued_date),
        "OrganName": metadata.organ_name,
        "Subject": metadata.subject,
        "Language": metadata.language,
        "PageAmount": metadata.page_amount,
        "Description": metadata.description,
        "SignerInfo": {"Position": metadata.signer_position, "FullName": metadata.signer_full_name},
        "Priority": metadata.urgency.edxml_priority,
        "DueDate": _iso(metadata.due_date),
    }
    content.update(_register_fields(metadata))
    content["vanthu"] = {
        "document_id": metadata.document_id,
        "document_code": metadata.document_code,
        "agency_code": metadata.agency_code,
        "register": metadata.register.value,
        "urgency": metadata.urgency.value,
        "confidentiality": metadata.confidentiality.value,
        "confidentiality_label": metadata.confidentiality.label,
        "files": files,
    }
    return content


def _register_fields(metadata: DocumentMetadata) -> dict[str, Any]:
    # Appendix VI gives incoming and outgoing documents different recipient and numbering fields.
    if metadata.register is Register.INCOMING:
        return {
            "ArrivalDate": _iso(metadata.arrival_date),
            "ArrivalNumber": metadata.arrival_number,
            "ToPlaces": "; ".join(addressee.name for addressee in metadata.addressees),
        }
    return {
        "To": [
            {"OrganId": addressee.agency_code, "OrganName": addressee.name}
            for addressee in metadata.addressees
        ],
        "IssuedAmount": metadata.issued_amount,
    }


def _file_code_json(records_file: RecordsFile | None) -> dict[str, Any] | None:
    if records_file is None:
        return None
    return {
        "OrganId": records_file.agency_code,
        "FileCatalog": records_file.year,
        "FileNotation": records_file.notation,
    }


def _records_file_json(
    records_file: RecordsFile, documents: list[PackagedDocument]
) -> dict[str, Any]:
    issued = [doc.metadata.issued_date for doc in documents if doc.metadata.issued_date]
    pages = [doc.metadata.page_amount for doc in documents if doc.metadata.page_amount is not None]
    return {
        "format": _RECORDS_FILE_FORMAT,
        "FileCode": _file_code_json(records_file),
        "Title": records_file.title,
        "Maintenance": records_file.retention.label,
        "Creator": records_file.responsible_unit,
        "Language": "Tiếng Việt",
        # ND 30: the dates of the earliest and the latest document; the file's own dates when
        # no document carries one.
        "StartDate": _iso(min(issued) if issued else records_file.opened_on),
        "EndDate": _iso(max(issued) if issued else records_file.closed_on),
        "DocTotal": len(documents),
        "PageTotal": sum(pages),
        "vanthu": {
            "file_id": records_file.file_id,
            "status": records_file.status.value,
            "opened_on": _iso(records_file.opened_on),
            "closed_on": _iso(records_file.closed_on),
            "documents": [
                {
                    "DocOrdinal": ordinal,
                    "document_id": doc.metadata.document_id,
                    "folder": f"documents/{ordinal:03d}-{_safe_name(doc.metadata.document_id)}/",
                }
                for ordinal, doc in enumerate(documents, start=1)
            ],
        },
    }


def _history_jsonl(history: Sequence[ChainedRecord]) -> bytes:
    ordered = sorted(
        history,
        key=lambda item: (
            item.record.timestamp,
            item.record.topic,
            item.record.partition,
            item.record.offset,
        ),
    )
    lines = [json.dumps(_event_json(item), ensure_ascii=False, sort_keys=True) for item in ordered]
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _event_json(chained: ChainedRecord) -> dict[str, Any]:
    record = chained.record
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": _instant(record.timestamp),
        "arrived_at": _instant(record.arrived_at),
        # Exact bytes, so anyone can recompute chain_hash from previous_hash with the bag alone.
        "key_base64": _b64(record.key),
        "value_base64": _b64(record.value),
        "headers": [[name, _b64(value)] for name, value in record.headers],
        "payload": _readable_payload(record.value),
        "previous_hash": chained.previous_hash.hex(),
        "chain_hash": chained.hash.hex(),
    }


def _instant(moment: datetime) -> str:
    return f"{moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec='milliseconds')}Z"


def _b64(value: bytes | None) -> str | None:
    return base64.b64encode(value).decode("ascii") if value is not None else None


def _readable_payload(value: bytes | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
