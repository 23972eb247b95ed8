"""`vanthu audit ...`: the auditor's tools, plugged into the `vanthu` command (entry point).

    vanthu audit verify [--from T1] [--to T2]    check chains and checkpoints; exit 1 on a break
    vanthu audit fixity                          re-hash every stored file; exit 1 on damage
    vanthu audit checkpoint                      sign the current heads now
    vanthu audit replay --as-of T [--document ID] [--keep] [--from-kafka [--topic T]...]
    vanthu audit report --user U [--from T1] [--to T2]

They read the servers of the VANTHU_* environment (as the services do), not the HTTP API: an
auditor checks the store itself, and works when the services are down. `verify` and `fixity` run
over every agency's records: operator's commands (whoever holds the store's credentials); over
HTTP an auditor checks the records and files of his own agency only.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from vanthu_runtime.minio_blob_store import MinioBlobStore, create_minio_client
from vanthu_runtime.mongo import MongoDocument, create_mongo_client
from vanthu_runtime.settings import KafkaSettings, MongoSettings, S3Settings

from vanthu_archive.adapters.kafka_history import KafkaHistory
from vanthu_archive.adapters.mongo_read_models import MongoReadModels
from vanthu_archive.bootstrap import Archive, archived_topics, build_archive
from vanthu_archive.config import ArchiveSettings
from vanthu_archive.handlers import (
    VerificationReport,
    replay_projections,
    replay_projections_from,
    verify_archive,
)

LOCAL_SECRETS = Path(".local/secrets.env")
VIETNAM_OFFSET = "+07:00"


def _instant(text: str) -> datetime:
    """ISO 8601; a time without a zone is read as Vietnam time, the auditor's own clock."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = datetime.fromisoformat(text + VIETNAM_OFFSET)
    return moment.astimezone(UTC)


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="auditor tools: verify, checkpoint, replay, report")
    actions = audit.add_subparsers(dest="audit_command", required=True)

    verify = actions.add_parser("verify", help="check the hash chains and signed checkpoints")
    verify.add_argument("--from", dest="since", type=_instant, default=None)
    verify.add_argument("--to", dest="until", type=_instant, default=None)
    verify.set_defaults(func=lambda args: _run(_verify, args))

    fixity = actions.add_parser("fixity", help="re-hash every stored file of every agency")
    fixity.set_defaults(func=lambda args: _run(_fixity, args))

    checkpoint = actions.add_parser("checkpoint", help="sign the current partition heads now")
    checkpoint.set_defaults(func=lambda args: _run(_checkpoint, args))

    replay = actions.add_parser("replay", help="rebuild the read models as they were at a time")
    replay.add_argument("--as-of", dest="as_of", type=_instant, required=True)
    replay.add_argument("--document", default=None, help="show this document's state")
    replay.add_argument("--keep", action="store_true", help="keep the scratch database")
    replay.add_argument(
        "--from-kafka",
        action="store_true",
        help="read the records back from Kafka by timestamp instead of the store "
        "(as far as its retention keeps them)",
    )
    replay.add_argument(
        "--topic",
        action="append",
        default=None,
        help="with --from-kafka: this topic only (repeatable; default every archived topic)",
    )
    replay.set_defaults(func=lambda args: _run(_replay, args))

    report = actions.add_parser("report", help="who did what and when")
    report.add_argument("--user", required=True)
    report.add_argument("--from", dest="since", type=_instant, default=None)
    report.add_argument("--to", dest="until", type=_instant, default=None)
    report.set_defaults(func=lambda args: _run(_report, args))


Command = Callable[[argparse.Namespace, Archive], Awaitable[int]]


def _run(command: Command, args: argparse.Namespace) -> int:
    # `make run` keeps the MinIO keys in .local/secrets.env; the environment wins when set.
    env_file = LOCAL_SECRETS if LOCAL_SECRETS.exists() else None
    s3 = S3Settings(_env_file=env_file)
    return asyncio.run(_with_archive(command, args, MongoSettings(), s3))


async def _with_archive(
    command: Command, args: argparse.Namespace, mongo: MongoSettings, s3: S3Settings
) -> int:
    client = create_mongo_client(mongo)
    try:
        blobs = MinioBlobStore(create_minio_client(s3), s3.bucket)
        archive = await build_archive(client[mongo.database], blobs, s3, ArchiveSettings())
        return await command(args, archive)
    finally:
        await client.close()


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


