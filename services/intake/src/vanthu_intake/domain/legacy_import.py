"""The two import formats intake reads: the old system's export and bulk-scan manifests.

The same specification, with complete examples, is in ``services/intake/docs/legacy-export-format.md``.
Both parsers are pure: the caller reads the files and lists the folder, the parser reports every
bad line or row (not just the first) with its number, and nothing is imported from a report with
problems.

1. Old-system export: JSON Lines
================================

``documents.jsonl`` in the export folder, UTF-8 (a leading BOM is tolerated), one JSON object per
line; blank lines are ignored; line numbers count from 1 and include blank lines. Unknown keys are
errors (they usually are misspellings). Each object:

- ``legacy_id`` (string, required, no spaces, at most 200 characters): the document's id in the old
  system; unique in the export. Kept so that old links resolve.
- ``agency_code`` (string, required): identifier code of the agency whose register it is
  (``000.00.00.H41`` or ``H41.12``).
- ``registered_at`` (string, required): RFC 3339 date-time **with offset**, e.g.
  ``2019-03-05T08:15:00+07:00``. A time without offset is an error.
- ``arrival_year`` (integer, required): the year of the incoming register; must be the year of
  ``registered_at`` in Vietnam (Asia/Ho_Chi_Minh).
- ``arrival_number`` (integer ≥ 1, required): số đến in that register; (``agency_code``,
  ``arrival_year``, ``arrival_number``) is unique in the export.
- ``registered_by`` (string, optional): the old system's login of the clerk.
- ``metadata`` (object, required): the incoming-document metadata, with the keys of
  ``IncomingDocumentMetadata``: ``issuer`` {``name``, ``agency_code``?}, ``document_type``
  (English code such as ``decision``, abbreviation such as ``QĐ``, or Vietnamese name),
  ``code_number`` (``"05"``), ``code_notation`` (``"QĐ-BNV"``), ``issued_date`` (``YYYY-MM-DD``,
  not after the registration date), ``subject``, ``page_count`` (1-999), ``signer``
  {``competence``?, ``position``, ``full_name``}, ``urgency``? (normal | urgent | very_urgent |
  flash), ``confidentiality``? (normal | confidential | secret | top_secret),
  ``allowed_user_ids``? (required when confidential), ``due_date``?, ``recipients``? (list of
  strings), ``language``? (default ``vi``), ``notes``?, ``channel``? (default ``migration``).
- ``files`` (list, optional): the stored files, each {``path``, ``role``?, ``name``?,
  ``sha256``?}. ``path`` is relative to the export folder with ``/`` between folders, no ``..``,
  no leading ``/``; unique within the record. ``role`` is ``original`` (default) or ``evidence``.
  ``name`` is the file name to show; ``sha256`` (64 hex digits) is checked on import when given.
- ``old_urls`` (list of strings, optional): links that pointed at the document in the old system,
  absolute ``http(s)://`` URLs or paths starting with ``/``; they will redirect to the new record.

2. Bulk scan import: CSV manifest
=================================

``manifest.csv`` in the folder of scans, UTF-8 (Excel's "CSV UTF-8", BOM tolerated), comma- or
semicolon-separated (detected from the header line), with a header row naming the columns in any
order. Row numbers are spreadsheet rows: the header is row 1. Empty rows are skipped; an empty cell
means "not given". Lists inside a cell are separated by ``;`` or line breaks (quote the cell).
Dates are ``YYYY-MM-DD`` or ``DD/MM/YYYY``. Every row registers one paper document (channel
``paper``).

Required columns: ``file``, ``issuer_name``, ``document_type``, ``code_number``, ``code_notation``,
``issued_date``, ``subject``, ``page_count``, ``signer_position``, ``signer_full_name``.
Optional columns: ``issuer_agency_code``, ``signer_competence``, ``urgency``, ``confidentiality``,
``allowed_user_ids``, ``due_date``, ``recipients``, ``language``, ``notes``.
Urgency and confidentiality take the English code or the Vietnamese mark (``Hỏa tốc``, ``Mật``).
``file`` is the scan's path relative to the folder (rules as for ``files.path`` above); each scan
is referenced once, and must be in the folder when the folder's listing is given.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from vanthu_intake.domain.agency_code import AgencyCode
from vanthu_intake.domain.metadata import (
    Channel,
    Identifier,
    IncomingDocumentMetadata,
    OrganName,
    describe_errors,
    validation_context,
)
from vanthu_intake.domain.vietnam_time import vietnam_date
from vanthu_intake.domain.vietnamese_text import to_nfc

MAX_LINE_LENGTH = 1_000_000

SCAN_MANIFEST_REQUIRED_COLUMNS = (
    "file",
    "issuer_name",
    "document_type",
    "code_number",
    "code_notation",
    "issued_date",
    "subject",
    "page_count",
    "signer_position",
    "signer_full_name",
)
SCAN_MANIFEST_OPTIONAL_COLUMNS = (
    "issuer_agency_code",
    "signer_competence",
    "urgency",
    "confidentiality",
    "allowed_user_ids",
    "due_date",
    "recipients",
    "language",
    "notes",
)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:")
_VIETNAMESE_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_LIST_SEPARATORS = re.compile(r"[;\r\n]+")


class ManifestEncodingError(ValueError):
    def __init__(self) -> None:
        super().__init__("the manifest is not UTF-8 text; in Excel choose 'Save as' > 'CSV UTF-8'")


class FileRole(StrEnum):
    ORIGINAL = "original"
    EVIDENCE = "evidence"


def check_relative_path(value: str) -> str:
    """A path inside the import folder, ``/``-separated; returned in NFC.

    Refuses anything that could point outside the folder, whatever the file system.
    """
    if not value:
        raise ValueError("must not be empty")
    if "\\" in value:
        raise ValueError(f"{value!r} uses '\\'; separate folders with '/'")
    if value.startswith("/") or _WINDOWS_DRIVE.match(value):
        raise ValueError(f"{value!r} must be relative to the import folder")
    if any(not char.isprintable() for char in value):
        raise ValueError(f"{value!r} contains control characters")
    if any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError(f"{value!r} must not contain empty, '.' or '..' parts")
    # Folders copied from macOS list names in NFD; the manifest is usually typed in NFC.
    return to_nfc(value)


def check_old_url(value: str) -> str:
    """An old link: an absolute http(s) URL or a path starting with '/'."""
    if not value or any(char.isspace() for char in value):
        raise ValueError(f"{value!r} is not a link: it is empty or contains spaces")
    parts = urlsplit(value)
    absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
    path_only = not parts.scheme and not parts.netloc and value.startswith("/")
    if not (absolute or path_only):
        raise ValueError(f"{value!r} must be an http(s) URL or a path starting with '/'")
    return value


def _lower_hex(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _check_sha256(value: str) -> str:
    if not _SHA256.fullmatch(value):
        raise ValueError(f"{value!r} is not a SHA-256 digest (64 hexadecimal digits)")
    return value


RelativePath = Annotated[str, AfterValidator(check_relative_path)]
OldUrl = Annotated[str, AfterValidator(check_old_url)]
Sha256 = Annotated[str, BeforeValidator(_lower_hex), AfterValidator(_check_sha256)]


class _ImportRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class LegacyFile(_ImportRecord):
    path: RelativePath
    role: FileRole = FileRole.ORIGINAL
    name: OrganName | None = None
    sha256: Sha256 | None = None


def _migration_by_default(value: object) -> object:
    # Records from the old system entered it on paper or electronically; what they share in
    # vanthu is that they came by migration, unless the export says otherwise.
    if isinstance(value, dict) and "channel" not in value:
        return {**value, "channel": Channel.MIGRATION.value}
    return value


class LegacyDocumentRecord(_ImportRecord):
    """One line of the old system's export."""

    legacy_id: Identifier
    agency_code: AgencyCode
    registered_at: AwareDatetime
    arrival_year: int
    arrival_number: int = Field(ge=1)
    registered_by: Identifier | None = None
    metadata: Annotated[IncomingDocumentMetadata, BeforeValidator(_migration_by_default)]
    files: tuple[LegacyFile, ...] = ()
    old_urls: tuple[OldUrl, ...] = ()

    @field_validator("arrival_year")
    @classmethod
    def _year_of_registration(cls, value: int, info: ValidationInfo) -> int:
        registered_at = info.data.get("registered_at")
        if registered_at is not None:
            year = vietnam_date(registered_at).year
            if value != year:
                raise ValueError(
                    f"is {value} but the document was registered in {year} (Vietnam time)"
                )
        return value

    @field_validator("metadata")
    @classmethod
    def _issued_before_registration(
        cls, value: IncomingDocumentMetadata, info: ValidationInfo
    ) -> IncomingDocumentMetadata:
        registered_at = info.data.get("registered_at")
        if registered_at is not None:
            registered_on = vietnam_date(registered_at)
            if value.issued_date > registered_on:
                raise ValueError(
                    f"issued_date {value.issued_date.isoformat()} is after the registration "
                    f"date {registered_on.isoformat()}"
                )
        return value

    @field_validator("files")
    @classmethod
    def _each_file_once(cls, value: tuple[LegacyFile, ...]) -> tuple[LegacyFile, ...]:
        _reject_repeats([file.path for file in value], "file path")
        return value

    @field_validator("old_urls")
    @classmethod
    def _each_url_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _reject_repeats(value, "old URL")
        return value


