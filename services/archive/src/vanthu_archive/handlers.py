"""The archive's use cases, talking to ports only."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from vanthu_contracts import ContractError, Event, KafkaRecord, decode, encode
from vanthu_contracts.events.archive import FixityMismatchDetected, RecordsFileDueForHandover
from vanthu_runtime.errors import AlreadyExists

from vanthu_archive.domain.bagit_package import (
    BagSink,
    BagSummary,
    ByteSource,
    DirectoryBagSink,
    OriginalFile,
    PackagedDocument,
    PackagingContext,
    PackagingRefused,
    build_document_package,
    build_records_file_package,
)
from vanthu_archive.domain.checkpoint import (
    Checkpoint,
    CheckpointRejected,
    SignedCheckpoint,
    key_id,
    sign_checkpoint,
    take_checkpoint,
    verify_signed_checkpoint,
)
from vanthu_archive.domain.document_history import HistoryItem, history_of, package_metadata
from vanthu_archive.domain.document_state import (
    ChainPosition,
    DocumentAsOf,
    FoldedRecord,
    state_as_of,
)
from vanthu_archive.domain.export import (
    ExportDigest,
    header_line,
    record_line,
    trailer_line,
    withheld_line,
)
from vanthu_archive.domain.fixity import Digest, FixityObservation, FixityReport, fixity_report
from vanthu_archive.domain.hashchain import (
    ChainBreak,
    ChainedRecord,
    OffsetGap,
    StoredRecord,
    TopicPartition,
    append_record,
    break_in_record,
    genesis_hash,
    head_of,
    verify_chain,
)
from vanthu_archive.domain.records_files import RecordsFile, due_for_handover_alerts
from vanthu_archive.ports import (
    CheckpointStore,
    EventStore,
    FixityRuns,
    Projected,
    Projections,
    RecordHistory,
    RecordsFileNotFound,
    RecordsFileRepository,
    StaleRecordsFile,
    TextSource,
)

log = structlog.get_logger(__name__)

_APPEND_ATTEMPTS = 5
_VERIFY_CHUNK = 5000
# A replay projects this many records at once: one write per read-model collection each time,
# and a document whose events fall into one batch is written once.
_REPLAY_BATCH = 5000
_PARTITIONS_AT_ONCE = 4
ARCHIVE_SOURCE = "/vanthu/archive"


class ArchiveWriteConflict(Exception):
    """Another writer kept storing the same offsets; the consume loop will retry the batch."""


# --- event store ---------------------------------------------------------------------------------


async def archive_records(
    store: EventStore, records: Sequence[StoredRecord]
) -> list[ChainedRecord]:
    """Chain and store consumed records of one partition, in offset order.

    The head is read from the store, not remembered: after a restart or a rebalance the chain
    continues from what is stored. Records at or behind the head were archived before (Kafka
    redelivers after a crash) and are skipped.
    """
    if not records:
        return []
    for _ in range(_APPEND_ATTEMPTS):
        head = await store.head(records[0].topic_partition)
        chained: list[ChainedRecord] = []
        for record in records:
            if head is not None and record.offset <= head.offset:
                continue
            link = append_record(head, record)
            chained.append(link)
            head = head_of(link)
        try:
            await store.append(chained)
        except AlreadyExists:
            # Another member of the group held this partition a moment ago and stored some of
            # these offsets: read the head again.
            continue
        return chained
    raise ArchiveWriteConflict(f"{records[0].topic_partition}: could not link after the head")


async def project_records(
    projections: Projections,
    texts: TextSource | None,
    records: Iterable[StoredRecord],
) -> int:
    """Update timelines and search records from archived records; returns how many were used.

    A record that is not a known contract event is history all the same (it stays in the store),
    but it has nothing to say to a read model, so it is skipped here.
    """
    found: list[tuple[StoredRecord, HistoryItem]] = []
    for record in records:
        try:
            decoded = decode(list(record.headers), record.value)
        except ContractError as exc:
            log.info("record not projected", topic=record.topic, offset=record.offset, why=str(exc))
            continue
        item = history_of(decoded.envelope, decoded.event)
        if item is not None:
            found.append((record, item))
    bodies = await asyncio.gather(*(_text_of(texts, item.facts.text_ref) for _, item in found))
    batch = [
        Projected(
            item.entry,
            item.facts,
            {"topic": record.topic, "partition": record.partition, "offset": record.offset},
            body,
        )
        for (record, item), body in zip(found, bodies, strict=True)
    ]
    await projections.apply(batch)
    return len(batch)


async def _text_of(texts: TextSource | None, ref: str | None) -> str | None:
    return None if ref is None or texts is None else await texts.text(ref)


# --- checkpoints ---------------------------------------------------------------------------------


def checkpoint_name(signed: SignedCheckpoint) -> str:
    taken = signed.checkpoint.taken_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3]
    return f"{taken}Z-{signed.checkpoint.root.hex()[:16]}.json"


async def sign_current_heads(
    store: EventStore, checkpoints: CheckpointStore, key: Ed25519PrivateKey, now: datetime
) -> tuple[str, SignedCheckpoint]:
    """Sign the Merkle root of every partition's head and write it once to the locked bucket."""
    heads = []
    for position in await store.partitions():
        head = await store.head(position)
        if head is not None:
            heads.append(head)
    signed = sign_checkpoint(take_checkpoint(heads, now), key)
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    await checkpoints.put_public_key(signed.key_id, pem)
    name = checkpoint_name(signed)
    await checkpoints.put_checkpoint(name, signed.to_json())
    log.info("checkpoint signed", name=name, partitions=len(heads))
    return name, signed


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionVerdict:
    position: TopicPartition
    checked: int
    last_offset: int | None
    first_break: ChainBreak | None
    gaps: tuple[OffsetGap, ...]
    started_from: str
    """"genesis" or the checkpoint whose head the walk started from."""