async def _verify(args: argparse.Namespace, archive: Archive) -> int:
    report = await verify_archive(
        archive.store, archive.checkpoints, since=args.since, until=args.until
    )
    _print_report(report)
    return 0 if report.intact else 1


def _print_report(report: VerificationReport) -> None:
    for verdict in report.partitions:
        state = "BROKEN" if verdict.first_break else "ok"
        _out(
            f"{verdict.position}\t{state}\t{verdict.checked} records\t"
            f"last offset {verdict.last_offset}\tfrom {verdict.started_from}"
            + (f"\t{len(verdict.gaps)} offset gaps" if verdict.gaps else "")
        )
    for problem in report.checkpoint_problems:
        _out(f"CHECKPOINT PROBLEM: {problem}")
    broken = report.first_break
    if broken is not None:
        _out(f"FIRST BROKEN RECORD: {broken.describe()}")
    verdict_line = "INTACT" if report.intact else "NOT INTACT"
    _out(
        f"{verdict_line}: {report.records_checked} records in {len(report.partitions)} "
        f"partitions, {report.checkpoints_checked} signed checkpoints checked"
    )


async def _fixity(args: argparse.Namespace, archive: Archive) -> int:
    report = await archive.check_fixity_now()
    for finding in report.findings:
        _out(f"DAMAGED\t{finding.object_key}\t{finding.problem.value}")
    verdict = "INTACT" if report.intact else "NOT INTACT"
    _out(f"{verdict}: {report.checked} stored files checked, {len(report.findings)} damaged")
    return 0 if report.intact else 1


async def _checkpoint(args: argparse.Namespace, archive: Archive) -> int:
    name = await archive.sign_checkpoint_now()
    lock = "object lock on" if archive.checkpoints.object_lock else "NO object lock"
    _out(f"checkpoint {name} written to {archive.checkpoints.bucket} ({lock})")
    return 0


async def _replay(args: argparse.Namespace, archive: Archive) -> int:
    scratch_name = f"{archive.db.name}_replay_{secrets.token_hex(4)}"
    scratch: AsyncDatabase[MongoDocument] = archive.db.client[scratch_name]
    try:
        models = MongoReadModels(scratch)
        await models.ensure_indexes()
        await models.ensure_indexes()
        if args.from_kafka:
            history = KafkaHistory(KafkaSettings(), args.topic or archived_topics())
            read, used = await replay_projections_from(history, models, archive.texts, args.as_of)
            _out(f"read {read} records back from Kafka ({history.report.partitions} partitions)")
            for partition, lost in sorted(history.report.lost_to_retention.items()):
                _out(
                    f"RETENTION: {partition} keeps no records before offset {lost}; "
                    "replay from the store for those"
                )
        else:
            read, used = await replay_projections(archive.store, models, archive.texts, args.as_of)
        _out(f"replayed {read} records ({used} events) up to {args.as_of.isoformat()}")
        _out(f"scratch database: {scratch_name}")
        if args.document:
            await _print_document(models, args.document)
    finally:
        if not args.keep:
            await archive.db.client.drop_database(scratch_name)
    return 0


async def _print_document(models: MongoReadModels, document_id: str) -> None:
    document = await models.document(document_id)
    if document is None:
        _out(f"document {document_id}: not known at that time")
        return
    _out(f"document {document_id}")
    secret = document.get("confidentiality") != "normal"
    for field in ("agency_code", "notation", "subject", "status", "status_at", "confidentiality"):
        if field == "subject" and secret:
            # An operator's console ends up in tickets and logs: no secret subject there.
            _out("  subject: (confidential: not printed)")
        elif field in document:
            _out(f"  {field}: {document[field]}")
    subjects = [document_id, *document.get("related_ids", [])]
    for entry in await models.timeline(subjects):
        _out(f"  {entry['occurred_at'].isoformat()}  {entry['kind']:<18} {entry['summary']}")


async def _report(args: argparse.Namespace, archive: Archive) -> int:
    entries = await archive.read_models.actions_of(args.user, args.since, args.until)
    _out(f"actions of {args.user}: {len(entries)}")
    for entry in entries:
        roles = ",".join(a["role"] for a in entry["actors"] if a["user_id"] == args.user)
        behalf = " (on behalf)" if entry.get("on_behalf") else ""
        _out(
            f"{entry['occurred_at'].isoformat()}\t{entry['document_id']}\t{roles}{behalf}\t"
            f"{entry['kind']}\t{entry['summary']}"
        )
    return 0