class ScanManifestRow(_ImportRecord):
    """One row of a bulk-scan manifest: a scan in the folder and what to register it as."""

    file: RelativePath
    metadata: IncomingDocumentMetadata


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class LegacyLine:
    line: int
    record: LegacyDocumentRecord


@dataclass(frozen=True)
class LegacyExportReport:
    records: tuple[LegacyLine, ...]
    problems: tuple[LineProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class ManifestRow:
    row: int
    entry: ScanManifestRow


@dataclass(frozen=True)
class ScanManifestReport:
    rows: tuple[ManifestRow, ...]
    problems: tuple[RowProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Rejected(Exception):
    """One line or row cannot be imported; the message says why."""


@dataclass(frozen=True)
class _CsvRecord:
    row: int
    cells: list[str]
    unreadable: str | None = None
    """Why the csv module could not read this row (reading stops there)."""


def parse_legacy_export(lines: Iterable[str], *, today: date | None = None) -> LegacyExportReport:
    """Read the old system's JSON Lines export, reporting every bad line by its number."""
    context = validation_context(today) if today is not None else None
    records: list[LegacyLine] = []
    problems: list[LineProblem] = []
    first_line_of_id: dict[str, int] = {}
    first_line_of_number: dict[tuple[str, int, int], int] = {}
    for line_number, raw in enumerate(lines, start=1):
        text = raw.removeprefix("\ufeff") if line_number == 1 else raw
        if not text.strip():
            continue
        try:
            record = _legacy_record(text, context)
            _claim(first_line_of_id, record.legacy_id, line_number, "legacy_id")
            number = (record.agency_code, record.arrival_year, record.arrival_number)
            _claim(first_line_of_number, number, line_number, "arrival_number")
        except _Rejected as rejected:
            problems.append(LineProblem(line_number, str(rejected)))
            continue
        records.append(LegacyLine(line_number, record))
    return LegacyExportReport(tuple(records), tuple(problems))


def decode_scan_manifest(data: bytes) -> str:
    """The manifest's text; Excel's UTF-8 BOM is dropped, other encodings are refused."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ManifestEncodingError from error


def parse_scan_manifest(
    text: str, *, folder_files: Collection[str] | None = None, today: date | None = None
) -> ScanManifestReport:
    """Read a bulk-scan manifest, reporting every bad row by its spreadsheet row number.

    ``folder_files`` is the folder's listing (paths relative to it); when given, every row's
    scan must be in it.
    """
    context = validation_context(today) if today is not None else None
    available = {to_nfc(path) for path in folder_files} if folder_files is not None else None
    rows: list[ManifestRow] = []
    problems: list[RowProblem] = []
    first_row_of_file: dict[str, int] = {}
    records = _csv_records(text.removeprefix("\ufeff"))
    try:
        columns = _header(next(records, _CsvRecord(1, [])))
    except _Rejected as rejected:
        return ScanManifestReport((), (RowProblem(1, str(rejected)),))
    for record in records:
        if not record.unreadable and not any(cell.strip() for cell in record.cells):
            continue
        try:
            entry = _manifest_row(columns, record, context)
            _claim(first_row_of_file, entry.file, record.row, "file", unit="row")
            if available is not None and entry.file not in available:
                raise _Rejected(f"file: {entry.file!r} is not in the folder")
        except _Rejected as rejected:
            problems.append(RowProblem(record.row, str(rejected)))
            continue
        rows.append(ManifestRow(record.row, entry))
    return ScanManifestReport(tuple(rows), tuple(problems))


def _legacy_record(text: str, context: dict[str, Any] | None) -> LegacyDocumentRecord:
    if len(text) > MAX_LINE_LENGTH:
        raise _Rejected(f"the line is longer than {MAX_LINE_LENGTH} characters")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise _Rejected(f"not valid JSON: {error.msg} (column {error.colno})") from error
    if not isinstance(value, dict):
        raise _Rejected(f"expected a JSON object, found {type(value).__name__}")
    try:
        return LegacyDocumentRecord.model_validate(value, context=context)
    except ValidationError as error:
        raise _Rejected("; ".join(describe_errors(error))) from error


def _claim(
    first_seen: dict[Any, int], key: Any, number: int, field: str, *, unit: str = "line"
) -> None:
    earlier = first_seen.setdefault(key, number)
    if earlier != number:
        raise _Rejected(f"{field}: {key!r} was already used on {unit} {earlier}")


def _csv_records(text: str) -> Iterator[_CsvRecord]:
    header_line = text.split("\n", 1)[0]
    # Excel in locales with a decimal comma (Vietnamese included) saves CSV with semicolons.
    delimiter = ";" if ";" in header_line and "," not in header_line else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield _CsvRecord(row_number + 1, [], unreadable=str(error))
            return
        row_number += 1
        yield _CsvRecord(row_number, cells)


def _header(record: _CsvRecord) -> list[str]:
    _reject_unreadable(record)
    columns = [cell.strip().lower() for cell in record.cells]
    if not any(columns):
        raise _Rejected("the manifest is empty; the first row must name the columns")
    known = set(SCAN_MANIFEST_REQUIRED_COLUMNS) | set(SCAN_MANIFEST_OPTIONAL_COLUMNS)
    unknown = [column for column in columns if column not in known]
    if unknown:
        raise _Rejected(f"unknown columns {unknown}; the known ones are {sorted(known)}")
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise _Rejected(f"columns named twice: {repeated}")
    missing = [column for column in SCAN_MANIFEST_REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise _Rejected(f"required columns are missing: {missing}")
    return columns


def _reject_unreadable(record: _CsvRecord) -> None:
    if record.unreadable is not None:
        raise _Rejected(f"cannot be read as CSV: {record.unreadable}")


def _manifest_row(
    columns: list[str], record: _CsvRecord, context: dict[str, Any] | None
) -> ScanManifestRow:
    _reject_unreadable(record)
    cells = record.cells
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
        raise _Rejected(f"has {len(cells)} cells but the header names {len(columns)} columns")
    values = {column: cell.strip() for column, cell in zip(columns, cells, strict=False)}
    try:
        return ScanManifestRow.model_validate(_row_document(values), context=context)
    except ValidationError as error:
        raise _Rejected("; ".join(describe_errors(error, _column_of))) from error


def _row_document(values: dict[str, str]) -> dict[str, Any]:
    def given(column: str) -> str | None:
        return values.get(column) or None

    metadata: dict[str, Any] = {
        "channel": Channel.PAPER.value,
        "issuer": {"name": given("issuer_name"), "agency_code": given("issuer_agency_code")},
        "document_type": given("document_type"),
        "code_number": given("code_number"),
        "code_notation": given("code_notation"),
        "issued_date": _date_cell(given("issued_date")),
        "subject": given("subject"),
        "page_count": given("page_count"),
        "signer": {
            "competence": given("signer_competence"),
            "position": given("signer_position"),
            "full_name": given("signer_full_name"),
        },
        "urgency": given("urgency"),
        "confidentiality": given("confidentiality"),
        "allowed_user_ids": _list_cell(given("allowed_user_ids")),
        "due_date": _date_cell(given("due_date")),
        "recipients": _list_cell(given("recipients")),
        "language": given("language"),
        "notes": given("notes"),
    }
    return {"file": given("file") or "", "metadata": _drop_absent(metadata)}


def _drop_absent(document: dict[str, Any]) -> dict[str, Any]:
    # Absent optional cells take the model's defaults; absent required ones are reported missing.
    kept: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            kept[key] = _drop_absent(value)
        elif value is not None:
            kept[key] = value
    return kept


def _date_cell(text: str | None) -> str | None:
    if text is None:
        return None
    match = _VIETNAMESE_DATE.fullmatch(text)
    if match is None:
        return text
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _list_cell(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


def _column_of(location: tuple[str | int, ...]) -> str:
    names = [part for part in location if isinstance(part, str)]
    if names[:1] == ["metadata"]:
        names = names[1:]
    return "_".join(names) or "row"


def _reject_repeats(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"the same {what} is listed twice: {value}")
        seen.add(value)
