"""`vanthu intake ...`: the operator's import tools, plugged into the `vanthu` command (entry point).

    vanthu intake import-scans FOLDER [--csv FILE] --agency CODE --user LOGIN
    vanthu intake migrate EXPORT.jsonl --user LOGIN

They write straight to the servers of the VANTHU_* environment (as the services do) through the
same registration code as the API; the worker's outbox relay publishes `document.received` for
each document as usual. Both can be interrupted and run again: a re-run skips what is done and
finishes what was cut short. Bad rows are reported on stdout by row (or line) and field and do
not stop the good ones; progress goes to stderr. Exit status: 0 every row is registered,
1 some rows were refused, 2 the input cannot be read at all, 3 a server failed (run again).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from minio.error import S3Error
from pymongo.errors import PyMongoError
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.logging import configure_logging
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.settings import MongoSettings, S3Settings

from vanthu_intake import imports
from vanthu_intake.bootstrap import build_registry, ensure_indexes
from vanthu_intake.config import IntakeSettings
from vanthu_intake.domain.agency_code import InvalidAgencyCode, parse_agency_code
from vanthu_intake.domain.duplicates import content_key
from vanthu_intake.domain.legacy_import import (
    LegacyDocumentRecord,
    ManifestEncodingError,
    decode_scan_manifest,
    parse_legacy_export,
    parse_scan_manifest,
)
from vanthu_intake.handlers import Registry

LOCAL_SECRETS = Path(".local/secrets.env")
EXIT_OK, EXIT_ROWS_REFUSED, EXIT_UNREADABLE, EXIT_SERVER = 0, 1, 2, 3
SERVER_ERRORS = (PyMongoError, S3Error, OSError)


def register(sub: Any) -> None:
    intake = sub.add_parser("intake", help="registry office tools: backlog scans, migration")
    actions = intake.add_subparsers(dest="intake_command", required=True)

    scans = actions.add_parser(
        "import-scans", help="register a folder of scans described by a CSV manifest"
    )
    scans.add_argument("folder", type=Path, help="the folder of scans")
    scans.add_argument("--csv", type=Path, default=None, help="default: FOLDER/manifest.csv")
    scans.add_argument("--agency", required=True, help="code of the agency whose register it is")
    scans.add_argument("--user", required=True, help="login of the clerk doing the import")
    scans.add_argument("--name", default=None, help="the clerk's full name")
    scans.add_argument("--batch", default=None, help="label kept with each row (default: folder)")
    scans.add_argument(
        "--register-anyway-reason",
        default=None,
        help="register rows that look already registered anyway, recording this reason",
    )
    scans.set_defaults(func=_import_scans)

    migrate = actions.add_parser("migrate", help="bring over the old system's JSON Lines export")
    migrate.add_argument("export", type=Path, help="documents.jsonl; files are relative to it")
    migrate.add_argument("--user", required=True, help="login of the operator")
    migrate.add_argument("--name", default=None, help="the operator's full name")
    migrate.set_defaults(func=_migrate)


# ------------------------------------------------------------------------------------------
# Progress and summary


@dataclass
class Progress:
    """A bar on a terminal; plain count lines otherwise (logs, pipes, tests)."""

    total: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    counts: Counter[str] = field(default_factory=Counter)
    done: int = 0

    def __post_init__(self) -> None:
        self.tty = self.stream.isatty()
        self.step = max(1, self.total // 100)

    def advance(self, outcome: str) -> None:
        self.done += 1
        self.counts[outcome] += 1
        if self.tty:
            width = 30
            filled = width * self.done // max(1, self.total)
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {self._counts()}")
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done % self.step == 0 or self.done == self.total:
            self.stream.write(f"{self.done}/{self.total} {self._counts()}\n")
        self.stream.flush()

    def _counts(self) -> str:
        return " ".join(
            f"{name}={self.counts[name]}" for name in ("registered", "already_done", "refused")
        )


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _summary(what: str, progress: Progress, refused_before: int) -> int:
    refused = progress.counts["refused"] + refused_before
    _say(
        f"{what}: {progress.counts['registered']} registered, "
        f"{progress.counts['already_done']} already registered by an earlier run, "
        f"{refused} refused"
    )
    return EXIT_ROWS_REFUSED if refused else EXIT_OK


# ------------------------------------------------------------------------------------------
# The two commands


def _folder_listing(folder: Path) -> list[str]:
    return [
        path.relative_to(folder).as_posix()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]


def _import_scans(args: argparse.Namespace) -> int:
    """Check the folder and its manifest (every bad row is reported), then register the rest."""
    folder: Path = args.folder
    manifest: Path = args.csv or folder / "manifest.csv"
    try:
        agency = parse_agency_code(args.agency)
    except InvalidAgencyCode as exc:
        _say(f"--agency: {exc}")
        return EXIT_UNREADABLE
    if not folder.is_dir() or not manifest.is_file():
        _say(f"cannot read: {folder} must be a folder and {manifest} its manifest")
        return EXIT_UNREADABLE
    try:
        text = decode_scan_manifest(manifest.read_bytes())
    except ManifestEncodingError as exc:
        _say(f"{manifest}: {exc}")
        return EXIT_UNREADABLE
    report = parse_scan_manifest(text, folder_files=_folder_listing(folder))
    if not report.rows and report.problems and report.problems[0].row == 1:
        _say(str(report.problems[0]))
        return EXIT_UNREADABLE
    for problem in report.problems:
        _say(str(problem))
    clerk = Principal(
        user_id=args.user,
        agency_code=agency,
        roles=frozenset({Role.CLERK}),
        full_name=args.name or args.user,
    )
    batch = args.batch or folder.resolve().name

    async def register_rows(registry: Registry, limit: int) -> int:
        progress = Progress(len(report.rows))
        for row in report.rows:
            data = await asyncio.to_thread((folder / row.entry.file).read_bytes)
            try:
                if len(data) > limit:
                    raise imports.RowRefused(f"file: larger than the limit of {limit} bytes")
                result = await imports.import_scan(
                    registry,
                    principal=clerk,
                    batch=batch,
                    row=row.row,
                    entry=row.entry,
                    data=data,
                    register_anyway_reason=args.register_anyway_reason,
                )
            except imports.RowRefused as exc:
                _say(f"row {row.row}: {exc}")
                progress.advance("refused")
                continue
            progress.advance(result.outcome.value)
        return _summary(f"{manifest}", progress, len(report.problems))

    return _run(register_rows)


def _legacy_files(
    folder: Path, record: LegacyDocumentRecord, limit: int
) -> list[imports.LegacyFileData]:
    files: list[imports.LegacyFileData] = []
    for index, file in enumerate(record.files):
        path = folder / file.path
        if not path.is_file():
            raise imports.RowRefused(f"files.{index}.path: {file.path!r} is not in the export")
        data = path.read_bytes()
        if len(data) > limit:
            raise imports.RowRefused(f"files.{index}.path: larger than the limit of {limit} bytes")
        if file.sha256 is not None and content_key(data) != file.sha256:
            raise imports.RowRefused(
                f"files.{index}.sha256: the file's bytes hash to {content_key(data)}"
            )
        name = file.name or file.path.rsplit("/", 1)[-1]
        files.append(imports.LegacyFileData(file.path, name, file.role.value, data))
    return files


def _migrate(args: argparse.Namespace) -> int:
    """Check the export (every bad line is reported), then bring over the rest."""
    export: Path = args.export
    if not export.is_file():
        _say(f"cannot read: {export} is not a file")
        return EXIT_UNREADABLE
    with export.open(encoding="utf-8", newline="") as lines:
        try:
            report = parse_legacy_export(lines)
        except UnicodeDecodeError:
            _say(f"{export}: the export is not UTF-8 text")
            return EXIT_UNREADABLE
    for problem in report.problems:
        _say(str(problem))
    operator = Principal(
        user_id=args.user,
        agency_code="",
        roles=frozenset({Role.ADMINISTRATOR}),
        full_name=args.name or args.user,
    )

    async def migrate_lines(registry: Registry, limit: int) -> int:
        progress = Progress(len(report.records))
        for line in report.records:
            try:
                files = await asyncio.to_thread(_legacy_files, export.parent, line.record, limit)
                result = await imports.migrate_document(
                    registry, operator=operator, line=line.record, files=files
                )
            except imports.RowRefused as exc:
                _say(f"line {line.line}: {exc}")
                progress.advance("refused")
                continue
            progress.advance(result.outcome.value)
        return _summary(f"{export}", progress, len(report.problems))

    return _run(migrate_lines)


# ------------------------------------------------------------------------------------------
# Running against the servers

Command = Callable[[Registry, int], Awaitable[int]]


def _run(command: Command) -> int:
    # `make run` keeps the MinIO keys in .local/secrets.env; the environment wins when set.
    env_file = LOCAL_SECRETS if LOCAL_SECRETS.exists() else None
    # stdout is the report; only warnings (a reserved number voided...) go to stderr.
    configure_logging("intake-cli", level="WARNING", json=False)
    try:
        return asyncio.run(_with_registry(command, S3Settings(_env_file=env_file)))
    except KeyboardInterrupt:
        _say("interrupted; run the same command again to continue where it stopped")
        return 130


async def _with_registry(command: Command, s3: S3Settings) -> int:
    settings = IntakeSettings()
    client = create_mongo_client(MongoSettings())
    try:
        db = client[MongoSettings().database]
        blobs = MinioBlobStore(create_minio_client(s3), s3.bucket)
        started = datetime.now(UTC)
        try:
            await blobs.ensure_bucket()
            await ensure_indexes(db)
            registry = build_registry(db, blobs, settings)
            code = await command(registry, settings.max_upload_bytes)
        except SERVER_ERRORS as exc:
            _say(f"stopped: a server failed ({type(exc).__name__}: {exc}); run again to continue")
            return EXIT_SERVER
        took = (datetime.now(UTC) - started).total_seconds()
        sys.stderr.write(f"took {took:.1f} s (pid {os.getpid()})\n")
        return code
    finally:
        await client.close()