@dataclass
class VerificationReport:
    partitions: list[PartitionVerdict] = field(default_factory=list)
    checkpoints_checked: int = 0
    checkpoint_problems: list[str] = field(default_factory=list)

    @property
    def first_break(self) -> ChainBreak | None:
        for verdict in self.partitions:
            if verdict.first_break is not None:
                return verdict.first_break
        return None

    @property
    def intact(self) -> bool:
        return self.first_break is None and not self.checkpoint_problems

    @property
    def records_checked(self) -> int:
        return sum(verdict.checked for verdict in self.partitions)


async def _signed_checkpoints(
    checkpoints: CheckpointStore, report: VerificationReport
) -> list[tuple[str, Checkpoint]]:
    trusted: list[tuple[str, Checkpoint]] = []
    for name in await checkpoints.checkpoint_names():
        data = await checkpoints.get(name)
        try:
            checkpoint = verify_signed_checkpoint(data, await _public_key_of(checkpoints, data))
        except CheckpointRejected as exc:
            report.checkpoint_problems.append(f"checkpoint {name}: {exc}")
            continue
        trusted.append((name, checkpoint))
    return trusted


async def _public_key_of(checkpoints: CheckpointStore, data: bytes) -> Ed25519PublicKey:
    try:
        key_id = json.loads(data)["checkpoint"]["key_id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointRejected(f"cannot read the signing key id: {exc}") from exc
    pem = await checkpoints.public_key(str(key_id))
    if pem is None:
        raise CheckpointRejected(f"the public key {key_id} is not in the checkpoint bucket")
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointRejected(f"the public key {key_id} is not an Ed25519 key")
    return key


async def _check_heads_against_store(
    store: EventStore, name: str, checkpoint: Checkpoint, report: VerificationReport
) -> None:
    for head in checkpoint.heads:
        stored = await store.record_at(head.topic_partition, head.offset)
        if stored is None:
            report.checkpoint_problems.append(
                f"checkpoint {name}: {head.topic_partition} offset {head.offset} "
                "is signed but no longer in the store"
            )
        elif stored.hash != head.hash:
            report.checkpoint_problems.append(
                f"checkpoint {name}: {head.topic_partition} offset {head.offset} is stored with "
                f"hash {stored.hash.hex()}, but {head.hash.hex()} was signed: the chain was "
                "rewritten after the checkpoint"
            )


async def verify_archive(
    store: EventStore,
    checkpoints: CheckpointStore | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> VerificationReport:
    """Check every chain (and every signed checkpoint against the store); name the first break.

    With ``since``, a partition's walk starts at its head in the newest checkpoint taken at or
    before ``since`` (a signed, verified head is as good as walking up to it); without one, from
    the genesis. ``until`` stops at records with a later Kafka timestamp.
    """
    report = VerificationReport()
    trusted: list[tuple[str, Checkpoint]] = []
    if checkpoints is not None:
        trusted = await _signed_checkpoints(checkpoints, report)
        for name, checkpoint in trusted:
            if until is None or checkpoint.taken_at <= until:
                await _check_heads_against_store(store, name, checkpoint, report)
                report.checkpoints_checked += 1
    gate = asyncio.Semaphore(_PARTITIONS_AT_ONCE)

    async def verify(position: TopicPartition) -> PartitionVerdict:
        start_hash, after, started_from = genesis_hash(*position), None, "genesis"
        if since is not None:
            for name, checkpoint in reversed(trusted):
                head = checkpoint.head(*position)
                if checkpoint.taken_at <= since and head is not None:
                    start_hash, after, started_from = head.hash, head.offset, name
                    break
        async with gate:
            return await _verify_partition(store, position, start_hash, after, until, started_from)

    # A few partitions at once: one is hashed while the server reads the next.
    positions = await store.partitions()
    report.partitions.extend(await asyncio.gather(*(verify(p) for p in positions)))
    return report


AGENCY_RECORDS = "the agency's records"


async def verify_agency(
    store: EventStore,
    checkpoints: CheckpointStore | None,
    agency_code: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> VerificationReport:
    """The audit of one agency's records (issue 16 item 12): each record whose envelope names the
    agency (with a Kafka timestamp in [since, until]) is checked on its own: its content gives its
    hash, it names the hash of the record stored before it, and the record after it names its
    hash; and every signed checkpoint is checked against the store (heads are positions and
    hashes, no agency's data). Other agencies' records are neither read nor reported, only the
    hashes beside this agency's. The walk of every chain is the operator's `vanthu audit verify`.
    """
    report = VerificationReport()
    if checkpoints is not None:
        for name, checkpoint in await _signed_checkpoints(checkpoints, report):
            if until is None or checkpoint.taken_at <= until:
                await _check_heads_against_store(store, name, checkpoint, report)
                report.checkpoints_checked += 1
    own: dict[TopicPartition, list[ChainedRecord]] = {}
    async for chained in store.records_of_agency(agency_code, since=since, until=until):
        own.setdefault(chained.record.topic_partition, []).append(chained)
    for position, records in sorted(own.items()):
        report.partitions.append(await _verify_records_of(store, position, records))
    return report


async def _verify_records_of(
    store: EventStore, position: TopicPartition, records: list[ChainedRecord]
) -> PartitionVerdict:
    before, after = await store.links_around(position, [c.record.offset for c in records])
    genesis = genesis_hash(*position)
    checked = 0
    for chained in records:
        offset = chained.record.offset
        found = break_in_record(chained, before.get(offset, genesis), after.get(offset))
        if found is not None:
            return PartitionVerdict(position, checked, offset, found, (), AGENCY_RECORDS)
        checked += 1
    return PartitionVerdict(position, checked, records[-1].record.offset, None, (), AGENCY_RECORDS)


async def _verify_partition(
    store: EventStore,
    position: TopicPartition,
    start_hash: bytes,
    after: int | None,
    until: datetime | None,
    started_from: str,
) -> PartitionVerdict:
    running, last, checked = start_hash, after, 0
    gaps: list[OffsetGap] = []
    async for chunk in _chunks(store.records(position, after_offset=after, until=until)):
        result = verify_chain(chunk, running, after_offset=last)
        checked += result.checked
        gaps.extend(result.gaps)
        if result.first_break is not None:
            return PartitionVerdict(
                position,
                checked,
                result.last_offset,
                result.first_break,
                tuple(gaps),
                started_from,
            )
        running, last = result.head_hash, result.last_offset
    return PartitionVerdict(position, checked, last, None, tuple(gaps), started_from)


async def _chunks(records: AsyncIterator[ChainedRecord]) -> AsyncIterator[list[ChainedRecord]]:
    chunk: list[ChainedRecord] = []
    async for record in records:
        chunk.append(record)
        if len(chunk) >= _VERIFY_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- replay --------------------------------------------------------------------------------------


async def replay_projections(
    store: EventStore, projections: Projections, texts: TextSource | None, as_of: datetime
) -> tuple[int, int]:
    """Rebuild read models from the store as they stood at ``as_of``: (records read, used).

    The next batch is read while the last one is projected."""
    records = store.records_until(as_of).__aiter__()
    read = used = 0
    reading = asyncio.ensure_future(_next_batch(records))
    try:
        while batch := await reading:
            reading = asyncio.ensure_future(_next_batch(records))
            read += len(batch)
            used += await project_records(projections, texts, batch)
    finally:
        reading.cancel()
    return read, used


async def _next_batch(records: AsyncIterator[ChainedRecord]) -> list[StoredRecord]:
    batch: list[StoredRecord] = []
    async for chained in records:
        batch.append(chained.record)
        if len(batch) >= _REPLAY_BATCH:
            break
    return batch


async def replay_projections_from(
    history: RecordHistory, projections: Projections, texts: TextSource | None, as_of: datetime
) -> tuple[int, int]:
    """Rebuild read models from records read back from Kafka up to ``as_of``: (read, used).

    The records are projected as the worker projects them, not chained: the proof stays with
    the store (`verify_archive`); this is the check that the store told the same story.
    """
    read = used = 0
    async for batch in history.batches_until(as_of):
        read += len(batch)
        used += await project_records(projections, texts, batch)
    return read, used


# --- exports -------------------------------------------------------------------------------------

EXPORT_PAGE = 1000
"""Records read, linked and sent at a time: an export of years streams in bounded memory."""


async def export_agency(
    store: EventStore,
    key: Ed25519PrivateKey,
    agency_code: str,
    withheld: Callable[[list[ChainedRecord]], Awaitable[set[str]]],
    *,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
) -> AsyncIterator[bytes]:
    """The agency's records of a period as NDJSON lines (domain `export`), a page at a time: a
    header, one line per record with its chain links, and a signed trailer. ``withheld`` names
    the subjects of a page whose records are exported as links only (documents the caller may
    not see)."""
    header = header_line(agency_code, since, until, now)
    digest = ExportDigest(header)
    yield header
    page: list[ChainedRecord] = []
    async for chained in store.records_of_agency(agency_code, since=since, until=until):
        page.append(chained)
        if len(page) >= EXPORT_PAGE:
            yield await _export_page(store, page, digest, withheld)
            page = []
    if page:
        yield await _export_page(store, page, digest, withheld)
    yield trailer_line(digest, key_id(key.public_key()), key.sign(digest.digest()))


async def _export_page(
    store: EventStore,
    page: list[ChainedRecord],
    digest: ExportDigest,
    withheld: Callable[[list[ChainedRecord]], Awaitable[set[str]]],
) -> bytes:
    hidden = await withheld(page)
    after: dict[TopicPartition, dict[int, bytes]] = {}
    for position in dict.fromkeys(c.record.topic_partition for c in page):
        offsets = [c.record.offset for c in page if c.record.topic_partition == position]
        _, after[position] = await store.links_around(position, offsets)
    lines = []
    for chained in page:
        record = chained.record
        next_names = after[record.topic_partition].get(record.offset)
        shown = subject_of(record) not in hidden
        lines.append(
            record_line(chained, next_names) if shown else withheld_line(chained, next_names)
        )
        digest.add(chained.hash)
    return b"".join(lines)


def subject_of(record: StoredRecord) -> str | None:
    """The envelope's subject (a document's id for its events), from the raw headers."""
    for name, value in record.headers:
        if name == "ce_subject" and value is not None:
            return value.decode("utf-8", errors="replace")
    return None


# --- a document as of a moment ------------------------------------------------------------------


async def document_as_of(
    store: EventStore, document_id: str, related_ids: Sequence[str], as_of: datetime
) -> DocumentAsOf:
    """The document as the archive knew it at ``as_of``: its records up to then, from the event
    store itself (not the read models), folded by the domain, with their chain positions."""
    folded: list[FoldedRecord] = []
    async for chained in store.records_about([document_id, *related_ids]):
        record = chained.record
        recorded_at = _utc(record.timestamp)
        if recorded_at > as_of:
            continue
        try:
            decoded = decode(list(record.headers), record.value)
        except ContractError:
            continue
        position = ChainPosition(
            record.topic, record.partition, record.offset, chained.hash.hex(), recorded_at
        )
        folded.append(FoldedRecord(position, decoded.envelope, decoded.event))
    return state_as_of(document_id, as_of, folded)


def _utc(moment: datetime) -> datetime:
    # PyMongo hands back naive UTC datetimes.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- records files -------------------------------------------------------------------------------


def archive_event(event: Event, *, causation_id: str | None = None) -> KafkaRecord:
    return encode(event, source=ARCHIVE_SOURCE, causation_id=causation_id)


async def change_records_file(
    files: RecordsFileRepository,
    file_id: str,
    change: Callable[[RecordsFile], tuple[KafkaRecord, ...]],
) -> RecordsFile:
    """Read, change and write back one file; a concurrent change makes it read and try again.

    ``change`` mutates the file (raising a domain error if a rule forbids it) and returns the
    events to publish with the new state, in the same write.
    """
    for _ in range(_APPEND_ATTEMPTS):
        found = await files.get(file_id)
        if found is None:
            raise RecordsFileNotFound(file_id)
        records_file, version = found
        before_ids = list(records_file.document_ids)
        events = change(records_file)
        try:
            await files.update(records_file, version, events, before_ids=before_ids)
        except StaleRecordsFile:
            continue
        return records_file
    raise StaleRecordsFile(file_id)


async def alert_due_handovers(files: RecordsFileRepository, today: date, now: datetime) -> int:
    """Tell, once per file, that a closed file is due for hand-over within 30 days (or late)."""
    alerted = 0
    for records_file, _ in await files.closed_files():
        if not due_for_handover_alerts([records_file], today):
            continue

        def mark(current: RecordsFile) -> tuple[KafkaRecord, ...]:
            if not due_for_handover_alerts([current], today):
                return ()
            current.mark_handover_alerted(today)
            assert current.closed_on is not None
            assert current.handover_due_on is not None
            event = RecordsFileDueForHandover(
                file_id=current.file_id,
                agency_code=current.agency_code,
                year=current.year,
                notation=current.notation,
                title=current.title,
                responsible_unit=current.responsible_unit,
                retention=current.retention.label,
                closed_on=current.closed_on,
                handover_due_on=current.handover_due_on,
                alerted_at=now,
            )
            return (archive_event(event),)

        await change_records_file(files, records_file.file_id, mark)
        alerted += 1
    return alerted


# --- fixity --------------------------------------------------------------------------------------


async def check_fixity(
    objects: list[dict[str, object]],
    digest: Callable[[str], Digest | None],
    runs: FixityRuns,
    now: datetime,
) -> FixityReport:
    """Re-hash every stored object and publish one event per object that changed or vanished."""

    def observe() -> list[FixityObservation]:
        return [
            FixityObservation(
                object_key=str(item["_id"]),
                expected=Digest(str(item["sha256"]), int(str(item["size"]))),
                found=digest(str(item["_id"])),
            )
            for item in objects
        ]

    report = fixity_report(await asyncio.to_thread(observe), now)
    check_id = f"fx-{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    by_key = {str(item["_id"]): item for item in objects}
    events = tuple(
        archive_event(
            FixityMismatchDetected(
                check_id=check_id,
                object_key=finding.object_key,
                agency_code=_optional_str(by_key[finding.object_key].get("agency_code")),
                document_id=_optional_str(by_key[finding.object_key].get("document_id")),
                problem=finding.problem.value,
                expected=finding.expected,
                found=finding.found,
                checked_at=now,
            )
        )
        for finding in report.findings
    )
    await runs.record(check_id, report, events)
    return report


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


# --- archival packages ---------------------------------------------------------------------------

PACKAGED_ROLES = frozenset({"original", "attachment", "ocr_derivative", "evidence"})
"""Every stored file the events name goes into the bag (issue 11 item 6): the originals, the OCR
derivative of a scan, the scanned slips of decisions and the files of task reports."""
Opener = Callable[[str], Callable[[], AbstractContextManager[ByteSource]]]


async def packaged_document(
    store: EventStore,
    document_id: str,
    related_ids: Sequence[str],
    objects: Sequence[dict[str, object]],
    opener: Opener,
) -> PackagedDocument:
    """A document as it goes into a bag: its metadata, originals and every archived event."""
    history = [chained async for chained in store.records_about([document_id, *related_ids])]
    metadata = None
    for chained in history:
        try:
            decoded = decode(list(chained.record.headers), chained.record.value)
        except ContractError:
            continue
        found = package_metadata(decoded.event)
        if metadata is None and found is not None and found.document_id == document_id:
            # its own registration, not that of a related subject (a copy's source)
            metadata = found
    if metadata is None:
        raise PackagingRefused(f"document {document_id} has no registration in the archive")
    originals = tuple(
        OriginalFile(
            file_id=str(item.get("file_id") or item["_id"]),
            name=str(item["name"]),
            media_type=str(item["media_type"]),
            sha256=str(item["sha256"]),
            size=int(str(item["size"])),
            open=opener(str(item["_id"])),
            role=str(item.get("role")),
        )
        for item in sorted(objects, key=_bag_order)
        if item.get("role") in PACKAGED_ROLES
    )
    return PackagedDocument(metadata=metadata, originals=originals, history=tuple(history))


def _bag_order(item: dict[str, object]) -> tuple[int, str]:
    # Originals first, as registered; then derivatives and evidence. Within a role by key,
    # which is stable whatever order the events were projected in.
    order = ("original", "attachment", "ocr_derivative", "evidence")
    role = str(item.get("role"))
    return (order.index(role) if role in order else len(order), str(item["_id"]))


def bag_as_zip(build: Callable[[BagSink], BagSummary], name: str) -> Path:
    """Build a bag in a scratch directory and zip it into a temporary file, returned for the
    caller to send and delete (blocking: run it in a thread). Neither the bag nor the zip is held
    in memory: a records file with hundreds of scans streams from disk."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / name
        build(DirectoryBagSink(root))
        handle, zipped = tempfile.mkstemp(prefix=f"{name}-", suffix=".zip")
        os.close(handle)
        try:
            with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        archive.write(path, arcname=f"{name}/{path.relative_to(root).as_posix()}")
        except BaseException:
            os.unlink(zipped)
            raise
        return Path(zipped)


def document_bag(document: PackagedDocument, context: PackagingContext) -> Path:
    return bag_as_zip(
        lambda sink: build_document_package(sink, document, context),
        f"bag-{document.metadata.document_id}",
    )


def records_file_bag(
    records_file: RecordsFile, documents: Sequence[PackagedDocument], context: PackagingContext
) -> Path:
    return bag_as_zip(
        lambda sink: build_records_file_package(sink, records_file, documents, context),
        f"bag-{records_file.file_id}",
    )
